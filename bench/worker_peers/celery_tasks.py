"""Celery's no-op task for bench/worker_peers.py (Redis broker on 127.0.0.1:REDIS_PORT, no result backend)."""
import os

import probe
from celery import Celery

app = Celery('bench', broker=f'redis://127.0.0.1:{os.environ.get("REDIS_PORT") or 6379}/0')


@app.task(name='noop')
def noop(t):
    probe.hit(t)
