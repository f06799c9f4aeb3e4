"""Tests of the cron domain: scheduling, executors, nodes, functions, archives, HTTP."""
