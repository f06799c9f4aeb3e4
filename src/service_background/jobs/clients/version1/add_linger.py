"""Opt-in client-side batching of single adds: ``enqueue_soon`` calls that come within a short linger go to
the service as one ``add_jobs``, as a Kafka producer's ``linger.ms`` does, so one producer adding jobs one by
one costs the service one request per batch instead of one per job."""
import asyncio
from typing import Awaitable, Callable, List, Optional, Tuple

MAX_BATCH = 1000  # the service's add_jobs limit

Send = Callable[[List[dict]], Awaitable[List[str]]]  # new jobs -> their ids, in order


class AddLinger:
    """Holds new jobs up to ``linger_ms`` (or until ``max_batch`` are held), then sends them in one call.

    Each job gets a future of its id; the batch's failure fails every future of the batch (nothing of a
    refused batch is added: add_jobs checks the whole body first). ``flush()`` sends what is held and
    waits for every batch in flight: call it before the producer stops."""

    def __init__(self, send: Send, linger_ms: float, max_batch: int = MAX_BATCH):
        self._send = send
        self._linger = max(0.0, linger_ms) / 1000.0
        self._max_batch = max(1, min(MAX_BATCH, max_batch))
        self._held: List[Tuple[dict, asyncio.Future]] = []
        self._timer: Optional[asyncio.TimerHandle] = None
        self._in_flight: set = set()
        self._errors: List[BaseException] = []  # failures flush() has not raised yet

    def add(self, new_job: dict) -> 'asyncio.Future[str]':
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._held.append((new_job, future))
        if len(self._held) >= self._max_batch:
            self._send_held()
        elif self._timer is None:
            self._timer = loop.call_later(self._linger, self._send_held)
        return future

    def _send_held(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        held, self._held = self._held, []
        if held:
            task = asyncio.ensure_future(self._deliver(held))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _deliver(self, held: List[Tuple[dict, asyncio.Future]]) -> None:
        try:
            ids = await self._send([job for job, _ in held])
        except BaseException as ex:  # noqa: B902 - every caller of the batch hears its failure
            self._errors.append(ex)
            for _, future in held:
                if not future.done():
                    future.set_exception(ex)
                    future.add_done_callback(_retrieved)  # flush() reports it to a producer that never awaits
            if isinstance(ex, asyncio.CancelledError):
                raise
            return
        for (_, future), job_id in zip(held, ids):
            if not future.done():
                future.set_result(job_id)

    async def flush(self) -> None:
        """Sends what is held and waits until every batch has its answer; raises the first failure."""
        self._send_held()
        while self._in_flight:
            await asyncio.wait(set(self._in_flight))
        errors, self._errors = self._errors, []
        if errors:
            raise errors[0]

    @property
    def held(self) -> int:
        return len(self._held)


def _retrieved(future: 'asyncio.Future') -> None:
    future.exception()  # marks the failure as seen, so asyncio does not log it as never retrieved
