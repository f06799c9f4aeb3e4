"""The systems bench/postgres_peers.py compares, each on its own database of one PostgreSQL: ours (the service
on it, drained by the worker CLI) and Graphile Worker, pg-boss and Procrastinate with their own clients, installed
into build/bench-postgres-peers/ (gitignored) by bench/worker_peers/peers_setup.py's helpers."""
import os
import subprocess
from typing import List

import peers_setup
from systems import BY_NAME, Command, System

import benchlib

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER_PEERS = os.path.join(os.path.dirname(HERE), 'worker_peers')
HOME = os.path.join(benchlib.ROOT, 'build', 'bench-postgres-peers')
NODE_DIR = os.path.join(HOME, 'node')
NODE_REQUIREMENTS = ['graphile-worker@0.17.3', 'pg-boss@10.4.2']
VENV = os.path.join(HOME, 'venv')
VENV_REQUIREMENTS = ['procrastinate[psycopg]==3.10.0']
WORKER_PROCESSES = 2  # one per core of this machine, for the peers whose process is single threaded


def install(names: list):
    if 'graphile' in names or 'pgboss' in names:
        peers_setup.node_folder(NODE_DIR, NODE_REQUIREMENTS)
    if 'procrastinate' in names:
        peers_setup.venv_python(VENV, VENV_REQUIREMENTS)


def versions(names: list) -> list:
    lines = []
    if 'graphile' in names:
        lines += peers_setup.node_versions(NODE_DIR, ['graphile-worker'])
    if 'pgboss' in names:
        lines += peers_setup.node_versions(NODE_DIR, ['pg-boss'])
    if 'graphile' in names or 'pgboss' in names:
        lines += peers_setup.node_versions(NODE_DIR, ['pg']) + [('node', _node_version())]
    if 'procrastinate' in names:
        python = os.path.join(VENV, 'bin', 'python')
        lines += sorted(peers_setup.pip_versions(python, ['procrastinate', 'psycopg']).items())
    return lines


def _node_version() -> str:
    return subprocess.run(['node', '-v'], capture_output=True, text=True, timeout=30).stdout.strip()


def _node(script: str, ctx: dict, *args: str, env: dict = None) -> Command:
    environ = {'NODE_PATH': os.path.join(NODE_DIR, 'node_modules'), 'DATABASE_URL': ctx['database']}
    return Command(['node', os.path.join(HERE, script), *args], dict(environ, **(env or {})), HERE)


def _procrastinate(ctx: dict, *args: str) -> Command:
    environ = {'PYTHONPATH': os.pathsep.join([HERE, WORKER_PEERS]), 'DATABASE_URL': ctx['database']}
    return Command([os.path.join(VENV, 'bin', 'python'), *args], environ, HERE)


# Graphile Worker: the configuration of its performance page (concurrentJobs 24, maxPoolSize 25, localQueue 500,
# completeJobBatchDelay and failJobBatchDelay 0), one node process per core
def _graphile_workers(ctx: dict) -> List[Command]:
    return [_node('graphile_worker.js', ctx) for _ in range(WORKER_PROCESSES)]


# pg-boss 10: a worker fetches a batch per poll and waits out the polling interval after it (0.5 s at least);
# more at once comes from more work() calls: 4 loops x batchSize 100 per node process, one process per core
def _pgboss_workers(ctx: dict) -> List[Command]:
    return [_node('pgboss_worker.js', ctx, env={'WORKERS': '4', 'BATCH_SIZE': '100'})
            for _ in range(WORKER_PROCESSES)]


# Procrastinate: its CLI worker, one process per core, --concurrency 10 (its connector pool's default size)
def _procrastinate_workers(ctx: dict) -> List[Command]:
    return [_procrastinate(ctx, '-m', 'procrastinate', '--app', 'procrastinate_app.app', 'worker', '--concurrency',
                           '10') for _ in range(WORKER_PROCESSES)]


def _ours_workers(ctx: dict) -> List[Command]:
    return BY_NAME['ours-file'].workers(ctx)


def _ours_producer(ctx: dict, mode: str, n: int, rate: float) -> Command:
    return BY_NAME['ours-file'].producer(ctx, mode, n, rate)


SYSTEMS = [
    System('ours', 'ours, the service on PostgreSQL; the worker CLI at its defaults (--processes = cores = 2, '
                   '--concurrency 8); producer add_jobs of 1000', 'postgres', _ours_workers, _ours_producer, True),
    System('graphile', 'Graphile Worker, 2 node x concurrentJobs 24, localQueue 500, batched completion; '
                       'addJobs of 1000', 'postgres', _graphile_workers,
           lambda ctx, mode, n, rate: _node('graphile_producer.js', ctx, str(n))),
    System('pgboss', 'pg-boss, 2 node x 4 work() x batchSize 100, polling 0.5 s; insert of 1000', 'postgres',
           _pgboss_workers, lambda ctx, mode, n, rate: _node('pgboss_producer.js', ctx, str(n))),
    System('procrastinate', 'Procrastinate, 2 worker processes x --concurrency 10; batch_defer_async of 1000',
           'postgres', _procrastinate_workers,
           lambda ctx, mode, n, rate: _procrastinate(ctx, os.path.join(HERE, 'procrastinate_app.py'), str(n))),
]
PG_BY_NAME = {s.name: s for s in SYSTEMS}
