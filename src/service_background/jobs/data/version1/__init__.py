from service_background.jobs.data.version1.job_status_v1 import JobStatusV1
from service_background.jobs.data.version1.job_v1 import JobV1
from service_background.jobs.data.version1.job_v1_schema import JobV1Schema
from service_background.jobs.data.version1.new_job_v1 import NewJobV1
from service_background.jobs.data.version1.new_job_v1_schema import NewJobV1Schema

__all__ = ['JobStatusV1', 'JobV1', 'JobV1Schema', 'NewJobV1', 'NewJobV1Schema']
