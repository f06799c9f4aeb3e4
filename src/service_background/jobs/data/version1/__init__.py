"""The jobs domain's data, version 1: jobs, their statuses and state machine, and the records its features keep."""
from service_background.jobs.data.version1.idempotency_key_v1 import IdempotencyKeyV1
from service_background.jobs.data.version1.job_batch_v1 import JobBatchV1
from service_background.jobs.data.version1.job_log_line_v1 import JobLogLineV1
from service_background.jobs.data.version1.job_status_v1 import JobStatusV1
from service_background.jobs.data.version1.job_v1 import JobV1
from service_background.jobs.data.version1.job_v1_schema import JobV1Schema
from service_background.jobs.data.version1.job_worker_v1 import JobWorkerV1
from service_background.jobs.data.version1.new_job_v1 import NewJobV1
from service_background.jobs.data.version1.new_job_v1_schema import NewJobV1Schema
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.data.version1.queue_pause_v1 import QueuePauseV1

__all__ = ['JobStatusV1', 'JobV1', 'JobV1Schema', 'NewJobV1', 'NewJobV1Schema', 'IdempotencyKeyV1', 'JobBatchV1',
           'JobLogLineV1', 'JobWorkerV1', 'QueueLimitV1', 'QueuePauseV1']
