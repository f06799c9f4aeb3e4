"""The ``--processes N`` supervisor: N worker processes, a dead one restarted (with backoff when it keeps
dying at once), SIGTERM/SIGINT forwarded, one exit code. A child is forked from the supervisor, which has
imported the worker and its handlers already (a child starts in milliseconds, as a prefork server's do), or,
where there is no fork, started as the same command with ``--processes 1``."""
import logging
import os
import signal
import subprocess
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Union

log = logging.getLogger('service-background-worker')

QUICK_DEATH = 5.0     # s: a child that dies sooner counts as dying at once
MIN_BACKOFF = 0.5     # s before restarting a child that died at once; doubles up to MAX_BACKOFF
MAX_BACKOFF = 30.0
FATAL = 2             # a child's exit code that restarting cannot fix (bad options, refused credentials)


def _die_with_parent() -> None:
    """In the child: SIGTERM when the supervisor dies (Linux), so no worker outlives it unseen."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _ForkedProcess:
    """A child forked to run ``main`` (its return value is the exit code), with the part of Popen's
    interface the supervisor uses."""

    def __init__(self, main: Callable[[], int]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the supervisor's code
            code = 1
            try:
                os.setpgid(0, 0)  # as Popen's process_group=0: a terminal's Ctrl-C reaches the supervisor only
                _die_with_parent()
                for signum in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(signum, signal.SIG_DFL)  # the supervisor's forwarding is not the child's
                code = main()
            except BaseException:  # noqa: BLE001 - a child reports and exits, whatever happened
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.pid = pid
        self.returncode: Optional[int] = None

    def poll(self) -> Optional[int]:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)  # -N when killed by signal N, as Popen
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)


class _Child:
    def __init__(self, slot: int) -> None:
        self.slot = slot
        self.process: Optional[Union[subprocess.Popen, _ForkedProcess]] = None
        self.started = 0.0
        self.backoff = MIN_BACKOFF
        self.restart_at = 0.0


class Supervisor:
    """Runs ``processes`` children until a signal: each forked to run ``child_main`` where the system can
    fork, else started as ``command``; returns the highest exit code of the children's last runs (0 after a
    graceful stop)."""

    def __init__(self, command: List[str], processes: int, env: Optional[Dict[str, str]] = None,
                 child_main: Optional[Callable[[], int]] = None) -> None:
        self._command = command
        self._child_main = child_main if hasattr(os, 'fork') else None
        self._children = [_Child(i) for i in range(max(1, processes))]
        self._env = env
        self._signals: List[int] = []
        self.restarts = 0

    def _start(self, child: _Child) -> None:
        if self._child_main is not None:
            child.process = _ForkedProcess(self._child_main)
        else:  # a process group of its own: a terminal's Ctrl-C reaches the supervisor only, which forwards it
            child.process = subprocess.Popen(self._command, env=self._env, process_group=0,
                                             preexec_fn=_die_with_parent if sys.platform == 'linux' else None)
        child.started = time.monotonic()
        log.info('worker process %d started (pid %d)', child.slot, child.process.pid)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._signals.append(signum)
        for child in self._children:
            if child.process is not None and child.process.poll() is None:
                try:
                    child.process.send_signal(signum)
                except ProcessLookupError:
                    pass

    def run(self) -> int:
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        code = 0
        try:
            for child in self._children:
                self._start(child)
            while True:
                running = 0
                for child in self._children:
                    code = max(code, self._check(child))
                    running += child.process is not None and child.process.poll() is None
                if (self._signals or code == FATAL) and running == 0:
                    return code
                if code == FATAL and not self._signals:
                    self._on_signal(signal.SIGTERM, None)  # one child cannot ever work: stop them all
                time.sleep(0.1)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _check(self, child: _Child) -> int:
        """The child's exit code once it ended (restarting it unless stopping), else 0."""
        process = child.process
        if process is None:
            if not self._signals and time.monotonic() >= child.restart_at:
                self._start(child)
            return 0
        returncode = process.poll()
        if returncode is None:
            return 0
        code = returncode if returncode >= 0 else 1  # killed by a signal
        if self._signals:
            return 0 if -returncode in self._signals else code  # ended by the signal forwarded to it
        if code == FATAL:
            return code
        lived = time.monotonic() - child.started
        child.backoff = MIN_BACKOFF if lived >= QUICK_DEATH else min(MAX_BACKOFF, child.backoff * 2)
        delay = 0.0 if lived >= QUICK_DEATH else child.backoff
        log.warning('worker process %d (pid %d) ended with %s after %.1f s; restarting in %.1f s',
                    child.slot, process.pid, returncode, lived, delay)
        child.process = None
        child.restart_at = time.monotonic() + delay
        self.restarts += 1
        return 0


def default_processes() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
