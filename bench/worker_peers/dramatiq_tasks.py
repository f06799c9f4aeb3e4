"""Dramatiq's no-op actor for bench/worker_peers.py (RedisBroker on 127.0.0.1:REDIS_PORT)."""
import os

import dramatiq
import probe
from dramatiq.brokers.redis import RedisBroker

dramatiq.set_broker(RedisBroker(host='127.0.0.1', port=int(os.environ.get('REDIS_PORT') or 6379)))


@dramatiq.actor(queue_name='bench', max_retries=0)
def noop(t):
    probe.hit(t)
