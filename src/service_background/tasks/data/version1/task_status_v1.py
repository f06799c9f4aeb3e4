"""TaskStatusV1, the states of a task and which of them capture and release accept."""
class TaskStatusV1:
    Idle = 'idle'
    InProgress = 'in_progress'
    Done = 'done'
    Failed = 'failed'

    All = (Idle, InProgress, Done, Failed)
    Capturable = (Idle, Failed)
    # what a worker may set when it lets tasks go; in_progress is only ever set by capture
    Releasable = (Idle, Done, Failed)
