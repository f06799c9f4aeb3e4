"""Handlers the worker test processes import (``test.worker.handlers:<name>``). Each appends
``<event> <job id> <pid>`` to $WORKER_TEST_LOG (O_APPEND: one short write per line, atomic)."""
import asyncio
import logging
import os
import time

from service_background.worker import current

logger = logging.getLogger('test.worker.handlers')


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


def _wait(seconds: float, until=lambda: False) -> bool:
    """Sleeps up to ``seconds`` in short steps; True as soon as ``until()`` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if until():
            return True
        time.sleep(0.02)
    return False


async def wait_cancel(job):
    """Async: waits to be cancelled (the worker cancels its task)."""
    _log('start', job.id)
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        _log('cancelled', job.id)
        raise
    _log('end', job.id)


def poll_cancel(job):
    """Sync: returns as soon as current().cancelled turns true."""
    _log('start', job.id)
    if _wait(30, lambda: current().cancelled):
        _log('cancelled', job.id)
        return 'stopped'
    _log('end', job.id)
    return 'finished'


def ignore_cancel(job):
    """Sync: runs on for WORKER_TEST_SLEEP seconds whatever happens."""
    _log('start', job.id)
    _wait(float(os.environ.get('WORKER_TEST_SLEEP', '1')))
    _log('end', job.id)
    return 'late'


def report(job):
    """Progress and log lines: 50 % and params['lines'] lines, then params['hold'] seconds, then 100 %."""
    context = current()
    context.progress(50, 'half way')
    for n in range(job.params['lines']):
        logger.info('line %d of %s', n, job.id)
    logger.warning('careful')
    _wait(job.params['hold'])
    context.progress(100, 'done')
    return {'traceparent': context.traceparent}
