"""The retries domain's data classes, by version."""
