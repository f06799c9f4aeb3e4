"""The tasks domain's clients, by version."""
