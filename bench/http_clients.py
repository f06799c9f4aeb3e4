#!/usr/bin/env python
"""The HTTP stacks an asyncio client of ours could use, on the real service (bin/run.py, memory store,
its own process): httpx, aiohttp and the lean client (service_background.common.clients.lean_http_client, asyncio
+ httptools). Each sends the same pre-encoded bodies and decodes replies with msgspec, so only the
transport differs. Prints requests/s and CPU ms per request of the client process and of the service,
for single add_job calls (1 and 8 in flight) and add_jobs of 500 jobs.

Run: .venv/bin/python bench/http_clients.py [--singles 3000] [--batches 40]
httpx and aiohttp are not dependencies of the service: the bench pip-installs them into the venv it runs in
when they are missing (benchlib.ensure_pip)."""
import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

sys.path.insert(0, os.path.join(benchlib.ROOT, 'src'))
import msgspec  # noqa: E402

from service_background.common.clients.lean_http_client import LeanHttpClient  # noqa: E402

HEADERS = {'Content-Type': 'application/json'}


class Httpx:
    def __init__(self, url, connections):
        import httpx
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.http = httpx.AsyncClient(base_url=url, headers=HEADERS, limits=limits, timeout=60)

    async def post(self, path, body):
        response = await self.http.request('POST', path, content=body)
        return response.status_code, response.content

    async def close(self):
        await self.http.aclose()


class Aiohttp:
    def __init__(self, url, connections):
        import aiohttp
        self.url = url
        self.http = aiohttp.ClientSession(headers=HEADERS, connector=aiohttp.TCPConnector(limit=connections))

    async def post(self, path, body):
        async with self.http.post(self.url + path, data=body) as response:
            return response.status, await response.read()

    async def close(self):
        await self.http.close()


class Lean:
    def __init__(self, url, connections):
        self.http = LeanHttpClient(url, HEADERS, connections)

    async def post(self, path, body):
        response = await self.http.request('POST', path, body, None, 60)
        return response.status_code, response.content

    async def close(self):
        await self.http.close()


async def measure(kind, url, service_pid, n, in_flight, body, path):
    client = kind(url, max(in_flight, 1))
    await client.post(path, body)  # connect, warm
    cpu, service_cpu, started = time.process_time(), benchlib.cpu_seconds(service_pid), time.perf_counter()
    left = [n]

    async def loop():
        while left[0] > 0:
            left[0] -= 1
            status, content = await client.post(path, body)
            assert status == 200, status
            msgspec.json.decode(content)
    await asyncio.gather(*(loop() for _ in range(in_flight)))
    wall = time.perf_counter() - started
    cpu, service_cpu = time.process_time() - cpu, benchlib.cpu_seconds(service_pid) - service_cpu
    await client.close()
    return n / wall, cpu * 1000 / n, service_cpu * 1000 / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--singles', type=int, default=3000)
    parser.add_argument('--batches', type=int, default=40)
    args = parser.parse_args()
    httpx = benchlib.ensure_pip('httpx', 'httpx>=0.27,<0.29')
    aiohttp = benchlib.ensure_pip('aiohttp', 'aiohttp>=3.9,<4')
    kinds = [(f'httpx {httpx.__version__}', Httpx), (f'aiohttp {aiohttp.__version__}', Aiohttp), ('lean', Lean)]
    import uvloop
    single = msgspec.json.encode({'new_job': {'type': 'bench_http', 'params': {'n': 1}}})
    batch = msgspec.json.encode({'new_jobs': [{'type': 'bench_http', 'params': {'n': i}} for i in range(500)]})
    cases = [('add_job, 1 in flight', args.singles, 1, single, '/v1/jobs/add_job'),
             ('add_job, 8 in flight', args.singles, 8, single, '/v1/jobs/add_job'),
             ('add_jobs of 500', args.batches, 1, batch, '/v1/jobs/add_jobs')]
    with benchlib.our_service('memory', env={'RETRIES_DISABLED': 'true', 'TASKS_DISABLED': 'true',
                                             'CRON_DISABLED': 'true'}) as (url, process):
        print(f'# service {url} (memory), uvloop, requests/s | client CPU ms/request | service CPU ms/request')
        for title, n, in_flight, body, path in cases:
            print(f'## {title}, {n} requests', flush=True)
            figures = {}
            for name, kind in kinds:
                with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                    rate, cpu, service_cpu = runner.run(measure(kind, url, process.pid, n, in_flight, body, path))
                figures[name] = (rate, cpu)
                print(f'{name:<16} {rate:9.0f} req/s  client {cpu:7.3f} ms/req  service {service_cpu:7.3f} ms/req',
                      flush=True)
            lean = figures['lean']
            for name, (rate, cpu) in figures.items():
                if name != 'lean':
                    print(f'lean / {name}: {benchlib.ratio(lean[0], rate)} req/s, '
                          f'{benchlib.ratio(cpu, lean[1])} less client CPU per request')


if __name__ == '__main__':
    main()
