"""What follows a stored change of jobs: the metrics, the wake-ups of waiters (threads and async
long-polls), queue-limit slots, waiting children, batches and callbacks. Every part of the jobs
controller that writes calls it, so each change is followed alike."""
from typing import List, Optional

from service_background.common.concurrency.wait_signal import WaitSignal
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.logic.callback_outbox import OutboxCallbackSender
from service_background.jobs.logic.callback_sender import CallbackSender
from service_background.jobs.logic.job_dependencies import JobDependencies
from service_background.jobs.logic.jobs_features import JobsFeatures
from service_background.jobs.logic.jobs_long_polls import JobsLongPolls
from service_background.jobs.logic.jobs_options import JobsOptions

_CALLED_BACK = (JobStatusV1.Done, JobStatusV1.Failed, JobStatusV1.Cancelled, JobStatusV1.Skipped)


class JobEvents:

    def __init__(self, persistence, options: JobsOptions, features: JobsFeatures, long_polls: JobsLongPolls,
                 logger):
        self._persistence = persistence
        self._options = options
        self._features = features
        self._long_polls = long_polls
        self._logger = logger
        self.enqueued = WaitSignal()  # a job became takeable
        self.finished = WaitSignal()  # a job finished or was deleted
        self.dependencies = JobDependencies(persistence, options, self.released)
        self.callbacks: Optional[CallbackSender] = None

    def open(self):
        self.enqueued.open()
        self.finished.open()
        option = self._options.get
        settings = (option('callback_retries'), option('callback_backoff'), option('callback_max_backoff'),
                    option('callback_timeout'))
        outbox = getattr(self._persistence, 'callback_outbox_store', None)  # durable and bounded
        self.callbacks = CallbackSender(*settings, logger=self._logger) if outbox is None else \
            OutboxCallbackSender(outbox(), option('callback_outbox_size'), *settings, logger=self._logger,
                                 claim_interval_ms=option('callback_claim_interval'))
        self.callbacks.start()

    def close_signals(self):
        """Thread waiters return now (closing)."""
        self.enqueued.close()
        self.finished.close()

    def stop_callbacks(self):
        if self.callbacks is not None:
            self.callbacks.stop()

    def jobs_enqueued(self, jobs: List[Optional[JobV1]]):
        """Jobs became takeable (added, released, requeued): waiters of their queues take."""
        self._features.metrics.jobs_changed(jobs)
        self.enqueued.notify()
        self._long_polls.notify_enqueued(jobs)

    def jobs_requeued(self, correlation_id: Optional[str], jobs: List[JobV1]):
        """Dead jobs queued again: as enqueued, and a child waits for its parents again."""
        self.jobs_enqueued(jobs)
        self.dependencies.on_added(correlation_id, jobs)

    def wake(self, type: str, count: int):
        """Waiters of the queue (and of any queue) try a take again: a pause or a limit changed."""
        self.enqueued.notify()
        self._long_polls.wake(type, count)

    def jobs_gone(self, job_id: Optional[str] = None):
        """Jobs were deleted (one, or every one when ``job_id`` is None): result waiters look again."""
        self.finished.notify()
        self._long_polls.notify_finished(job_id)

    def jobs_finished(self, jobs: List[JobV1]):
        """Jobs finished: limit slots free, children and batches learn it, callbacks go out; a batch
        (complete_jobs) pays the metrics and the wake-up once."""
        features = self._features
        for job in jobs:
            features.limits.job_left(job)
        self.dependencies.on_finished(None, jobs)  # waiting children are released or failed
        for job in jobs:
            features.batches.job_finished(None, job)  # the batch's last job: its callback
        features.metrics.jobs_changed(jobs)
        features.tracing.finished(jobs)
        self.finished.notify()
        long_polls = self._long_polls
        for job in jobs:
            long_polls.notify_finished(job.id)
            if job.callback_url and job.status in _CALLED_BACK:
                self.callbacks.send(job)

    def released(self, job: Optional[JobV1]):
        """A running job let go (finished, or back in its queue)."""
        if job is None:
            return
        if job.is_finished:
            self.jobs_finished([job])
        else:
            self._features.limits.job_left(job)
            self.jobs_enqueued([job])
