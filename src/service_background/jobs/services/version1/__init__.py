"""The jobs domain's HTTP services, version 1: the commands API and the queue API."""
from service_background.jobs.services.version1.jobs_commandable_http_service_v1 import JobsCommandableHttpServiceV1
from service_background.jobs.services.version1.jobs_rest_service_v1 import JobsRestServiceV1

__all__ = ['JobsCommandableHttpServiceV1', 'JobsRestServiceV1']
