"""Dependencies: ``NewJobV1.depends_on = [job_id, ...]``.

A child is stored ``queued`` with ``waiting_on`` = the parents not done yet and ``not_before`` far in
the future (``WAITING``), so every take (memory heaps, MongoDB's find_one_and_update) skips it with
no new condition on the hot path. When its last parent is done it becomes due at once (a ``delay``
given with depends_on is not kept: the child is due when it is released). A parent that fails for
good, is aborted or deleted (or is unknown when the child is added) fails the child, with
``last_error`` naming it, and that failure cascades to the child's own children.

Races between an add and a parent finishing are closed from both sides: the child is stored before
it reads its parents, and a parent's finish is stored before it looks up its waiting children (memory:
an index by parent; MongoDB: a query on ``waiting_on``), so at least one side sees the other; the
change applied to a child is idempotent; the cleaner (options.clean_interval) re-checks waiting children
against their parents, for a process that died between the two. ``retry_jobs`` of a failed child makes it wait for its
parents again."""
from typing import Callable, Dict, List, Optional

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules
from service_background.jobs.data.version1.job_transitions import WAITING


def wait_for_parents(job: JobV1) -> JobV1:
    """A new (or requeued) child: not takeable while it has parents to wait on."""
    if job.depends_on:
        job.waiting_on = list(job.waiting_on or job.depends_on)
        job.not_before = WAITING
    return job


class JobDependencies:
    """Part of the jobs controller's events: ``released(job)`` is what follows a child's change."""

    def __init__(self, persistence, options, released: Callable[[Optional[JobV1]], None]):
        self._persistence = persistence
        self._options = options
        self._released = released

    def on_added(self, correlation_id: Optional[str], jobs: List[Optional[JobV1]]):
        """Children just stored (or requeued): what their parents already are decides them now."""
        persistence = self._persistence
        for job in jobs:
            if job is None or not job.waiting_on:
                continue
            states: Dict[str, Optional[str]] = {}
            for parent_id in job.waiting_on:
                parent = persistence.get_one_by_id(correlation_id, parent_id)
                states[parent_id] = parent.status if parent is not None else None
            self._resolve(correlation_id, job.id, states)

    def on_finished(self, correlation_id: Optional[str], jobs: List[JobV1]):
        """Jobs finished (done, failed, aborted): their waiting children learn it (one look for them all)."""
        finished = {job.id: job.status for job in jobs if job.is_finished}
        if not finished:
            return
        for parent_id, child_ids in self._persistence.get_waiting_children_many(correlation_id, list(finished)).items():
            for child_id in child_ids:
                self._resolve(correlation_id, child_id, {parent_id: finished[parent_id]})

    def on_deleted(self, correlation_id: Optional[str], job: JobV1):
        if job.status != JobStatusV1.Done:  # a done parent that is deleted released its children before
            self._parent_changed(correlation_id, job.id, None)

    def sweep(self, correlation_id: Optional[str], limit: int = 1000) -> int:
        """The cleaner's check of waiting children against their parents: a process that died between a
        parent's finish and its children's update left them waiting; this decides them. Returns how many
        children it looked at."""
        children = self._persistence.get_waiting_jobs(correlation_id, limit)
        self.on_added(correlation_id, children)
        return len(children)

    def _parent_changed(self, correlation_id: Optional[str], parent_id: str, status: Optional[str]):
        for child_id in self._persistence.get_waiting_children(correlation_id, parent_id):
            self._resolve(correlation_id, child_id, {parent_id: status})

    def _resolve(self, correlation_id: Optional[str], child_id: str, states: Dict[str, Optional[str]]):
        now = clock.now()

        def change(child: Optional[JobV1]) -> Optional[JobV1]:
            if child is None or child.status != JobStatusV1.Queued or not child.waiting_on:
                return None
            for parent_id in child.waiting_on:
                if parent_id not in states or states[parent_id] in (JobStatusV1.Queued, JobStatusV1.Running):
                    continue
                if states[parent_id] != JobStatusV1.Done:
                    why = 'was deleted or is unknown' if states[parent_id] is None else f'is {states[parent_id]}'
                    return rules.finish(child, now, JobStatusV1.Failed, None, f'parent {parent_id} {why}',
                                        self._options.get('finished_ttl'))
            waiting = [id for id in child.waiting_on if states.get(id, JobStatusV1.Queued) != JobStatusV1.Done]
            if waiting == child.waiting_on:
                return None
            child.waiting_on = waiting or None
            if not waiting:
                child.not_before = now
            return child
        job = self._persistence.modify(correlation_id, child_id, change)
        self._released(job)  # released: wakes the queue's waiters; failed: cascades
