"""arq's no-op function and worker settings for bench/worker_peers.py; run as a script it is one arq worker
(run_worker without the CLI's per-job info logging)."""
import os

import probe
from arq.connections import RedisSettings
from arq.worker import run_worker


async def noop(ctx, t):
    probe.hit(t)


class WorkerSettings:
    functions = [noop]
    redis_settings = RedisSettings(host='127.0.0.1', port=int(os.environ.get('REDIS_PORT') or 6379))


if __name__ == '__main__':
    run_worker(WorkerSettings)
