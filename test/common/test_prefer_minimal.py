"""``Prefer: return=minimal`` on the commandable services, over HTTP on the real container (memory and file):
a command that makes something answers its id alone, any other answers 204 with no body, and the call
does all it does without the header."""
import requests

HEADERS = {'Prefer': 'return=minimal'}


def _post(url, command, body, headers=HEADERS, domain='jobs'):
    return requests.post(f'{url}/v1/{domain}/{command}', json=body, headers=headers, timeout=10)


def test_an_add_answers_the_new_job_id_alone(store_service):
    reply = _post(store_service, 'add_job', {'new_job': {'type': 'minimal', 'params': {'n': 1}}})
    assert reply.status_code == 200 and reply.headers['Preference-Applied'] == 'return=minimal'
    assert list(reply.json()) == ['id']
    job = _post(store_service, 'get_job_by_id', {'job_id': reply.json()['id']}, headers={}).json()
    assert job['type'] == 'minimal' and job['params'] == {'n': 1} and job['status'] == 'queued'


def test_a_batch_answers_one_id_per_job_in_order(store_service):
    reply = _post(store_service, 'add_jobs', {'new_jobs': [{'type': 'minimal-batch', 'params': i} for i in range(3)]})
    ids = [item['id'] for item in reply.json()]
    assert reply.status_code == 200 and all(list(item) == ['id'] for item in reply.json()) and len(set(ids)) == 3
    taken = _post(store_service, 'start_jobs_by_type', {'type': 'minimal-batch', 'limit': 3}, headers={}).json()
    assert [job['id'] for job in taken] == ids


def test_other_results_are_204_and_the_call_still_takes_effect(store_service):
    job_id = _post(store_service, 'add_job', {'new_job': {'type': 'minimal-page'}}).json()['id']
    page = _post(store_service, 'get_jobs', {'filter': {'type': 'minimal-page'}})
    assert page.status_code == 204 and page.content == b'' and page.headers['Preference-Applied'] == 'return=minimal'
    deleted = _post(store_service, 'delete_jobs', {})
    assert deleted.status_code == 204 and deleted.content == b''
    gone = _post(store_service, 'get_job_by_id', {'job_id': job_id}, headers={})
    assert gone.status_code == 404 and gone.json()['code'] == 'JOB_NOT_FOUND'


def test_every_domain_answers_minimal(store_service):
    retry = _post(store_service, 'add_retry', {'group': 'g', 'id': 'r1'}, domain='retries')
    assert retry.status_code == 200 and retry.json() == {'id': 'r1'}
    full = _post(store_service, 'get_retry_by_id', {'group': 'g', 'id': 'r1'}, headers={}, domain='retries').json()
    assert full['id'] == 'r1' and full['group'] == 'g'


def test_without_the_header_the_reply_is_whole(store_service):
    reply = _post(store_service, 'add_job', {'new_job': {'type': 'whole'}}, headers={'Prefer': 'return=representation'})
    assert reply.status_code == 200 and reply.json()['type'] == 'whole' and reply.json()['status'] == 'queued'
    assert 'Preference-Applied' not in reply.headers


def test_errors_are_error_descriptions_whatever_the_preference(store_service):
    reply = _post(store_service, 'get_job_by_id', {})
    assert reply.status_code == 400 and {'code', 'message', 'status'} <= set(reply.json())
