"""The tasks domain's HTTP services, by version."""
