"""Handlers the worker test processes import (``test.worker.handlers:<name>``). Each appends
``<event> <job id> <pid>`` to $WORKER_TEST_LOG (O_APPEND: one short write per line, atomic)."""
import os
import time


def _log(event: str, key: str):
    with open(os.environ['WORKER_TEST_LOG'], 'a') as f:
        f.write(f'{event} {key} {os.getpid()}\n')


def echo(job):
    _log('run', job.id)
    return {'n': job.params['n'] * 2}


def slow(job):
    _log('start', job.id)
    time.sleep(float(os.environ.get('WORKER_TEST_SLEEP', '1')))
    _log('end', job.id)
    return {'slept': True}
