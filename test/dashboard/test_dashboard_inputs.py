"""The dashboard API's filters and actions checked: every malformed body or query value is a 400
ErrorDescription naming the field (never a 500), and the well-formed ones keep working."""
import json

import pytest
import requests

from test.helpers import running_container

BAD_SEARCHES = [
    {'text': 1}, {'text': ['a']}, {'text': 'x' * 1001}, {'skip': -1}, {'skip': 'a'}, {'skip': 1.5},
    {'skip': 10 ** 30}, {'take': 0}, {'take': 101}, {'take': True}, {'take': '5'}, {'filter': 'x'},
    {'filter': []}, {'filter': {'status': 'bogus'}}, {'filter': {'status': 1}}, {'filter': {'type': 5}},
    {'filter': {'ref_id': {'$ne': 1}}}, {'filter': {'created_from': 'yesterday'}}, {'filter': {'created_to': 12}},
    {'filter': {'nope': 'x'}}, {'nope': 1},
]
BAD_ACTIONS = [
    {}, {'action': 'explode'}, {'action': 1}, {'action': 'retry', 'ids': 'abc'}, {'action': 'retry', 'ids': [1]},
    {'action': 'retry', 'ids': ['']}, {'action': 'retry', 'ids': ['x'] * 1001}, {'action': 'delete', 'all': 'yes'},
    {'action': 'delete', 'all': True, 'filter': {'status': 3}}, {'action': 'delete', 'all': True, 'text': 7},
    {'action': 'delete', 'extra': True},
]
BAD_WITHIN = ['abc', '-1', 'nan', 'inf', '-inf', '1e30', '604801', '0x10']
NOT_OBJECTS = ['[1]', '"text"', '1', 'not json', '{"text": ']


@pytest.fixture(scope='module')
def service():
    """One container on memory for the module (the bad inputs change nothing)."""
    with running_container(MEMORY_ENABLED='true') as url:
        yield url


def _error(r, status=400):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body['status'] == status and body['code'] and body['message'], body
    assert 'Traceback' not in r.text
    return body


@pytest.mark.parametrize('body', BAD_SEARCHES, ids=lambda b: json.dumps(b)[:40])
def test_bad_job_searches_are_400(service, body):
    _error(requests.post(service + '/ui/api/jobs', json=body, timeout=10))


@pytest.mark.parametrize('body', BAD_ACTIONS, ids=lambda b: json.dumps(b)[:40])
def test_bad_job_actions_are_400_and_change_nothing(service, body):
    url = service
    job = requests.post(url + '/v1/jobs/add_job', json={'new_job': {'type': 'inputs'}}, timeout=10).json()
    _error(requests.post(url + '/ui/api/jobs/action', json=body, timeout=10))
    after = requests.post(url + '/v1/jobs/get_job_by_id', json={'job_id': job['id']}, timeout=10)
    assert after.status_code == 200 and after.json()['status'] == 'queued'


@pytest.mark.parametrize('within', BAD_WITHIN)
def test_bad_stuck_windows_are_400(service, within):
    body = _error(requests.get(service + '/ui/api/stuck', params={'within': within}, timeout=10))
    assert body['code'] == 'BAD_WITHIN'


@pytest.mark.parametrize('raw', NOT_OBJECTS)
def test_bodies_that_are_not_json_objects_are_400(service, raw):
    for path in ('/ui/api/jobs', '/ui/api/jobs/action'):
        _error(requests.post(service + path, data=raw, timeout=10))


def test_the_issue_example_names_the_field(service):
    body = _error(requests.post(service + '/ui/api/jobs', json={'text': 1}, timeout=10))
    assert body['code'] == 'BAD_TEXT' and body['details']['field'] == 'text'


def test_good_filters_and_actions_still_work(service):
    url = service
    added = requests.post(url + '/v1/jobs/add_jobs', json={'new_jobs': [
        {'type': 'goodq', 'params': {'to': 'alice'}}, {'type': 'goodq', 'params': {'to': 'bob'}}]}, timeout=10).json()
    r = requests.post(url + '/ui/api/jobs', json={'filter': {'type': 'goodq', 'status': 'queued',
                                                             'created_from': '2000-01-01T00:00:00Z', 'ref_id': ''},
                                                  'text': '', 'skip': 0, 'take': 25}, timeout=10)
    assert r.status_code == 200 and r.json()['total'] == 2
    r = requests.post(url + '/ui/api/jobs', json={'filter': {'type': 'goodq'}, 'text': ' ALICE '}, timeout=10)
    assert r.status_code == 200 and [j['params']['to'] for j in r.json()['data']] == ['alice']
    r = requests.post(url + '/ui/api/jobs', data='', timeout=10)  # no body: every job
    assert r.status_code == 200 and r.json()['take'] == 25
    r = requests.post(url + '/ui/api/jobs/action', json={'action': 'delete', 'all': True, 'filter': {'type': 'goodq'},
                                                         'text': 'bob'}, timeout=10)
    assert r.status_code == 200 and r.json()['matched'] == 1 and r.json()['done'] == 1
    r = requests.post(url + '/ui/api/jobs/action', json={'action': 'requeue', 'ids': [added[0]['id']] * 2},
                      timeout=10)
    assert r.status_code == 200 and r.json()['matched'] == 1
    for within in ('0', '5.5', '604800', ''):
        assert requests.get(url + '/ui/api/stuck', params={'within': within}, timeout=10).status_code == 200
