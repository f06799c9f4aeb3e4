"""What the jobs logic needs of a jobs store: the interface the memory, file and MongoDB stores meet."""
import contextlib
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.persistence.i_queue_limit_gate import IQueueLimitGate

Change = Callable[[Optional[JobV1]], Optional[JobV1]]


class IJobsPersistence(ABC):

    @abstractmethod
    def get_page_by_filter(self, correlation_id: Optional[str], filter: Optional[FilterParams],
                           paging: Optional[PagingParams]) -> DataPage: ...

    @abstractmethod
    def get_one_by_id(self, correlation_id: Optional[str], id: str) -> Optional[JobV1]: ...

    @abstractmethod
    def get_list_by_ids(self, correlation_id: Optional[str], ids: List[str]) -> List[JobV1]:
        """The jobs of ``ids`` that exist, in one read."""

    def get_cancel_requested_ids(self, correlation_id: Optional[str], ids: List[str]) -> List[str]:
        """Those of ``ids`` (a worker's jobs in hand) whose cancel was requested or that are cancelled."""
        return [job.id for job in self.get_list_by_ids(correlation_id, ids)
                if job.cancel_requested or job.status == JobStatusV1.Cancelled]

    @abstractmethod
    def create(self, correlation_id: Optional[str], job: JobV1) -> JobV1: ...

    @abstractmethod
    def create_unless_ref_id_unfinished(self, correlation_id: Optional[str], job: JobV1) -> JobV1:
        """Stores ``job`` unless an unfinished job of the same type and ref_id exists: returns that one.
        Atomic across every caller, processes sharing a MongoDB included."""

    def create_unless_key_locked(self, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
        """Stores ``job`` (it has a ``unique_key``) unless the job holding the lock on its (type, key)
        still holds it at ``now`` (unique_locks.py): returns that one. Atomic across every caller,
        processes sharing a MongoDB included; a holder whose lock ended is replaced as holder."""
        raise NotImplementedError()

    def create_idempotent(self, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
        """Stores ``job`` (it has an ``idempotency_key``; ``create_unless_key_locked`` when it is unique too) unless
        its key already names a job: returns that one (as its record keeps it once deleted,
        idempotency_keys.py). Atomic across every caller, processes sharing a MongoDB included."""
        raise NotImplementedError()

    @abstractmethod
    def modify(self, correlation_id: Optional[str], id: str, change: Change) -> Optional[JobV1]:
        """Atomic read-modify-write of one job: ``change`` gets a copy (or None) and returns what to
        store, or None to store nothing."""

    @abstractmethod
    def take(self, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float, worker_id: Optional[str] = None) -> Optional[JobV1]:
        """Atomically claims the first queued, due job of the type (any type when None) by
        (priority, created); the lease is ``timeout``, else the job's own, else ``default_timeout``;
        ``worker_id``: the taker, stamped on the job."""

    @abstractmethod
    def take_many(self, correlation_id: Optional[str], type: str, now: datetime, timeout: Optional[float],
                  default_timeout: float, limit: int, worker_id: Optional[str] = None) -> List[JobV1]:
        """``take`` up to ``limit`` times (fewer when the queue runs dry), in one step where the store can."""

    @abstractmethod
    def pop_due_counts(self, correlation_id: Optional[str], now: datetime) -> Dict[str, int]:
        """How many delayed jobs of each type fell due since the previous call."""

    @abstractmethod
    def get_expired_lease_ids(self, correlation_id: Optional[str], now: datetime, limit: int) -> List[str]: ...

    def get_expired_leases(self, correlation_id: Optional[str], now: datetime,
                           limit: int) -> List[Tuple[str, Optional[str]]]:
        """(id, lease_token) of running jobs whose lease ran out: the sweeper releases a job only if
        its token is still that one, in the same atomic step as the state check."""
        return [(id, None) for id in self.get_expired_lease_ids(correlation_id, now, limit)]

    @abstractmethod
    def delete_by_id(self, correlation_id: Optional[str], id: str) -> Optional[JobV1]: ...

    @abstractmethod
    def delete_all(self, correlation_id: Optional[str]) -> None: ...

    @abstractmethod
    def delete_expired(self, correlation_id: Optional[str], now: datetime) -> int:
        """Removes unfinished jobs past execute_until and finished ones past remove_at."""

    @abstractmethod
    def queued_types(self, now: datetime) -> List[str]:
        """The types that have queued jobs (memory and file: due ones, best head first), for a take of
        any type that walks them one by one (paused or limited types are skipped)."""

    @abstractmethod
    def unfinished_jobs(self) -> List[JobV1]:
        """Every queued or running job, read once (the metrics' start)."""

    @abstractmethod
    def limit_gate(self) -> IQueueLimitGate:
        """The enforcement of queue limits that fits this store (one per store, made on first use)."""

    # --- fair queues: group turns are given in create; limits and counts here ------------------
    @abstractmethod
    def set_group_limits(self, limits: Dict[str, int]) -> None:
        """type -> most running jobs per group key (the whole map, replacing the last one): takes skip the
        jobs of a group that runs that many (every process sharing the database counted)."""

    @abstractmethod
    def get_group_counts(self, correlation_id: Optional[str], type: str, limit: int = 100) -> List[dict]:
        """[{group_key, queued, running}] of the type's groups with queued or running jobs, most queued first."""

    # --- dependencies and batches ------------------------------------------------------
    def get_waiting_children(self, correlation_id: Optional[str], parent_id: str) -> List[str]:
        """Ids of queued jobs whose ``waiting_on`` names ``parent_id``."""
        raise NotImplementedError()

    def get_waiting_children_many(self, correlation_id: Optional[str], parent_ids: List[str]) -> Dict[str, List[str]]:
        """``get_waiting_children`` of each parent (a batch of finishes), in one query where the store can."""
        return {id: self.get_waiting_children(correlation_id, id) for id in parent_ids}

    def get_waiting_jobs(self, correlation_id: Optional[str], limit: int) -> List[JobV1]:
        """Up to ``limit`` queued jobs still waiting on parents."""
        raise NotImplementedError()

    def batch_has_unfinished(self, correlation_id: Optional[str], batch_id: str) -> bool:
        raise NotImplementedError()

    def batch_counts(self, correlation_id: Optional[str], batch_id: str) -> Dict[str, int]:
        """Jobs of the batch by status."""
        raise NotImplementedError()

    # --- batches: each persistence makes them one write where it can --------------------------
    def create_many(self, correlation_id: Optional[str], jobs: List[JobV1]) -> List[JobV1]:
        return [self.create(correlation_id, job) for job in jobs]

    def modify_many(self, correlation_id: Optional[str], ids: List[str], change: Change) -> List[Optional[JobV1]]:
        """``modify`` of each id with the same ``change``; None where nothing was stored."""
        return [self.modify(correlation_id, id, change) for id in ids]

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Writes made inside are grouped where the store can (file: one journal group, one fsync)."""
        yield
