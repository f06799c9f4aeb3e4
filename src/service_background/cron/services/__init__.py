"""The cron domain's HTTP services, by version."""
