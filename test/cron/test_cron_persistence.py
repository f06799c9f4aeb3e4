"""One persistence fixture for cron (groups, jobs, runs), run on memory, file, MongoDB and PostgreSQL."""
import threading
from datetime import timedelta

from service_background.common.data import clock
from service_background.cron.data.version1 import CronGroupV1, CronRunV1

from .conftest import make_job as _job


def test_groups_create_get_list_delete(groups):
    now = clock.now()
    created = groups.create_group(None, CronGroupV1('YM55', 'SECRET', now))
    assert created.group_name == 'YM55' and created.otp_secret == 'SECRET' and created.created == now
    assert groups.create_group(None, CronGroupV1('YM55', 'OTHER', now)) is None
    assert groups.get_group(None, 'YM55').otp_secret == 'SECRET'
    groups.create_group(None, CronGroupV1('A1', 'S2', now))
    assert [g.group_name for g in groups.get_groups(None)] == ['A1', 'YM55']
    groups.set_group(None, CronGroupV1('YM55', 'REPLACED', now))
    assert groups.get_group(None, 'YM55').otp_secret == 'REPLACED'
    assert groups.delete_group(None, 'YM55').group_name == 'YM55'
    assert groups.delete_group(None, 'YM55') is None
    assert groups.get_group(None, 'YM55') is None


def test_jobs_identity_is_group_and_job_id(jobs):
    assert jobs.create_job(None, _job('g1', 'same')) is not None
    assert jobs.create_job(None, _job('g1', 'same')) is None
    assert jobs.create_job(None, _job('g2', 'same', name='other')) is not None
    assert jobs.get_job(None, 'g2', 'same').name == 'other'
    assert jobs.get_job(None, 'g3', 'same') is None
    stored = jobs.get_job(None, 'g1', 'same')
    assert stored.last_result == {'status': 'ok', 'code': 200} and stored.created.tzinfo is not None
    assert [j.key for j in jobs.get_jobs(None)] == [('g1', 'same'), ('g2', 'same')]
    assert [j.key for j in jobs.get_jobs(None, 'g2')] == [('g2', 'same')]


def test_update_set_and_active_jobs(jobs):
    jobs.create_job(None, _job('g', 'a'))
    jobs.create_job(None, _job('g', 'b', active=False))
    assert [j.job_id for j in jobs.get_active_jobs(None)] == ['a']
    when = clock.now()
    updated = jobs.update_job(None, 'g', 'b', {'active': True, 'next_run': when, 'memo': 'm'})
    assert updated.active and updated.next_run == when and updated.memo == 'm' and updated.name == 'hello'
    assert jobs.update_job(None, 'g', 'nope', {'memo': 'x'}) is None
    assert sorted(j.job_id for j in jobs.get_active_jobs(None)) == ['a', 'b']
    replaced = _job('g', 'a', name='renamed')
    jobs.set_job(None, replaced)
    assert jobs.get_job(None, 'g', 'a').name == 'renamed'
    jobs.set_last_result(None, 'g', 'a', {'status': 'failed', 'error': 'boom'})
    assert jobs.get_job(None, 'g', 'a').last_result == {'status': 'failed', 'error': 'boom'}


def test_claim_run_moves_next_run_once(jobs):
    planned = clock.now()
    following = planned + timedelta(seconds=5)
    jobs.create_job(None, _job('g', 'c', next_run=planned))
    claimed = jobs.claim_run(None, 'g', 'c', planned, following, planned)
    assert claimed.next_run == following and claimed.last_run == planned
    assert jobs.claim_run(None, 'g', 'c', planned, following, planned) is None
    # a skip moves next_run without stamping last_run
    later = following + timedelta(seconds=5)
    assert jobs.claim_run(None, 'g', 'c', following, later, None).last_run == planned
    # @once: nothing after it
    assert jobs.claim_run(None, 'g', 'c', later, None, later).next_run is None
    jobs.create_job(None, _job('g', 'paused', next_run=planned, active=False))
    assert jobs.claim_run(None, 'g', 'paused', planned, following, planned) is None
    assert jobs.claim_run(None, 'g', 'missing', planned, following, planned) is None


def test_concurrent_claims_give_each_planned_time_once(jobs):
    planned = clock.now()
    jobs.create_job(None, _job('g', 'race', next_run=planned))
    wins = []

    def worker():
        if jobs.claim_run(None, 'g', 'race', planned, planned + timedelta(seconds=1), planned) is not None:
            wins.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(wins) == 1


def test_delete_job_and_jobs_by_name(jobs):
    for job_id, name in [('a', 'x'), ('b', 'x'), ('c', 'y')]:
        jobs.create_job(None, _job('g', job_id, name=name))
    jobs.create_job(None, _job('h', 'a', name='x'))
    assert jobs.delete_job(None, 'g', 'c').name == 'y'
    assert jobs.delete_job(None, 'g', 'c') is None
    assert sorted(j.job_id for j in jobs.delete_jobs(None, 'g', 'x')) == ['a', 'b']
    assert jobs.get_jobs(None, 'g') == []
    assert [j.key for j in jobs.delete_jobs(None, 'h')] == [('h', 'a')]
    assert jobs.get_jobs(None) == []


def test_returned_jobs_are_copies(jobs):
    job = jobs.create_job(None, _job('g', 'copy'))
    job.last_result['status'] = 'changed'
    fetched = jobs.get_job(None, 'g', 'copy')
    fetched.name = 'changed'
    assert jobs.get_job(None, 'g', 'copy').name == 'hello'
    assert jobs.get_job(None, 'g', 'copy').last_result['status'] == 'ok'


def test_runs_are_bounded_per_job_newest_first(runs):
    start = clock.now()
    for i in range(7):
        runs.add_run(None, CronRunV1(group_name='g', job_id='a', planned_time=start,
                                     started=start + timedelta(seconds=i), status='ok', code=200 + i), keep=3)
    runs.add_run(None, CronRunV1(group_name='g', job_id='b', started=start, status='failed', error='x'), keep=3)
    runs.add_run(None, CronRunV1(group_name='h', job_id='a', started=start, status='ok'), keep=3)
    assert [r.code for r in runs.get_runs(None, 'g', 'a')] == [206, 205, 204]
    assert runs.get_runs(None, 'g', 'b')[0].error == 'x'
    assert runs.get_runs(None, 'g', 'none') == []
    assert runs.delete_runs(None, 'g', 'a') == 3
    assert runs.get_runs(None, 'g', 'a') == []
    assert runs.delete_runs(None, 'g') == 1
    assert len(runs.get_runs(None, 'h', 'a')) == 1
