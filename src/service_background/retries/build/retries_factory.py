"""The factory of the retries domain's stores, controller, HTTP service and clients."""
from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.retries.clients.version1 import RetriesDirectClientV1, RetriesHttpClientV1
from service_background.retries.logic import RetriesController
from service_background.retries.persistence import (
    RetriesFilePersistence,
    RetriesMemoryPersistence,
    RetriesMongoDbPersistence,
    RetriesPostgresPersistence,
)
from service_background.retries.services.version1 import RetriesCommandableHttpServiceV1


class RetriesFactory(Factory):
    MemoryPersistenceDescriptor = Descriptor('service-background-retries', 'persistence', 'memory', '*', '1.0')
    FilePersistenceDescriptor = Descriptor('service-background-retries', 'persistence', 'file', '*', '1.0')
    MongoDbPersistenceDescriptor = Descriptor('service-background-retries', 'persistence', 'mongodb', '*', '1.0')
    PostgresPersistenceDescriptor = Descriptor('service-background-retries', 'persistence', 'postgres', '*', '1.0')
    ControllerDescriptor = Descriptor('service-background-retries', 'controller', 'default', '*', '1.0')
    HttpServiceV1Descriptor = Descriptor('service-background-retries', 'service', 'commandable-http', '*', '1.0')
    DirectClientV1Descriptor = Descriptor('service-background-retries', 'client', 'direct', '*', '1.0')
    HttpClientV1Descriptor = Descriptor('service-background-retries', 'client', 'commandable-http', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.MemoryPersistenceDescriptor, RetriesMemoryPersistence)
        self.register_as_type(self.FilePersistenceDescriptor, RetriesFilePersistence)
        self.register_as_type(self.MongoDbPersistenceDescriptor, RetriesMongoDbPersistence)
        self.register_as_type(self.PostgresPersistenceDescriptor, RetriesPostgresPersistence)
        self.register_as_type(self.ControllerDescriptor, RetriesController)
        self.register_as_type(self.HttpServiceV1Descriptor, RetriesCommandableHttpServiceV1)
        self.register_as_type(self.DirectClientV1Descriptor, RetriesDirectClientV1)
        self.register_as_type(self.HttpClientV1Descriptor, RetriesHttpClientV1)
