"""Worker nodes of REMOTE@ jobs: registration, heartbeats, the durable queue of executions that nodes
long-poll, their reports, and a sweeper that closes what no node took or reported in time."""
# The queue holds CronDispatchV1 records. Every report or expiry is recorded as a run of the job (one run
# per node), by whichever process receives it, so a restart between dispatch and report loses nothing.
import asyncio
import hashlib
import hmac
import re
import secrets
from typing import Callable, List, Optional, Sequence, Tuple

import pyotp
from pip_services3_commons.errors import (
    BadRequestException,
    ConflictException,
    NotFoundException,
    UnauthorizedException,
)
from pip_services3_components.log import CompositeLogger

from service_background.common.concurrency.async_signal import AsyncWaiters
from service_background.common.concurrency.blocking import run_sync
from service_background.common.concurrency.timer import IntervalTimer
from service_background.common.concurrency.wait_signal import WaitSignal
from service_background.common.data import clock
from service_background.common.security.attempt_limiter import AttemptLimiter, request_source
from service_background.cron.data.version1 import CronDispatchV1, CronGroupV1, CronNodeV1, CronRunV1
from service_background.cron.data.version1.cron_dispatch_v1 import DONE, EXPIRED, FAILED, OPEN_STATUSES, QUEUED, RUNNING
from service_background.cron.persistence import ICronDispatchesPersistence, ICronNodesPersistence

NODE_ID_RULE = re.compile(r'[a-zA-Z0-9_.\-]{1,64}')
MISSED_HEARTBEATS = 3
TAIL = 4096


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def _tail(value, field: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequestException(None, 'BAD_' + field.upper(), f'{field}: must be a string')
    return value[-TAIL:]


def check_node_id(correlation_id: Optional[str], node_id) -> str:
    if not isinstance(node_id, str) or not NODE_ID_RULE.fullmatch(node_id):
        raise BadRequestException(correlation_id, 'BAD_NODE_ID', f'node_id: must match [a-zA-Z0-9_.-]{{1,64}}, '
                                  f'got {node_id!r}').with_details('field', 'node_id')
    return node_id


class CronNodeHub:
    """``find_group(name)`` returns the group or None; ``recorder(run)``, given to ``start``, keeps a
    node's run (the runner's record_run)."""

    def __init__(self, nodes: ICronNodesPersistence, dispatches: ICronDispatchesPersistence,
                 find_group: Callable[[str], Optional[CronGroupV1]], logger: CompositeLogger,
                 take_window_ms: float = 60000, report_grace_ms: float = 10000, keep_closed_ms: float = 600000,
                 max_poll_s: float = 30, sweep_interval_ms: float = 1000,
                 attempts: Optional[AttemptLimiter] = None):
        self._attempts = attempts or AttemptLimiter(10, 60.0)
        self._nodes = nodes
        self._dispatches = dispatches
        self._find_group = find_group
        self._logger = logger
        self._take_window_ms = take_window_ms
        self._report_grace_ms = report_grace_ms
        self._keep_closed_ms = keep_closed_ms
        self._max_poll_s = max_poll_s
        self._signal = WaitSignal()  # executor threads waiting for dispatches to close
        self._pollers = AsyncWaiters()  # node long-polls, keyed by (group, node id)
        self._sweeper = IntervalTimer('cron-node-sweeper', self.sweep, sweep_interval_ms, logger)
        self._recorder: Optional[Callable[[CronRunV1], None]] = None

    def start(self, recorder: Optional[Callable[[CronRunV1], None]] = None):
        self._recorder = recorder
        self._signal.open()
        self._pollers.open()
        self._sweeper.start()

    def stop(self):
        self._sweeper.stop()
        self._signal.close()
        self._pollers.close()  # ends the long-polls

    # --- nodes --------------------------------------------------------------------------------
    @staticmethod
    def is_live(node: CronNodeV1, now=None) -> bool:
        if node.last_heartbeat is None:
            return False
        now = now or clock.now()
        return (now - node.last_heartbeat).total_seconds() <= MISSED_HEARTBEATS * float(node.heartbeat_interval)

    def _authenticate(self, correlation_id: Optional[str], data: dict) -> Tuple[CronGroupV1, Optional[CronNodeV1]]:
        """The group and node record of an authenticated node call: a node token (issued by an admin,
        or the session token register gave) or a code of the group's node secret, never of the
        HTTP@ one. 401 for anything else; 429 once a (group, client address) failed too often."""
        group_name, node_id = data.get('group_name'), check_node_id(correlation_id, data.get('node_id'))
        key = ('node', group_name if isinstance(group_name, str) else '', request_source())
        self._attempts.check(key, correlation_id)
        try:
            return self._check_credentials(correlation_id, data, group_name, node_id)
        except UnauthorizedException:
            self._attempts.fail(key)
            raise

    def _check_credentials(self, correlation_id: Optional[str], data: dict, group_name, node_id: str):
        group = self._find_group(group_name) if isinstance(group_name, str) else None
        node = self._nodes.get_node(correlation_id, group_name, node_id) if group is not None else None
        token, otp_code = data.get('token'), data.get('otp_code')
        if group is not None and isinstance(token, str) and token and node is not None:
            digest = _hash(token)
            if any(h and hmac.compare_digest(digest, h) for h in (node.token_hash, node.session_hash)):
                return group, node
        secret = getattr(group, 'node_secret', None) if group is not None else None
        if isinstance(otp_code, (str, int)) and secret \
                and pyotp.TOTP(secret).verify(str(otp_code), valid_window=1):
            return group, node
        raise UnauthorizedException(correlation_id, 'UNAUTHORIZED', 'node authentication failed: give a code '
                                    "of the group's node secret or a node token").with_details('node_id', node_id)

    def register(self, correlation_id: Optional[str], data: dict) -> dict:
        group, node = self._authenticate(correlation_id, data)
        interval = data.get('heartbeat_interval', 5)
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not 0.2 <= interval <= 300:
            raise BadRequestException(correlation_id, 'BAD_HEARTBEAT_INTERVAL',
                                      'heartbeat_interval: seconds between 0.2 and 300')
        now, token = clock.now(), secrets.token_urlsafe(24)
        node = node or CronNodeV1(group.group_name, data['node_id'])
        node.host = str(data.get('host') or '')[:255]
        node.version = str(data.get('version') or '')[:64]
        node.heartbeat_interval = float(interval)
        node.allow_exec = data.get('allow_exec') is True
        node.registered = node.last_heartbeat = now
        node.session_hash = _hash(token)
        node = self._nodes.set_node(correlation_id, node)
        return dict(node.public(), token=token)

    def heartbeat(self, correlation_id: Optional[str], data: dict) -> dict:
        group, node = self._authenticate(correlation_id, data)
        node = None if node is None or node.registered is None else \
            self._nodes.update_node(correlation_id, group.group_name, node.node_id, {'last_heartbeat': clock.now()})
        if node is None:
            raise NotFoundException(correlation_id, 'NODE_NOT_FOUND', f'node {data["node_id"]} is not registered')
        return node.public()

    def issue_token(self, correlation_id: Optional[str], group: CronGroupV1, node_id: str) -> dict:
        """A long-lived token a node may use instead of the group's TOTP (shown once)."""
        check_node_id(correlation_id, node_id)
        token = secrets.token_urlsafe(24)
        if self._nodes.update_node(correlation_id, group.group_name, node_id, {'token_hash': _hash(token)}) is None:
            self._nodes.set_node(correlation_id, CronNodeV1(group.group_name, node_id, token_hash=_hash(token)))
        return {'group_name': group.group_name, 'node_id': node_id, 'token': token}

    def live_nodes(self, correlation_id: Optional[str], group_name: str) -> List[dict]:
        now = clock.now()
        return [n.public() for n in self._nodes.get_nodes(correlation_id, group_name) if self.is_live(n, now)]

    def forget_group(self, correlation_id: Optional[str], group_name: str):
        self._nodes.delete_nodes(correlation_id, group_name)
        self._dispatches.delete_dispatches(correlation_id, group_name)

    # --- the queue, node side -------------------------------------------------------------------
    def poll(self, correlation_id: Optional[str], data: dict) -> Optional[dict]:
        """Long-polls (``wait`` seconds, at most 30) for the node's next execution; None when none."""
        group, _ = self._authenticate(correlation_id, data)
        wait = data.get('wait', 0)
        wait = min(float(wait), self._max_poll_s) if isinstance(wait, (int, float)) and wait > 0 else 0.0

        def take():
            return self._dispatches.take_next(correlation_id, group.group_name, data['node_id'], clock.now(),
                                              self._report_grace_ms)
        dispatch = self._signal.wait_for(take, wait, 0.5)  # 0.5 s: dispatches made by other processes
        return dispatch.for_node() if dispatch is not None else None

    async def poll_async(self, correlation_id: Optional[str], data: dict) -> Optional[dict]:
        """``poll`` as an awaiting task: a waiting node holds no thread. Woken by a dispatch for it;
        re-checks every 0.5 s for dispatches made by other processes."""
        group, _ = await run_sync(True, self._authenticate, correlation_id, data)
        wait = data.get('wait', 0)
        wait = min(float(wait), self._max_poll_s) if isinstance(wait, (int, float)) and wait > 0 else 0.0
        key = (group.group_name, data['node_id'])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            waiter = self._pollers.register(key)
            try:
                dispatch = await run_sync(True, self._dispatches.take_next, correlation_id, group.group_name,
                                          data['node_id'], clock.now(), self._report_grace_ms)
                remaining = deadline - loop.time()
                if dispatch is not None or remaining <= 0 or self._pollers.closed:
                    return dispatch.for_node() if dispatch is not None else None
                await waiter.wait(min(remaining, 0.5))
            finally:
                self._pollers.discard(waiter)

    def report(self, correlation_id: Optional[str], data: dict) -> dict:
        group, _ = self._authenticate(correlation_id, data)
        dispatch = self._dispatches.get_dispatch(correlation_id, str(data.get('id') or ''))
        if dispatch is None or dispatch.group_name != group.group_name or dispatch.node_id != data['node_id']:
            raise NotFoundException(correlation_id, 'DISPATCH_NOT_FOUND', f'no execution {data.get("id")!r} '
                                    f'for node {data["node_id"]}')
        exit_code, duration = data.get('exit_code'), data.get('duration_ms', 0)
        if exit_code is not None and (isinstance(exit_code, bool) or not isinstance(exit_code, int)):
            raise BadRequestException(correlation_id, 'BAD_EXIT_CODE', 'exit_code: an integer or null')
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or duration < 0:
            raise BadRequestException(correlation_id, 'BAD_DURATION_MS', 'duration_ms: a number >= 0')
        error = _tail(data.get('error'), 'error')
        if error is None and exit_code != 0:
            error = f'exit code {exit_code}' if exit_code is not None else 'no exit code'
        fields = {'status': DONE if error is None else FAILED, 'exit_code': exit_code, 'error': error,
                  'stdout': _tail(data.get('stdout'), 'stdout'), 'stderr': _tail(data.get('stderr'), 'stderr'),
                  'duration_ms': round(float(duration), 3), 'finished': clock.now()}
        closed = self._dispatches.finish(correlation_id, dispatch.id, (RUNNING,), fields)
        if closed is None:
            raise ConflictException(correlation_id, 'DISPATCH_CLOSED', f'execution {dispatch.id} is already '
                                    f'{dispatch.status}')
        self._record(closed)
        return {'id': closed.id, 'status': closed.status}

    # --- the queue, executor side -------------------------------------------------------------------
    def dispatch(self, job, planned_time, node_ids: Sequence[str]) -> Tuple[List[str], List[str]]:
        """Queues the job's command for each live node; returns (dispatch ids, reasons for the rest)."""
        ids, failures, now = [], [], clock.now()
        for node_id in node_ids:
            node = self._nodes.get_node(None, job.group_name, node_id)
            if node is None or node.registered is None:
                failures.append(f'node {node_id} is unknown')
            elif not self.is_live(node, now):
                failures.append(f'node {node_id} is dead (last heartbeat {clock.to_iso(node.last_heartbeat)})')
            elif not node.allow_exec:
                failures.append(f'node {node_id} does not run commands (it was started without --allow-exec)')
            else:
                ids.append(self._dispatches.create_dispatch(None, CronDispatchV1(
                    group_name=job.group_name, node_id=node_id, job_id=job.job_id, job_name=job.name,
                    command=job.exec_command, timeout=float(job.timeout), planned_time=planned_time,
                    created=now, take_until=clock.add_ms(now, self._take_window_ms), status=QUEUED)).id)
        if ids:
            self._signal.notify()
            for node_id in node_ids:
                self._pollers.notify((job.group_name, node_id), 1)
        return ids, failures

    def wait_closed(self, ids: Sequence[str], timeout_s: float):
        """Waits until every dispatch is closed (reported or expired), at most ``timeout_s``."""
        pending = list(ids)

        def closed():
            while pending:
                dispatch = self._dispatches.get_dispatch(None, pending[0])
                if dispatch is not None and dispatch.status in OPEN_STATUSES:
                    return None
                pending.pop(0)
            return True
        self._signal.wait_for(closed, timeout_s, 0.5)

    def max_wait_s(self, timeout_s: float) -> float:
        return (self._take_window_ms + self._report_grace_ms) / 1000.0 + timeout_s + 3

    def sweep(self):
        """Closes what no node took or reported in time (recording a failed run), drops old records."""
        now = clock.now()
        for dispatch in self._dispatches.get_overdue(None, now):
            if dispatch.status == QUEUED:
                error = f'node {dispatch.node_id} did not take the execution in time'
            else:
                error = f'node {dispatch.node_id} did not report within {dispatch.timeout:g}s'
            closed = self._dispatches.finish(None, dispatch.id, (dispatch.status,),
                                             {'status': EXPIRED, 'error': error, 'finished': now})
            if closed is not None:
                self._record(closed)
        self._dispatches.delete_closed_before(None, clock.add_ms(now, -self._keep_closed_ms))

    def _record(self, dispatch: CronDispatchV1):
        try:
            if self._recorder is not None:
                self._recorder(CronRunV1(group_name=dispatch.group_name, job_id=dispatch.job_id,
                                         job_name=dispatch.job_name, planned_time=dispatch.planned_time,
                                         started=dispatch.taken or dispatch.created, duration_ms=dispatch.duration_ms,
                                         status='ok' if dispatch.status == DONE else 'failed',
                                         code=dispatch.exit_code, error=dispatch.error, output=dispatch.stdout,
                                         node_id=dispatch.node_id, stderr=dispatch.stderr))
        finally:
            self._signal.notify()
