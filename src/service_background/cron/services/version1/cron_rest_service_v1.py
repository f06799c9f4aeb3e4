"""The cron REST routes (cron-rest-v1) of docs/cron.md, ``POST /import`` included. Bodies are read as
JSON whatever their Content-Type; import takes a raw tar.gz."""
from typing import Callable, Optional

from pip_services3_commons.refer import Descriptor, IReferences

from service_background.common.http.errors import read_json_body
from service_background.common.http.request import current_request
from service_background.common.http.response import send_json, send_raw
from service_background.common.services.rest_service import RestService


class CronRestServiceV1(RestService):

    def __init__(self):
        super().__init__()
        self._base_route = ''
        self._controller = None
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-cron', 'controller', 'default', '*', '1.0'))

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._controller = self._dependency_resolver.get_one_required('controller')

    _json = staticmethod(send_json)

    def _cid(self) -> Optional[str]:
        return self._get_correlation_id()

    def _body_call(self, method: Callable, *fields: str):
        """A handler that passes the named body fields to a controller method."""
        def handler():
            body = read_json_body()
            return self._json(method(self._cid(), *(body.get(f) for f in fields)))
        return handler

    def _object_call(self, method: Callable):
        """A handler that passes the whole body to a controller method."""
        return lambda: self._json(method(self._cid(), read_json_body()))

    def _archive(self, group_name: Optional[str] = None):
        data = self._controller.dump(self._cid(), group_name)
        name = f'cron-{group_name or "all"}.tar.gz'
        return send_raw(data, 'application/gzip', headers={'Content-Disposition': f'attachment; filename="{name}"'})

    def _import(self):
        request = current_request()
        replace = (request.query('replace_secrets') or '').lower() in ('1', 'true', 'yes')
        return self._json(self._controller.import_dump(self._cid(), request.body, replace))

    def register(self):
        c = self._controller
        route = self.register_route
        route('GET', '/version', None, lambda: self._json(c.get_version(self._cid())))
        route('POST', '/v1/register/group', None, self._body_call(c.register_group, 'group_name'))
        route('POST', '/v1/remove/group', None, self._body_call(c.remove_group, 'group_name'))
        route('POST', '/v1/add/job', None, lambda: self._json(c.add_job(self._cid(), read_json_body())))
        route('POST', '/v1/edit/job', None, lambda: self._json(c.edit_job(self._cid(), read_json_body())))
        route('POST', '/v1/pause/job', None, self._body_call(c.pause_job, 'group_name', 'job_id'))
        route('POST', '/v1/run/job', None, lambda: self._json(c.run_job(  # fire once now
            self._cid(), *(read_json_body().get(f) for f in ('group_name', 'job_id')))))
        route('POST', '/v1/active/job', None, self._body_call(c.active_job, 'group_name', 'job_id', 'exec_time'))
        route('POST', '/v1/delete/job', None, self._body_call(c.delete_job, 'group_name', 'job_id'))
        route('GET', '/v1/<group_name>/job/list', None, lambda group_name: self._json(c.get_jobs(self._cid(),
                                                                                                   group_name)))
        route('GET', '/v1/group/list', None, lambda: self._json(c.get_groups(self._cid())))
        route('GET', '/<group_name>/v1/group/info', None,
              lambda group_name: self._json(c.get_group_info(self._cid(), group_name)))
        nodes = lambda group_name: self._json(c.nodes.get_nodes(self._cid(), group_name))  # noqa: E731
        route('GET', '/v1/<group_name>/node/list', None, nodes)
        route('GET', '/<group_name>/v1/node/list', None, nodes)  # the original curl example spells it so
        route('DELETE', '/v1/<group_name>/job/clear', None,
              lambda group_name: self._json(c.clear_jobs(self._cid(), group_name)))
        route('DELETE', '/v1/<group_name>/job/delete/<job_name>', None,
              lambda group_name, job_name: self._json(c.delete_jobs_by_name(self._cid(), group_name, job_name)))
        # dumps hold every secret and imports replace groups: the cron admin scope only
        route('GET', '/v1/dump/all', None, lambda: self._archive(), admin=True)
        route('GET', '/v1/<group_name>/dump', None, lambda group_name: self._archive(group_name), admin=True)
        route('POST', '/v1/import', None, self._import, admin=True)
        route('POST', '/import', None, self._import, admin=True)
        route('POST', '/v1/add/func', None, lambda: self._json(c.functions.add_func(self._cid(), read_json_body())))
        route('GET', '/v1/<group_name>/func/list', None,
              lambda group_name: self._json(c.functions.get_funcs(self._cid(), group_name)))
        route('POST', '/v1/remove/func', None, self._body_call(c.functions.remove_func, 'group_name', 'name'))
        route('DELETE', '/v1/<group_name>/func/delete/<name>', None,
              lambda group_name, name: self._json(c.functions.remove_func(self._cid(), group_name, name)))
        # worker nodes (bin/node.py): each call carries otp_code or token
        route('POST', '/v1/node/token', None, self._body_call(c.nodes.issue_node_token, 'group_name', 'node_id'))
        for path, method in (('register', 'register_node'), ('heartbeat', 'node_heartbeat'),
                             ('report', 'report_node')):
            route('POST', '/v1/node/' + path, None, self._object_call(getattr(c.nodes, method)))
        route('POST', '/v1/node/poll', None, self._poll)

    async def _poll(self):
        """A node's long-poll, awaited: it holds no thread while it waits."""
        return self._json(await self._controller.nodes.poll_node_async(self._cid(), read_json_body()))
