"""Huey's no-op task for bench/worker_peers.py (RedisHuey on 127.0.0.1:REDIS_PORT)."""
import os

import probe
from huey import RedisHuey

huey = RedisHuey('bench', host='127.0.0.1', port=int(os.environ.get('REDIS_PORT') or 6379))


@huey.task()
def noop(t):
    probe.hit(t)
