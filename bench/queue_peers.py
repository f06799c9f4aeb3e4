"""The peers bench/jobs_throughput.py compares with, with the same client shape as ours: redis-server as a
reliable queue (LPUSH / BLMOVE / LREM, pipelined for batches) and beanstalkd (put / reserve-with-timeout /
delete with a tiny client of its text protocol), each started on a free loopback port."""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

try:
    import msgspec
    dumps, loads = msgspec.json.encode, msgspec.json.decode
except ImportError:  # pragma: no cover
    import json
    dumps, loads = (lambda o: json.dumps(o).encode()), json.loads

QUEUE = 'bench'


# ---------------------------------------------------------------------------------------------- redis

def redis_client(port: int):
    import redis
    return redis.Redis(host='127.0.0.1', port=port)


def redis_producer(port: int, mode: str, jobs: int, batch: int, deadline: float) -> int:
    r, added = redis_client(port), 0
    step = batch if mode == 'batch' else 1
    for start in range(0, jobs, step):
        if time.time() > deadline:
            break
        values = [dumps({'id': uuid.uuid4().hex, 'type': QUEUE, 'params': i})
                  for i in range(start, min(jobs, start + step))]
        r.lpush(QUEUE, *values)
        added += len(values)
    return added


def redis_worker(port: int, mode: str, batch: int, finished, deadline: float) -> int:
    r, count, processing, last = redis_client(port), 0, QUEUE + ':processing', time.time()
    while time.time() < deadline:
        if mode == 'batch':
            pipe = r.pipeline(transaction=False)
            for _ in range(batch):
                pipe.lmove(QUEUE, processing, 'RIGHT', 'LEFT')
            taken = [v for v in pipe.execute() if v is not None]
            if not taken:
                v = r.blmove(QUEUE, processing, 0.1, 'RIGHT', 'LEFT')
                taken = [v] if v is not None else []
        else:
            v = r.blmove(QUEUE, processing, 0.1, 'RIGHT', 'LEFT')
            taken = [v] if v is not None else []
        if not taken:
            if finished.is_set():
                break
            continue
        jobs = [loads(v) for v in taken]  # the work: read the job
        assert all(j['type'] == QUEUE for j in jobs)
        if len(taken) == 1:
            r.lrem(processing, 1, taken[0])
        else:
            pipe = r.pipeline(transaction=False)
            for v in taken:
                pipe.lrem(processing, 1, v)
            pipe.execute()
        count += len(taken)
        last = time.time()
    return count, last


@contextlib.contextmanager
def redis_server(store: str):
    binary = benchlib.ensure_apt('redis-server')
    benchlib.ensure_pip('redis')
    port = benchlib.free_port()
    with tempfile.TemporaryDirectory(prefix='bench-redis-') as folder:
        command = [binary, '--bind', '127.0.0.1', '--port', str(port), '--dir', folder, '--save', '',
                   '--daemonize', 'no', '--loglevel', 'warning']
        command += ['--appendonly', 'yes', '--appendfsync', 'always'] if store == 'file' else ['--appendonly', 'no']
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            benchlib.wait_port(port, process, what='redis-server')
            yield port, process
        finally:
            benchlib.stop(process)


# ---------------------------------------------------------------------------------------------- beanstalkd

class Beanstalk:
    """The few beanstalkd commands the bench uses, each also pipelined (send n, read n replies)."""

    def __init__(self, port: int):
        self._sock = socket.create_connection(('127.0.0.1', port))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._file = self._sock.makefile('rb')

    def puts(self, bodies: list) -> list:
        self._sock.sendall(b''.join(b'put 1024 0 120 %d\r\n%s\r\n' % (len(b), b) for b in bodies))
        ids = []
        for _ in bodies:
            line = self._file.readline()
            assert line.startswith(b'INSERTED'), line
            ids.append(int(line.split()[1]))
        return ids

    def reserves(self, n: int, timeout: int) -> list:
        self._sock.sendall(b'reserve-with-timeout %d\r\n' % timeout * n)
        jobs = []
        for _ in range(n):
            line = self._file.readline()
            if line.startswith(b'RESERVED'):
                _, job_id, size = line.split()
                jobs.append((int(job_id), self._file.read(int(size) + 2)[:-2]))
            else:
                assert line.startswith((b'TIMED_OUT', b'DEADLINE_SOON')), line
        return jobs

    def deletes(self, ids: list):
        self._sock.sendall(b''.join(b'delete %d\r\n' % i for i in ids))
        for _ in ids:
            line = self._file.readline()
            assert line.startswith(b'DELETED'), line


def beanstalk_producer(port: int, mode: str, jobs: int, batch: int, deadline: float) -> int:
    b, added = Beanstalk(port), 0
    step = batch if mode == 'batch' else 1
    for start in range(0, jobs, step):
        if time.time() > deadline:
            break
        added += len(b.puts([dumps({'id': uuid.uuid4().hex, 'type': QUEUE, 'params': i})
                             for i in range(start, min(jobs, start + step))]))
    return added


def beanstalk_worker(port: int, mode: str, batch: int, finished, deadline: float) -> int:
    b, count, last = Beanstalk(port), 0, time.time()
    while time.time() < deadline:
        taken = b.reserves(batch, 0) if mode == 'batch' else []
        if not taken:
            taken = b.reserves(1, 1)
        if not taken:
            if finished.is_set():
                break
            continue
        assert all(loads(body)['type'] == QUEUE for _, body in taken)
        b.deletes([job_id for job_id, _ in taken])
        count += len(taken)
        last = time.time()
    return count, last


@contextlib.contextmanager
def beanstalkd_server(store: str):
    binary = benchlib.ensure_apt('beanstalkd')
    port = benchlib.free_port()
    with tempfile.TemporaryDirectory(prefix='bench-beanstalkd-') as folder:
        command = [binary, '-l', '127.0.0.1', '-p', str(port)] + (['-b', folder, '-f0'] if store == 'file' else [])
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            benchlib.wait_port(port, process, what='beanstalkd')
            yield port, process
        finally:
            benchlib.stop(process)
