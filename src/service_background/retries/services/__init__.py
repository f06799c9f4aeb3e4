"""The retries domain's HTTP services, by version."""
