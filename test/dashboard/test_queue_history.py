"""QueueHistory on its own (a ring of minutes per type, reused in place) and through JobsTracker: outcomes
counted apart, wait and run times' mean and max, an hour-old minute gone."""
from prometheus_client import CollectorRegistry

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobV1
from service_background.metrics.jobs_tracker import JobsTracker
from service_background.metrics.queue_history import MINUTES, QueueHistory

T0 = 1_000_000 * 60.0  # a minute's first second


def test_a_minute_sums_its_outcomes_and_times():
    history = QueueHistory()
    history.enqueued('q', T0)
    history.taken('q', T0 + 1, 2.0)
    history.taken('q', T0 + 2, 4.0)
    history.finished('q', T0 + 3, 'done', 1.0)
    history.finished('q', T0 + 4, 'failed', 3.0)
    history.finished('q', T0 + 5, 'cancelled', None)  # cancelled while queued: no run time
    history.finished('q', T0 + 6, 'aborted', 0.5)
    h = history.history('q', T0 + 30)
    assert h['start'] == T0 - (MINUTES - 1) * 60 and len(h['done']) == MINUTES
    assert (h['enqueued'][-1], h['done'][-1], h['failed'][-1], h['cancelled'][-1]) == (1, 1, 2, 1)
    assert (h['wait_mean'][-1], h['wait_max'][-1]) == (3.0, 4.0)
    assert (h['run_mean'][-1], h['run_max'][-1]) == (1.5, 3.0)
    assert h['wait_mean'][:-1] == [None] * (MINUTES - 1) and sum(h['done'][:-1]) == 0
    assert history.per_minute('q', T0 + 30)[-1] == [1, 1, 2]


def test_the_ring_forgets_minutes_older_than_an_hour_and_reuses_their_slots():
    history = QueueHistory()
    history.finished('q', T0, 'done', 1.0)
    history.finished('q', T0 + 60, 'done', 2.0)
    h = history.history('q', T0 + 60)
    assert h['done'][-2:] == [1, 1] and h['run_max'][-2:] == [1.0, 2.0]
    later = T0 + MINUTES * 60  # the first minute's slot comes round again
    h = history.history('q', later)
    assert sum(h['done']) == 1 and h['done'][-MINUTES] == 1, 'the first minute fell out of the hour'
    history.finished('q', later, 'failed', 5.0)
    h = history.history('q', later)
    assert (h['done'][-1], h['failed'][-1], h['run_max'][-1]) == (0, 1, 5.0), 'the old slot was reset first'
    assert len(history._rings['q']) == MINUTES


def _job(id, status, **fields):
    now = clock.now()
    return JobV1(id=id, type='mail', status=status, created=now, not_before=now, **fields)


def test_the_tracker_counts_cancelled_jobs_apart_and_their_gauges_leave():
    registry = CollectorRegistry()
    tracker = JobsTracker(registry)
    tracker.jobs_changed([_job('a', 'queued'), _job('b', 'queued')])
    tracker.jobs_changed([_job('a', 'cancelled', completed=clock.now())])  # cancelled before it ran
    started = clock.now()
    tracker.jobs_changed([_job('b', 'running', started=started)])
    tracker.jobs_changed([_job('b', 'cancelled', started=started, completed=clock.now())])
    row = tracker.snapshot()['mail']
    assert (row['queued'], row['running'], row['failed_1h'], row['done_1h']) == (0, 0, 0, 0)
    assert registry.get_sample_value('sb_jobs_cancelled_total', {'type': 'mail'}) == 2
    assert registry.get_sample_value('sb_jobs_failed_total', {'type': 'mail'}) is None
    h = tracker.history()['mail']
    assert sum(h['cancelled']) == 2 and sum(h['enqueued']) == 2
    timed = [len([v for v in h[name] if v is not None]) for name in ('run_max', 'wait_max')]
    assert timed == [1, 1], 'one run (the one that ran), one wait (its take)'
