"""TasksWorker: runs registered functions for the tasks of their namespace.

    worker = TasksWorker(url='http://127.0.0.1:8080', concurrency=8)
    worker.handle('Infra', run_backup)     # def run_backup(task): ..., or async def
    worker.run()

Captures batches (``GET /v1/task/capture?namespace_id=&limit=<free slots>``) and releases each
task (``PUT /v1/task/release``) ``done`` when its handler returns, ``failed`` when it raises or runs
past its time limit (the task's ``timeout`` at most: after it the service's sweeper hands the task
out again). Releases that come due together go in one call per status. The tasks API has no
long-poll: an empty capture waits ``poll_interval`` seconds before the next."""
import asyncio
from typing import Any, Dict, List, Optional, Tuple

from pip_services3_commons.config import ConfigParams

from service_background.tasks.clients.version1.tasks_async_client_v1 import TasksAsyncClientV1
from service_background.worker.base_worker import REPORT_GRACE, BaseWorker, Fetcher, HandlerTimeout, Item, Take, log
from service_background.worker.errors import format_error, is_transient
from service_background.worker.handlers import Handler

MAX_RELEASE = 1000


class TasksWorker(BaseWorker[TasksAsyncClientV1]):

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, concurrency: int = 8,
                 poll_interval: float = 1.0, grace: float = 30.0, time_limit: Optional[float] = None) -> None:
        super().__init__(url, token, concurrency, grace, time_limit)
        self._poll_interval = max(0.05, float(poll_interval))
        self._pending: Dict[str, List[Tuple[Any, 'asyncio.Future[bool]']]] = {}  # status -> (task, released?)
        self._flusher: Optional[asyncio.Task] = None

    def configure(self, config: ConfigParams) -> None:
        """Also options.poll_interval (seconds)."""
        super().configure(config)
        self._poll_interval = max(0.05, config.get_as_float_with_default('options.poll_interval',
                                                                         self._poll_interval))

    def _make_client(self) -> TasksAsyncClientV1:
        self._pending, self._flusher = {}, None
        return TasksAsyncClientV1(self.url, self._token, max_connections=self._concurrency + len(self._handlers) + 4)

    def _fetchers(self) -> List[Fetcher]:
        return [self._poll(namespace, self._capturer(namespace)) for namespace in self._handlers]

    def _capturer(self, namespace: str) -> Take:
        """The take of one namespace: a capture of as many tasks as there are free slots."""
        async def capture() -> list:
            await self._slots.wait()
            n = min(self._slots.free, 1000)
            self._slots.take(n)
            tasks: list = []
            try:
                tasks = await self._call_service(self._client.capture(None, namespace, n), self._give_back_tasks)
            finally:
                self._slots.give(n - len(tasks))
            return tasks
        return capture

    async def _taken(self, name: str, handler: Handler, items: list) -> None:
        self._count('captured', len(items))
        for task in items:
            self._start_item(task.id, task, handler)
        if not items:  # the tasks API has no long-poll
            await asyncio.sleep(self._poll_interval)

    async def _process(self, item: Item) -> None:
        task = item.obj
        try:
            await self._call(item, self._limit(item, task.timeout if task.timeout else None))
            status = 'done'
        except asyncio.CancelledError:
            raise
        except HandlerTimeout as ex:
            self._count('timed_out')
            status = 'failed'
            log.warning('task %s (%s) failed: TimeoutError: %s', task.id, task.namespace_id, ex)
        except BaseException as ex:  # noqa: B902 - every handler failure is the task's outcome
            status = 'failed'
            log.warning('task %s (%s) failed: %s', task.id, task.namespace_id, format_error(ex))
        self._to_report(item)
        await self._release(task, status)

    # --- releasing in batches -------------------------------------------------------------------
    def _release(self, task: Any, status: str) -> 'asyncio.Future[bool]':
        future: 'asyncio.Future[bool]' = asyncio.get_running_loop().create_future()
        self._pending.setdefault(status, []).append((task, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())
        return future

    async def _flush(self) -> None:
        while any(self._pending.values()):
            for status in list(self._pending):
                batch, self._pending[status] = self._pending[status][:MAX_RELEASE], \
                    self._pending[status][MAX_RELEASE:]
                if not batch:
                    continue
                ok = await self._send_release([task for task, _ in batch], status)
                for _, future in batch:
                    if not future.done():
                        future.set_result(ok)

    async def _send_release(self, tasks: list, status: str) -> bool:
        loop = asyncio.get_running_loop()
        ids = [task.id for task in tasks]
        tokens = {task.id: task.lease_token for task in tasks if getattr(task, 'lease_token', None)}
        while True:
            ticket = self._state.ticket()
            try:
                result = await self._client.release(None, ids, status, tokens or None)
                self._state.ok(ticket)
                self._count(status, len(result.list))
                if result.not_found:
                    self._count('not_found', len(result.not_found))
                    log.warning('released %s, but these tasks were gone: %s', status, result.not_found)
                return True
            except Exception as ex:  # noqa: BLE001
                if not is_transient(ex):
                    self._count('rejected', len(ids))
                    log.warning('release %s of %s not accepted: %s', status, ids, ex)
                    return False
                delay = self._state.failed(ex)
                if self._stopping and loop.time() + delay > self._deadline + REPORT_GRACE:
                    log.error('gave up releasing %s as %s at shutdown: %s', ids, status, ex)
                    return False
                await asyncio.sleep(delay)

    async def _give_back(self, items: List[Item]) -> None:
        await self._give_back_tasks([item.obj for item in items])

    async def _give_back_tasks(self, tasks: list) -> None:
        if await self._send_release(tasks, 'idle'):
            self._count('given_back', len(tasks))
