"""The ``not_before`` of a child waiting on its parents (jobs/logic/job_dependencies.py): far in the
future, so every take skips it without a new query condition."""
from datetime import datetime, timezone

WAITING = datetime(9999, 1, 1, tzinfo=timezone.utc)
