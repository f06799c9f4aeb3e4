"""JobStatusV1, the states of a job: queued, running and the finished ones."""


class JobStatusV1:
    Queued = 'queued'
    Running = 'running'
    Done = 'done'
    Failed = 'failed'
    Aborted = 'aborted'
    Cancelled = 'cancelled'  # cancel_job: before it ran, or stopped by its worker
    Skipped = 'skipped'  # a parent failed and the job's on_parent_failure is skip

    ALL = (Queued, Running, Done, Failed, Aborted, Cancelled, Skipped)
    # a finished job is never taken again; it waits for its result TTL or a delete
    FINISHED = (Done, Failed, Aborted, Cancelled, Skipped)
