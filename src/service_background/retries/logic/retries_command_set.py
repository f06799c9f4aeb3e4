"""The retries commands, with their argument schemas, that the HTTP service exposes."""
from pip_services3_commons.commands import CommandSet
from pip_services3_commons.convert import TypeCode
from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.validate import FilterParamsSchema, ObjectSchema, PagingParamsSchema

from service_background.common.logic.commands import Command


class RetriesCommandSet(CommandSet):
    """The eight retries commands; argument names as in retries-commands-v1. add_retry takes an optional
    ``idempotency_key``: repeated with it, the attempt is counted once."""

    def __init__(self, controller):
        super().__init__()
        c = controller
        by_id = ObjectSchema(True).with_required_property('group', TypeCode.String) \
            .with_required_property('id', TypeCode.String)
        by_ids = ObjectSchema(True).with_required_property('group', TypeCode.String) \
            .with_required_property('ids', None)
        self.add_commands([
            Command('get_group_names', ObjectSchema(True),
                    lambda cid, args: c.get_group_names(cid)),
            Command('get_retries',
                    ObjectSchema(True).with_optional_property('filter', FilterParamsSchema())
                    .with_optional_property('paging', PagingParamsSchema()),
                    lambda cid, args: c.get_retries(cid, FilterParams.from_value(args.get('filter')),
                                                    PagingParams.from_value(args.get('paging')))),
            Command('add_retry', ObjectSchema(True).with_required_property('group', TypeCode.String)
                    .with_required_property('id', TypeCode.String).with_optional_property('ttl', TypeCode.Float)
                    .with_optional_property('idempotency_key', TypeCode.String),
                    lambda cid, args: c.add_retry(cid, args.get('group'), args.get('id'), args.get('ttl'),
                                                  args.get('idempotency_key'))),
            Command('add_retries', ObjectSchema(True).with_required_property('group', TypeCode.String)
                    .with_required_property('ids', None).with_optional_property('ttl', TypeCode.Float),
                    lambda cid, args: c.add_retries(cid, args.get('group'), args.get('ids'), args.get('ttl'))),
            Command('get_retry_by_id', by_id,
                    lambda cid, args: c.get_retry_by_id(cid, args.get('group'), args.get('id'))),
            Command('get_retry_by_ids', by_ids,
                    lambda cid, args: c.get_retry_by_ids(cid, args.get('group'), args.get('ids'))),
            Command('delete_retry', by_id,
                    lambda cid, args: c.delete_retry(cid, args.get('group'), args.get('id'))),
            Command('delete_expired', ObjectSchema(True),
                    lambda cid, args: c.delete_expired(cid)),
        ])
