"""The three measurements bench/worker_peers.py makes of one system on its broker: drain, steady state with one
producer, and pickup latency at a fixed rate; every process it starts is kept in a Processes and stopped by pid."""
import contextlib
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import List, Optional

import probe
from systems import Command, System

import benchlib


class Processes:
    """The processes the bench started (own sessions, output to log files), stopped by pid group."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix='bench-worker-peers-')  # logs, removed by close()
        self._live: List[subprocess.Popen] = []
        self._logs = {}

    def start(self, command: Command, name: str, probe_port: int, stdin: bool = False) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
        env.update(command.env, PROBE_PORT=str(probe_port), PYTHONUNBUFFERED='1')
        log = os.path.join(self.folder, f'{name}-{len(self._logs)}.log')
        with open(log, 'wb') as out:
            process = subprocess.Popen(command.argv, cwd=command.cwd, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)
        self._live.append(process)
        self._logs[process.pid] = log
        return process

    def log_tail(self, process: subprocess.Popen, lines: int = 15) -> str:
        with contextlib.suppress(OSError), open(self._logs[process.pid], errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
        return ''

    def output(self, process: subprocess.Popen) -> str:
        with open(self._logs[process.pid], errors='replace') as f:
            return f.read()

    def stop(self, processes: List[subprocess.Popen], timeout: float = 5):
        for process in processes:
            benchlib.stop(process, timeout)
            if process in self._live:
                self._live.remove(process)

    def stop_all(self):
        self.stop(list(self._live))

    def close(self):
        self.stop_all()
        shutil.rmtree(self.folder, ignore_errors=True)


def reap_cpu(process: subprocess.Popen, timeout: float) -> Optional[float]:
    """Waits up to ``timeout`` s for ``process`` to exit and reaps it: its total CPU seconds (rusage), None if
    it is still running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        except ChildProcessError:  # reaped already
            return None
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.01)
    return None


def cpu(processes: list) -> float:
    return sum(benchlib.cpu_seconds(p.pid) for p in processes)


@dataclass
class Drain:
    rate: float = 0.0  # jobs/s from worker start to the last handler run
    warm_rate: float = 0.0  # jobs/s from the first handler run to the last
    cpu_ms: float = 0.0  # CPU ms per job of the broker and the workers, first to last handler run
    broker_ms: float = 0.0  # of which the broker's (redis-server or our service)
    workers_ms: float = 0.0
    done: int = 0
    note: str = ''


@dataclass
class Steady:
    rate: float = 0.0  # jobs/s from the first add to the last handler run
    adds: float = 0.0  # the producer's adds/s
    cpu_ms: float = 0.0  # CPU ms per job: broker, workers and producer
    broker_ms: float = 0.0
    workers_ms: float = 0.0
    producer_ms: float = 0.0
    p50: float = 0.0  # pickup latency ms at the fixed rate
    p99: float = 0.0
    note: str = ''


@dataclass
class Alone:
    rate: float = 0.0  # the producer's adds/s with nothing taking
    producer_us: float = 0.0  # CPU µs per add of the producer
    broker_us: float = 0.0  # of the broker
    note: str = ''


class Runner:
    def __init__(self, processes: Processes, collector: probe.Collector, max_seconds: float):
        self.processes, self.collector, self.max_seconds = processes, collector, max_seconds

    def _produce(self, system: System, ctx: dict, mode: str, n: int, rate: float, go: bool = True):
        """A producer set up and waiting for go (it prints "ready", then reads a line); told go unless not ``go``.
        None when it failed to get ready."""
        command = system.producer(ctx, mode, n, rate)
        command.env['MAX_SECONDS'] = str(self.max_seconds)
        producer = self.processes.start(command, f'{system.name}-producer', self.collector.port, stdin=True)
        deadline = time.monotonic() + 60
        while 'ready' not in self.processes.output(producer):
            if producer.poll() is not None or time.monotonic() > deadline:
                self.processes.stop([producer])
                raise RuntimeError(f'the {system.name} producer did not get ready:\n'
                                   + self.processes.log_tail(producer))
            time.sleep(0.01)
        if go:
            self.go(producer)
        return producer

    @staticmethod
    def go(producer: subprocess.Popen):
        producer.stdin.write(b'go\n')
        producer.stdin.close()

    def _workers(self, system: System, ctx: dict) -> list:
        return [self.processes.start(c, f'{system.name}-worker', self.collector.port) for c in system.workers(ctx)]

    def _fail(self, processes: list, what: str) -> str:
        dead = [p for p in processes if p.poll() is not None]
        tail = self.processes.log_tail(dead[0]) if dead else ''
        return what + (f'; a process exited ({dead[0].returncode}):\n{tail}' if dead else '')

    def enqueue(self, system: System, ctx: dict, n: int) -> str:
        """Adds n unstamped jobs and waits for the producer; '' or what went wrong."""
        producer = self._produce(system, ctx, 'bulk', n, 0)
        try:
            producer.wait(self.max_seconds + 30)
        except subprocess.TimeoutExpired:
            self.processes.stop([producer])
            return 'the producer did not finish'
        out = self.processes.output(producer)
        self.processes.stop([producer])
        if producer.returncode != 0 or f'added {n} ' not in out:
            return f'the producer failed ({producer.returncode}): {out[-600:]}'
        return ''

    def alone(self, system: System, ctx: dict, broker, n: int) -> Alone:
        """One producer adding n single jobs as fast as its client goes, no worker running: the most a steady
        state can reach on this broker."""
        producer = self._produce(system, ctx, 'single', n, 0, go=False)
        try:
            broker_a, producer_a = cpu([broker]), cpu([producer])
            self.go(producer)
            producer_b = reap_cpu(producer, self.max_seconds + 30)
            broker_b = cpu([broker])
            words = self.processes.output(producer).split()
            if producer_b is None or producer.returncode != 0 or 'added' not in words:
                return Alone(note=f'the producer failed: {self.processes.log_tail(producer)}')
            at = words.index('added')
            added, seconds = int(words[at + 1]), float(words[at + 2])
            per_add = 1e6 / max(1, added)
            return Alone(rate=added / seconds, producer_us=per_add * (producer_b - producer_a),
                         broker_us=per_add * (broker_b - broker_a),
                         note='' if added == n else f'only {added} of {n} added')
        finally:
            self.processes.stop([producer])

    def drain(self, system: System, ctx: dict, broker, n: int) -> Drain:
        self.collector.reset()
        problem = self.enqueue(system, ctx, n)
        if problem:
            return Drain(note=problem)
        time.sleep(0.2)
        self.collector.reset()
        started = time.monotonic()
        workers = self._workers(system, ctx)
        try:
            def alive():
                return all(w.poll() is None for w in workers)
            if not self.collector.wait(1, self.max_seconds, alive):
                return Drain(note=self._fail(workers, 'no handler ran'))
            count_a, broker_a, workers_a = self.collector.count, cpu([broker]), cpu(workers)
            complete = self.collector.wait(n, self.max_seconds, alive)
            count_b, broker_b, workers_b = self.collector.count, cpu([broker]), cpu(workers)
            stamps = self.collector.stamps()
            first, last = min(s[1] for s in stamps), max(s[1] for s in stamps)
            per_job = 1000 / max(1, count_b - count_a)
            result = Drain(rate=len(stamps) / (last - started), done=len(stamps),
                           warm_rate=(len(stamps) - 1) / (last - first) if last > first else 0.0,
                           broker_ms=per_job * (broker_b - broker_a), workers_ms=per_job * (workers_b - workers_a))
            result.cpu_ms = result.broker_ms + result.workers_ms
            if not complete:
                result.note = self._fail(workers, f'stalled: {len(stamps)}/{n} in {self.max_seconds:.0f} s')
            return result
        finally:
            self.processes.stop(workers)

    def steady(self, system: System, ctx: dict, broker, n: int, latency_rate: float, latency_jobs: int) -> Steady:
        """Workers up first; pickup latency with a producer paced at latency_rate; then one producer adding n as
        fast as its client goes while the workers run."""
        workers, producers = self._workers(system, ctx), []
        try:
            def alive():
                return all(w.poll() is None for w in workers)
            self.collector.reset()  # warm-up: every worker connected and idle
            warm = self._produce(system, ctx, 'single', 20, 50)
            producers.append(warm)
            if not self.collector.wait(20, self.max_seconds, alive):
                return Steady(note=self._fail(workers + [warm], 'warm-up jobs did not run'))
            self.processes.stop([warm])
            time.sleep(0.5)
            result = Steady()
            self.collector.reset()
            paced = self._produce(system, ctx, 'single', latency_jobs, latency_rate)
            producers.append(paced)
            if self.collector.wait(latency_jobs, latency_jobs / latency_rate + self.max_seconds, alive):
                pickups = sorted(1000 * (s[1] - s[0]) for s in self.collector.stamps())
                result.p50 = statistics.median(pickups)
                result.p99 = pickups[min(len(pickups) - 1, int(0.99 * len(pickups)))]
            else:
                result.note = self._fail(workers, 'latency jobs did not all run')
            self.processes.stop([paced])
            time.sleep(0.5)
            self.collector.reset()
            producer = self._produce(system, ctx, 'single', n, 0, go=False)
            producers.append(producer)
            count_a, broker_a, workers_a = self.collector.count, cpu([broker]), cpu(workers)
            producer_a = cpu([producer])
            self.go(producer)
            complete = self.collector.wait(n, self.max_seconds, alive)
            count_b, broker_b, workers_b = self.collector.count, cpu([broker]), cpu(workers)
            producer_b = reap_cpu(producer, 30)
            if producer_b is None:
                self.processes.stop([producer])
                producer_b = producer_a
                result.note = 'the producer did not exit'
            stamps = self.collector.stamps()
            if not stamps:
                result.note = self._fail(workers, 'steady: no handler ran')
                return result
            first_add, last = min(s[0] for s in stamps), max(s[1] for s in stamps)
            result.rate = len(stamps) / (last - first_add) if last > first_add else 0.0
            per_job = 1000 / max(1, count_b - count_a)
            result.broker_ms, result.workers_ms = per_job * (broker_b - broker_a), per_job * (workers_b - workers_a)
            result.producer_ms = per_job * (producer_b - producer_a)
            result.cpu_ms = result.broker_ms + result.workers_ms + result.producer_ms
            words = self.processes.output(producer).split()
            if 'added' in words:
                at = words.index('added')
                result.adds = int(words[at + 1]) / float(words[at + 2])
            if not complete:
                result.note = self._fail(workers, f'steady stalled: {len(stamps)}/{n} in {self.max_seconds:.0f} s')
            return result
        finally:
            self.processes.stop(workers + producers)
