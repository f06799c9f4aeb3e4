"""JobsTracker on its own: gauges and counters follow each job's transitions, and the per-job state it
keeps is gone once jobs finish."""
from datetime import timedelta

from prometheus_client import CollectorRegistry

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobV1
from service_background.metrics.jobs_tracker import JobsTracker


def _job(id, status='queued', created=None, not_before=None, **fields):
    created = created or clock.now()
    return JobV1(id=id, type='mail', status=status, created=created, not_before=not_before or created, **fields)


def _moved(job, **fields):
    job = job.clone()
    for name, value in fields.items():
        setattr(job, name, value)
    return job


def test_gauges_follow_transitions_and_nothing_is_left_behind():
    tracker = JobsTracker(CollectorRegistry())
    now = clock.now()
    old, new = _job('a', created=now - timedelta(seconds=30)), _job('b', created=now)
    later = _job('c', created=now - timedelta(seconds=20), not_before=now + timedelta(hours=1))
    tracker.jobs_changed([old, new, later])
    row = tracker.snapshot()['mail']
    assert (row['queued'], row['delayed'], row['running'], row['enqueued_1h']) == (2, 1, 0, 3)
    assert 29 < row['oldest_age'] < 60
    taken = _moved(old, status='running', started=clock.now())
    tracker.jobs_changed([taken, taken])  # a repeated observation changes nothing
    row = tracker.snapshot()['mail']
    assert (row['queued'], row['running']) == (1, 1) and row['oldest_age'] < 5, 'the oldest left the queue'
    tracker.jobs_changed([_moved(taken, status='done', completed=clock.now())])
    tracker.jobs_changed([_moved(later, not_before=now - timedelta(seconds=10))])  # made due at once
    row = tracker.snapshot()['mail']
    assert (row['queued'], row['delayed'], row['running'], row['done_1h']) == (2, 0, 0, 1)
    assert 9 < row['oldest_age'] < 30
    tracker.job_deleted(new)
    tracker.jobs_changed([_moved(later, status='failed', completed=clock.now())])
    row = tracker.snapshot()['mail']
    assert (row['queued'], row['delayed'], row['running'], row['failed_1h']) == (0, 0, 0, 1)
    assert row['oldest_age'] == 0.0
    assert not tracker._state and not tracker._delayed_ids and not tracker._expires


def test_a_starved_job_keeps_the_oldest_age_and_the_heaps_stay_bounded():
    tracker = JobsTracker(CollectorRegistry())
    now = clock.now()
    tracker.jobs_changed([_job('starved', created=now - timedelta(seconds=100))])
    for i in range(5000):  # newer jobs pass it by
        job = _job(f'j{i}', created=now + timedelta(microseconds=i))
        tracker.jobs_changed([job])
        tracker.jobs_changed([_moved(job, status='running', started=clock.now())])
        tracker.jobs_changed([_moved(job, status='done', completed=clock.now())])
    row = tracker.snapshot()['mail']
    assert row['queued'] == 1 and row['oldest_age'] > 99
    times = tracker._ready['mail']
    assert len(times.added) + len(times.removed) < 2000


def test_cleaned_jobs_past_execute_until_leave_the_gauges():
    tracker = JobsTracker(CollectorRegistry())
    tracker.jobs_changed([_job('x', execute_until=clock.now() - timedelta(seconds=1)), _job('y')])
    tracker.jobs_cleaned()
    row = tracker.snapshot()['mail']
    assert row['queued'] == 1 and list(tracker._state) == ['y']


def test_counters_and_histograms_read_at_scrape_time():
    registry = CollectorRegistry()
    tracker = JobsTracker(registry)
    now = clock.now()
    job = _job('h', created=now - timedelta(seconds=2), not_before=now - timedelta(seconds=2))
    tracker.jobs_changed([job])
    running = _moved(job, status='running', started=now)
    tracker.jobs_changed([running])
    tracker.jobs_changed([_moved(running, status='done', completed=now + timedelta(seconds=1))])
    value = registry.get_sample_value
    assert value('sb_jobs_enqueued_total', {'type': 'mail'}) == 1
    assert value('sb_jobs_completed_total', {'type': 'mail'}) == 1
    assert value('sb_jobs_wait_seconds_bucket', {'type': 'mail', 'le': '1.0'}) == 0
    assert value('sb_jobs_wait_seconds_bucket', {'type': 'mail', 'le': '5.0'}) == 1
    assert value('sb_jobs_run_seconds_bucket', {'type': 'mail', 'le': '1.0'}) == 1, 'le: a bound counts in'
    assert value('sb_jobs_run_seconds_count', {'type': 'mail'}) == 1
    assert abs(value('sb_jobs_run_seconds_sum', {'type': 'mail'}) - 1.0) < 1e-6
