"""The cron side stores (nodes, dispatches, funcs) and the jobs change feed, on memory, file, MongoDB and PostgreSQL."""
import threading

from service_background.common.data import clock
from service_background.cron.data.version1 import CronDispatchV1, CronFuncV1, CronNodeV1

from .conftest import make_job as _job


def test_nodes(nodes):
    now = clock.now()
    nodes.set_node(None, CronNodeV1('g', 'n2', host='h', registered=now, last_heartbeat=now, token_hash='x'))
    nodes.set_node(None, CronNodeV1('g', 'n1.a-b'))
    nodes.set_node(None, CronNodeV1('other', 'n1.a-b'))
    assert [n.node_id for n in nodes.get_nodes(None, 'g')] == ['n1.a-b', 'n2']
    later = clock.add_ms(now, 1500)
    updated = nodes.update_node(None, 'g', 'n2', {'last_heartbeat': later})
    assert updated.last_heartbeat == later and updated.token_hash == 'x' and updated.registered == now
    assert nodes.update_node(None, 'g', 'nope', {'host': 'x'}) is None
    assert nodes.get_node(None, 'g', 'n2').last_heartbeat == later
    assert nodes.delete_nodes(None, 'g') == 2
    assert nodes.get_nodes(None, 'g') == [] and nodes.get_node(None, 'other', 'n1.a-b') is not None


def _dispatch(node='n', created=None, window_ms=60000, timeout=5):
    created = created or clock.now()
    return CronDispatchV1(group_name='g', node_id=node, job_id='j', job_name='J', command='echo', timeout=timeout,
                          planned_time=created, created=created, take_until=clock.add_ms(created, window_ms))


def test_dispatch_queue_takes_in_order_once(dispatches):
    now = clock.now()
    first = dispatches.create_dispatch(None, _dispatch(created=clock.add_ms(now, -20)))
    second = dispatches.create_dispatch(None, _dispatch(created=clock.add_ms(now, -10)))
    dispatches.create_dispatch(None, _dispatch(node='other'))
    dispatches.create_dispatch(None, _dispatch(created=clock.add_ms(now, -5000), window_ms=1000))  # too late to take
    taken = dispatches.take_next(None, 'g', 'n', now, 10000)
    assert taken.id == first.id and taken.status == 'running' and taken.taken == now
    assert taken.report_until == clock.add_ms(now, 15000)
    assert dispatches.take_next(None, 'g', 'n', now, 10000).id == second.id
    assert dispatches.take_next(None, 'g', 'n', now, 10000) is None

    done = dispatches.finish(None, first.id, ('running',), {'status': 'done', 'exit_code': 0, 'finished': now})
    assert done.status == 'done' and done.exit_code == 0
    assert dispatches.finish(None, first.id, ('running',), {'status': 'failed'}) is None  # already closed
    assert dispatches.get_dispatch(None, first.id).status == 'done'


def test_concurrent_takes_never_share_a_dispatch(dispatches):
    for _ in range(10):
        dispatches.create_dispatch(None, _dispatch())
    taken, lock = [], threading.Lock()

    def worker():
        while True:
            d = dispatches.take_next(None, 'g', 'n', clock.now(), 0)
            if d is None:
                return
            with lock:
                taken.append(d.id)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 10 and len(set(taken)) == 10


def test_overdue_and_cleanup(dispatches):
    now = clock.now()
    stale = dispatches.create_dispatch(None, _dispatch(created=clock.add_ms(now, -5000), window_ms=1000))
    fresh = dispatches.create_dispatch(None, _dispatch())
    running = dispatches.create_dispatch(None, _dispatch(node='r', timeout=1))
    dispatches.take_next(None, 'g', 'r', clock.add_ms(now, -10000), 0)  # taken long ago: report overdue
    assert {d.id for d in dispatches.get_overdue(None, now)} == {stale.id, running.id}
    dispatches.finish(None, stale.id, ('queued',), {'status': 'expired', 'finished': clock.add_ms(now, -60000)})
    dispatches.finish(None, running.id, ('running',), {'status': 'failed', 'finished': now})
    assert dispatches.delete_closed_before(None, clock.add_ms(now, -1000)) == 1
    assert dispatches.get_dispatch(None, stale.id) is None and dispatches.get_dispatch(None, running.id)
    assert dispatches.delete_dispatches(None, 'g') == 2 and dispatches.get_dispatch(None, fresh.id) is None


def test_funcs(funcs):
    now = clock.now()
    funcs.set_func(None, CronFuncV1('g', 'B', lua_body='print(1)', created=now))
    funcs.set_func(None, CronFuncV1('g', 'A', use_otp=True, lua_body='print(2)', otp_secret='S'))
    funcs.set_func(None, CronFuncV1('h', 'A', lua_body='x'))
    assert [f.name for f in funcs.get_funcs(None, 'g')] == ['A', 'B']
    assert funcs.get_func(None, 'g', 'A').otp_secret == 'S' and funcs.get_func(None, 'g', 'B').created == now
    funcs.set_func(None, CronFuncV1('g', 'A', lua_body='print(3)'))
    assert funcs.get_func(None, 'g', 'A').lua_body == 'print(3)'
    assert funcs.delete_func(None, 'g', 'A').name == 'A' and funcs.delete_func(None, 'g', 'A') is None
    assert funcs.delete_funcs(None, 'g') == 1 and funcs.get_funcs(None, 'h')[0].lua_body == 'x'


def test_changed_jobs_feed(jobs):  # noqa: F811
    base = clock.now()
    for i, offset in enumerate((-5000, -100, 100)):
        job = _job(job_id=f'j{i}')
        job.updated = clock.add_ms(base, offset)
        jobs.create_job(None, job)
    assert sorted(j.job_id for j in jobs.get_changed_jobs(None, clock.add_ms(base, -1000))) == ['j1', 'j2']
    jobs.claim_run(None, 'g', 'j0', None, clock.add_ms(base, 1000), None)  # claims do not count as changes
    jobs.update_job(None, 'g', 'j0', {'active': False, 'updated': clock.add_ms(base, 200)})
    assert sorted(j.job_id for j in jobs.get_changed_jobs(None, base)) == ['j0', 'j2']
