"""A throwaway PostgreSQL cluster for the tests: initdb in a temp folder as the ``postgres`` user,
listening on 127.0.0.1 only, stopped by its postmaster's pid; or POSTGRES_SERVICE_URI when it is set."""
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

from .helpers import free_port


def _bin(name: str) -> str:
    """A PostgreSQL server program: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f'/usr/lib/postgresql/*/bin/{name}'), reverse=True)),
                                       None)
    if not found:
        raise RuntimeError(f'{name} is not installed: run `make system-deps` (Debian: apt-get install postgresql)')
    return found


def _alive(pid: int) -> bool:
    """The process runs (a zombie nobody reaped yet does not: it holds no shared memory)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


class PostgresServer:
    """``start()`` gives a URI of the superuser (trust auth on loopback). ``own``: always a cluster of this
    process's own (one a test may pause, stop or kill), whatever POSTGRES_SERVICE_URI says."""

    def __init__(self, own: bool = False):
        self.uri = None if own else os.environ.get('POSTGRES_SERVICE_URI')
        self.port = None
        self._folder = None
        self._process = None

    def _as_postgres(self) -> dict:
        """Popen arguments that run a program as ``postgres`` when we are root (initdb refuses root)."""
        if os.geteuid() != 0:
            return {}
        entry = pwd.getpwnam('postgres')
        return {'user': entry.pw_uid, 'group': entry.pw_gid, 'extra_groups': [],
                'env': dict(os.environ, HOME=self._folder)}

    @property
    def data_dir(self) -> str:
        return os.path.join(self._folder, 'data')

    def start(self) -> str:
        if self.uri:
            return self.uri
        self._folder = tempfile.mkdtemp(prefix='postgres-test-')
        if os.geteuid() == 0:
            entry = pwd.getpwnam('postgres')
            os.chown(self._folder, entry.pw_uid, entry.pw_gid)
        subprocess.run([_bin('initdb'), '-D', self.data_dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8',
                        '--no-sync', '--locale=C'], check=True, cwd=self._folder, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, **self._as_postgres())
        self.port = free_port()
        self.uri = f'postgresql://postgres@127.0.0.1:{self.port}/postgres'
        self.resume_from_stop()
        return self.uri

    def resume_from_stop(self):
        """Starts the postmaster (again, after ``stop_server`` or ``kill``: then it first recovers from the WAL)
        and waits until it accepts connections."""
        log = open(os.path.join(self._folder, 'server.log'), 'ab')
        self._process = subprocess.Popen(
            [_bin('postgres'), '-D', self.data_dir, '-h', '127.0.0.1', '-p', str(self.port), '-k', self._folder,
             '-c', 'fsync=on', '-c', 'max_connections=200', '-c', 'shared_buffers=32MB'],
            stdout=log, stderr=subprocess.STDOUT, cwd=self._folder, start_new_session=True, **self._as_postgres())
        log.close()
        deadline = time.monotonic() + 30
        while subprocess.run([_bin('pg_isready'), '-q', '-h', '127.0.0.1', '-p', str(self.port)]).returncode:
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f'PostgreSQL did not start: see {self._folder}/server.log')
            time.sleep(0.1)

    def _processes(self) -> list:
        """The postmaster and its children (each backend leads a process group of its own)."""
        pids = [self._process.pid]
        with open(f'/proc/{self._process.pid}/task/{self._process.pid}/children') as f:
            pids += [int(pid) for pid in f.read().split()]
        return pids

    def pause(self):
        """SIGSTOP to the postmaster and every backend: connections stay open, nothing answers."""
        for pid in self._processes():
            os.kill(pid, signal.SIGSTOP)

    def resume(self):
        for pid in reversed(self._processes()):
            os.kill(pid, signal.SIGCONT)

    def kill(self):
        """kill -9 of the postmaster alone, a crash: no shutdown checkpoint. Its backends end by themselves once
        they see it gone; any still there after a few seconds are killed too, so ``resume_from_stop`` can start
        on the same data."""
        if self._process is None:
            return
        backends = self._processes()[1:]
        self._process.kill()
        self._process.wait(10)
        self._process = None
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in backends) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in backends:
            if _alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass  # it ended meanwhile
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in backends) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop_server(self, how: int = signal.SIGINT):
        """Stops the postmaster by its pid: a fast shutdown (SIGINT) by default, the data kept for
        ``resume_from_stop``; SIGQUIT skips the shutdown checkpoint (the data is thrown away after)."""
        if self._process is None:
            return
        try:
            self.resume()
            self._process.send_signal(how)
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        except (ProcessLookupError, FileNotFoundError):
            pass
        self._process = None

    def stop(self):
        self.stop_server(signal.SIGQUIT)
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
