"""Data helpers: data objects, JSON, schemas and validation, ids and the clock."""
