"""Runs one command with /bin/sh -c under a time limit, keeping only the tails of its output (a
chatty command cannot fill the node's memory). On timeout the whole process group is killed."""
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import IO, Optional

TAIL_BYTES = 4096


@dataclass
class ShellResult:
    exit_code: Optional[int]
    stdout: str
    stderr: str
    duration_ms: float
    error: Optional[str] = None


def _drain(stream: IO[bytes], tail: bytearray):
    for chunk in iter(lambda: stream.read(65536), b''):
        tail.extend(chunk)
        if len(tail) > TAIL_BYTES:
            del tail[:len(tail) - TAIL_BYTES]
    stream.close()


def run_shell(command: str, timeout_s: float) -> ShellResult:
    started = time.monotonic()
    try:
        process = subprocess.Popen(['/bin/sh', '-c', command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
    except OSError as ex:
        return ShellResult(None, '', '', 0.0, f'cannot start /bin/sh: {ex}')
    out, err = bytearray(), bytearray()
    readers = [threading.Thread(target=_drain, args=(process.stdout, out), daemon=True),
               threading.Thread(target=_drain, args=(process.stderr, err), daemon=True)]
    for reader in readers:
        reader.start()
    error = None
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        error = f'timeout after {timeout_s:g}s'
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    for reader in readers:
        reader.join(2)  # a background child may keep the pipes open: do not wait for it
    duration_ms = round((time.monotonic() - started) * 1000, 3)
    return ShellResult(process.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace'),
                       duration_ms, error)
