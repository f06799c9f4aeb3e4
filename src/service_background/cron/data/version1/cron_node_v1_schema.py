"""The arguments of the calls worker nodes make (register_node, node_heartbeat, poll_node, report_node),
described for /openapi.json."""
# They say what cron_nodes.py accepts. Each call is authenticated by ``token`` or ``otp_code``, which a
# document cannot make valid: a body valid by it may still be a 401.
from pip_services3_commons.convert import TypeCode

from service_background.common.data.validation import MAX_NUMBER, DescribedSchema, json_number, json_text
from service_background.cron.data.version1.cron_job_v1_schema import NAME

NODE_ID = {'type': 'string', 'pattern': '^[a-zA-Z0-9_.-]{1,64}$'}
_OTP_CODE = {'anyOf': [{'type': 'string', 'maxLength': 16}, {'type': 'integer', 'minimum': 0, 'maximum': 999999}]}


def node_args() -> DescribedSchema:
    return DescribedSchema(True).with_described('group_name', NAME, required=True) \
        .with_described('node_id', NODE_ID, required=True) \
        .with_described('token', json_text(256)).with_described('otp_code', _OTP_CODE)


def register_node_args() -> DescribedSchema:
    return node_args().with_described('heartbeat_interval', json_number(0.2, 300)) \
        .with_described('host', json_text(255)).with_described('version', json_text(64)) \
        .with_described('allow_exec', {'type': 'boolean'})


def poll_node_args() -> DescribedSchema:
    return node_args().with_described('wait', {**json_number(0, 30), 'description': 'seconds to wait for work'})


def report_node_args() -> DescribedSchema:
    return node_args().with_described('id', json_text(256, blank=False), required=True) \
        .with_described('exit_code', json_number(-2 ** 31, 2 ** 31 - 1, integer=True)) \
        .with_described('duration_ms', json_number(0, MAX_NUMBER)) \
        .with_described('error', {'type': 'string'}).with_described('stdout', {'type': 'string'}) \
        .with_described('stderr', {'type': 'string'})


def issue_token_args() -> DescribedSchema:
    return DescribedSchema(True).with_described('group_name', NAME, TypeCode.String, required=True) \
        .with_described('node_id', NODE_ID, TypeCode.String, required=True)
