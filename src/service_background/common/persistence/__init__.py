"""Persistence bases: memory, MongoDB, PostgreSQL and the file journal with its group commit and locks."""
