"""One OpenAPI 3 document for every route an endpoint serves: commands with their argument schemas
(pip-services ObjectSchemas turned into JSON Schema, with the numeric bounds the service enforces)
and the REST faces' routes with their path values. Clients and fuzzers read it at /openapi.json."""
import re
from typing import Any, Dict, Iterable, List, Tuple

from pip_services3_commons.commands import ICommand
from pip_services3_commons.convert import TypeCode
from pip_services3_commons.validate import ArraySchema, MapSchema, ObjectSchema

from .validation import MAX_NUMBER

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
_TEXT = {'type': 'string', 'minLength': 1, 'maxLength': 256, 'pattern': '\\S'}  # require_text: not blank
_TEXT_NAMES = {'id', 'group', 'type', 'queue', 'lease_token', 'idempotency_key', 'namespace_id', 'task_id',
               'batch_id', 'job_id'}
_TEXT_LISTS = {'ids', 'job_ids', 'task_ids'}
_LIST = {'type': 'array', 'minItems': 1, 'maxItems': 1000, 'items': _TEXT}
_LIMIT = {'type': 'integer', 'minimum': 1, 'maximum': 1000}  # a page or a take: 1..1000
_WITH_ID = {'type': 'object', 'properties': {'id': _TEXT}, 'required': ['id']}
_TASK = {'type': 'object', 'properties': {'id': _TEXT, 'namespace_id': _TEXT}, 'required': ['id', 'namespace_id']}
_UNTYPED = {**{name: _LIST for name in _TEXT_LISTS}, 'namespace': _WITH_ID, 'task': _TASK,
            'limit': _LIMIT}  # arguments the schemas leave untyped
_ALWAYS_REQUIRED = {'group_name', 'node_id'}  # refused when missing, whatever the command's schema says
_RULES = {'group_name': _NAME, 'node_id': {'type': 'string', 'pattern': '^[a-zA-Z0-9_.-]{1,64}$'}}
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
            schema = _checked(json_schema(prop.get_type(), prop.get_name()), prop.get_name(), 'group_name' in names)
            if prop.is_required() or prop.get_name() in _ALWAYS_REQUIRED:
                required.append(prop.get_name())
                if not schema:
                    schema = dict(_NOT_NULL)  # a required argument of any type is still not null
            properties[prop.get_name()] = schema
        result = {'type': 'object', 'properties': properties}
        if required:
            result['required'] = required
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
    return schema


def _path_and_parameters(route: str) -> Tuple[str, List[dict]]:
    parameters = []

    def replace(match):
        schema = dict(_RULES[match.group(1)]) if match.group(1) in _RULES else \
            {'type': 'string', 'minLength': 1, **({} if match.group(2) else {'pattern': '^[^/]+$'})}
        parameters.append({'name': match.group(1), 'in': 'path', 'required': True, 'schema': schema})
        return '{' + match.group(1) + '}'
    return re.sub(r'<([A-Za-z_][A-Za-z0-9_]*)(?::(path))?>', replace, route), parameters


def _responses() -> Dict[str, Any]:
    return {'200': {'description': 'the result as JSON'}, '204': {'description': 'no result'},
            '400': _ERROR, '401': _ERROR, '403': _ERROR, '404': _ERROR, '409': _ERROR, '413': _ERROR}


def build_document(title: str, routes: Iterable[Tuple[str, str]],
                   commands: Dict[str, ICommand]) -> Dict[str, Any]:
    """``routes``: (method, path) pairs; ``commands``: the command behind each POST path."""
    paths: Dict[str, Dict[str, Any]] = {}
    for method, route in routes:
        if method == 'ANY' or '<name>' in route and method == 'POST' and route.rsplit('/', 1)[-1] == '<name>':
            continue  # catch-alls (unknown commands, the functions port) have no contract to describe
        path, parameters = _path_and_parameters(route)
        operation: Dict[str, Any] = {'responses': _responses(), 'operationId': f'{method} {route}'}
        if parameters:
            operation['parameters'] = parameters
        command = commands.get(route) if method == 'POST' else None
        if command is not None:
            body = json_schema(command._schema) if getattr(command, '_schema', None) is not None \
                else {'type': 'object'}
            # a command with required arguments refuses a missing body: the document says so
            operation['requestBody'] = {'required': bool(body.get('required')),
                                        'content': {'application/json': {'schema': body}}}
        elif method in ('POST', 'PUT'):
            operation['requestBody'] = {'required': False,
                                        'content': {'application/json': {'schema': {'type': 'object'}}}}
        paths.setdefault(path, {})[method.lower()] = operation
    return {'openapi': '3.0.3', 'info': {'title': title, 'version': '1.0.0'}, 'paths': paths}
