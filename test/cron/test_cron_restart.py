"""The default file persistence: jobs survive a restart, and runs missed while down are skipped."""
import time

import pyotp
import requests

from .conftest import add_job


def test_jobs_survive_a_restart_and_missed_runs_are_skipped(file_service_factory, target):
    with file_service_factory() as url:
        secret = requests.post(f'{url}/v1/register/group', json={'group_name': 'RS1'}, timeout=10).json()['otp_secret']
        ticker = add_job(url, 'RS1', f'HTTP@{target.url}/restart', '@every 1s')
        missed = add_job(url, 'RS1', f'HTTP@{target.url}/missed', '@once', exec_time=int(time.time()) + 2)
        target.wait_for('/restart', 1, job_id=ticker['job_id'])
    time.sleep(3)  # the @once falls due while the service is down
    stopped = len(target.calls_to('/restart'))
    with file_service_factory() as url:
        jobs = {j['job_id']: j for j in requests.get(f'{url}/v1/RS1/job/list', timeout=10).json()}
        assert set(jobs) == {ticker['job_id'], missed['job_id']}
        assert jobs[missed['job_id']]['next_run'] is None  # skipped, not replayed
        calls = target.wait_for('/restart', stopped + 2, timeout=6, job_id=ticker['job_id'])
        assert len(calls) >= stopped + 2
        time.sleep(0.5)
        assert target.calls_to('/missed') == []
        assert requests.get(f'{url}/RS1/v1/group/info', timeout=10).json()['job_count'] == 2
        otp = calls[-1].query['otp_code']
        assert pyotp.TOTP(secret).verify(otp, for_time=int(calls[-1].at), valid_window=1)  # same secret as before
