"""Real service processes (bin/run.py) for the multi-process and node tests."""
import os
import signal
import subprocess
import sys
from typing import Optional

from ..helpers import ROOT, free_port, wait_http


class ServiceProcess:
    """``bin/run.py`` with only cron enabled (the other domains are not under test here); a domain
    comes back with e.g. ``JOBS_DISABLED=None``."""

    def __init__(self, **env):
        self.port = free_port()
        self.func_port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.env = dict(os.environ, HTTP_HOST='127.0.0.1', HTTP_PORT=str(self.port),
                        HTTP_FUNC_LISTEN=str(self.func_port), LOG_LEVEL='error', RETRIES_DISABLED='true',
                        JOBS_DISABLED='true', TASKS_DISABLED='true', PYTHONPATH=os.path.join(ROOT, 'src'))
        self.env.update({k: str(v) for k, v in env.items()})  # a test may bring a domain back (JOBS_DISABLED='')
        for name in [k for k, v in env.items() if v is None]:
            self.env.pop(name, None)
        for name in ('MEMORY_ENABLED', 'DATA_DIR', 'CONFIG_PATH'):  # only what the test asks for
            if name not in env:
                self.env.pop(name, None)
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> 'ServiceProcess':
        self.process = subprocess.Popen([sys.executable, os.path.join(ROOT, 'bin', 'run.py')], cwd=ROOT,
                                        env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        return self

    def wait_ready(self, timeout: float = 60):
        wait_http(self.url + '/heartbeat', timeout)

    def kill(self):
        """kill -9: no shutdown code runs."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_node(url: str, group: str, node_id: str, *credentials: str, allow_exec: bool = True,
               heartbeat: float = 0.5, capture: bool = False) -> subprocess.Popen:
    """A real worker node (bin/node.py); ``credentials`` like ('--node-secret', secret)."""
    command = [sys.executable, os.path.join(ROOT, 'bin', 'node.py'), '--url', url, '--group', group,
               '--node-id', node_id, '--heartbeat', str(heartbeat), '--poll-wait', '5', *credentials]
    if allow_exec:
        command.append('--allow-exec')
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE if capture else subprocess.DEVNULL, start_new_session=True)
