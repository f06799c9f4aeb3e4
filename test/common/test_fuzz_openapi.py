"""Property-based fuzzing of every route the service describes in /openapi.json (schemathesis over
Hypothesis), against the real container on file persistences: no answer is a 5xx, and every error
is an ErrorDescription. Bounded in examples per operation, so it stays well under two minutes."""
import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings

from test.helpers import running_container


@pytest.fixture(scope='module')
def fuzzed_service(tmp_path_factory):
    with running_container(DATA_DIR=str(tmp_path_factory.mktemp('fuzz') / 'data')) as url:
        # something to find, so calls go past "not found" into the checks
        requests.post(url + '/v1/register/group', json={'group_name': 'g'}, timeout=10)
        requests.post(url + '/v1/namespace', json={'id': 'ns', 'name': 'ns'}, timeout=10)
        requests.post(url + '/v1/retries/add_retry', json={'group': 'g', 'id': 'x'}, timeout=10)
        yield url


def _check(case, url: str):
    if case.path.endswith('/want_job') or case.path.endswith('/want_job/') or case.path == '/v1/node/poll':
        case.headers = {**(case.headers or {}), 'X-Accepted-Block-For': '0'}
    response = case.call(base_url=url, timeout=30)
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert str(response.headers.get('content-type', '')).find('application/json') >= 0, \
            (case.method, case.path, response.status_code, response.text[:300])
        body = response.json()
        assert isinstance(body, dict) and body.get('status') == response.status_code and body.get('code'), \
            (case.method, case.path, body)


def test_no_route_answers_5xx_and_errors_are_error_descriptions(fuzzed_service):
    """Every operation of the served document, 12 generated cases each (positive and negative)."""
    api = schemathesis.openapi.from_url(fuzzed_service + '/openapi.json')
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 90
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            _check(case, fuzzed_service)
        fuzz()


# commands whose controllers check more than their schemas say (semantic rules: priorities, callback URLs,
# uniqueness, dependencies, queue limits, result lists, task statuses, report outcomes): valid-by-schema bodies may be refused
_CHECKED_BEYOND_SCHEMA = {'add_job', 'add_jobs', 'add_uniq_job', 'add_batch', 'set_queue_limits', 'complete_jobs',
                          'release_tasks', 'report_jobs'}


def test_a_body_valid_by_the_document_is_never_refused(fuzzed_service):
    """The positive property on the commands of the retries, jobs and tasks faces: a body generated valid
    by /openapi.json (names not blank, lists not empty, required arguments present) is never a 400."""
    api = schemathesis.openapi.from_url(fuzzed_service + '/openapi.json')
    operations = [result.ok() for result in api.get_all_operations()]
    checked = [operation for operation in operations
               if operation.path.startswith(('/v1/retries/', '/v1/jobs/', '/v1/tasks/'))
               and operation.path.rsplit('/', 1)[1] not in _CHECKED_BEYOND_SCHEMA]
    assert len(checked) > 30
    refused = []
    for operation in checked:
        @given(case=operation.as_strategy(GenerationMode.POSITIVE))
        @settings(max_examples=10, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def valid(case):
            response = case.call(base_url=fuzzed_service, timeout=30)
            if response.status_code == 400:
                refused.append((case.path, response.json().get("code"), str(case.body)[:300]))
        valid()
    assert not refused, refused[:5]


HOSTILE_VALUES = [1e308, 2 ** 70, -2 ** 70, -1, {}, [], 'x' * (1024 * 1024), None, True, 'Infinity']


def test_hand_made_hostile_bodies_on_every_command(fuzzed_service):
    document = requests.get(fuzzed_service + '/openapi.json', timeout=10).json()
    sent = 0
    for path, operations in document['paths'].items():
        post = operations.get('post')
        if '{' in path or post is None or 'requestBody' not in post:
            continue
        properties = post['requestBody']['content']['application/json']['schema'].get('properties') or {'x': {}}
        for name in properties:
            for value in HOSTILE_VALUES:
                body = {'group_name': 'g', 'group': 'g', 'namespace_id': 'ns', name: value}
                r = requests.post(fuzzed_service + path, json=body, timeout=30)
                sent += 1
                assert r.status_code < 500, (path, name, str(value)[:40], r.text[:300])
        for raw in (b'[' * 10000 + b']' * 10000, b'{"a":' * 5000 + b'1' + b'}' * 5000, b'{"x": NaN}',
                    b'{"x": Infinity}', b'"\\ud800"', b'{"x": "\\ud800"}', b'\xff\xfe'):
            r = requests.post(fuzzed_service + path, data=raw, timeout=30)
            sent += 1
            assert 400 <= r.status_code < 500 or r.status_code in (200, 204), (path, raw[:20], r.status_code)
    assert sent > 500
