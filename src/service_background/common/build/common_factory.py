"""The factory of the shared HTTP endpoint, heartbeat, status, OpenAPI and database connection components."""
from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.common.http.endpoint import HttpEndpoint
from service_background.common.persistence.mongodb_connection import MongoDbConnection, MongoDbConnectionLocator
from service_background.common.persistence.postgres_connection import PostgresConnection, PostgresConnectionLocator
from service_background.common.services.openapi_service import OpenApiServiceV1
from service_background.common.services.status_services import HeartbeatRestService, StatusRestService


class CommonFactory(Factory):
    """Components every domain shares: the ASGI HTTP endpoint, and heartbeat and status on it (under
    pip-services' own descriptors, in place of pip-services3-rpc's bottle-bound ones)."""
    HttpEndpointDescriptor = Descriptor('service-background', 'endpoint', 'http', '*', '1.0')
    HeartbeatServiceDescriptor = Descriptor('pip-services', 'heartbeat-service', 'http', '*', '1.0')
    StatusServiceDescriptor = Descriptor('pip-services', 'status-service', 'http', '*', '1.0')
    OpenApiServiceDescriptor = Descriptor('service-background', 'openapi-service', 'http', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.HttpEndpointDescriptor, HttpEndpoint)
        self.register_as_type(self.HeartbeatServiceDescriptor, HeartbeatRestService)
        self.register_as_type(self.StatusServiceDescriptor, StatusRestService)
        self.register_as_type(self.OpenApiServiceDescriptor, OpenApiServiceV1)
        # the process's one MongoDB connection, the library's descriptor with our fixed class
        self.register_as_type(MongoDbConnectionLocator, MongoDbConnection)
        # the process's one PostgreSQL connection pool
        self.register_as_type(PostgresConnectionLocator, PostgresConnection)
