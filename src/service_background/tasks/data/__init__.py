"""The tasks domain's data classes, by version."""
