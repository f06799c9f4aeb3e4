"""What JobsWorker and TasksWorker share: the Pip.Services component face, handlers, slots, the
asyncio run loop (uvloop when installed), signals and the graceful shutdown."""
import asyncio
import logging
import threading
from typing import Any, Awaitable, Callable, Coroutine, Dict, Generic, List, Optional, Set, TypeVar, overload

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.refer import IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_rpc.connect import HttpConnectionResolver

from service_background.common.clients.async_commandable_http_client import AsyncCommandableHttpClient
from service_background.worker.errors import error_status
from service_background.worker.handlers import Handler, load_callable
from service_background.worker.items import Item, Slots
from service_background.worker.job_context import JobContext
from service_background.worker.service_state import ServiceState
from service_background.worker.thread_pool import DaemonThreadPool

log = logging.getLogger('service-background-worker')

REPORT_GRACE = 5.0  # s after the grace period for the last reports and give-backs

ClientT = TypeVar('ClientT', bound=AsyncCommandableHttpClient)  # the service client a worker kind uses
T = TypeVar('T')
HandlerFn = TypeVar('HandlerFn', bound=Callable[..., Any])
Fetcher = Coroutine[Any, Any, None]  # one name's fetch loop (_poll)
Take = Callable[[], Awaitable[list]]  # one fetch: the items taken, maybe none
GiveBack = Callable[[list], Awaitable[None]]  # hands taken items back to the service


class HandlerTimeout(TimeoutError):
    """A handler ran past its time limit."""


class BaseWorker(IConfigurable, IReferenceable, IOpenable, Generic[ClientT]):
    """``client`` and ``state`` are for outsiders to read: None until run_async makes them; the worker
    itself uses ``_client`` and ``_state``, set at the same time (a worker is built without a loop)."""

    # made by run_async before any use
    _slots: Slots
    _state: ServiceState
    _client: ClientT

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, concurrency: int = 8,
                 grace: float = 30.0, time_limit: Optional[float] = None) -> None:
        self._url = url.rstrip('/') if url else None
        self._token = token
        self._concurrency = max(1, int(concurrency))
        self._grace = max(0.0, float(grace))
        self._time_limit = time_limit if time_limit and time_limit > 0 else None
        self._handlers: Dict[str, Handler] = {}
        self._resolver = HttpConnectionResolver()
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop_requested = False
        self._stop_now = False
        self._stop_event: Optional[asyncio.Event] = None
        self._now_event: Optional[asyncio.Event] = None
        self._stopping = False
        self._deadline = 0.0
        self._running: Dict[str, Item] = {}
        self._orphans: Set[asyncio.Future] = set()
        self._pool: Optional[DaemonThreadPool] = None  # None while every handler is async
        self.client: Optional[ClientT] = None
        self.state: Optional[ServiceState] = None
        self.exit_code = 0
        self.stats: Dict[str, int] = {}

    # --- handlers -------------------------------------------------------------------------------
    @overload
    def handle(self, name: str, fn: None = None,
               time_limit: Optional[float] = None) -> Callable[[HandlerFn], HandlerFn]: ...

    @overload
    def handle(self, name: str, fn: HandlerFn, time_limit: Optional[float] = None) -> HandlerFn: ...

    def handle(self, name: str, fn: Optional[HandlerFn] = None,
               time_limit: Optional[float] = None) -> Any:
        """Registers ``fn`` for ``name`` (a job type or a namespace); usable as a decorator."""
        if fn is None:
            return lambda f: (self.handle(name, f, time_limit), f)[1]
        self._handlers[name] = Handler(fn, time_limit)
        return fn

    # --- component face -------------------------------------------------------------------------
    def configure(self, config: ConfigParams) -> None:
        """connection.uri (or protocol/host/port, or discovery), credential.token,
        options.concurrency, options.grace / options.time_limit (seconds), handlers.<name>: module:fn."""
        self._resolver.configure(config)
        uri = config.get_as_nullable_string('connection.uri')
        if uri:
            self._url = uri.rstrip('/')
        self._token = config.get_as_string_with_default('credential.token', self._token)
        self._concurrency = max(1, config.get_as_integer_with_default('options.concurrency', self._concurrency))
        self._grace = config.get_as_float_with_default('options.grace', self._grace)
        limit = config.get_as_float_with_default('options.time_limit', self._time_limit or 0)
        self._time_limit = limit if limit > 0 else None
        for name, spec in config.get_section('handlers').items():
            self.handle(name, load_callable(spec))

    def set_references(self, references: IReferences) -> None:
        self._resolver.set_references(references)

    def is_open(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def open(self, correlation_id: Optional[str]) -> None:
        """Starts working on a thread of its own (for a container); close() stops it gracefully."""
        if self.is_open():
            return
        self._ready.clear()
        self._stop_requested = self._stop_now = False
        self._thread = threading.Thread(target=self._thread_main, name=f'{type(self).__name__}', daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _thread_main(self) -> None:
        try:
            self.exit_code = self.run(install_signals=False)
        except Exception:  # noqa: BLE001 - logged; the component is then closed
            log.exception('%s failed', type(self).__name__)
            self.exit_code = 1
        finally:
            self._ready.set()

    def close(self, correlation_id: Optional[str]) -> None:
        thread = self._thread
        if thread is not None:
            self.stop()
            thread.join(self._grace + REPORT_GRACE + 10)
            self._thread = None

    # --- running --------------------------------------------------------------------------------
    def run(self, install_signals: bool = True) -> int:
        """Works until stopped (SIGTERM/SIGINT when ``install_signals``); returns the exit code."""
        from service_background.worker.runner import run_workers
        return run_workers([self], install_signals)

    def stop(self, now: bool = False) -> None:
        """Stops fetching and ends the run after the grace period (at once with ``now``); any thread."""
        self._stop_requested = True
        self._stop_now = self._stop_now or now
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._on_stop)
            except RuntimeError:
                pass

    def _on_stop(self) -> None:
        if self._stop_event is not None:
            self._stop_event.set()
        if self._stop_now and self._now_event is not None:
            self._now_event.set()

    @property
    def url(self) -> str:
        if self._url is None:
            connection = self._resolver.resolve(None)
            if connection is None:
                raise ValueError('the service URL is not configured')
            self._url = connection.get_as_string('uri').rstrip('/')
        return self._url

    def _make_client(self) -> ClientT:
        raise NotImplementedError

    def _fetchers(self) -> List[Fetcher]:
        raise NotImplementedError

    async def _process(self, item: Item) -> None:
        raise NotImplementedError

    async def _give_back(self, items: List[Item]) -> None:
        raise NotImplementedError

    async def _drain_outcomes(self, give_up_at: float) -> None:
        """The last step of a stop: outcomes still buffered are sent (JobsWorker)."""

    def _on_started(self) -> None:
        """The client is open and fetching starts next (JobsWorker starts its heartbeat)."""

    def _on_stopped(self) -> None:
        """The run ended, however it did (JobsWorker ends its heartbeat)."""

    async def run_async(self) -> int:
        """The worker on the running loop, until stop(); returns the exit code."""
        if not self._handlers:
            raise ValueError(f'{type(self).__name__} has no handlers')
        self._loop = asyncio.get_running_loop()
        stop_event, now_event = asyncio.Event(), asyncio.Event()
        self._stop_event, self._now_event = stop_event, now_event
        self._stopping = False
        self._running = {}
        self._orphans = set()
        self.exit_code = 0
        self._slots = Slots(self._concurrency)
        sync = any(not h.is_async for h in self._handlers.values())
        self._pool = DaemonThreadPool(self._concurrency, type(self).__name__) if sync else None
        self._state = self.state = ServiceState(self.url)
        self._client = self.client = client = self._make_client()
        if self._stop_requested:
            self._on_stop()
        await client.open_async(None)
        try:
            self._on_started()
            self._ready.set()
            log.info('%s working on %s for %s with %d slots', type(self).__name__, self.url,
                     ', '.join(self._handlers), self._concurrency)
            fetchers = [asyncio.create_task(f) for f in self._fetchers()]
            await stop_event.wait()
            await self._shutdown(fetchers, now_event)
        finally:
            closing = asyncio.ensure_future(client.close_async(None))
            await asyncio.wait({closing}, timeout=3)
            if self._pool is not None:
                self._pool.shutdown()
            self._on_stopped()
        log.info('%s stopped: %s', type(self).__name__, self.stats)
        return self.exit_code

    def _fatal(self, ex: BaseException) -> bool:
        """A refused credential ends the worker with exit code 2 (retrying cannot fix it)."""
        if error_status(ex) in (401, 403):
            log.error('the service refused the worker: %s', ex)
            self.exit_code = 2
            self.stop(now=True)
            return True
        return False

    async def _shutdown(self, fetchers: List[asyncio.Task], now_event: asyncio.Event) -> None:
        self._stopping = True
        for fetcher in fetchers:
            fetcher.cancel()
        await asyncio.gather(*fetchers, return_exceptions=True)
        loop = asyncio.get_running_loop()
        queued = [item for item in self._running.values() if item.phase == 'queued']
        for item in queued:  # taken ahead, never started: given back at once, no grace needed
            item.task.cancel()
        await asyncio.gather(*(item.task for item in queued), return_exceptions=True)
        if queued:
            await self._give_back(queued)
        self._deadline = loop.time() + (0.0 if self._stop_now else self._grace)
        if self._running:
            log.info('stopping: %d running, waiting up to %.1f s', len(self._running), self._grace)
        now_waiter = asyncio.ensure_future(now_event.wait())
        try:
            while self._running and loop.time() < self._deadline and not now_event.is_set():
                tasks = {item.task for item in self._running.values()}
                await asyncio.wait(tasks | {now_waiter}, timeout=self._deadline - loop.time(),
                                   return_when=asyncio.FIRST_COMPLETED)
        finally:
            now_waiter.cancel()
        left = [item for item in self._running.values() if item.phase in ('queued', 'handler')]
        for item in left:
            item.task.cancel()
        await asyncio.gather(*(item.task for item in left), return_exceptions=True)
        if left:
            log.warning('stopping: giving back %d unfinished', len(left))
            self._deadline = loop.time()
            try:
                await asyncio.wait_for(self._give_back(left), REPORT_GRACE)
            except (asyncio.TimeoutError, Exception) as ex:  # noqa: BLE001
                log.error('could not give back every unfinished item: %s', ex)
        reporting = [item.task for item in self._running.values()]
        if reporting:
            await asyncio.wait(reporting, timeout=REPORT_GRACE)
        # fetch calls in flight at the stop: wait for their answers (a long-poll ends within block_for)
        # and give back what they bring, so no job waits for its lease to run out
        await self._wait_orphans(max(self._deadline - loop.time(), self._orphan_wait()) + REPORT_GRACE)
        if self._orphans:
            log.warning('stopping: %d calls still unanswered', len(self._orphans))
        await self._drain_outcomes(max(self._deadline, loop.time()) + REPORT_GRACE)

    def _orphan_wait(self) -> float:
        return 0.0

    # --- fetching -------------------------------------------------------------------------------
    async def _poll(self, name: str, take: Take) -> None:
        """The fetch loop every worker runs for each name it handles, until the stop: ``take()`` waits
        for free slots and fetches a batch (giving back the slots it did not fill); a failed take
        backs off by the service's state, one the service refuses for good ends the worker."""
        handler = self._handlers[name]
        while not self._stopping:
            ticket = self._state.ticket()
            try:
                items = await take()
                self._state.ok(ticket)
            except asyncio.CancelledError:
                raise
            except Exception as ex:  # noqa: BLE001 - the service is away or refuses: back off
                if self._fatal(ex):
                    return
                await asyncio.sleep(self._state.failed(ex))
                continue
            await self._taken(name, handler, items)

    async def _taken(self, name: str, handler: Handler, items: list) -> None:
        """Starts the items of one take (subclasses count them and pace the next take)."""
        raise NotImplementedError

    # --- items ----------------------------------------------------------------------------------
    def _count(self, name: str, n: int = 1) -> None:
        self.stats[name] = self.stats.get(name, 0) + n

    def _start_item(self, key: str, obj: Any, handler: Handler, phase: str = 'handler',
                    context: Optional[JobContext] = None) -> None:
        """Runs one fetched item (``context``: a job's, current while its handler runs); its slot is
        already taken and is given back when it ends."""
        item = Item(key, obj, handler)
        item.phase = phase
        item.context = context
        self._running[key] = item
        item.task = asyncio.create_task(self._run_item(item))

    async def _run_item(self, item: Item) -> None:
        try:
            await self._process(item)
        except asyncio.CancelledError:
            pass  # shutdown: the item is given back
        except Exception:  # noqa: BLE001 - a worker bug must not end the worker
            log.exception('%s: unexpected error', item.key)
        finally:
            if item.phase == 'report':
                self._slots.reported()
            if self._running.get(item.key) is item:
                del self._running[item.key]
            future = item.thread_future
            if future is not None and not future.done():
                future.add_done_callback(lambda _: self._slots.give())  # the thread is still busy
            else:
                self._slots.give()

    async def _call_service(self, coro: Awaitable[T], give_back: GiveBack) -> T:
        """A fetch call that a stop must not cancel mid-request (a request cancelled in flight costs its
        connection, and the server may hand the answer's jobs to nobody): the caller's
        cancellation leaves the call running; what it returns then goes to ``give_back``."""
        call = asyncio.ensure_future(coro)
        try:
            return await asyncio.shield(call)
        except asyncio.CancelledError:
            self._orphans.add(call)
            call.add_done_callback(lambda c: self._orphan_done(c, give_back))
            raise

    def _orphan_done(self, call: asyncio.Future, give_back: GiveBack) -> None:
        self._orphans.discard(call)
        if call.cancelled() or call.exception() is not None or not call.result():
            return
        result = call.result()
        returning = asyncio.ensure_future(give_back(result if isinstance(result, list) else [result]))
        self._orphans.add(returning)
        returning.add_done_callback(self._orphans.discard)

    async def _wait_orphans(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._orphans and loop.time() < deadline:
            await asyncio.wait(set(self._orphans), timeout=deadline - loop.time())

    def _to_report(self, item: Item) -> None:
        item.phase = 'report'
        self._slots.reporting += 1

    def _limit(self, item: Item, cap: Optional[float] = None) -> Optional[float]:
        limits = [x for x in (item.handler.time_limit or self._time_limit, cap) if x]
        return min(limits) if limits else None

    async def _call(self, item: Item, limit: Optional[float]) -> Any:
        """The handler's result; HandlerTimeout past ``limit`` seconds (an async handler is
        cancelled; a sync one cannot be, its thread keeps the slot until it returns)."""
        handler = item.handler
        context = item.context
        try:
            async with asyncio.timeout(limit) as scope:
                if handler.is_async:
                    if context is None:
                        return await handler.fn(item.obj)
                    return await context.run_async(handler.fn)
                assert self._pool is not None, 'run_async makes the pool when a handler is sync'
                if context is None:
                    item.thread_future = self._pool.submit(handler.fn, item.obj)
                else:
                    item.thread_future = self._pool.submit(context.run_sync, handler.fn)
                return await asyncio.shield(item.thread_future)
        except TimeoutError:
            if scope.expired():
                raise HandlerTimeout(f'handler exceeded its time limit of {limit:g} s') from None
            raise
