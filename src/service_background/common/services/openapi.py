"""One OpenAPI 3 document for every route an endpoint serves: commands with their argument schemas
(pip-services ObjectSchemas turned into JSON Schema, with the rules the controllers enforce: DescribedSchema
properties, or the rule table here by argument name) and the REST faces' routes with their path values and
bodies. The document may be narrower than the checks, never wider: a request valid by it is not refused
with a 400 (test_fuzz_openapi.py). Clients and fuzzers read it at /openapi.json."""
import re
from typing import Any, Dict, Iterable, List, Tuple

from pip_services3_commons.commands import ICommand
from pip_services3_commons.convert import TypeCode
from pip_services3_commons.validate import ArraySchema, MapSchema, ObjectSchema

from service_background.common.data.validation import (
    HTTP_URL,
    MAX_NUMBER,
    NOT_BLANK,
    TEXT,
    DescribedSchema,
    json_number,
)

# names that carry durations (ms) or counts: refused outside 0..MAX_NUMBER where they enter
_BOUNDED = {'ttl', 'timeout', 'delay', 'result_ttl', 'limit', 'max_retries', 'retries_left', 'retries',
            'skip', 'take', 'interval', 'wait'}
_TYPES = {TypeCode.String: {'type': 'string'}, TypeCode.Boolean: {'type': 'boolean'},
          TypeCode.Integer: {'type': 'integer'}, TypeCode.Long: {'type': 'integer'},
          TypeCode.Float: {'type': 'number'}, TypeCode.Double: {'type': 'number'},
          TypeCode.DateTime: {'type': 'string', 'format': 'date-time'}, TypeCode.Map: {'type': 'object'},
          TypeCode.Array: {'type': 'array'}}
# what the controllers' checks (validation.require_text, the cron name rules) refuse, said in the schema so
# a body valid by the document is never refused for these
_NAME = {'type': 'string', 'pattern': '^[a-zA-Z0-9_]{1,22}$'}  # cron group and job names
_TEXT = TEXT  # require_text: not blank
_TEXT_NAMES = {'id', 'group', 'type', 'queue', 'lease_token', 'idempotency_key', 'namespace_id', 'task_id',
               'batch_id', 'job_id', 'workflow_id'}
_TEXT_LISTS = {'ids', 'job_ids', 'task_ids'}
_LIST = {'type': 'array', 'minItems': 1, 'maxItems': 1000, 'items': _TEXT}
_LIMIT = {'type': 'integer', 'minimum': 1, 'maximum': 1000}  # a page or a take: 1..1000
_WITH_ID = {'type': 'object', 'properties': {'id': _TEXT}, 'required': ['id']}
_COUNT = json_number(0, 2 ** 31 - 1, integer=True)  # tasks' optional_count
_TASK = {'type': 'object', 'required': ['id', 'namespace_id'], 'properties': {  # tasks_validation.new_task
    'id': _TEXT, 'namespace_id': _TEXT, 'timeout': _COUNT, 'retries_left': _COUNT,
    'status': {'type': 'string', 'enum': ['idle', 'in_progress', 'done', 'failed']}}}
_WORKER_ID = {'type': 'string', 'minLength': 1, 'maxLength': 200}
_WORKER = {'type': 'object', 'required': ['id'], 'properties': {
    'id': _WORKER_ID, 'host': {'type': 'string', 'minLength': 1, 'maxLength': 200},
    'pid': json_number(0, 2 ** 31 - 1, integer=True), 'version': {'type': 'string', 'minLength': 1, 'maxLength': 100},
    'types': {'type': 'array', 'maxItems': 1000, 'items': {'type': 'string', 'minLength': 1, 'maxLength': 200}},
    'concurrency': _COUNT, 'busy': _COUNT, 'idle': _COUNT, 'heartbeat_ms': json_number(1, 3600000, integer=True),
    'running': {'type': 'array', 'maxItems': 10000, 'items': {'type': 'string', 'minLength': 1, 'maxLength': 200}}}}
_LOG_LINES = {'type': 'array', 'maxItems': 1000, 'items': {'type': 'object', 'required': ['message'], 'properties': {
    'message': {'type': 'string'}, 'level': {'type': 'string', 'maxLength': 16},
    'time': {'type': 'string', 'format': 'date-time'}}}}
_UNTYPED = {**{name: _LIST for name in _TEXT_LISTS}, 'namespace': _WITH_ID, 'task': _TASK,
            'limit': _LIMIT}  # arguments the schemas leave untyped
_ALWAYS_REQUIRED = {'group_name', 'node_id'}  # refused when missing, whatever the command's schema says
_NEW_JOBS = {'minItems': 1, 'maxItems': 1000}  # add_jobs' new_jobs, add_batch's jobs (MAX_BATCH, MAX_JOBS)
# rules of arguments by name, each name used by one meaning across the commands (commands whose
# schemas are DescribedSchemas say theirs property by property instead)
_RULES = {'group_name': _NAME, 'node_id': {'type': 'string', 'pattern': '^[a-zA-Z0-9_.-]{1,64}$'},
          'callback_url': HTTP_URL,  # add_batch (the new jobs' own say theirs)
          'outcome': {'type': 'string', 'enum': ['complete', 'fail', 'abort', 'extend', 'cancel', 'progress',
                                                 'log']},  # report_jobs
          'worker_id': _WORKER_ID, 'worker': _WORKER,  # takes and report_jobs (lease_checks.py, job_workers.py)
          'progress': json_number(0, 100), 'message': {'type': 'string', 'maxLength': 1000},  # progress
          'reason': {'type': 'string', 'maxLength': 1000},  # cancel_job
          'lines': _LOG_LINES,  # add_job_log, report_jobs' log outcome (job_logs.py)
          'status': {'type': 'string', 'enum': ['idle', 'done', 'failed']},  # release_tasks: a releasable status
          'concurrency': json_number(1, 100000, integer=True),  # set_queue_limits (queue_limits.py)
          'group_concurrency': json_number(1, 100000, integer=True),
          'rate': {'type': 'object', 'required': ['limit', 'period_ms'], 'properties': {
              'limit': json_number(1, 10 ** 9, integer=True), 'period_ms': json_number(1, 86400000, integer=True)}},
          'lease_tokens': {'type': 'object', 'maxProperties': 1000,  # id -> lease token (a capture's, a take's)
                           'additionalProperties': {'type': 'string', 'minLength': 1, 'maxLength': 200}}}
_SIZED = {'new_jobs': _NEW_JOBS, 'jobs': _NEW_JOBS, 'reports': {'maxItems': 1000}}  # bounds of typed lists
_NOT_NULL = {'anyOf': [{'type': kind} for kind in ('string', 'number', 'boolean', 'object', 'array')]}
_ERROR = {'description': 'ErrorDescription', 'content': {'application/json': {'schema': {
    'type': 'object', 'required': ['code', 'status'],
    'properties': {'code': {'type': 'string'}, 'message': {'type': 'string'}, 'status': {'type': 'integer'}}}}}}


def json_schema(spec: Any, name: str = '') -> Dict[str, Any]:
    """A JSON Schema for a pip-services property type (a TypeCode or a Schema)."""
    if isinstance(spec, ObjectSchema):
        properties, required = {}, []
        names = {prop.get_name() for prop in spec.get_properties() or []}
        for prop in spec.get_properties() or []:
            described = spec.described(prop.get_name()) if isinstance(spec, DescribedSchema) else None
            schema = dict(described) if described is not None else \
                _checked(json_schema(prop.get_type(), prop.get_name()), prop.get_name(), 'group_name' in names)
            if prop.is_required() or prop.get_name() in _ALWAYS_REQUIRED:
                required.append(prop.get_name())
                if not schema:
                    schema = dict(_NOT_NULL)  # a required argument of any type is still not null
            properties[prop.get_name()] = schema
        result = {'type': 'object', 'properties': properties}
        if required:
            result['required'] = required
        if not spec.is_undefined_allowed:
            result['additionalProperties'] = False  # a closed schema refuses names it does not list
        if isinstance(spec, DescribedSchema):
            result.update(spec.described_object())
        return result
    if isinstance(spec, ArraySchema):
        return {'type': 'array', 'items': json_schema(spec.get_value_type())}
    if isinstance(spec, MapSchema):
        return {'type': 'object'}
    try:
        result = dict(_TYPES.get(spec, {}))
    except TypeError:
        result = {}
    if result.get('type') in ('integer', 'number') and name in _BOUNDED:
        result.update(minimum=0, maximum=MAX_NUMBER)
    return result


def _checked(schema: Dict[str, Any], name: str, cron: bool) -> Dict[str, Any]:
    """``schema`` with the rule the controllers apply to a property of this name (beside a group_name, a
    job_id is a cron job's name)."""
    kind = schema.get('type')
    if not schema and name in _UNTYPED:
        return dict(_UNTYPED[name])
    if kind in (None, 'string') and 'format' not in schema:
        if name in _RULES:
            return dict(_RULES[name])
        if name in _TEXT_NAMES:
            return dict(_NAME if cron and name == 'job_id' else _TEXT)
    if kind in ('integer', 'number') and name == 'limit':
        return dict(_LIMIT)
    if kind == 'array' and name in _TEXT_LISTS:
        return dict(_LIST)
    if kind == 'array' and name in _SIZED:
        return {**schema, **_SIZED[name]}
    if name in _RULES and kind in (None, 'object', 'integer'):
        return dict(_RULES[name])
    return schema


def _path_and_parameters(route: str) -> Tuple[str, List[dict]]:
    parameters = []

    def replace(match):
        name, any_path = match.group(1), match.group(2)
        if name in _RULES:
            schema = dict(_RULES[name])
        elif name == 'name' and '/func/' in route:
            schema = dict(_NAME)
        else:  # an id: not blank, at most 256 characters (require_text), one segment unless a path
            schema = {'type': 'string', 'minLength': 1, 'maxLength': 128 if name == 'job_name' else 256,
                      'pattern': NOT_BLANK if any_path else f'^[^/]*{NOT_BLANK}[^/]*$'}
        parameters.append({'name': name, 'in': 'path', 'required': True, 'schema': schema})
        return '{' + name + '}'
    return re.sub(r'<([A-Za-z_][A-Za-z0-9_]*)(?::(path))?>', replace, route), parameters


def _responses() -> Dict[str, Any]:
    return {'200': {'description': 'the result as JSON'}, '204': {'description': 'no result'},
            '400': _ERROR, '401': _ERROR, '403': _ERROR, '404': _ERROR, '409': _ERROR, '413': _ERROR}


# REST routes whose JSON body is a command's arguments (the cron and node routes pass the body on), or
# one argument of it (tasks' namespace and task): the route's body is described by that schema
_REST_BODIES = {
    **{('POST', '/v1/' + route): ('/v1/cron/' + command, None) for route, command in (
        ('register/group', 'register_group'), ('remove/group', 'remove_group'), ('add/job', 'add_job'),
        ('edit/job', 'edit_job'), ('pause/job', 'pause_job'), ('run/job', 'run_job'), ('active/job', 'active_job'),
        ('delete/job', 'delete_job'), ('add/func', 'add_func'), ('remove/func', 'remove_func'),
        ('node/token', 'issue_node_token'), ('node/register', 'register_node'),
        ('node/heartbeat', 'node_heartbeat'), ('node/report', 'report_node'), ('node/poll', 'poll_node'))},
    ('POST', '/v1/namespace'): ('/v1/tasks/create_namespace', 'namespace'),
    ('POST', '/v1/task'): ('/v1/tasks/create_task', 'task'),
    ('PUT', '/v1/task/release'): ('/v1/tasks/release_tasks', None),
    ('POST', '/jobs'): ('/v1/jobs/add_job', 'new_job'),
}
_HEADER_FIELDS = {'priority', 'delay', 'timeout', 'callback_url', 'result_ttl'}  # X-Accepted-* on POST /jobs
# bodies of routes with no command behind them (jobs_rest_service_v1.py)
_ROUTE_BODIES = {
    ('PUT', '/jobs/<job_id>'): {'type': 'object', 'required': ['status'], 'properties': {
        'status': {'type': 'string', 'enum': ['done', 'failed']}, 'result': {}, 'lease_token': _TEXT}},
    ('POST', '/want_job'): {'type': 'object', 'properties': {'queue': _TEXT}},
    ('POST', '/want_job/'): {'type': 'object', 'properties': {'queue': _TEXT}},
}
_ARCHIVE_BODIES = {('POST', '/v1/import'), ('POST', '/import')}  # a dump's tar.gz, as GET .../dump sends it
# query values routes require (tasks_rest_service_v1.py): a query without them is a 400
_QUERIES = {
    ('GET', '/v1/task'): {'namespace_id': _TEXT},
    ('GET', '/v1/task/capture'): {'namespace_id': _TEXT, 'limit': _LIMIT},
}


def _command_body(command: ICommand) -> Dict[str, Any]:
    schema = command.get_schema() if hasattr(command, 'get_schema') else None
    return json_schema(schema) if schema is not None else {'type': 'object'}


def _rest_body(method: str, route: str, commands: Dict[str, ICommand]) -> Dict[str, Any]:
    """The body schema of a REST route: its command's, one argument of it, or its own; else any object."""
    if (method, route) in _ROUTE_BODIES:
        return dict(_ROUTE_BODIES[method, route])
    command_route, argument = _REST_BODIES.get((method, route), (None, None))
    if command_route not in commands:
        return {'type': 'object'}
    body = _command_body(commands[command_route])
    if argument is None:
        return body
    body = dict(body.get('properties', {}).get(argument) or {'type': 'object'})
    if route == '/jobs':  # POST /jobs names the queue ``queue`` (``type`` too); the rest come in headers
        body['properties'] = {**{name: schema for name, schema in body.get('properties', {}).items()
                                 if name not in _HEADER_FIELDS}, 'queue': _TEXT}
        body.pop('required', None)
        body.pop('additionalProperties', None)  # a field it does not read is left alone
        body['anyOf'] = [{'required': ['queue']}, {'required': ['type']}]
    return body


def build_document(title: str, routes: Iterable[Tuple[str, str]],
                   commands: Dict[str, ICommand]) -> Dict[str, Any]:
    """``routes``: (method, path) pairs; ``commands``: the command behind each POST path."""
    paths: Dict[str, Dict[str, Any]] = {}
    for method, route in routes:
        if method == 'ANY' or '<name>' in route and method == 'POST' and route.rsplit('/', 1)[-1] == '<name>':
            continue  # catch-alls (unknown commands, the functions port) have no contract to describe
        path, parameters = _path_and_parameters(route)
        operation: Dict[str, Any] = {'responses': _responses(), 'operationId': f'{method} {route}'}
        parameters += [{'name': name, 'in': 'query', 'required': True, 'schema': dict(schema)}
                       for name, schema in _QUERIES.get((method, route), {}).items()]
        if parameters:
            operation['parameters'] = parameters
        command = commands.get(route) if method == 'POST' else None
        if (method, route) in _ARCHIVE_BODIES:
            operation['requestBody'] = {'required': True, 'content': {'application/gzip': {
                'schema': {'type': 'string', 'format': 'binary'}}}}
        elif command is not None or method in ('POST', 'PUT'):
            body = _command_body(command) if command is not None else _rest_body(method, route, commands)
            # a call with required arguments refuses a missing body: the document says so
            operation['requestBody'] = {'required': bool(body.get('required') or body.get('anyOf')),
                                        'content': {'application/json': {'schema': body}}}
        paths.setdefault(path, {})[method.lower()] = operation
    return {'openapi': '3.0.3', 'info': {'title': title, 'version': '1.0.0'}, 'paths': paths}
