"""The tasks commands that the commandable HTTP service exposes."""
from pip_services3_commons.commands import CommandSet
from pip_services3_commons.validate import ObjectSchema

from service_background.common.logic.commands import Command


def _args(*required: str, optional=()) -> ObjectSchema:
    # types are checked by the controller, so both faces answer the same 400s
    schema = ObjectSchema(True)
    for name in required:
        schema.with_required_property(name, None)
    for name in optional:
        schema.with_optional_property(name, None)
    return schema


class TasksCommandSet(CommandSet):
    """One command per tasks-rest-v1 operation, snake_case."""

    def __init__(self, controller):
        super().__init__()
        c = controller
        self.add_commands([
            Command('get_namespaces', _args(), lambda cid, args: c.get_namespaces(cid)),
            Command('create_namespace', _args('namespace'),
                    lambda cid, args: c.create_namespace(cid, args.get('namespace'))),
            Command('get_namespace', _args('namespace_id'),
                    lambda cid, args: c.get_namespace(cid, args.get('namespace_id'))),
            Command('delete_namespace', _args('namespace_id'),
                    lambda cid, args: c.delete_namespace(cid, args.get('namespace_id'))),
            Command('get_tasks', _args('namespace_id'),
                    lambda cid, args: c.get_tasks(cid, args.get('namespace_id'))),
            Command('create_task', _args('task'), lambda cid, args: c.create_task(cid, args.get('task'))),
            Command('get_task', _args('task_id'), lambda cid, args: c.get_task(cid, args.get('task_id'))),
            Command('delete_task', _args('task_id'), lambda cid, args: c.delete_task(cid, args.get('task_id'))),
            Command('capture_tasks', _args('namespace_id', 'limit'),
                    lambda cid, args: c.capture_tasks(cid, args.get('namespace_id'), args.get('limit'))),
            Command('release_tasks', _args('task_ids', 'status', optional=('lease_tokens',)),
                    lambda cid, args: c.release_tasks(cid, args.get('task_ids'), args.get('status'),
                                                      args.get('lease_tokens'))),
        ])
