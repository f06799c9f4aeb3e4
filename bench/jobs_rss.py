#!/usr/bin/env python
"""Memory per queued job: our service (memory persistence, the whole process: store, indexes, metrics) beside
redis-server holding the same jobs' JSON in a list (a reliable queue), one after the other on this machine.

Jobs go in over HTTP with add_jobs of 1,000; the JSON Redis holds is each job exactly as our service
returns it. Prints bytes per job for both (our RSS growth; Redis's used_memory growth, and its RSS growth)
and the ratio (goal: ours <= Redis).
Run: .venv/bin/python bench/jobs_rss.py [--jobs 200000]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def rss_bytes(pid: int) -> int:
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def post(url: str, body: dict):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method='POST',
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def ours(count: int, deadline: float):
    """(bytes per job, a sample of the jobs' JSON as the service returns them)."""
    samples = []
    with benchlib.our_service('memory') as (url, process):
        post(url + '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'warmup'}]})
        time.sleep(0.5)
        before = rss_bytes(process.pid)
        added = 0
        while added < count and time.monotonic() < deadline:
            batch = [{'type': f'type{(added + i) % 4}', 'params': {'n': added + i}}
                     for i in range(min(1000, count - added))]
            jobs = post(url + '/v1/jobs/add_jobs', {'new_jobs': batch})
            if len(samples) < 1000:
                samples.extend(jobs[:1000 - len(samples)])
            added += len(jobs)
        time.sleep(0.5)
        grown = rss_bytes(process.pid) - before
    return grown / max(1, added), samples, added


def redis(samples: list, count: int, deadline: float):
    redis_py = benchlib.ensure_pip('redis')
    binary = benchlib.ensure_apt('redis-server')
    port = benchlib.free_port()
    folder = tempfile.mkdtemp(prefix='bench-redis-')
    process = subprocess.Popen([binary, '--port', str(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
                                '--dir', folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        benchlib.wait_port(port, process, what='redis-server')
        client = redis_py.Redis(host='127.0.0.1', port=port)
        before_used, before_rss = client.info('memory')['used_memory'], rss_bytes(process.pid)
        payloads = [json.dumps(job, separators=(',', ':')) for job in samples]
        added = 0
        while added < count and time.monotonic() < deadline:
            pipe = client.pipeline(transaction=False)
            n = min(1000, count - added)
            for i in range(n):
                # the same JSON, each with its own id so no two values are identical
                payload = payloads[(added + i) % len(payloads)]
                pipe.lpush('queue:jobs', payload.replace('"id":"', f'"id":"{added + i:x}-', 1))
            pipe.execute()
            added += n
        info = client.info('memory')
        return (info['used_memory'] - before_used) / max(1, added), \
            (rss_bytes(process.pid) - before_rss) / max(1, added), \
            sum(len(p) for p in payloads) / len(payloads)
    finally:
        benchlib.stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--jobs', type=int, default=200000)
    parser.add_argument('--max-seconds', type=float, default=300)
    args = parser.parse_args()
    deadline = time.monotonic() + args.max_seconds
    per_job, samples, added = ours(args.jobs, deadline)
    used, redis_rss, json_len = redis(samples, added, deadline)
    print(f'{added:,} queued jobs, JSON of a job as served: {json_len:.0f} bytes on average')
    print(f'  ours (memory, whole process RSS)   {per_job:8.0f} B per job')
    print(f'  redis-server used_memory            {used:8.0f} B per job   (RSS {redis_rss:.0f} B per job)')
    print(f'  ours / redis used_memory: {per_job / used:.2f}x  (goal <= 1.0x)')


if __name__ == '__main__':
    main()
