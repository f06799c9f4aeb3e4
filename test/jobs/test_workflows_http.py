"""Workflows over HTTP on the real container (memory, file, MongoDB, PostgreSQL): a diamond hands out its jobs
layer by layer with the parents' results, each on_parent_failure policy, get_workflow through its states,
cancel_workflow, the callback once, and the refused shapes."""
import pytest
import requests

from .receiver import CallbackReceiver

DIAMOND = [{'key': 'A', 'type': 'wf', 'params': {'n': 1}}, {'key': 'B', 'type': 'wf', 'depends_on': ['A']},
           {'key': 'C', 'type': 'wf', 'depends_on': ['A']}, {'key': 'D', 'type': 'wf', 'depends_on': ['B', 'C']}]


def _post(url, command, body, status=200):
    response = requests.post(f'{url}/v1/jobs/{command}', json=body, timeout=30)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _take(url, type, limit=10):
    return _post(url, 'start_jobs_by_type', {'type': type, 'timeout': 60000, 'limit': limit}) or []


def _complete(url, job, result):
    _post(url, 'complete_job', {'job_id': job['id'], 'lease_token': job['lease_token'], 'result': result})


def _fail(url, job):
    _post(url, 'fail_job', {'job_id': job['id'], 'lease_token': job['lease_token'], 'error': 'boom'})


def test_a_diamond_runs_layer_by_layer_with_its_parents_results(store_service):
    url = store_service
    receiver = CallbackReceiver()
    try:
        added = _post(url, 'add_workflow', {'jobs': DIAMOND, 'description': 'diamond', 'callback_url': receiver.url})
        ids = added['jobs']
        assert set(ids) == {'A', 'B', 'C', 'D'}
        first = _take(url, 'wf')
        assert [job['workflow_key'] for job in first] == ['A'] and first[0]['batch_id'] == added['id']
        workflow = _post(url, 'get_workflow', {'workflow_id': added['id']})
        assert workflow['status'] == 'running' and workflow['total'] == 4 and workflow['counts']['running'] == 1
        assert workflow['jobs']['D'] == {'id': ids['D'], 'status': 'queued'}
        _complete(url, first[0], {'rows': 10})
        second = _take(url, 'wf')
        assert sorted(job['workflow_key'] for job in second) == ['B', 'C']
        assert all(job['parent_results'] == {'A': {'rows': 10}} for job in second)
        assert _take(url, 'wf') == []  # D waits for both
        for job in second:
            _complete(url, job, job['workflow_key'].lower())
        last = _take(url, 'wf')
        assert [job['workflow_key'] for job in last] == ['D'] and last[0]['parent_results'] == {'B': 'b', 'C': 'c'}
        stored = _post(url, 'get_job_by_id', {'job_id': ids['D']})
        assert stored['parent_results'] == {'B': 'b', 'C': 'c'}
        assert receiver.wait(1, 0.3) == []
        _complete(url, last[0], 'done')
        received = receiver.wait(1)
        assert len(received) == 1 and received[0]['id'] == added['id'] and received[0]['status'] == 'done'
        assert received[0]['counts']['done'] == 4 and received[0]['jobs']['D']['status'] == 'done'
        workflow = _post(url, 'get_workflow', {'workflow_id': added['id']})
        assert workflow['status'] == 'done' and workflow['completed'] is not None
        assert receiver.wait(2, 0.5) == received  # once
    finally:
        receiver.close()


@pytest.mark.parametrize('policy', ['fail', 'skip', 'run'])
def test_a_failed_parent_meets_each_policy(store_service, policy):
    url = store_service
    jobs = [{'key': 'P', 'type': 'pf', 'max_retries': 1},
            {'key': 'C', 'type': 'pf', 'depends_on': ['P'], 'on_parent_failure': policy},
            {'key': 'G', 'type': 'pf', 'depends_on': ['C'], 'on_parent_failure': 'run'}]
    added = _post(url, 'add_workflow', {'jobs': jobs})
    parent = _take(url, 'pf')
    assert [job['workflow_key'] for job in parent] == ['P']
    _fail(url, parent[0])
    child = _post(url, 'get_job_by_id', {'job_id': added['jobs']['C']})
    if policy == 'fail':
        assert child['status'] == 'failed' and added['jobs']['P'] in child['last_error']
    elif policy == 'skip':
        assert child['status'] == 'skipped'
    else:
        taken = _take(url, 'pf')
        assert [job['workflow_key'] for job in taken] == ['C']
        assert taken[0]['parent_results'] == {'P': {'error': 'boom', 'status': 'failed'}}
        _complete(url, taken[0], 'recovered')
    grandchild = _take(url, 'pf')  # G runs whatever C became: its policy is run
    assert [job['workflow_key'] for job in grandchild] == ['G']
    expected = 'recovered' if policy == 'run' else {'error': grandchild[0]['parent_results']['C']['error'],
                                                     'status': 'failed' if policy == 'fail' else 'skipped'}
    assert grandchild[0]['parent_results'] == {'C': expected}
    _complete(url, grandchild[0], None)
    workflow = _post(url, 'get_workflow', {'workflow_id': added['id']})
    assert workflow['status'] == 'failed' and workflow['counts']['failed'] >= 1


def test_a_skipped_child_skips_its_own_skipping_children(store_service):
    url = store_service
    jobs = [{'key': 'P', 'type': 'sk', 'max_retries': 1},
            {'key': 'C', 'type': 'sk', 'depends_on': ['P'], 'on_parent_failure': 'skip'},
            {'key': 'G', 'type': 'sk', 'depends_on': ['C'], 'on_parent_failure': 'skip'},
            {'key': 'H', 'type': 'sk', 'depends_on': ['C']}]
    added = _post(url, 'add_workflow', {'jobs': jobs})
    _fail(url, _take(url, 'sk')[0])
    workflow = _post(url, 'get_workflow', {'workflow_id': added['id']})
    assert {key: job['status'] for key, job in workflow['jobs'].items()} == \
        {'P': 'failed', 'C': 'skipped', 'G': 'skipped', 'H': 'failed'}
    assert workflow['status'] == 'failed' and workflow['counts']['skipped'] == 2


def test_cancel_workflow_cancels_queued_and_waiting_jobs(store_service):
    url = store_service
    added = _post(url, 'add_workflow', {'jobs': DIAMOND + [{'key': 'E', 'type': 'wf2'}]})
    running = _take(url, 'wf2')
    cancelled = _post(url, 'cancel_workflow', {'workflow_id': added['id']})
    assert cancelled['status'] == 'cancelled' and cancelled['counts']['cancelled'] == 4
    assert cancelled['jobs']['E']['status'] == 'running'
    assert _post(url, 'get_job_by_id', {'job_id': running[0]['id']})['cancel_requested'] is True
    assert _take(url, 'wf') == []


def test_refused_workflows(store_service):
    url = store_service
    bad = [[{'key': 'a', 'type': 't'}, {'key': 'a', 'type': 't'}],
           [{'key': 'a', 'type': 't', 'depends_on': ['nobody']}],
           [{'key': 'a', 'type': 't', 'depends_on': ['b']}, {'key': 'b', 'type': 't', 'depends_on': ['a']}],
           [{'key': 'a', 'type': 't', 'depends_on': ['a']}],
           [{'key': 'a', 'type': 't', 'unique': {'key': 'u'}}],
           [{'key': '', 'type': 't'}],
           [{'key': str(n), 'type': 't'} for n in range(10001)],
           []]
    for jobs in bad:
        error = _post(url, 'add_workflow', {'jobs': jobs}, 400)
        assert error['status'] == 400 and error['code'] in ('BAD_WORKFLOW', 'INVALID_DATA'), error
    assert _post(url, 'add_workflow', {'jobs': [{'key': 'a', 'type': 't', 'on_parent_failure': 'maybe'}]},
                 400)['status'] == 400
    assert _post(url, 'get_jobs', {'filter': {'type': 't'}})['data'] == []  # nothing of them was added
    missing = _post(url, 'get_workflow', {'workflow_id': 'no-such-workflow'}, 404)
    assert missing['code'] == 'WORKFLOW_NOT_FOUND'
    assert _post(url, 'cancel_workflow', {'workflow_id': 'no-such-workflow'}, 404)['code'] == 'WORKFLOW_NOT_FOUND'
