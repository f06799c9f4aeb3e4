"""The cron domain's clients, by version."""
