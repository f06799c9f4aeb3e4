"""service_background: background work microservices (retries, jobs, tasks, cron) in the Pip.Services style."""
from service_background.compat import load_expression_enums

load_expression_enums()  # before anything imports pip-services3's config reader (compat.py)
