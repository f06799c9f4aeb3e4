"""The tasks REST service, version 1: the /v1/namespace... and /v1/task... routes of tasks-rest-v1."""
from pip_services3_commons.refer import Descriptor, IReferences

from service_background.common.http.errors import read_json_body
from service_background.common.http.request import current_request
from service_background.common.http.response import send_json
from service_background.common.services.rest_service import RestService


class TasksRestServiceV1(RestService):
    """The REST face (tasks-rest-v1): /v1/namespace... and /v1/task... routes.

    204 for a namespace or task that is not there on read, as tasks-rest-v1 says; POST answers 201 with the
    created object, DELETE 200 with the deleted one, release 200 with {list, not_found}."""

    def __init__(self):
        super().__init__()
        self._base_route = 'v1'
        self._controller = None
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-tasks', 'controller', 'default', '*', '1.0'))

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._controller = self._dependency_resolver.get_one_required('controller')

    _send = staticmethod(send_json)

    def register(self):
        c = self._controller
        cid = self._get_correlation_id
        query = lambda name: current_request().query(name)  # noqa: E731

        self.register_route('GET', '/namespace', None,
                            lambda: self._send({'list': c.get_namespaces(cid())}))
        self.register_route('POST', '/namespace', None,
                            lambda: self._send(c.create_namespace(cid(), read_json_body()), 201))
        self.register_route('GET', '/namespace/<id:path>', None,
                            lambda id: self._send(c.get_namespace(cid(), id)))
        self.register_route('DELETE', '/namespace/<id:path>', None,
                            lambda id: self._send(c.delete_namespace(cid(), id)))

        self.register_route('GET', '/task', None,
                            lambda: self._send({'list': c.get_tasks(cid(), query('namespace_id'))}))
        self.register_route('POST', '/task', None,
                            lambda: self._send(c.create_task(cid(), read_json_body()), 201))
        # capture and release before <id>, so they are never read as task ids
        self.register_route('GET', '/task/capture', None,
                            lambda: self._send({'list': c.capture_tasks(cid(), query('namespace_id'),
                                                                        query('limit'))}),
                            write=True)  # a GET that takes tasks: not for read-only tokens
        self.register_route('PUT', '/task/release', None, self._release)
        self.register_route('GET', '/task/<id:path>', None, lambda id: self._send(c.get_task(cid(), id)))
        self.register_route('DELETE', '/task/<id:path>', None, lambda id: self._send(c.delete_task(cid(), id)))

    def _release(self):
        body = read_json_body()
        return self._send(self._controller.release_tasks(self._get_correlation_id(), body.get('task_ids'),
                                                         body.get('status'), body.get('lease_tokens')))
