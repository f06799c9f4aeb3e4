"""Installs the worker peers of bench/worker_peers.py, idempotently, into bench/.worker-peers/ (gitignored) and
reports their versions: Debian redis-server and ruby-sidekiq, two PyPI venvs, and an npm folder for BullMQ."""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)
import benchlib  # noqa: E402

HOME = os.path.join(BENCH, '.worker-peers')
# celery 5.7 wants redis-py >= 6.1, arq 0.28 wants < 6: two venvs
MAIN_VENV = os.path.join(HOME, 'venv-main')
MAIN_REQUIREMENTS = ['huey==3.5.4', 'dramatiq[redis]==2.2.1', 'celery[redis]==5.7.0', 'rq==3.0.0', 'redis>=6.1,<8']
ARQ_VENV = os.path.join(HOME, 'venv-arq')
ARQ_REQUIREMENTS = ['arq==0.28.0', 'redis>=5,<6']
NODE_DIR = os.path.join(HOME, 'node')
NODE_REQUIREMENTS = ['bullmq@6.7.6', 'ioredis@5.9.2']


def _log(text: str):
    print(f'# {text}', file=sys.stderr, flush=True)


def venv_python(folder: str, requirements: list) -> str:
    """The python of the venv in ``folder``, created and pip-installed once (a stamp lists what is in)."""
    python = os.path.join(folder, 'bin', 'python')
    if not os.path.exists(python):
        _log(f'creating {folder}')
        subprocess.run([sys.executable, '-m', 'venv', folder], check=True)
    stamp = os.path.join(folder, 'installed.txt')
    done = open(stamp).read().split() if os.path.exists(stamp) else []
    if done != requirements:
        _log(f'installing {" ".join(requirements)} into {folder}')
        subprocess.run([python, '-m', 'pip', 'install', '-q', *requirements], check=True)
        with open(stamp, 'w') as f:
            f.write('\n'.join(requirements) + '\n')
    return python


def node_folder(folder: str = NODE_DIR, requirements: list = None) -> str:
    """``folder`` (bench/.worker-peers/node) with ``requirements`` (bullmq and ioredis) installed by npm (once)."""
    requirements = requirements or NODE_REQUIREMENTS
    os.makedirs(folder, exist_ok=True)
    stamp = os.path.join(folder, 'installed.txt')
    if not os.path.exists(stamp) or open(stamp).read().split() != requirements:
        package = os.path.join(folder, 'package.json')
        if not os.path.exists(package):
            with open(package, 'w') as f:
                json.dump({'name': 'worker-peers-bench', 'private': True}, f)
        _log(f'npm installing {" ".join(requirements)} into {folder}')
        subprocess.run(['npm', 'install', '--no-audit', '--no-fund', '--silent', *requirements],
                       cwd=folder, check=True, stdout=subprocess.DEVNULL)
        with open(stamp, 'w') as f:
            f.write('\n'.join(requirements) + '\n')
    return folder


def node_versions(folder: str, dists: list) -> list:
    """(dist, version) of npm packages installed in ``folder``."""
    lines = []
    for dist in dists:
        with open(os.path.join(folder, 'node_modules', dist, 'package.json')) as f:
            lines.append((dist, json.load(f)['version']))
    return lines


def apt(binary: str, package: str) -> str:
    """benchlib.ensure_apt, retried a few times while another apt/dpkg holds the lock."""
    for attempt in range(6):
        try:
            return benchlib.ensure_apt(binary, package)
        except subprocess.CalledProcessError:
            if attempt == 5:
                raise
            _log(f'apt-get for {package} failed (a lock held?); retrying in 10 s')
            time.sleep(10)


def redis_server() -> str:
    return apt('redis-server', 'redis-server')


def sidekiq() -> str:
    return apt('sidekiq', 'ruby-sidekiq')


def pip_versions(python: str, dists: list) -> dict:
    code = ('import json, sys; from importlib import metadata\n'
            'print(json.dumps({d: metadata.version(d) for d in sys.argv[1:]}))')
    out = subprocess.run([python, '-c', code, *dists], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def _first_line(command: list) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except Exception as ex:  # a version line is informative only
        return f'unknown ({ex})'


def versions(systems: list) -> list:
    """(name, version) lines of what the chosen systems run on."""
    lines = [('redis-server', _first_line([redis_server(), '--version']))]
    if 'sidekiq' in systems:
        lines.append(('ruby-sidekiq (Debian)', _first_line(['dpkg-query', '-W', '-f', '${Version}', 'ruby-sidekiq'])))
        lines.append(('ruby', _first_line(['ruby', '--version'])))
    if 'bullmq' in systems:
        lines.extend(node_versions(NODE_DIR, ['bullmq', 'ioredis']))
        lines.append(('node', _first_line(['node', '--version'])))
    wanted = [s for s in ('huey', 'dramatiq', 'celery', 'rq') if s in systems]
    if wanted:
        for dist, version in pip_versions(os.path.join(MAIN_VENV, 'bin', 'python'), wanted + ['redis']).items():
            lines.append((dist + ('' if dist != 'redis' else ' (redis-py, venv-main)'), version))
    if 'arq' in systems:
        for dist, version in pip_versions(os.path.join(ARQ_VENV, 'bin', 'python'), ['arq', 'redis']).items():
            lines.append((dist + ('' if dist != 'redis' else ' (redis-py, venv-arq)'), version))
    return lines


def install(systems: list):
    """Everything the chosen systems need, installed when missing."""
    redis_server()
    if 'sidekiq' in systems:
        sidekiq()
    if 'bullmq' in systems:
        node_folder()
    if any(s in systems for s in ('huey', 'dramatiq', 'celery', 'rq')):
        venv_python(MAIN_VENV, MAIN_REQUIREMENTS)
    if 'arq' in systems:
        venv_python(ARQ_VENV, ARQ_REQUIREMENTS)


if __name__ == '__main__':
    install(sys.argv[1:] or ['sidekiq', 'bullmq', 'huey', 'dramatiq', 'celery', 'rq', 'arq'])
    for name, version in versions(sys.argv[1:] or ['sidekiq', 'bullmq', 'huey', 'dramatiq', 'celery', 'rq', 'arq']):
        print(f'{name}: {version}')
