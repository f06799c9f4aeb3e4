"""GET /heartbeat and GET /status on our endpoint (pip-services3-rpc's HeartbeatRestService and
StatusRestService answer through bottle). Same descriptors, routes and bodies."""
import datetime
from typing import Optional

from pip_services3_commons.config import ConfigParams
from pip_services3_commons.refer import Descriptor, IReferences

from service_background.common.data import clock
from service_background.common.http.response import send_json
from service_background.common.services.rest_service import RestService


class HeartbeatRestService(RestService):

    def __init__(self):
        super().__init__()
        self._route = 'heartbeat'

    def configure(self, config: ConfigParams):
        super().configure(config)
        self._route = config.get_as_string_with_default('route', self._route)

    def register(self):
        self.register_route('GET', self._route, None, lambda: send_json(clock.to_iso(clock.now())), blocking=False,
                            public=True)


class StatusRestService(RestService):

    def __init__(self):
        super().__init__()
        self._dependency_resolver.put('context-info', Descriptor('pip-services', 'context-info', 'default', '*', '1.0'))
        # the process's database connection (MongoDB or PostgreSQL), when it has one
        self._dependency_resolver.put('connection', Descriptor('pip-services', 'connection', '*', '*', '1.0'))
        self._start_time = clock.now()
        self._references: Optional[IReferences] = None
        self._context_info = None
        self._database = None  # the database connection, when the process has one
        self._route = 'status'

    def configure(self, config: ConfigParams):
        super().configure(config)
        self._route = config.get_as_string_with_default('route', self._route)

    def set_references(self, references: IReferences):
        self._references = references
        super().set_references(references)
        self._context_info = self._dependency_resolver.get_one_optional('context-info')
        self._database = self._dependency_resolver.get_one_optional('connection')

    def register(self):
        self.register_route('GET', self._route, None, self.status, blocking=False)

    def status(self):
        info = self._context_info
        now = clock.now()
        components = [str(locator) for locator in self._references.get_all_locators()] if self._references else []
        database = self._database.health() if hasattr(self._database, 'health') else None
        return send_json({
            'status': 'down' if database and database['status'] != 'up' else 'up',
            'database': database,
            'id': info.context_id if info else '',
            'name': info.name if info else 'unknown',
            'description': info.description if info else '',
            'start_time': clock.to_iso(self._start_time),
            'current_time': clock.to_iso(now),
            'uptime': (now - self._start_time) / datetime.timedelta(milliseconds=1),
            'properties': info.properties if info else '',
            'components': components})
