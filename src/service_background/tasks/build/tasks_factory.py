"""The factory of the tasks domain's stores, controller, HTTP services and clients."""
from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.tasks.clients.version1 import TasksDirectClientV1, TasksHttpClientV1
from service_background.tasks.logic import TasksController
from service_background.tasks.persistence import (
    TasksFilePersistence,
    TasksMemoryPersistence,
    TasksMongoDbPersistence,
    TasksPostgresPersistence,
)
from service_background.tasks.services.version1 import TasksCommandableHttpServiceV1, TasksRestServiceV1


class TasksFactory(Factory):
    MemoryPersistenceDescriptor = Descriptor('service-background-tasks', 'persistence', 'memory', '*', '1.0')
    FilePersistenceDescriptor = Descriptor('service-background-tasks', 'persistence', 'file', '*', '1.0')
    MongoDbPersistenceDescriptor = Descriptor('service-background-tasks', 'persistence', 'mongodb', '*', '1.0')
    PostgresPersistenceDescriptor = Descriptor('service-background-tasks', 'persistence', 'postgres', '*', '1.0')
    ControllerDescriptor = Descriptor('service-background-tasks', 'controller', 'default', '*', '1.0')
    HttpServiceV1Descriptor = Descriptor('service-background-tasks', 'service', 'commandable-http', '*', '1.0')
    RestServiceV1Descriptor = Descriptor('service-background-tasks', 'service', 'rest', '*', '1.0')
    DirectClientV1Descriptor = Descriptor('service-background-tasks', 'client', 'direct', '*', '1.0')
    HttpClientV1Descriptor = Descriptor('service-background-tasks', 'client', 'commandable-http', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.MemoryPersistenceDescriptor, TasksMemoryPersistence)
        self.register_as_type(self.FilePersistenceDescriptor, TasksFilePersistence)
        self.register_as_type(self.MongoDbPersistenceDescriptor, TasksMongoDbPersistence)
        self.register_as_type(self.PostgresPersistenceDescriptor, TasksPostgresPersistence)
        self.register_as_type(self.ControllerDescriptor, TasksController)
        self.register_as_type(self.HttpServiceV1Descriptor, TasksCommandableHttpServiceV1)
        self.register_as_type(self.RestServiceV1Descriptor, TasksRestServiceV1)
        self.register_as_type(self.DirectClientV1Descriptor, TasksDirectClientV1)
        self.register_as_type(self.HttpClientV1Descriptor, TasksHttpClientV1)
