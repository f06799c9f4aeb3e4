"""Workflows through the jobs HTTP client on every store (memory, file, MongoDB, PostgreSQL): a diamond takes
layer by layer with its parents' results (parents finished one by one or in one call), each on_parent_failure
policy after a failed or cancelled parent and down to the grandchildren, get_workflow's states, cancel_workflow,
one callback, and the refused shapes."""
import pytest
from pip_services3_commons.data import FilterParams

from service_background.jobs.clients.version1 import JobsHttpClientV1

from ..helpers import open_http_client
from .receiver import CallbackReceiver


@pytest.fixture
def client(store_service):
    client = open_http_client(JobsHttpClientV1, store_service)
    yield client
    client.close(None)


@pytest.fixture
def receiver():
    receiver = CallbackReceiver()
    yield receiver
    receiver.close()


def _diamond(type: str) -> list:
    return [{'key': 'A', 'type': type, 'params': {'n': 1}, 'group_key': 'tenant', 'priority': 3},
            {'key': 'B', 'type': type, 'depends_on': ['A']},
            {'key': 'C', 'type': type, 'depends_on': ['A']},
            {'key': 'D', 'type': type, 'depends_on': ['B', 'C']}]


def _take(client, type: str) -> dict:
    """Every takeable job of the type, by workflow key."""
    return {job.workflow_key: job for job in client.start_jobs_by_type(None, type, 60000, 50)}


def _statuses(workflow: dict) -> dict:
    return {key: job['status'] for key, job in workflow['jobs'].items()}


def _refused(call, code: str, status: int):
    with pytest.raises(Exception) as raised:
        call()
    assert getattr(raised.value, 'code', None) == code and getattr(raised.value, 'status', None) == status, \
        repr(raised.value)


def test_a_diamond_hands_out_each_layer_with_its_parents_results(client, receiver):
    added = client.add_workflow(None, _diamond('dia'), receiver.url, 'a diamond')
    ids, workflow_id = added['jobs'], added['id']
    assert sorted(ids) == ['A', 'B', 'C', 'D'] and len(set(ids.values())) == 4

    workflow = client.get_workflow(None, workflow_id)
    assert workflow['status'] == 'running' and workflow['total'] == 4 and workflow['description'] == 'a diamond'
    assert workflow['jobs'] == {key: {'id': ids[key], 'status': 'queued'} for key in ids}
    assert workflow['counts']['queued'] == 4 and sum(workflow['counts'].values()) == 4

    first = _take(client, 'dia')
    assert list(first) == ['A'] and first['A'].id == ids['A'] and first['A'].batch_id == workflow_id
    assert first['A'].group_key == 'tenant' and first['A'].priority == 3  # the NewJobV1 fields go through
    assert not first['A'].parent_results
    client.complete_job(None, ids['A'], {'rows': 7}, first['A'].lease_token)

    second = _take(client, 'dia')
    assert sorted(second) == ['B', 'C']
    assert all(job.parent_results == {'A': {'rows': 7}} for job in second.values())
    client.complete_job(None, ids['B'], 'from B', second['B'].lease_token)
    assert _take(client, 'dia') == {}  # D still waits for C
    assert client.get_job_by_id(None, ids['D']).status == 'queued'
    client.complete_job(None, ids['C'], {'from': 'C'}, second['C'].lease_token)

    third = _take(client, 'dia')
    assert list(third) == ['D'] and third['D'].parent_results == {'B': 'from B', 'C': {'from': 'C'}}
    assert client.get_job_by_id(None, ids['D']).parent_results == {'B': 'from B', 'C': {'from': 'C'}}
    workflow = client.get_workflow(None, workflow_id)
    assert workflow['status'] == 'running' and workflow['counts']['done'] == 3 and workflow['counts']['running'] == 1
    assert not workflow.get('completed') and receiver.wait(1, 0.3) == []

    client.complete_job(None, ids['D'], 'end', third['D'].lease_token)
    workflow = client.get_workflow(None, workflow_id)
    assert workflow['status'] == 'done' and workflow['completed'] and workflow['counts']['done'] == 4
    posted = receiver.wait(1)
    assert len(posted) == 1 and posted[0]['id'] == workflow_id and posted[0]['status'] == 'done'
    assert _statuses(posted[0]) == dict.fromkeys(ids, 'done') and posted[0]['total'] == 4
    assert len(receiver.wait(2, 1.0)) == 1, 'the callback came twice'


def test_parents_finished_in_one_call_release_their_child_once_with_both_results(client):
    ids = client.add_workflow(None, _diamond('one-call'))['jobs']
    root = _take(client, 'one-call')['A']
    client.complete_jobs(None, [ids['A']], [None], [root.lease_token])
    middle = _take(client, 'one-call')
    assert sorted(middle) == ['B', 'C'] and all(job.parent_results == {'A': None} for job in middle.values())
    done = client.complete_jobs(None, [ids['B'], ids['C']], [{'b': 1}, [2, 'c']],
                                [middle['B'].lease_token, middle['C'].lease_token])
    assert [job.status for job in done] == ['done', 'done']
    last = _take(client, 'one-call')
    assert list(last) == ['D'] and last['D'].parent_results == {'B': {'b': 1}, 'C': [2, 'c']}
    assert _take(client, 'one-call') == {}


@pytest.mark.parametrize('policy', ['fail', 'skip', 'run'])
def test_each_policy_after_a_failed_parent_and_its_grandchildren(client, receiver, policy):
    """P fails; C follows ``policy``; C's children follow theirs (fail, skip, run); S has no failed parent."""
    type = f'pol-{policy}'
    jobs = [{'key': 'P', 'type': type, 'max_retries': 1}, {'key': 'S', 'type': type},
            {'key': 'C', 'type': type, 'depends_on': ['P', 'S'], 'on_parent_failure': policy},
            *({'key': f'G{own}', 'type': type, 'depends_on': ['C'], 'on_parent_failure': own}
              for own in ('fail', 'skip', 'run'))]
    added = client.add_workflow(None, jobs, receiver.url)
    ids, workflow_id = added['jobs'], added['id']
    roots = _take(client, type)
    assert sorted(roots) == ['P', 'S']
    client.complete_job(None, ids['S'], 'sibling', roots['S'].lease_token)
    client.fail_job(None, ids['P'], 'disk full', roots['P'].lease_token)
    assert client.get_job_by_id(None, ids['P']).status == 'failed'

    child = client.get_job_by_id(None, ids['C'])
    if policy == 'fail':
        assert child.status == 'failed' and ('P' in child.last_error or ids['P'] in child.last_error), \
            child.last_error
    elif policy == 'skip':
        assert child.status == 'skipped'
    else:
        taken = _take(client, type)
        assert list(taken) == ['C']
        expected = {'P': {'error': 'disk full', 'status': 'failed'}, 'S': 'sibling'}
        assert taken['C'].parent_results == expected
        assert client.get_job_by_id(None, ids['C']).parent_results == expected
        assert client.get_workflow(None, workflow_id)['status'] == 'running'
        client.complete_job(None, ids['C'], 'recovered', taken['C'].lease_token)

    grandchildren = {key: client.get_job_by_id(None, ids[key]) for key in ('Gfail', 'Gskip', 'Grun')}
    if policy == 'run':  # C is done: every grandchild runs with its result
        assert all(job.status == 'queued' for job in grandchildren.values())
        taken = _take(client, type)
        assert sorted(taken) == ['Gfail', 'Grun', 'Gskip']
        assert all(job.parent_results == {'C': 'recovered'} for job in taken.values())
    else:
        assert grandchildren['Gfail'].status == 'failed'
        assert 'C' in grandchildren['Gfail'].last_error or ids['C'] in grandchildren['Gfail'].last_error
        assert grandchildren['Gskip'].status == 'skipped'
        taken = _take(client, type)
        assert list(taken) == ['Grun']
        assert set(taken['Grun'].parent_results) == {'C'}
        assert taken['Grun'].parent_results['C']['status'] == child.status
        assert taken['Grun'].parent_results['C']['error']
    for job in taken.values():
        client.complete_job(None, job.id, 'ok', job.lease_token)

    workflow = client.get_workflow(None, workflow_id)
    assert workflow['status'] == 'failed' and workflow['completed']
    assert workflow['counts']['failed'] == {'fail': 3, 'skip': 2, 'run': 1}[policy]
    assert workflow['counts']['skipped'] == {'fail': 1, 'skip': 2, 'run': 0}[policy]
    posted = receiver.wait(1)
    assert len(posted) == 1 and posted[0]['status'] == 'failed' and _statuses(posted[0]) == _statuses(workflow)
    assert len(receiver.wait(2, 0.5)) == 1


def test_a_cancelled_parent_meets_the_run_policy(client):
    jobs = [{'key': 'P', 'type': 'cp'}, {'key': 'C', 'type': 'cp', 'depends_on': ['P'], 'on_parent_failure': 'run'}]
    added = client.add_workflow(None, jobs)
    client.cancel_job(None, added['jobs']['P'], 'not needed')
    taken = _take(client, 'cp')
    assert list(taken) == ['C'] and taken['C'].parent_results['P']['status'] == 'cancelled'
    assert 'error' in taken['C'].parent_results['P']


def test_cancel_workflow_cancels_its_queued_and_waiting_jobs_at_once(client, receiver):
    jobs = _diamond('cw') + [{'key': 'E', 'type': 'cw-run'}, {'key': 'F', 'type': 'cw-run', 'depends_on': ['E']}]
    added = client.add_workflow(None, jobs, receiver.url)
    ids, workflow_id = added['jobs'], added['id']
    running = _take(client, 'cw-run')
    assert list(running) == ['E']

    answer = client.cancel_workflow(None, workflow_id)
    assert answer['status'] == 'cancelled' and answer['id'] == workflow_id
    assert _statuses(answer) == {'A': 'cancelled', 'B': 'cancelled', 'C': 'cancelled', 'D': 'cancelled',
                                 'E': 'running', 'F': 'cancelled'}
    assert answer['counts']['cancelled'] == 5 and answer['counts']['running'] == 1
    assert client.get_job_by_id(None, ids['E']).cancel_requested is True
    assert _take(client, 'cw') == {} and client.get_workflow(None, workflow_id)['status'] == 'cancelled'

    client.complete_job(None, ids['E'], 'late', running['E'].lease_token)  # the running one ends its own way
    assert _take(client, 'cw-run') == {}  # F stays cancelled
    workflow = client.get_workflow(None, workflow_id)
    assert workflow['status'] == 'cancelled' and workflow['jobs']['E']['status'] != 'running'
    posted = receiver.wait(1)
    assert len(posted) == 1 and posted[0]['status'] == 'cancelled'
    assert len(receiver.wait(2, 0.5)) == 1


def test_refused_workflows_add_nothing(client):
    def job(key, *parents, **fields):
        return {'key': key, 'type': 'bad', 'depends_on': list(parents), **fields}
    refused = {'duplicate keys': [job('a'), job('a')],
               'unknown parent': [job('a'), job('b', 'a', 'ghost')],
               'a cycle': [job('a'), job('b', 'a', 'd'), job('c', 'b'), job('d', 'c')],
               'a self loop': [job('a', 'a')],
               'too many jobs': [job(str(n)) for n in range(10001)],
               'unique inside': [job('a'), job('b', 'a', unique={'key': 'once'})],
               'too many parents': [job(str(n)) for n in range(101)] + [job('x', *map(str, range(101)))],
               'a bad policy': [job('a'), job('b', 'a', on_parent_failure='maybe')],
               'a blank key': [job('a'), job(' ', 'a')],
               'a key too long': [job('a'), job('k' * 201, 'a')],
               'a key not a string': [job('a'), job(7, 'a')],
               'no jobs': []}
    answers = {}
    for name, jobs in refused.items():
        try:
            answers[name] = client.add_workflow(None, jobs)
        except Exception as error:
            answers[name] = (getattr(error, 'code', None), getattr(error, 'status', None))
    page = client.get_jobs(None, FilterParams.from_tuples('type', 'bad'), None)
    assert page.data == []
    assert len(client.add_workflow(None, [job(str(n)) for n in range(100)] + [job('x', *map(str, range(100)))])
               ['jobs']) == 101  # the bounds themselves are allowed

    _refused(lambda: client.get_workflow(None, 'no-such-workflow'), 'WORKFLOW_NOT_FOUND', 404)
    _refused(lambda: client.cancel_workflow(None, 'no-such-workflow'), 'WORKFLOW_NOT_FOUND', 404)
    plain = client.add_job(None, {'type': 'bad-plain'})
    _refused(lambda: client.get_workflow(None, plain.id), 'WORKFLOW_NOT_FOUND', 404)
    assert answers == dict.fromkeys(refused, ('BAD_WORKFLOW', 400))  # last: every shape named at once


def test_plain_depends_on_follows_the_policies_keyed_by_parent_id(client):
    ok = client.add_job(None, {'type': 'plain'})
    bad = client.add_job(None, {'type': 'plain', 'max_retries': 1})
    children = {policy: client.add_job(None, {'type': 'plain-child', 'depends_on': [ok.id, bad.id],
                                              **({'on_parent_failure': policy} if policy else {})})
                for policy in ('run', 'skip', None)}
    parents = {job.id: job for job in client.start_jobs_by_type(None, 'plain', 60000, 10)}
    assert sorted(parents) == sorted([ok.id, bad.id])
    client.complete_job(None, ok.id, {'fine': True}, parents[ok.id].lease_token)
    assert client.start_jobs_by_type(None, 'plain-child', 60000, 10) == []  # bad still runs
    client.fail_job(None, bad.id, 'broken', parents[bad.id].lease_token)

    taken = client.start_jobs_by_type(None, 'plain-child', 60000, 10)
    assert [job.id for job in taken] == [children['run'].id]
    assert taken[0].parent_results == {ok.id: {'fine': True}, bad.id: {'error': 'broken', 'status': 'failed'}}
    assert client.get_job_by_id(None, children['skip'].id).status == 'skipped'
    failed = client.get_job_by_id(None, children[None].id)
    assert failed.status == 'failed' and bad.id in failed.last_error
