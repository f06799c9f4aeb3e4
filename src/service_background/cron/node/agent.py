"""A worker node: registers with a group, heartbeats, long-polls the service for its executions,
runs them (only when allowed) and reports each one."""
# It registers by the group's node secret (a TOTP secret that is not the one HTTP@ targets see) or by a
# node token. With ``api_token`` every call also carries ``Authorization: Bearer <api_token>`` (needed once
# the service has API tokens: scope ``cron`` or ``cron:<group>``).
import logging
import socket
import threading
from typing import Callable, Optional

import pyotp
import requests

from service_background.cron.node.shell import ShellResult, run_shell

log = logging.getLogger('service-background-node')
VERSION = '1.0.0'


class Unauthenticated(Exception):
    """The service refused the node's credentials (401)."""


class NodeAgent:

    def __init__(self, url: str, group_name: str, node_id: str, otp_secret: Optional[str] = None,
                 token: Optional[str] = None, allow_exec: bool = False, heartbeat_s: float = 5,
                 parallel: int = 4, poll_wait_s: float = 20, host: Optional[str] = None,
                 runner: Callable[[str, float], ShellResult] = run_shell, node_secret: Optional[str] = None,
                 api_token: Optional[str] = None):
        otp_secret = node_secret or otp_secret  # otp_secret: the old name of the node secret
        if not otp_secret and not token:
            raise ValueError("give the group's node secret or a node token")
        self._api_token = api_token
        self._url = url.rstrip('/')
        self._group_name = group_name
        self._node_id = node_id
        self._totp = pyotp.TOTP(otp_secret) if otp_secret else None
        self._token = token
        self._session_token: Optional[str] = None
        self._allow_exec = allow_exec
        self._heartbeat_s = heartbeat_s
        self._poll_wait_s = poll_wait_s
        self._host = host or socket.gethostname()
        self._runner = runner
        self._slots = threading.Semaphore(max(1, parallel))
        self._stop = threading.Event()
        self._http = threading.local()

    # --- calls ----------------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        session = getattr(self._http, 'session', None)
        if session is None:
            session = self._http.session = requests.Session()
            if self._api_token:
                session.headers['Authorization'] = f'Bearer {self._api_token}'  # never logged
        return session

    def _credentials(self, for_register: bool = False) -> dict:
        if self._session_token and not for_register:
            return {'token': self._session_token}
        if self._totp is not None:
            return {'otp_code': self._totp.now()}
        return {'token': self._token}

    def _call(self, path: str, body: dict, timeout: float = 10, for_register: bool = False):
        body = dict(body, group_name=self._group_name, node_id=self._node_id, **self._credentials(for_register))
        response = self._session().post(f'{self._url}/v1/node/{path}', json=body, timeout=timeout)
        if response.status_code == 401:
            raise Unauthenticated(response.text)
        return response

    def register(self) -> dict:
        response = self._call('register', {'host': self._host, 'heartbeat_interval': self._heartbeat_s,
                                           'allow_exec': self._allow_exec, 'version': VERSION}, for_register=True)
        response.raise_for_status()
        node = response.json()
        self._session_token = node.pop('token')
        log.info('registered node %s in group %s (commands %s)', self._node_id, self._group_name,
                 'allowed' if self._allow_exec else 'refused')
        return node

    def _register_until_accepted(self):
        """The first register: a service not reachable yet, busy (429) or failing (5xx) is tried again with
        a backoff, as later calls are; only a refusal (401) ends the node."""
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self.register()
                return
            except requests.RequestException as ex:
                log.warning('register failed: %s; retrying in %.1fs', ex, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10)

    def _reregister(self):
        self._session_token = None
        self.register()

    # --- loops ----------------------------------------------------------------------------------
    def run(self):
        """Registers (raising Unauthenticated when refused), then serves until stop()."""
        self._register_until_accepted()
        beat = threading.Thread(target=self._heartbeats, name='node-heartbeat', daemon=True)
        beat.start()
        backoff = 0.5
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=1):
                continue
            try:
                response = self._call('poll', {'wait': self._poll_wait_s}, timeout=self._poll_wait_s + 15)
                if response.status_code == 204:
                    self._slots.release()
                    continue
                response.raise_for_status()
                backoff = 0.5
                threading.Thread(target=self._execute, args=(response.json(),), daemon=True).start()
            except Unauthenticated:
                self._slots.release()
                self._retry(self._reregister)
            except requests.RequestException as ex:
                self._slots.release()
                log.warning('poll failed: %s; retrying in %.1fs', ex, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10)

    def stop(self):
        self._stop.set()

    def _retry(self, action: Callable[[], object]):
        try:
            action()
        except (Unauthenticated, requests.RequestException) as ex:
            log.warning('%s failed: %s', getattr(action, '__name__', 'call'), ex)
            self._stop.wait(1)

    def _heartbeats(self):
        while not self._stop.wait(self._heartbeat_s):
            try:
                response = self._call('heartbeat', {})
                if response.status_code == 404:  # the service forgot us (e.g. restarted on memory)
                    self._reregister()
            except (Unauthenticated, requests.RequestException) as ex:
                log.warning('heartbeat failed: %s', ex)
                self._retry(self._reregister)

    def _execute(self, execution: dict):
        try:
            if self._allow_exec:
                log.info('running %s of job %s', execution['id'], execution.get('job_id'))
                result = self._runner(execution.get('command') or '', float(execution.get('timeout') or 60))
            else:
                result = ShellResult(None, '', '', 0.0, 'this node runs no commands (start it with --allow-exec)')
            report = {'id': execution['id'], 'exit_code': result.exit_code, 'stdout': result.stdout,
                      'stderr': result.stderr, 'duration_ms': result.duration_ms, 'error': result.error}
            for attempt in range(5):
                try:
                    response = self._call('report', report)
                    if response.status_code < 500:
                        break
                except Unauthenticated:
                    self._retry(self._reregister)
                except requests.RequestException as ex:
                    log.warning('report of %s failed: %s', execution['id'], ex)
                self._stop.wait(min(2 ** attempt, 10))
        finally:
            self._slots.release()
