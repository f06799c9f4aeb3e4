"""The domain retries: attempt counters per (group, id)."""
