"""The systems bench/worker_peers.py compares: for each, its broker (a fresh redis-server or our service on a
store), the commands of its worker processes and of its producer, all on 127.0.0.1."""
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable, List

import peers_setup

import benchlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
JOB_TYPE = 'bench'


@dataclass
class Command:
    argv: List[str]
    env: dict = field(default_factory=dict)
    cwd: str = HERE


@dataclass
class System:
    name: str
    label: str
    broker: str  # 'redis', or our service's store: 'memory' or 'file'
    workers: Callable[[dict], List[Command]]  # broker context -> one command per worker process
    producer: Callable[[dict, str, int, float], Command]  # (context, bulk|single, n, rate) -> command
    ours: bool = False


def _py_env(ctx: dict) -> dict:
    return {'PYTHONPATH': HERE, 'REDIS_PORT': str(ctx['port'])}


def _venv_bin(venv: str, name: str) -> str:
    return os.path.join(venv, 'bin', name)


def _py_producer(system: str, venv: str):
    return lambda ctx, mode, n, rate: Command(
        [_venv_bin(venv, 'python'), os.path.join(HERE, 'py_producer.py'), system, mode, str(n), str(rate)],
        _py_env(ctx))


def _redis_url(ctx: dict) -> str:
    return f'redis://127.0.0.1:{ctx["port"]}/0'


def _node_env(ctx: dict) -> dict:
    return {'NODE_PATH': os.path.join(peers_setup.NODE_DIR, 'node_modules'), 'REDIS_PORT': str(ctx['port'])}


# ------------------------------------------------------------------------------------------------ ours
# the checkout whose service and worker run: this one, or SERVICE_ROOT (e.g. a `git archive` of a commit)
OURS_PATH = os.pathsep.join([os.path.join(benchlib.SERVICE_ROOT, 'src'), HERE])
# ours-best: extra worker CLI options in one process, or None for two CLI processes at defaults (set by main)
best_options = None


def worker_cli() -> List[str]:
    """The worker CLI (setup.py's service-background-worker console script runs the same main)."""
    return [sys.executable, '-m', 'service_background.worker.cli']


def cli_has(option: str) -> bool:
    help_text = subprocess.run(worker_cli() + ['--help'], capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, PYTHONPATH=OURS_PATH)).stdout
    return option in help_text


def _ours_command(ctx: dict, options: List[str]) -> Command:
    argv = worker_cli() + ['--url', ctx['url'], '--type', f'{JOB_TYPE}=ours_handler:run', '--path', HERE]
    return Command(argv + options, {'PYTHONPATH': OURS_PATH})


def _ours_defaults(ctx: dict) -> List[Command]:
    return [_ours_command(ctx, [])]


def _ours_best(ctx: dict) -> List[Command]:
    if best_options is None:
        return [_ours_command(ctx, []) for _ in range(2)]
    return [_ours_command(ctx, list(best_options))]


def _ours_raw(ctx: dict) -> List[Command]:
    return [Command([sys.executable, os.path.join(HERE, 'ours_raw.py'), ctx['url'], JOB_TYPE],
                    {'PYTHONPATH': OURS_PATH})]


def _ours_producer(ctx: dict, mode: str, n: int, rate: float, linger_ms: float = 0.0) -> Command:
    return Command([sys.executable, os.path.join(HERE, 'ours_producer.py'), ctx['url'], JOB_TYPE, mode, str(n),
                    str(rate)], {'PYTHONPATH': OURS_PATH, 'LINGER_MS': str(linger_ms)})


def _ours_lingering_producer(ctx: dict, mode: str, n: int, rate: float) -> Command:
    """Single adds with the client's opt-in batching (enqueue_soon, 2 ms linger)."""
    return _ours_producer(ctx, mode, n, rate, 2.0)


# ------------------------------------------------------------------------------------------------ peers
def _sidekiq_workers(ctx: dict) -> List[Command]:
    argv = [shutil.which('sidekiq') or 'sidekiq', '-r', os.path.join(HERE, 'sidekiq_worker.rb'), '-c', '10']
    return [Command(argv, {'REDIS_URL': _redis_url(ctx)}) for _ in range(2)]


def _sidekiq_producer(ctx: dict, mode: str, n: int, rate: float) -> Command:
    return Command(['ruby', os.path.join(HERE, 'sidekiq_producer.rb'), mode, str(n), str(rate)],
                   {'REDIS_URL': _redis_url(ctx)})


def _bullmq_workers(ctx: dict) -> List[Command]:
    return [Command(['node', os.path.join(HERE, 'bullmq_worker.js')], dict(_node_env(ctx), CONCURRENCY='50'))
            for _ in range(2)]


def _bullmq_producer(ctx: dict, mode: str, n: int, rate: float) -> Command:
    return Command(['node', os.path.join(HERE, 'bullmq_producer.js'), mode, str(n), str(rate)], _node_env(ctx))


def _huey_workers(ctx: dict) -> List[Command]:
    return [Command([_venv_bin(peers_setup.MAIN_VENV, 'huey_consumer'), 'huey_tasks.huey', '-k', 'process',
                     '-w', '2', '-q'], _py_env(ctx))]


def _dramatiq_workers(ctx: dict) -> List[Command]:
    return [Command([_venv_bin(peers_setup.MAIN_VENV, 'dramatiq'), 'dramatiq_tasks', '--processes', '2',
                     '--threads', '8', '--path', HERE], _py_env(ctx))]


def _celery_workers(ctx: dict) -> List[Command]:
    return [Command([_venv_bin(peers_setup.MAIN_VENV, 'celery'), '-A', 'celery_tasks', 'worker', '-P', 'solo',
                     '-l', 'WARNING', '-n', f'w{i}@bench'], _py_env(ctx)) for i in range(2)]


def _rq_workers(ctx: dict) -> List[Command]:
    return [Command([_venv_bin(peers_setup.MAIN_VENV, 'rq'), 'worker', '-w', 'rq.worker.SimpleWorker',
                     '-u', _redis_url(ctx), '--logging_level', 'WARNING', 'bench'], _py_env(ctx))
            for _ in range(2)]


def _arq_workers(ctx: dict) -> List[Command]:
    return [Command([_venv_bin(peers_setup.ARQ_VENV, 'python'), os.path.join(HERE, 'arq_tasks.py')], _py_env(ctx))
            for _ in range(2)]


SYSTEMS = [
    System('ours-memory', 'ours, worker CLI defaults, memory store', 'memory', _ours_defaults, _ours_producer, True),
    System('ours-file', 'ours, worker CLI defaults, file store (the default)', 'file', _ours_defaults,
           _ours_producer, True),
    System('ours-best', 'ours, memory store, best setting (--best)', 'memory', _ours_best, _ours_producer, True),
    System('ours-raw', 'ours, raw batch client (take 500)', 'memory', _ours_raw, _ours_producer, True),
    System('ours-linger', 'ours, worker CLI defaults, memory store, producer enqueue_soon (2 ms linger)', 'memory',
           _ours_defaults, _ours_lingering_producer, True),
    System('sidekiq', 'Sidekiq, 2 x 10 threads', 'redis', _sidekiq_workers, _sidekiq_producer),
    System('bullmq', 'BullMQ, 2 node x concurrency 50', 'redis', _bullmq_workers, _bullmq_producer),
    System('huey', 'Huey, 2 processes', 'redis', _huey_workers, _py_producer('huey', peers_setup.MAIN_VENV)),
    System('dramatiq', 'Dramatiq, 2 x 8 threads', 'redis', _dramatiq_workers,
           _py_producer('dramatiq', peers_setup.MAIN_VENV)),
    System('celery', 'Celery, 2 x solo pool', 'redis', _celery_workers, _py_producer('celery', peers_setup.MAIN_VENV)),
    System('arq', 'arq, 2 processes', 'redis', _arq_workers, _py_producer('arq', peers_setup.ARQ_VENV)),
    System('rq', 'RQ, 2 SimpleWorkers', 'redis', _rq_workers, _py_producer('rq', peers_setup.MAIN_VENV)),
]
BY_NAME = {s.name: s for s in SYSTEMS}
