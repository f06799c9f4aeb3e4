#!/usr/bin/env python
"""Long-polls: N concurrent `POST /want_job` waiters (X-Accepted-Block-For: --block-for, default 30; raw asyncio
streams on uvloop,
one kept-alive connection each; a waiter asks again after a 204 or after its job) against our service (memory),
then:
  1. idle: the server's CPU% over --idle-seconds while they wait (target < 1%);
  2. GET /heartbeat latency while they wait, from another client (--heartbeats of them, 10 ms apart;
     target p99 < 20 ms);
  3. --jobs jobs added one after the other (POST /v1/jobs/add_job from another process, each carrying the time it
     was sent): wake latency = the waiter's receipt of its job - that time, p50 / p99 / max (target p99 <= 75 ms),
     and every job handed out exactly once (none twice, none missing, none unknown).
--mongo: a MongoDB-wire test server (.venv-mongo/bin/nx-27017, in memory) and two service processes on it, the
waiters on one, the jobs added on the other (target wake p99 <= 100 ms). A take that found the queue empty lets
the want_job calls of the next 100 ms wait without one (jobs_long_polls.py), so 10,000 waiters open in ~4 s there.
--block-for sets when their blocks run out and they re-send want_job (the "204s to re-send" count): 18 puts all
10,000 re-sends in the heartbeat phase, 120 keeps them waiting throughout.
Every phase is bounded in time; the waiters are closed at the end. RLIMIT_NOFILE is raised for this process
and the service it starts.

Run: .venv/bin/python bench/long_polls.py [--waiters 10000] [--jobs 1000] [--idle-seconds 10]
        [--heartbeats 300] [--wake-timeout 60] [--block-for 30] [--mongo] [--quick] [--url URL --pid PID]
--quick is --waiters 100 --jobs 50 --idle-seconds 2 --heartbeats 50 (proves the bench works, prints no figure
worth keeping). SERVICE_ROOT=<dir> runs <dir>/bin/run.py.
"""
import argparse
import asyncio
import contextlib
import http.client
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

try:
    import msgspec
    dumps, loads = msgspec.json.encode, msgspec.json.decode
except ImportError:  # pragma: no cover
    import json
    dumps, loads = (lambda o: json.dumps(o).encode()), json.loads

QUEUE = 'longpoll'
BLOCK_FOR = 30


def raise_nofile(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return soft
    try:
        with open('/proc/sys/fs/nr_open') as f:
            ceiling = int(f.read())
    except OSError:
        ceiling = hard
    target = min(max(needed, soft), ceiling)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, max(target, hard)))
    except (ValueError, OSError):
        target = min(target, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values: list, p: float) -> float:
    if not values:
        return float('nan')
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))]


# ---------------------------------------------------------------------------------------------- waiters

class Waiters:
    def __init__(self, host: str, port: int, count: int, block_for: int = BLOCK_FOR, connect_parallel: int = 200):
        self.host, self.port, self.count = host, port, count
        body = dumps({'queue': QUEUE})
        self.request = (f'POST /want_job HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n'
                        f'X-Accepted-Block-For: {block_for}\r\nContent-Length: {len(body)}\r\n\r\n').encode() + body
        self.received = []  # (job id, params, receipt time)
        self.sent = 0  # requests written (first ones and repeats)
        self.connected = 0
        self.failed = []
        self.timeouts = 0  # 204s
        self.stopping = False
        self.got_all = asyncio.Event()
        self.expected = None
        self._connect = asyncio.Semaphore(connect_parallel)
        self._tasks = []
        self._writers = []

    async def _open(self):
        async with self._connect:
            for attempt in range(8):
                try:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), 10)
                    writer.write(self.request)
                    self.sent += 1
                    return reader, writer
                except (OSError, asyncio.TimeoutError) as ex:
                    error = ex
                    await asyncio.sleep(0.05 * (attempt + 1))
            raise error

    async def _waiter(self):
        try:
            reader, writer = await self._open()
        except Exception as ex:
            self.failed.append(f'connect: {ex!r}')
            return
        self.connected += 1
        self._writers.append(writer)
        try:
            while not self.stopping:
                head = await reader.readuntil(b'\r\n\r\n')
                status = int(head[9:12])
                length, close, chunked = 0, False, False
                for line in head.split(b'\r\n')[1:]:
                    name, _, value = line.partition(b':')
                    name = name.strip().lower()
                    if name == b'content-length':
                        length = int(value)
                    elif name == b'connection' and value.strip().lower() == b'close':
                        close = True
                    elif name == b'transfer-encoding' and b'chunked' in value.lower():
                        chunked = True
                if chunked:
                    parts = []
                    while True:
                        size = int((await reader.readuntil(b'\r\n')).split(b';')[0], 16)
                        parts.append(await reader.readexactly(size + 2))
                        if size == 0:
                            break
                    payload = b''.join(p[:-2] for p in parts)
                else:
                    payload = await reader.readexactly(length) if length else b''
                now = time.time()
                if status == 200:
                    job = loads(payload)
                    self.received.append((job['id'], job.get('params'), now))
                    if self.expected is not None and len(self.received) >= self.expected:
                        self.got_all.set()
                elif status == 204:
                    self.timeouts += 1
                else:
                    raise RuntimeError(f'want_job answered {status}: {payload[:200]!r}')
                if self.stopping:
                    break
                if close:
                    writer.close()
                    reader, writer = await self._open()
                    self._writers.append(writer)
                else:
                    writer.write(self.request)
                    self.sent += 1
        except (asyncio.CancelledError, asyncio.IncompleteReadError, ConnectionError) as ex:
            if not self.stopping and not isinstance(ex, asyncio.CancelledError):
                self.failed.append(f'read: {ex!r}')
        except Exception as ex:
            self.failed.append(f'read: {ex!r}')
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def start(self):
        self._tasks = [asyncio.ensure_future(self._waiter()) for _ in range(self.count)]

    async def opened(self, timeout: float) -> bool:
        deadline = time.time() + timeout
        while self.connected + len(self.failed) < self.count and time.time() < deadline:
            await asyncio.sleep(0.1)
        return self.connected + len(self.failed) >= self.count

    async def close(self):
        self.stopping = True
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


# ---------------------------------------------------------------------------------------------- other clients

def heartbeats(url: str, count: int, spacing: float, deadline: float, results):
    """Latencies (ms) of `count` GET /heartbeat on one kept-alive connection, `spacing` s apart (a process of
    its own: the waiters' client loop does not delay it)."""
    try:
        results.put((heartbeat_latencies(url, count, spacing, deadline), None))
    except BaseException as ex:  # noqa: BLE001 -- reported by the parent
        results.put(([], repr(ex)))


def heartbeat_latencies(url: str, count: int, spacing: float, deadline: float) -> list:
    host, port = url.split('//', 1)[1].split(':')
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    latencies = []
    for _ in range(count):
        if time.time() > deadline:
            break
        start = time.perf_counter()
        try:
            conn.request('GET', '/heartbeat')
            r = conn.getresponse()
            r.read()
            assert r.status == 200, r.status
        except Exception:
            latencies.append(float('inf'))  # unanswered within 30 s
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        latencies.append((time.perf_counter() - start) * 1000)
        time.sleep(spacing)
    return latencies


def adder(url: str, jobs: int, deadline: float, results):
    """Adds `jobs` jobs one after the other, each carrying the time its request was sent; returns their ids."""
    try:
        host, port = url.split('//', 1)[1].split(':')
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        ids = []
        for i in range(jobs):
            if time.time() > deadline:
                break
            body = dumps({'new_job': {'type': QUEUE, 'params': {'i': i, 't': time.time()}}})
            conn.request('POST', '/v1/jobs/add_job', body, {'Content-Type': 'application/json'})
            r = conn.getresponse()
            payload = r.read()
            assert r.status == 200, (r.status, payload[:200])
            ids.append(loads(payload)['id'])
        results.put((ids, None))
    except BaseException as ex:  # noqa: BLE001 -- reported by the parent
        results.put(([], repr(ex)))


# ---------------------------------------------------------------------------------------------- mongo

@contextlib.contextmanager
def mongo_server():
    binary = os.environ.get('NX27017_BIN') or os.path.join(benchlib.ROOT, '.venv-mongo', 'bin', 'nx-27017')
    if not os.path.exists(binary):
        raise SystemExit(f'{binary} is missing: `make test` installs it into .venv-mongo')
    port = benchlib.free_port()
    with tempfile.TemporaryDirectory(prefix='bench-mongo-') as folder:
        process = subprocess.Popen([binary, '--host', '127.0.0.1', '-p', str(port), '--db', 'memory',
                                    '--pid-file', os.path.join(folder, 'server.pid'),
                                    '--log-file', os.path.join(folder, 'server.log')],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
                                   start_new_session=True)
        try:
            benchlib.wait_port(port, process, what='nx-27017')
            yield f'mongodb://127.0.0.1:{port}/bench_long_polls', process
        finally:
            benchlib.stop(process)


# ---------------------------------------------------------------------------------------------- the bench

async def bench(args, wait_url: str, add_url: str, pid: int) -> dict:
    host, port = wait_url.split('//', 1)[1].split(':')
    out = {}
    waiters = Waiters(host, int(port), args.waiters, args.block_for)
    started = time.time()
    waiters.start()
    await waiters.opened(args.open_timeout)
    out['open_s'] = time.time() - started
    await asyncio.sleep(args.settle)
    out['connected'], out['failed'] = waiters.connected, list(waiters.failed)
    print(f'waiters: {waiters.connected:,} of {args.waiters:,} connected and waiting '
          f'({out["open_s"]:.1f} s to open, {len(waiters.failed)} failed'
          f'{": " + waiters.failed[0] if waiters.failed else ""})',
          flush=True)

    # 1. idle CPU while they wait
    cpu0, t0 = benchlib.cpu_seconds(pid), time.time()
    await asyncio.sleep(args.idle_seconds)
    out['idle_cpu_pct'] = (benchlib.cpu_seconds(pid) - cpu0) / (time.time() - t0) * 100
    verdict = ('the waiters\' service, which polls the shared signal; the < 1% target is for memory' if args.mongo
               else f'target < 1%: {"met" if out["idle_cpu_pct"] < 1 else "NOT met"}')
    print(f'idle: server CPU {out["idle_cpu_pct"]:.2f}% over {args.idle_seconds:g} s  ({verdict}; '
          f'/proc counts 10 ms ticks)', flush=True)

    # 2. heartbeat latency while they wait, from another process
    loop = asyncio.get_running_loop()
    ctx = multiprocessing.get_context('spawn')
    results = ctx.Queue()
    process = ctx.Process(target=heartbeats, args=(wait_url, args.heartbeats, 0.01,
                                                   time.time() + args.heartbeats * 0.05 + 60, results), daemon=True)
    process.start()
    latencies, error = await loop.run_in_executor(None, results.get, True, args.heartbeats * 0.05 + 120)
    process.join(10)
    if error:
        print(f'heartbeat client failed: {error}', flush=True)
    out['hb_p50'], out['hb_p99'], out['hb_max'] = (percentile(latencies, 50), percentile(latencies, 99),
                                                    max(latencies) if latencies else float('nan'))
    print(f'heartbeat while waiting: {len(latencies)} requests, p50 {out["hb_p50"]:.2f} ms, '
          f'p99 {out["hb_p99"]:.2f} ms, '
          f'max {out["hb_max"]:.2f} ms  (target p99 < 20 ms: {"met" if out["hb_p99"] < 20 else "NOT met"})', flush=True)

    # 3. jobs: added from another process (on the other service with --mongo), woken waiters
    results = ctx.Queue()
    process = ctx.Process(target=adder, args=(add_url, args.jobs, time.time() + args.wake_timeout, results),
                          daemon=True)
    before = len(waiters.received)
    waiters.expected = before + args.jobs
    process.start()
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(waiters.got_all.wait(), args.wake_timeout + 10)
    await asyncio.sleep(args.settle)  # a job handed out twice would show up now
    added, error = await loop.run_in_executor(None, results.get, True, 30)
    process.join(10)
    received = waiters.received[before:]
    wake = [(at - params['t']) * 1000 for _, params, at in received if isinstance(params, dict) and 't' in params]
    ids = [job_id for job_id, _, _ in received]
    out.update(added=len(added), received=len(received), duplicates=len(ids) - len(set(ids)),
               missing=len(set(added) - set(ids)), unknown=len(set(ids) - set(added)),
               wake_p50=percentile(wake, 50), wake_p99=percentile(wake, 99),
               wake_max=max(wake) if wake else float('nan'), adder_error=error)
    target = 100 if args.mongo else 75
    print(f'wake: {len(added)} jobs added{" (adder: " + error + ")" if error else ""}, {len(received)} received: '
          f'p50 {out["wake_p50"]:.1f} ms, p99 {out["wake_p99"]:.1f} ms, max {out["wake_max"]:.1f} ms  '
          f'(target p99 <= {target} ms: {"met" if out["wake_p99"] <= target else "NOT met"})', flush=True)
    once = out['duplicates'] == 0 and out['missing'] == 0 and out['unknown'] == 0 and len(added) == args.jobs
    print(f'handed out exactly once: {"yes" if once else "NO"}  ({out["duplicates"]} twice, {out["missing"]} missing, '
          f'{out["unknown"]} unknown; {waiters.timeouts} 204s to re-send; {len(waiters.failed)} waiter errors'
          f'{": " + waiters.failed[-1] if waiters.failed else ""})', flush=True)
    await waiters.close()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--waiters', type=int, default=10000)
    parser.add_argument('--jobs', type=int, default=1000)
    parser.add_argument('--idle-seconds', type=float, default=10)
    parser.add_argument('--heartbeats', type=int, default=300)
    parser.add_argument('--wake-timeout', type=float, default=60, help='bound of the jobs phase (s)')
    parser.add_argument('--open-timeout', type=float, default=120, help='bound of opening the waiters (s)')
    parser.add_argument('--settle', type=float, default=2, help='s after opening and after the last wake')
    parser.add_argument('--block-for', type=int, default=BLOCK_FOR,
                        help='X-Accepted-Block-For of each want_job (s); a waiter re-sends after a 204')
    parser.add_argument('--mongo', action='store_true', help='two services on the MongoDB-wire test server')
    parser.add_argument('--url', help='a service already running (then --pid is its process, for CPU)')
    parser.add_argument('--pid', type=int, default=0)
    parser.add_argument('--quick', action='store_true')
    args = parser.parse_args()
    if args.quick:
        args.waiters, args.jobs = min(args.waiters, 100), min(args.jobs, 50)
        args.idle_seconds, args.heartbeats, args.settle = min(args.idle_seconds, 2), min(args.heartbeats, 50), 1
    limit = raise_nofile(args.waiters * 2 + 2048)  # inherited by the services started below
    print(f'{args.waiters:,} want_job waiters (X-Accepted-Block-For: {args.block_for}), {args.jobs:,} jobs, '
          f'{"two services on MongoDB (nx-27017)" if args.mongo else "memory"}, {os.cpu_count()} cores, '
          f'RLIMIT_NOFILE {limit}', flush=True)
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    with contextlib.ExitStack() as stack:
        if args.url:
            wait_url, add_url, pid = args.url.rstrip('/'), args.url.rstrip('/'), args.pid
        elif args.mongo:
            uri, _ = stack.enter_context(mongo_server())
            wait_url, process = stack.enter_context(benchlib.our_service(uri))
            add_url, _ = stack.enter_context(benchlib.our_service(uri))
            pid = process.pid
        else:
            wait_url, process = stack.enter_context(benchlib.our_service('memory'))
            add_url, pid = wait_url, process.pid
        deadline = args.open_timeout + args.idle_seconds + args.heartbeats * 0.05 + args.wake_timeout + 180
        try:
            asyncio.run(asyncio.wait_for(bench(args, wait_url, add_url, pid), deadline))
        except asyncio.TimeoutError:
            print(f'the bench did not finish within {deadline:.0f} s', flush=True)
            sys.exit(1)


if __name__ == '__main__':
    main()
