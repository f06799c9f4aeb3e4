"""Persistence bases: memory, MongoDB and the file journal with its group commit and locks."""
