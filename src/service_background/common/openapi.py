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
_ERROR = {'description': 'ErrorDescription', 'content': {'application/json': {'schema': {
    'type': 'object', 'required': ['code', 'status'],
    'properties': {'code': {'type': 'string'}, 'message': {'type': 'string'}, 'status': {'type': 'integer'}}}}}}


def json_schema(spec: Any, name: str = '') -> Dict[str, Any]:
    """A JSON Schema for a pip-services property type (a TypeCode or a Schema)."""
    if isinstance(spec, ObjectSchema):
        properties, required = {}, []
        for prop in spec.get_properties() or []:
            properties[prop.get_name()] = json_schema(prop.get_type(), prop.get_name())
            if prop.is_required():
                required.append(prop.get_name())
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


def _path_and_parameters(route: str) -> Tuple[str, List[dict]]:
    parameters = []

    def replace(match):
        parameters.append({'name': match.group(1), 'in': 'path', 'required': True,
                           'schema': {'type': 'string', 'minLength': 1,
                                      **({} if match.group(2) else {'pattern': '^[^/]+$'})}})
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
            operation['requestBody'] = {'required': False, 'content': {'application/json': {'schema': body}}}
        elif method in ('POST', 'PUT'):
            operation['requestBody'] = {'required': False,
                                        'content': {'application/json': {'schema': {'type': 'object'}}}}
        paths.setdefault(path, {})[method.lower()] = operation
    return {'openapi': '3.0.3', 'info': {'title': title, 'version': '1.0.0'}, 'paths': paths}
