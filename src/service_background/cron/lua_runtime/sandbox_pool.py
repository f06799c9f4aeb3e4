"""A pool of Lua sandbox processes: `warm` always started, more on demand up to `size`, one call each
at a time."""
# A call past its deadline gets its process killed (SIGKILL) and replaced, so nothing it did outlives
# the answer. Every process is started from the pool's own thread: PR_SET_PDEATHSIG fires when the
# thread that started a child ends, and this one lives exactly as long as the pool.
import signal
import threading
import time
from typing import Callable, List, Optional

from service_background.cron.lua_runtime.frames import FrameError
from service_background.cron.lua_runtime.messages import result_from_wire
from service_background.cron.lua_runtime.result import LuaResult
from service_background.cron.lua_runtime.sandbox_process_handle import SandboxProcessHandle

START_TIMEOUT_S = 30.0
IDLE_S = 30.0  # an idle process beyond the warm ones is stopped after this long
MAX_CALLS = 10000  # calls per process before it is replaced (bounds what a slow leak can gather)


class SandboxPool:

    def __init__(self, size: int, warm: int, headroom_mb: int, max_reply_bytes: int):
        self._size = max(1, size)
        self._warm = max(0, min(warm, self._size))
        self._headroom_mb = headroom_mb
        self._max_reply_bytes = max_reply_bytes
        self._cond = threading.Condition()
        self._idle: List[SandboxProcessHandle] = []
        self._all: List[SandboxProcessHandle] = []
        self._dead: List[SandboxProcessHandle] = []
        self._starting = 0
        self._spawning: Optional[SandboxProcessHandle] = None
        self._waiting = 0
        self._closed = False
        self._start_error: Optional[str] = None
        self._thread = threading.Thread(target=self._keep, name='lua-pool', daemon=True)
        self._thread.start()

    def pids(self) -> List[int]:
        """The processes alive now (started, idle or busy)."""
        with self._cond:
            return [p.pid for p in self._all]

    def run(self, request: dict, queue_s: float, call_s: float, resolve: Callable[[dict], dict]) -> LuaResult:
        """One call: waits at most queue_s for a free process, then at most call_s for the answer."""
        started = time.monotonic()
        process = self._acquire(started + queue_s)
        if process is None:
            with self._cond:
                reason = self._start_error or 'every Lua process is busy'
            return LuaResult(ok=False, error=f'timeout ({reason})', timed_out=True,
                             duration_ms=(time.monotonic() - started) * 1000.0)
        keep = False
        try:
            reply = process.call(request, time.monotonic() + call_s, resolve)
            if reply is None:
                process.kill()
                process.exit_status(1.0)  # the answer leaves once the process is gone, not before
                result = LuaResult(ok=False, error='timeout', timed_out=True)
            else:
                result = result_from_wire(reply)
                keep = not reply.get('recycle')
        except (FrameError, OSError, ValueError) as err:  # OSError / ValueError: a pipe closed by close()
            result = self._failure(process, err)
        finally:
            self._release(process, keep)
        if result.timed_out or not result.duration_ms:
            result.duration_ms = (time.monotonic() - started) * 1000.0
        return result

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            processes = list(self._all) + ([self._spawning] if self._spawning is not None else [])
            self._cond.notify_all()
        for process in processes:
            process.kill()
        self._thread.join(5.0)
        for process in processes:
            process.exit_status(2.0)

    # --- the callers' side ---------------------------------------------------------------------
    def _acquire(self, deadline: float) -> Optional[SandboxProcessHandle]:
        with self._cond:
            waiting = False
            try:
                while not self._closed:
                    while self._idle:
                        process = self._idle.pop()
                        if process.is_alive():
                            return process
                        self._discard(process)
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return None
                    if not waiting:  # only a caller that found no idle process asks for one more
                        waiting = True
                        self._waiting += 1
                        self._cond.notify_all()
                    self._cond.wait(remaining)
                return None
            finally:
                if waiting:
                    self._waiting -= 1

    def _release(self, process: SandboxProcessHandle, keep: bool) -> None:
        with self._cond:
            if keep and not self._closed and process.calls < MAX_CALLS:
                process.idle_since = time.monotonic()
                self._idle.append(process)
            else:
                process.kill()
                self._discard(process)
            self._cond.notify_all()

    def _discard(self, process: SandboxProcessHandle) -> None:
        """Forgets a (killed) process; the pool's thread reaps it. Caller holds the lock."""
        if process in self._all:
            self._all.remove(process)
            self._dead.append(process)

    @staticmethod
    def _failure(process: SandboxProcessHandle, err: Exception) -> LuaResult:
        process.kill()
        status = process.exit_status(1.0)
        if status == -signal.SIGXCPU:
            return LuaResult(ok=False, error='timeout', timed_out=True)
        if status is not None and status < 0:
            return LuaResult(ok=False, error=f'the Lua process was killed by signal {-status}')
        return LuaResult(ok=False, error=f'lua runtime failure: {err}')

    # --- the pool's thread ---------------------------------------------------------------------
    def _wanted(self) -> bool:
        total = len(self._all) + self._starting
        return total < self._size and (total < self._warm or len(self._idle) + self._starting < self._waiting)

    def _keep(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._wanted() and not self._dead:
                    self._retire_idle()
                    self._cond.wait(1.0)
                if self._closed:
                    return
                dead, self._dead = self._dead, []
                spawn = self._wanted()
                if spawn:
                    self._starting += 1
            for process in dead:
                process.exit_status(1.0)
            if spawn:
                self._spawn()

    def _spawn(self) -> None:
        process, error = None, None
        try:
            process = SandboxProcessHandle(self._headroom_mb, self._max_reply_bytes)
            with self._cond:
                self._spawning = process  # close() kills it too
                if self._closed:
                    raise FrameError('the pool is closed')
            if not process.wait_ready(time.monotonic() + START_TIMEOUT_S):
                raise FrameError('it did not start in time')
        except (OSError, FrameError) as err:
            error = f'a Lua process could not be started: {err}'
            if process is not None:
                process.kill()
                process.exit_status(1.0)
            process = None
        with self._cond:
            self._starting -= 1
            self._spawning = None
            self._start_error = error
            if process is not None:
                if self._closed:
                    process.kill()
                else:
                    self._all.append(process)
                    self._idle.append(process)
            self._cond.notify_all()
        if error is not None:
            time.sleep(1.0)  # a process that cannot start will not start on the next try either

    def _retire_idle(self) -> None:
        now = time.monotonic()
        while len(self._idle) > self._warm and now - self._idle[0].idle_since > IDLE_S:
            process = self._idle.pop(0)
            process.kill()
            self._discard(process)
