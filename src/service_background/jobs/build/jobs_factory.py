from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.jobs.clients.version1 import JobsDirectClientV1, JobsHttpClientV1
from service_background.jobs.logic import JobsController
from service_background.jobs.persistence import JobsFilePersistence, JobsMemoryPersistence, JobsMongoDbPersistence
from service_background.jobs.services.version1 import JobsCommandableHttpServiceV1, JobsRestServiceV1


class JobsFactory(Factory):
    MemoryPersistenceDescriptor = Descriptor('service-background-jobs', 'persistence', 'memory', '*', '1.0')
    FilePersistenceDescriptor = Descriptor('service-background-jobs', 'persistence', 'file', '*', '1.0')
    MongoDbPersistenceDescriptor = Descriptor('service-background-jobs', 'persistence', 'mongodb', '*', '1.0')
    ControllerDescriptor = Descriptor('service-background-jobs', 'controller', 'default', '*', '1.0')
    HttpServiceV1Descriptor = Descriptor('service-background-jobs', 'service', 'commandable-http', '*', '1.0')
    RestServiceV1Descriptor = Descriptor('service-background-jobs', 'service', 'rest', '*', '1.0')
    DirectClientV1Descriptor = Descriptor('service-background-jobs', 'client', 'direct', '*', '1.0')
    HttpClientV1Descriptor = Descriptor('service-background-jobs', 'client', 'commandable-http', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.MemoryPersistenceDescriptor, JobsMemoryPersistence)
        self.register_as_type(self.FilePersistenceDescriptor, JobsFilePersistence)
        self.register_as_type(self.MongoDbPersistenceDescriptor, JobsMongoDbPersistence)
        self.register_as_type(self.ControllerDescriptor, JobsController)
        self.register_as_type(self.HttpServiceV1Descriptor, JobsCommandableHttpServiceV1)
        self.register_as_type(self.RestServiceV1Descriptor, JobsRestServiceV1)
        self.register_as_type(self.DirectClientV1Descriptor, JobsDirectClientV1)
        self.register_as_type(self.HttpClientV1Descriptor, JobsHttpClientV1)
