"""The raw batch client bench/worker_peers.py runs on our service, with the repo's .venv python: no worker
library, one keep-alive connection (http.client + msgspec), `start_jobs_by_type` limit 500, the no-op handler
for each job (one probe datagram per batch), one `complete_jobs` per batch; a long-poll `want_job` when the
queue is empty (204 when none came). `ours_raw.py URL TYPE` runs until SIGTERM (or MAX_SECONDS, 3600)."""
import http.client
import os
import signal
import sys
import time
import urllib.parse

import msgspec
import probe

BATCH = 500
encode, decode = msgspec.json.encode, msgspec.json.decode
stopping = False


def stop(*_):
    global stopping
    stopping = True


def main():
    url, job_type = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGTERM, stop)
    address = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    headers = {'Content-Type': 'application/json'}

    def call(path: str, body: dict, extra: dict = None):
        connection.request('POST', path, encode(body), {**headers, **(extra or {})})
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f'{path}: {response.status} {data[:200]!r}')
        return decode(data) if data else None

    take = {'type': job_type, 'limit': BATCH}
    deadline = time.monotonic() + float(os.environ.get('MAX_SECONDS') or 3600)
    while not stopping and time.monotonic() < deadline:
        jobs = call('/v1/jobs/start_jobs_by_type', take) or []
        if not jobs:
            job = call('/want_job', {'queue': job_type}, {'X-Accepted-Block-For': '1'})
            jobs = [job] if job else []
        if not jobs:
            continue
        probe.hits([(j.get('params') or {}).get('t', 0) for j in jobs])
        call('/v1/jobs/complete_jobs', {'job_ids': [j['id'] for j in jobs],
                               'lease_tokens': [j.get('lease_token') for j in jobs]})


if __name__ == '__main__':
    main()
