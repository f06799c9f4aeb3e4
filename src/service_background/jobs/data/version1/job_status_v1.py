"""JobStatusV1, the states of a job: queued, running and the three finished ones."""


class JobStatusV1:
    Queued = 'queued'
    Running = 'running'
    Done = 'done'
    Failed = 'failed'
    Aborted = 'aborted'

    ALL = (Queued, Running, Done, Failed, Aborted)
    # a finished job is never taken again; it waits for its result TTL or a delete
    FINISHED = (Done, Failed, Aborted)
