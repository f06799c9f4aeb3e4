"""Tests of the cron Lua sandbox: calls, limits, isolation, json and redis modules."""
