"""The retries domain's clients, by version."""
