"""Exactly once across processes on PostgreSQL: two bin/run.py processes sharing one database fire every
tick of `@every 1s` jobs once (each (job, planned time) is claimed by one conditional UPDATE)."""
import time
from collections import Counter

from ..helpers import unique_name
from .every_second_jobs import add_every_second_jobs, post_ok
from .service_process import ServiceProcess
from .target_server import TargetServer

JOBS = 4
RUN_S = 6


def test_two_processes_on_one_postgres_fire_every_tick_exactly_once(postgres_uri, tmp_path):
    env = dict(POSTGRES_ENABLED='true', POSTGRES_SERVICE_URI=postgres_uri,
               POSTGRES_TABLE_PREFIX=unique_name('t') + '_', DATA_DIR=str(tmp_path / 'data'))
    services = [ServiceProcess(**env).start() for _ in range(2)]
    try:
        for service in services:
            service.wait_ready()
        with TargetServer() as target:
            urls = [s.url for s in services]
            jobs, t0 = add_every_second_jobs(urls, target.url, JOBS, 2)
            time.sleep(max(0.0, t0 + RUN_S - time.time()))
            paused_ms = time.time() * 1000
            for job_id in jobs:  # stop firing, then let the last runs land
                post_ok(urls[1], '/v1/pause/job', {'group_name': 'PG', 'job_id': job_id})
            time.sleep(1.5)
            calls = target.calls_to('/hit')
    finally:
        for service in services:
            service.stop()

    fired = Counter((c.query['job_id'], round(float(c.headers['X-Cron-Plan-Time']) * 1000)) for c in calls)
    duplicates = {k: n for k, n in fired.items() if n > 1}
    # the pause may land just after a tick a process already claimed: count the ticks up to 1 s before it
    planned = {(j, p) for j in jobs for p in range(t0 * 1000, int(paused_ms) - 1000, 1000)}
    missed = sorted(planned - set(fired))
    print(f'\npostgres processes: {len(calls)} hits, {len(planned)} ticks planned, {len(duplicates)} duplicates, '
          f'{len(missed)} missed')
    assert not duplicates, f'ticks fired twice: {duplicates}'
    assert not missed, f'ticks never fired: {missed}'
    assert len(planned) >= JOBS * (RUN_S - 2)
