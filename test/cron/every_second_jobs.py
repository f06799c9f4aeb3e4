"""The `@every 1s` jobs of the multi-process cron tests: one group, jobs spread over the processes, all in
one phase so each tick is due on every process at once."""
import time
from typing import List, Tuple

import requests


def post_ok(url: str, path: str, body: dict) -> dict:
    r = requests.post(url + path, json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def add_every_second_jobs(urls: List[str], target_url: str, count: int, start_in_s: int) -> Tuple[List[str], int]:
    """Registers group PG on the first process and adds ``count`` jobs calling ``<target_url>/hit`` every
    second from ``start_in_s`` seconds on, round robin over ``urls``; gives (their ids, the first tick, s)."""
    post_ok(urls[0], '/v1/register/group', {'group_name': 'PG'})
    t0 = int(time.time()) + start_in_s
    jobs = [post_ok(urls[i % len(urls)], '/v1/add/job', {
        'group_name': 'PG', 'name': f'j{i}', 'exec_time': t0, 'request_url': f'HTTP@{target_url}/hit',
        'interval_pattern': '@every 1s', 'timeout': 2})['job_id'] for i in range(count)]
    return jobs, t0
