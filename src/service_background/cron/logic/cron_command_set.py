"""The cron commands (/v1/cron/<name>): one per REST operation, with argument schemas that say what the
controller accepts."""
import base64
import binascii

from pip_services3_commons.commands import CommandSet
from pip_services3_commons.convert import TypeCode
from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.validate import ObjectSchema

from service_background.common.logic.commands import Command
from service_background.cron.data.version1.cron_func_v1_schema import func_args, new_func_args
from service_background.cron.data.version1.cron_job_v1_schema import (
    active_job_args,
    cron_job_changes_args,
    group_args,
    job_args,
    jobs_by_name_args,
    new_cron_job_args,
)
from service_background.cron.data.version1.cron_node_v1_schema import (
    issue_token_args,
    node_args,
    poll_node_args,
    register_node_args,
    report_node_args,
)


def _decode(correlation_id, value) -> bytes:
    try:
        return base64.b64decode(value or '', validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise BadRequestException(correlation_id, 'BAD_DATA', 'data must be the archive in base64')


class CronCommandSet(CommandSet):
    """One command per REST operation, snake_case; plus get_job and get_job_runs (run history).
    Dumps travel as base64 strings here (``{"data": ...}``); the REST routes send raw tar.gz."""

    def __init__(self, controller):
        super().__init__()
        c = controller
        # names are typed; add/edit, function and node bodies are not (the controller checks each field and
        # names it in its 400); every schema describes what is accepted (cron/data/version1/*_schema.py)
        group, job, body = group_args(), job_args(), ObjectSchema(True)
        self.add_commands([
            Command('get_version', body, lambda cid, args: c.get_version(cid)),
            Command('register_group', group, lambda cid, args: c.register_group(cid, args.get('group_name'))),
            Command('remove_group', group, lambda cid, args: c.remove_group(cid, args.get('group_name'))),
            Command('get_groups', body, lambda cid, args: c.get_groups(cid)),
            Command('get_group_info', group, lambda cid, args: c.get_group_info(cid, args.get('group_name'))),
            Command('get_nodes', group, lambda cid, args: c.nodes.get_nodes(cid, args.get('group_name'))),
            Command('add_job', new_cron_job_args(), lambda cid, args: c.add_job(cid, args.get_as_object())),
            Command('edit_job', cron_job_changes_args(), lambda cid, args: c.edit_job(cid, args.get_as_object())),
            Command('pause_job', job, lambda cid, args: c.pause_job(cid, args.get('group_name'), args.get('job_id'))),
            Command('run_job', job, lambda cid, args: c.run_job(cid, args.get('group_name'), args.get('job_id'))),
            Command('active_job', active_job_args(),
                    lambda cid, args: c.active_job(cid, args.get('group_name'), args.get('job_id'),
                                                   args.get('exec_time'))),
            Command('delete_job', job, lambda cid, args: c.delete_job(cid, args.get('group_name'),
                                                                      args.get('job_id'))),
            Command('get_jobs', group, lambda cid, args: c.get_jobs(cid, args.get('group_name'))),
            Command('get_job', job, lambda cid, args: c.get_job(cid, args.get('group_name'), args.get('job_id'))),
            Command('get_job_runs', job, lambda cid, args: c.get_job_runs(cid, args.get('group_name'),
                                                                          args.get('job_id'))),
            Command('clear_jobs', group, lambda cid, args: c.clear_jobs(cid, args.get('group_name'))),
            Command('delete_jobs_by_name', jobs_by_name_args(),
                    lambda cid, args: c.delete_jobs_by_name(cid, args.get('group_name'), args.get('name'))),
            Command('dump', group_args(required=False),
                    lambda cid, args: {'data': base64.b64encode(c.dump(cid, args.get('group_name'))).decode()}),
            Command('import_dump', ObjectSchema(True).with_required_property('data', TypeCode.String)
                    .with_optional_property('replace_secrets', TypeCode.Boolean),
                    lambda cid, args: c.import_dump(cid, _decode(cid, args.get('data')),
                                                    args.get('replace_secrets') is True)),
            Command('add_func', new_func_args(), lambda cid, args: c.functions.add_func(cid, args.get_as_object())),
            Command('get_funcs', group, lambda cid, args: c.functions.get_funcs(cid, args.get('group_name'))),
            Command('remove_func', func_args(),
                    lambda cid, args: c.functions.remove_func(cid, args.get('group_name'), args.get('name'))),
            Command('issue_node_token', issue_token_args(),
                    lambda cid, args: c.nodes.issue_node_token(cid, args.get('group_name'), args.get('node_id'))),
            # what bin/node.py calls (each authenticated by otp_code or token in the body)
            Command('register_node', register_node_args(),
                    lambda cid, args: c.nodes.register_node(cid, args.get_as_object())),
            Command('node_heartbeat', node_args(), lambda cid, args: c.nodes.node_heartbeat(cid, args.get_as_object())),
            Command('poll_node', poll_node_args(), lambda cid, args: c.nodes.poll_node(cid, args.get_as_object())),
            Command('report_node', report_node_args(),
                    lambda cid, args: c.nodes.report_node(cid, args.get_as_object())),
        ])
