"""Helpers shared by the benches: free loopback ports, starting our service and the peers, installing what a
bench compares with (peer servers in bench/.venv-peers), and reading a server process's CPU time. Everything
listens on 127.0.0.1 only."""
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib import metadata

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
# the checkout whose bin/run.py the benches start: this one, or SERVICE_ROOT (e.g. a `git archive` of a commit)
SERVICE_ROOT = os.path.abspath(os.environ.get('SERVICE_ROOT') or ROOT)
BENCH = os.path.join(ROOT, 'bench')
PYTHON = sys.executable
# the peers' own venv: what the service does not depend on (starlette, granian) never enters the service's venv
PEERS_VENV = os.path.join(BENCH, '.venv-peers')
STARLETTE = 'starlette>=0.40,<2'
GRANIAN = 'granian>=2,<3'
_apt_updated = False


def same_as_ours(dist: str, fallback: str) -> str:
    """A requirement on the version of ``dist`` this interpreter runs (a peer on the same server as ours
    measures the framework, not a server upgrade), else ``fallback``."""
    try:
        return f'{dist}=={metadata.version(dist)}'
    except metadata.PackageNotFoundError:
        return dist + fallback


def peer_app_requirements(server: str = 'uvicorn') -> list:
    """What bench/bare_app.py and bench/ceiling_app.py need to serve, on uvicorn (ours) or granian."""
    served = [same_as_ours('uvicorn', '>=0.30'), same_as_ours('httptools', '>=0.6'),
              same_as_ours('uvloop', '>=0.19'), same_as_ours('msgspec', '>=0.18.6'), STARLETTE]
    return served + ([GRANIAN] if server == 'granian' else [])


def peer_python(*requirements: str) -> str:
    """The python of bench/.venv-peers, created on first use, with ``requirements`` pip-installed (once: a
    list of what was installed is kept beside it)."""
    python = os.path.join(PEERS_VENV, 'bin', 'python')
    if not os.path.exists(python):
        print(f'# creating {PEERS_VENV} for the peers', file=sys.stderr)
        subprocess.run([sys.executable, '-m', 'venv', PEERS_VENV], check=True)
    stamp = os.path.join(PEERS_VENV, 'installed.txt')
    done = set(open(stamp).read().split()) if os.path.exists(stamp) else set()
    missing = [r for r in requirements if r not in done]
    if missing:
        print(f'# installing {" ".join(missing)} into {PEERS_VENV}', file=sys.stderr)
        subprocess.run([python, '-m', 'pip', 'install', '-q', *missing], check=True)
        with open(stamp, 'a') as f:
            f.writelines(r + '\n' for r in missing)
    return python


def free_port() -> int:
    """A port below the ephemeral range: one the kernel gave back may go to an outgoing connection
    before the server binds it."""
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    for _ in range(1000):
        port = rng.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(('0.0.0.0', port))
            except OSError:
                continue
        return port
    raise RuntimeError('no free port below the ephemeral range')


def wait_port(port: int, process: subprocess.Popen = None, timeout: float = 30, what: str = 'server'):
    deadline = time.time() + timeout
    while True:
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=0.5):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f'{what} exited with {process.returncode} before listening on {port}')
            if time.time() > deadline:
                raise RuntimeError(f'{what} did not listen on {port} within {timeout} s')
            time.sleep(0.05)


def wait_http(url: str, process: subprocess.Popen = None, timeout: float = 40, what: str = 'server'):
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                r.read()
                return
        except Exception:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f'{what} exited with {process.returncode} before answering {url}')
            if time.time() > deadline:
                raise RuntimeError(f'{what} did not answer {url} within {timeout} s')
            time.sleep(0.1)


def cpu_seconds(pid: int, reaped: bool = False) -> float:
    """utime + stime of a process and its live children, in seconds (from /proc); ``reaped``: + the CPU of the
    children each has waited for (cutime + cstime), e.g. a postmaster's backends that exited."""
    tick = os.sysconf('SC_CLK_TCK')
    total = 0.0
    for p in [pid] + _children(pid):
        try:
            with open(f'/proc/{p}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15)
            if reaped:
                total += (int(fields[13]) + int(fields[14])) / tick  # cutime, cstime (fields 16 and 17)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total


def _children(pid: int) -> list:
    try:
        import psutil
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except Exception:
        return []


def stop(process: subprocess.Popen, timeout: float = 20):
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def server_pid(process: subprocess.Popen) -> int:
    return process.pid


@contextlib.contextmanager
def our_service(store: str = 'memory', env: dict = None, log: str = None):
    """Starts bin/run.py (store memory, file, a MongoDB URI or a PostgreSQL URI, what is not on PostgreSQL yet
    on files) on free loopback ports; yields (url, Popen)."""
    port, func_port = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix='bench-data-') as folder:
        environ = {k: v for k, v in os.environ.items()
                   if k not in ('MEMORY_ENABLED', 'MONGO_ENABLED', 'MONGO_SERVICE_URI', 'DATA_DIR')
                   and not k.startswith('POSTGRES_')}
        environ.update(HTTP_HOST='127.0.0.1', HTTP_PORT=str(port), HTTP_FUNC_LISTEN=str(func_port), LOG_LEVEL='error')
        if store == 'memory':
            environ['MEMORY_ENABLED'] = 'true'
        elif store == 'file':
            environ['DATA_DIR'] = folder
        elif store.startswith('mongodb://'):
            environ.update(MONGO_ENABLED='true', MONGO_SERVICE_URI=store)
        elif store.startswith('postgresql://'):
            environ.update(POSTGRES_ENABLED='true', POSTGRES_SERVICE_URI=store, DATA_DIR=folder)
        else:
            raise ValueError(store)
        environ.update(env or {})
        out = open(log, 'ab') if log else subprocess.DEVNULL
        process = subprocess.Popen([PYTHON, os.path.join(SERVICE_ROOT, 'bin', 'run.py')], cwd=SERVICE_ROOT, env=environ,
                                   stdout=out, stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
                                   start_new_session=True)
        url = f'http://127.0.0.1:{port}'
        try:
            wait_http(url + '/heartbeat', process, what='the service')
            yield url, process
        finally:
            stop(process)


@contextlib.contextmanager
def asgi_app(module: str, server: str = 'uvicorn'):
    """Serves bench/<module>.py's `app` on one process of bench/.venv-peers (installed on first use): uvicorn
    (httptools + uvloop, no access log) or granian (asgi, uvloop, no access log). Yields (url, Popen)."""
    if server not in ('uvicorn', 'granian'):
        raise ValueError(server)
    python = peer_python(*peer_app_requirements(server))
    port = free_port()
    if server == 'uvicorn':
        command = [python, '-m', 'uvicorn', f'{module}:app', '--host', '127.0.0.1', '--port', str(port),
                   '--loop', 'uvloop', '--http', 'httptools', '--no-access-log', '--log-level', 'warning',
                   '--workers', '1']
    else:
        command = [os.path.join(os.path.dirname(python), 'granian'), '--interface', 'asgi', '--host', '127.0.0.1',
                   '--port', str(port), '--workers', '1', '--loop', 'uvloop', '--no-access-log',
                   '--log-level', 'warning', f'{module}:app']
    process = subprocess.Popen(command, cwd=BENCH, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    try:
        wait_port(port, process, what=f'{module} on {server}')
        yield url, process
    finally:
        stop(process)


def ensure_apt(binary: str, package: str = None) -> str:
    """The path of `binary`, installing Debian's `package` with apt-get (update once first) when missing."""
    global _apt_updated
    path = shutil.which(binary) or (os.path.exists(f'/usr/sbin/{binary}') and f'/usr/sbin/{binary}')
    if path:
        return path
    print(f'# installing {package or binary} with apt-get', file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    if not _apt_updated:
        subprocess.run(['apt-get', 'update'], check=True, stdout=subprocess.DEVNULL, env=env)
        _apt_updated = True
    subprocess.run(['apt-get', 'install', '-y', package or binary], check=True, stdout=subprocess.DEVNULL, env=env)
    path = shutil.which(binary) or (os.path.exists(f'/usr/sbin/{binary}') and f'/usr/sbin/{binary}')
    if not path:
        raise RuntimeError(f'{binary} is still missing after apt-get install {package or binary}')
    return path


def ensure_pip(module: str, package: str = None):
    """Imports `module`, installing `package` into this venv with pip when it is missing: for client libraries
    a bench imports itself (redis, rq); servers it compares with run from bench/.venv-peers (peer_python)."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        print(f'# installing {package or module} with pip', file=sys.stderr)
        subprocess.run([PYTHON, '-m', 'pip', 'install', '-q', package or module], check=True)
        importlib.invalidate_caches()
        return importlib.import_module(module)


def systems_arg(parser, text: str, known) -> list:
    """The names of a comma separated --systems value; the parser's error for one not in ``known``."""
    names = [name.strip() for name in text.split(',') if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        parser.error(f'unknown systems: {", ".join(unknown)}')
    return names


def ratio(a, b) -> str:
    if not a or not b:
        return '   n/a'
    return f'{a / b:5.2f}x'
