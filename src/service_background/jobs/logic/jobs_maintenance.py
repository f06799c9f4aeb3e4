"""The jobs controller's maintenance, run by its timers as River's internal/maintenance services: the
lease rescuer puts jobs whose lease ran out back in the queue; the cleaner deletes expired jobs."""
from typing import Callable, Optional

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1


class JobLeaseRescuer:

    def __init__(self, persistence, options, events):
        self._persistence = persistence
        self._options = options
        self._events = events

    def release_expired_leases(self, correlation_id: Optional[str]) -> int:
        """Puts jobs whose lease ran out back in the queue after their backoff (job_backoff.py), or fails
        them past max_retries."""
        count = 0
        retry = self._options.retry
        while True:
            now = clock.now()
            leases = self._persistence.get_expired_leases(correlation_id, now, 100)
            released = []
            with self._persistence.batch():  # file: one journal group and one fsync per 100 leases
                for job_id, token in leases:
                    # state, lease end and token compared inside the persistence's atomic step (memory
                    # and file: under the lock; MongoDB: the guarded replace's filter)
                    def release(job: Optional[JobV1], token=token, now=now) -> Optional[JobV1]:
                        if job is None or job.status != JobStatusV1.Running or job.locked_until is None \
                                or job.locked_until > now or (token is not None and job.lease_token != token):
                            return None  # finished, extended or taken again meanwhile
                        return retry.release(job, now, 'lease expired')  # after its backoff
                    released.append(self._persistence.modify(correlation_id, job_id, release))
            for job in released:
                self._events.released(job)
                count += job is not None
            if len(leases) < 100:
                return count


class JobsCleaner:

    def __init__(self, persistence, features, events, logger, sweep_logs: Callable[[Optional[str]], None]):
        self._persistence = persistence
        self._features = features
        self._events = events
        self._logger = logger
        self._sweep_logs = sweep_logs

    def clean_jobs(self, correlation_id: Optional[str]) -> None:
        self._events.dependencies.sweep(correlation_id)  # children a dead process left waiting on finished parents
        deleted = self._persistence.delete_expired(correlation_id, clock.now())
        self._sweep_logs(correlation_id)  # the logs of jobs gone, here or by another process
        if deleted:
            self._features.metrics.jobs_cleaned()
            self._events.jobs_gone()
            self._logger.debug(correlation_id, f'Deleted {deleted} expired or finished jobs')
