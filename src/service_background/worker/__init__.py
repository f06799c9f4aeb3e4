"""Worker library: run your functions for jobs (JobsWorker) and tasks (TasksWorker); the
``service-background-worker`` CLI runs them from the command line or the environment; producers add a
job with ``enqueue('mail', {'to': 'a@b.c'})`` (see jobs_worker.py)."""
from .base_worker import BaseWorker, HandlerTimeout
from .enqueue import enqueue
from .runner import run_workers
from .jobs_worker import JobsWorker
from .support import format_error, load_callable
from .tasks_worker import TasksWorker
from .worker_factory import WorkerFactory

__all__ = ['BaseWorker', 'HandlerTimeout', 'JobsWorker', 'TasksWorker', 'WorkerFactory', 'enqueue', 'format_error',
           'load_callable', 'run_workers']
