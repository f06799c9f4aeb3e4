"""Property-based fuzzing of every route the service describes in /openapi.json (schemathesis over
Hypothesis), against the real container on file persistences: no answer is a 5xx, and every error
is an ErrorDescription. Bounded in examples per operation, so it stays well under two minutes."""
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from test.helpers import running_container

schemathesis.serializer.alias('application/gzip', 'application/octet-stream')  # imports: a dump's tar.gz


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


# commands whose controllers check more than a JSON Schema can say, so a body valid by the document may
# still be refused: complete_jobs (results and lease_tokens as long as job_ids: two lengths tied),
# cron's import_dump (a base64 tar.gz archive; POST /v1/import too) and add_func (a lua_body that parses
# as Lua; POST /v1/add/func too), add_workflow (a graph: keys unique, every parent a key of the workflow, no
# cycle). Uniqueness (ids, idempotency keys, unique keys) answers 409, never 400.
_CHECKED_BEYOND_SCHEMA = {'complete_jobs', 'import_dump', 'add_func', 'add_workflow'}


# REST routes whose bodies the document describes (the cron and node routes, tasks', POST /jobs ...)
_DESCRIBED_ROUTES = {('POST', '/v1/' + route) for route in (
    'register/group', 'remove/group', 'add/job', 'edit/job', 'pause/job', 'run/job', 'active/job', 'delete/job',
    'remove/func', 'node/token', 'node/register', 'node/heartbeat', 'node/report', 'node/poll', 'namespace',
    'task')} | {('PUT', '/v1/task/release'), ('POST', '/jobs'), ('PUT', '/jobs/{job_id}'), ('POST', '/want_job')}


_GROUP_CALLS = ('/register_group', '/remove_group', '/register/group', '/remove/group')


def _aim_at_existing(case):
    """Names of the group and namespace the fixture made (valid names too), so calls reach the checks."""
    if 'group_name' in (case.path_parameters or {}):
        case.path_parameters['group_name'] = 'g'
    if 'namespace_id' in (case.query or {}):
        case.query['namespace_id'] = 'ns'
    body = case.body
    if not isinstance(body, dict):
        return
    if 'group_name' in body and not case.path.endswith(_GROUP_CALLS):
        body['group_name'] = 'g'
    if 'namespace_id' in body and not case.path.endswith('/delete_namespace'):
        body['namespace_id'] = 'ns'
    if isinstance(body.get('task'), dict):
        body['task']['namespace_id'] = 'ns'


def _described(operation) -> bool:
    method, path = operation.method.upper(), operation.path
    if (method, path) in _DESCRIBED_ROUTES or method in ('GET', 'DELETE') and not path.startswith(('/ui', '/swagger')):
        return True  # the GET and DELETE routes: their path and query values
    return method == 'POST' and path.startswith(('/v1/retries/', '/v1/jobs/', '/v1/tasks/', '/v1/cron/')) \
        and path.rsplit('/', 1)[1] not in _CHECKED_BEYOND_SCHEMA


def test_a_body_valid_by_the_document_is_never_refused(fuzzed_service):
    """The positive property on every command, the REST routes with described bodies and the GET and
    DELETE routes: a request generated valid by /openapi.json (names not blank, enums, ranges, URL shapes,
    required arguments and query values) is never a 400, nor a 5xx."""
    api = schemathesis.openapi.from_url(fuzzed_service + '/openapi.json')
    operations = [result.ok() for result in api.get_all_operations()]
    checked = [operation for operation in operations if _described(operation)]
    assert len(checked) > 110
    refused = []
    for operation in checked:
        @given(case=operation.as_strategy(GenerationMode.POSITIVE))
        @settings(max_examples=10, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def valid(case):
            _aim_at_existing(case)
            if case.path in ('/want_job', '/v1/node/poll'):
                case.headers = {**(case.headers or {}), 'X-Accepted-Block-For': '0'}
            response = case.call(base_url=fuzzed_service, timeout=30)
            if response.status_code == 400 or response.status_code >= 500:
                refused.append((case.method, case.formatted_path, response.status_code, response.text[:200],
                                str(case.body)[:300]))
        valid()
    assert not refused, refused[:5]


_NO_ARGUMENTS = {'get_version', 'get_groups', 'delete_jobs', 'get_paused_queues', 'delete_expired', 'get_group_names',
                 'get_namespaces', 'get_workers'}


def test_the_document_describes_every_command_body(fuzzed_service):
    """Every command with arguments has them described, with the rules the controllers apply."""
    paths = requests.get(fuzzed_service + '/openapi.json', timeout=10).json()['paths']

    def body(path, method='post'):
        return paths[path][method]['requestBody']['content']['application/json']['schema']
    for path, operations in paths.items():
        if path.startswith('/v1/') and path.count('/') == 3 and 'post' in operations and '{' not in path \
                and path.rsplit('/', 1)[1] not in _NO_ARGUMENTS and 'swagger' not in path:
            assert body(path).get('properties'), path
    report = body('/v1/jobs/report_jobs')['properties']['reports']['items']['properties']
    assert report['outcome']['enum'] == ['complete', 'fail', 'abort', 'extend', 'cancel', 'progress', 'log']
    new_job = body('/v1/jobs/add_job')['properties']['new_job']
    assert new_job['properties']['priority'] == {'type': 'integer', 'minimum': 0, 'maximum': 3}
    assert new_job['properties']['callback_url']['pattern'].startswith('^https?://')
    assert new_job['additionalProperties'] is False
    assert body('/v1/jobs/set_queue_limits')['anyOf'] == [{'required': ['concurrency']}, {'required': ['rate']},
                                                          {'required': ['group_concurrency']}]
    workflow_job = body('/v1/jobs/add_workflow')['properties']['jobs']['items']
    assert set(workflow_job['required']) == {'key', 'type'} and 'unique' not in workflow_job['properties']
    assert body('/v1/tasks/release_tasks')['properties']['status']['enum'] == ['idle', 'done', 'failed']
    cron_job = body('/v1/cron/add_job')
    assert set(cron_job['required']) == {'group_name', 'name', 'request_url', 'interval_pattern'}
    assert body('/v1/add/job') == cron_job  # the REST route takes the command's body
    assert body('/jobs')['properties']['queue'] and 'priority' not in body('/jobs')['properties']


HOSTILE_VALUES = [1e308, 2 ** 70, -2 ** 70, -1, {}, [], 'x' * (1024 * 1024), None, True, 'Infinity']


def test_hand_made_hostile_bodies_on_every_command(fuzzed_service):
    document = requests.get(fuzzed_service + '/openapi.json', timeout=10).json()
    sent = 0
    for path, operations in document['paths'].items():
        post = operations.get('post')
        if '{' in path or post is None or 'requestBody' not in post:
            continue
        json_body = post['requestBody']['content'].get('application/json') or {'schema': {}}  # else an archive
        properties = json_body['schema'].get('properties') or {'x': {}}
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
