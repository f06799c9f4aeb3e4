"""One Lua sandbox process as the service sees it: started with a pipe on each side, asked for one call at
a time, never waited on past a deadline, and killed with SIGKILL."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

from service_background.cron.lua_runtime.frames import FrameReader, FrameWriter

_ENTRY = __package__ + '.sandbox_process'
# The folder holding the top-level package: the child finds the same code whatever the parent's sys.path.
_CODE_ROOT = str(Path(sys.modules[__package__.split('.')[0]].__file__).resolve().parent.parent)
FRAME_SLACK = 64 * 1024


class SandboxProcessHandle:

    def __init__(self, headroom_mb: int, max_reply_bytes: int):
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(p for p in (_CODE_ROOT, env.get('PYTHONPATH')) if p)
        # A session of its own: a terminal's Ctrl-C reaches the service, which then closes the pool.
        self._popen = subprocess.Popen([sys.executable, '-m', _ENTRY, str(os.getpid()), str(headroom_mb)],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True, env=env,
                                       start_new_session=True)
        self.pid = self._popen.pid
        self._writer = FrameWriter(self._popen.stdin.fileno())
        self._reader = FrameReader(self._popen.stdout.fileno(), max_reply_bytes + FRAME_SLACK)
        self.calls = 0
        self.idle_since = time.monotonic()

    def wait_ready(self, deadline: float) -> bool:
        message = self._reader.receive(deadline)
        return isinstance(message, dict) and message.get('op') == 'ready'

    def call(self, request: dict, deadline: float, resolve: Callable[[dict], dict]) -> Optional[dict]:
        """The reply to `request`, or None once the deadline passed. Raises FrameError when the process
        ended or broke the protocol. `resolve` answers the process's outbound address questions."""
        self.calls += 1
        self._writer.send(request, deadline)
        while True:
            message = self._reader.receive(deadline)
            if message is None:
                return None
            if isinstance(message, dict) and message.get('op') == 'resolve':
                self._writer.send(resolve(message), deadline)
                continue
            return message

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for stream in (self._popen.stdin, self._popen.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def exit_status(self, wait_s: float) -> Optional[int]:
        """The process's exit status once it ended (waiting at most wait_s), else None."""
        try:
            return self._popen.wait(wait_s)
        except subprocess.TimeoutExpired:
            return None
