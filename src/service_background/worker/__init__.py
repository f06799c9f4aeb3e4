"""Worker library: run your functions for jobs (JobsWorker) and tasks (TasksWorker); the
``service-background-worker`` CLI runs them from the command line or the environment; producers add a
job with ``enqueue('mail', {'to': 'a@b.c'})`` (see jobs_worker.py); inside a handler ``current()`` gives its
job's context (job_context.py)."""
from service_background.worker.base_worker import BaseWorker, HandlerTimeout
from service_background.worker.enqueue import enqueue
from service_background.worker.errors import format_error
from service_background.worker.handlers import load_callable
from service_background.worker.job_context import JobContext, current
from service_background.worker.jobs_worker import JobsWorker
from service_background.worker.runner import run_workers
from service_background.worker.tasks_worker import TasksWorker
from service_background.worker.worker_factory import WorkerFactory

__all__ = ['BaseWorker', 'HandlerTimeout', 'JobContext', 'JobsWorker', 'TasksWorker', 'WorkerFactory', 'current',
           'enqueue', 'format_error', 'load_callable', 'run_workers']
