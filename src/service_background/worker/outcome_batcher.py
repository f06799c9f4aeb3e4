"""OutcomeBatcher: a JobsWorker's outcomes (complete, fail, abort = give back, extend, cancel, progress, log)
coalesced into report_jobs calls, flushed when enough piled up or a few ms passed, or riding along with the
next take; every call names the worker, and the reply's cancel requests are handed on."""
import asyncio
import logging
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from service_background.common.clients.async_commandable_http_client import AsyncCommandableHttpClient
from service_background.jobs.clients.version1.jobs_http_client_v1 import report_body
from service_background.jobs.clients.version1.lazy_job import LazyJobV1
from service_background.worker.errors import error_status, is_transient
from service_background.worker.service_state import ServiceState

log = logging.getLogger('service-background-worker')

MAX_BATCH = 500     # reports per call (report_jobs takes up to 1000)
LINGER = 0.002      # s an outcome may wait for others before it is sent alone
COUNTERS = {'complete': 'completed', 'fail': 'failed', 'abort': 'requeued', 'extend': 'extended',
            'cancel': 'cancelled'}
QUIET = ('extend', 'progress', 'log')  # a refusal of these is no outcome lost: not counted nor warned
GONE = (404, 409, 410)

OnResult = Callable[[Optional[dict]], None]  # None: applied; else the refusal (code, status, message)
Entry = Tuple[dict, Optional[OnResult], Optional[str]]  # (report, on_result, counter)


class OutcomeBatcher:
    """Buffers reports; ``flush(take)`` sends what is buffered (and takes jobs) in one round trip.
    A report refused in its slot (LEASE_LOST, NOT_FOUND) is dropped alone; a call that got no answer
    (or a 5xx / 429) is sent again with backoff, so an outcome is lost only with the process."""

    def __init__(self, client: AsyncCommandableHttpClient, state: ServiceState, count: Callable[[str, int], None],
                 on_fatal: Callable[[BaseException], bool], max_batch: int = MAX_BATCH, linger: float = LINGER,
                 describe: Optional[Callable[[], dict]] = None,
                 on_cancel: Optional[Callable[[list], None]] = None) -> None:
        """``describe()``: the ``worker`` object each call carries; ``on_cancel(job_ids)``: a reply's
        ``cancel`` list (not called when empty)."""
        self._client = client
        self._describe = describe
        self._on_cancel = on_cancel
        self.last_call = 0.0  # loop time the latest call went out
        self._state = state
        self._count = count
        self._on_fatal = on_fatal
        self._max = max(1, min(1000, int(max_batch)))
        self._linger = max(0.0, float(linger))
        self._pending: List[Entry] = []
        self._timer: Optional[asyncio.TimerHandle] = None
        self._inflight: Set[asyncio.Future] = set()
        self._give_up_at: Optional[float] = None  # loop time past which failed calls are not retried

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, report: dict, on_result: Optional[OnResult] = None, counter: Optional[str] = None) -> None:
        """Buffers one report: {job_id, lease_token, outcome, result | error | timeout}; ``counter``: the
        stat counted once it is applied (default: completed, failed, requeued or extended)."""
        self._pending.append((report, on_result, counter))
        if len(self._pending) >= self._max:
            self._spawn()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._linger, self._spawn)

    def _spawn(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending:
            call = asyncio.ensure_future(self._send_pending())
            self._inflight.add(call)
            call.add_done_callback(self._inflight.discard)

    async def _send_pending(self) -> None:
        try:
            await self.flush()
        except Exception as ex:  # noqa: BLE001 - flush() retries transient failures itself
            log.error('reports not sent: %s', ex)

    async def flush(self, take: Optional[dict] = None, beat: bool = False) -> list:
        """Sends every buffered report (in calls of at most max_batch) with ``take`` on the last call;
        returns the jobs taken. Raises the take's failure (the reports of that call are buffered again).
        ``beat``: a call goes out even with nothing buffered (a heartbeat)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while len(self._pending) > self._max:
            batch, self._pending = self._pending[:self._max], self._pending[self._max:]
            await self._send(batch, None)
        batch, self._pending = self._pending, []
        if not batch and take is None and not beat:
            return []
        return await self._send(batch, take)

    async def _send(self, batch: List[Entry], take: Optional[dict]) -> list:
        loop = asyncio.get_running_loop()
        while True:
            ticket = self._state.ticket()
            self.last_call = loop.time()
            body = report_body([entry[0] for entry in batch], take, True,
                               self._describe() if self._describe is not None else None)
            try:
                # the call itself, not report_jobs(): taken jobs stay undecoded until their handler reads them
                reply = await self._client.call_command('report_jobs', None, body)
            except asyncio.CancelledError:
                self._pending[:0] = batch  # a stop cancelled the call: the reports go with the last flush
                raise
            except Exception as ex:  # noqa: BLE001
                if take is not None:
                    self._pending[:0] = batch  # the taker backs off; its reports go with the next call
                    if batch and self._timer is None:
                        self._timer = loop.call_later(self._linger, self._spawn)
                    raise
                if not batch:
                    return []
                if not is_transient(ex):
                    if self._on_fatal(ex):
                        return []
                    await self._one_by_one(batch, ex)
                    return []
                delay = self._state.failed(ex)
                if self._give_up_at is not None and loop.time() + delay > self._give_up_at:
                    log.error('gave up sending %d outcomes at shutdown: %s', len(batch), ex)
                    return []
                await asyncio.sleep(delay)
                continue
            self._state.ok(ticket)
            self._settle(batch, reply.get('results') or [])
            cancel = reply.get('cancel')
            if cancel and self._on_cancel is not None:
                self._on_cancel(cancel)
            return [LazyJobV1.of_dict(data) for data in reply.get('jobs') or []]

    async def _one_by_one(self, batch: List[Entry], ex: BaseException) -> None:
        """A whole call refused (400): each report alone, so one bad report does not sink the rest."""
        if len(batch) == 1:
            self._count('rejected', 1)
            log.warning('job %s: %s not accepted: %s', batch[0][0].get('job_id'), batch[0][0].get('outcome'), ex)
            _notify(batch[0][1], {'code': getattr(ex, 'code', 'UNKNOWN'), 'status': error_status(ex)})
            return
        for entry in batch:
            await self._send([entry], None)

    def _settle(self, batch: List[Entry], results: list) -> None:
        counts: Dict[str, int] = {}
        for index, (report, on_result, counter) in enumerate(batch):
            refusal = results[index] if index < len(results) else None
            outcome = report['outcome']
            if refusal is None:
                name = counter or COUNTERS.get(outcome)
                if name:
                    counts[name] = counts.get(name, 0) + 1
            elif outcome not in QUIET:
                gone = refusal.get('status') in GONE
                counts['lease_lost' if gone else 'rejected'] = counts.get('lease_lost' if gone else 'rejected', 0) + 1
                log.warning('job %s: %s not applied: %s %s', report['job_id'], outcome, refusal.get('code'),
                            refusal.get('message'))
            if on_result is not None:
                _notify(on_result, refusal)
        for name, n in counts.items():
            self._count(name, n)

    async def close(self, give_up_at: Optional[float] = None) -> None:
        """Sends everything buffered (retrying transient failures until ``give_up_at``, loop time) and
        waits for the calls in flight."""
        self._give_up_at = give_up_at
        while self._pending or self._inflight:
            if self._pending:
                try:
                    await self.flush()
                except Exception as ex:  # noqa: BLE001
                    log.error('reports not sent at shutdown: %s', ex)
                    return
            if self._inflight:
                await asyncio.wait(set(self._inflight))


def _notify(on_result: Optional[OnResult], refusal: Any) -> None:
    if on_result is None:
        return
    try:
        on_result(refusal)
    except Exception:  # noqa: BLE001 - a callback bug must not lose the other outcomes
        log.exception('outcome callback failed')
