"""A worker process for the scale tests: takes batches of one type from the given service URLs in turn
(start_jobs_by_type), stamps each job id it took in its own file, then completes the batch with the
lease tokens (complete_jobs). Stops at an empty take once the stop file exists; exits 1 when a complete
is refused (a job someone else took or finished), 2 when its deadline passes first."""
import os
import sys
import time

import requests

DEADLINE_S = 120


def main(out: str, job_type: str, limit: int, stop_file: str, *urls: str) -> int:
    session = requests.Session()
    deadline = time.monotonic() + DEADLINE_S
    n = 0
    with open(out, 'w') as log:
        while time.monotonic() < deadline:
            url = urls[n % len(urls)]
            n += 1
            stopping = os.path.exists(stop_file)  # read before the take: an empty take after it means drained
            r = session.post(f'{url}/v1/jobs/start_jobs_by_type', timeout=60,
                             json={'type': job_type, 'limit': limit, 'timeout': 600000})
            r.raise_for_status()
            jobs = r.json()
            if not jobs:
                if stopping:
                    return 0
                time.sleep(0.02)  # the producer is behind
                continue
            log.write(''.join(job['id'] + '\n' for job in jobs))
            log.flush()
            done = session.post(f'{url}/v1/jobs/complete_jobs', timeout=60, json={
                'job_ids': [job['id'] for job in jobs], 'lease_tokens': [job.get('lease_token') for job in jobs]})
            done.raise_for_status()
            refused = [job['id'] for job, got in zip(jobs, done.json()) if got is None]
            if refused:
                print(f'complete refused for {refused}', file=sys.stderr)
                return 1
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], *sys.argv[5:]))
