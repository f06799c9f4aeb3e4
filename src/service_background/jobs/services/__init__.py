"""The jobs domain's HTTP services, by version."""
