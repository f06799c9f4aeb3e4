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
parents again.

Each parent that is done leaves its result in the child's ``parent_results`` under its key (its
``workflow_key``, else its id), in the same atomic change that removes it from ``waiting_on``: two parents
finishing at once on two processes release the child once, with both results. A parent that ends otherwise
(failed, aborted, cancelled, skipped, deleted) meets the child's ``on_parent_failure``: ``fail`` (the default),
``skip`` (the child finishes ``skipped``, and its own children meet their policies) or ``run`` (the child goes on,
with ``{error, status}`` in that parent's slot)."""
from datetime import datetime as datetime_type
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from service_background.common.data import clock
from service_background.common.data.data_object import unpack_json
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules
from service_background.jobs.data.version1.job_transitions import WAITING

_UNDECIDED = (JobStatusV1.Queued, JobStatusV1.Running)


class ParentState(NamedTuple):
    """What a child needs of a parent: its status (None: deleted or unknown), result, error and key."""
    status: Optional[str]
    key: str
    result: Any = None
    error: Optional[str] = None


def parent_state(parent_id: str, parent: Optional[JobV1]) -> ParentState:
    if parent is None:
        return ParentState(None, parent_id)
    return ParentState(parent.status, parent.workflow_key or parent.id, unpack_json(parent.result), parent.last_error)


def wait_for_parents(job: JobV1) -> JobV1:
    """A new (or requeued) child: not takeable while it has parents to wait on."""
    if job.depends_on:
        job.waiting_on = list(job.waiting_on or job.depends_on)
        job.not_before = WAITING
    return job


def _failure(parent_id: str, state: ParentState) -> str:
    why = 'was deleted or is unknown' if state.status is None else f'is {state.status}'
    return f'parent {parent_id} {why}'


def apply_parents(child: Optional[JobV1], states: Dict[str, ParentState], now: datetime_type,
                  keep_ms: Optional[float]) -> Optional[JobV1]:
    """The change a child goes through when some of its parents are decided (None: nothing to change)."""
    if child is None or child.status != JobStatusV1.Queued or not child.waiting_on:
        return None
    waiting, results = [], dict(child.parent_results or {})
    for parent_id in child.waiting_on:
        state = states.get(parent_id)
        if state is None or state.status in _UNDECIDED:
            waiting.append(parent_id)
        elif state.status == JobStatusV1.Done:
            results[state.key] = state.result
        elif child.on_parent_failure == 'run':
            results[state.key] = {'error': state.error or _failure(parent_id, state), 'status': state.status}
        elif child.on_parent_failure == 'skip':
            return rules.finish(child, now, JobStatusV1.Skipped, None, _failure(parent_id, state), keep_ms)
        else:
            return rules.finish(child, now, JobStatusV1.Failed, None, _failure(parent_id, state), keep_ms)
    if len(waiting) == len(child.waiting_on):
        return None
    child.waiting_on = waiting or None
    child.parent_results = results or None
    if not waiting:
        child.not_before = now
    return child


class JobDependencies:
    """Part of the jobs controller's events: ``released(job)`` is what follows a child's change."""

    def __init__(self, persistence, options, released: Callable[[Optional[JobV1]], None]):
        self._persistence = persistence
        self._options = options
        self._released = released

    def on_added(self, correlation_id: Optional[str], jobs: List[Optional[JobV1]],
                 known: Optional[Dict[str, ParentState]] = None):
        """Children just stored (or requeued): what their parents already are decides them now. ``known``:
        parents whose state the caller knows (a workflow's jobs stored with their children: queued)."""
        persistence = self._persistence
        for job in jobs:
            if job is None or not job.waiting_on:
                continue
            states: Dict[str, ParentState] = {}
            for parent_id in job.waiting_on:
                state = known.get(parent_id) if known is not None else None
                if state is None:
                    state = parent_state(parent_id, persistence.get_one_by_id(correlation_id, parent_id))
                states[parent_id] = state
            if any(state.status not in _UNDECIDED for state in states.values()):
                self._resolve(correlation_id, job.id, states)

    def on_finished(self, correlation_id: Optional[str], jobs: List[JobV1]):
        """Jobs finished (done, failed, aborted, cancelled, skipped): their waiting children learn it (one look
        for them all)."""
        finished = {job.id: parent_state(job.id, job) for job in jobs if job.is_finished}
        if not finished:
            return
        by_child: Dict[str, Dict[str, ParentState]] = {}  # a fan-in child whose parents finished together: one write
        for parent_id, child_ids in self._persistence.get_waiting_children_many(correlation_id, list(finished)).items():
            for child_id in child_ids:
                by_child.setdefault(child_id, {})[parent_id] = finished[parent_id]
        for child_id, states in by_child.items():
            self._resolve(correlation_id, child_id, states)

    def on_deleted(self, correlation_id: Optional[str], job: JobV1):
        if job.status != JobStatusV1.Done:  # a done parent that is deleted released its children before
            for child_id in self._persistence.get_waiting_children(correlation_id, job.id):
                self._resolve(correlation_id, child_id, {job.id: ParentState(None, job.workflow_key or job.id)})

    def sweep(self, correlation_id: Optional[str], limit: int = 1000) -> int:
        """The cleaner's check of waiting children against their parents: a process that died between a
        parent's finish and its children's update left them waiting; this decides them. Returns how many
        children it looked at."""
        children = self._persistence.get_waiting_jobs(correlation_id, limit)
        self.on_added(correlation_id, children)
        return len(children)

    def _resolve(self, correlation_id: Optional[str], child_id: str, states: Dict[str, ParentState]):
        now, keep_ms = clock.now(), self._options.get('finished_ttl')
        job = self._persistence.modify(correlation_id, child_id,
                                       lambda child: apply_parents(child, states, now, keep_ms))
        self._released(job)  # released: wakes the queue's waiters; finished: cascades
