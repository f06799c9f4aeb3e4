from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.cron.clients.version1 import CronDirectClientV1, CronHttpClientV1
from service_background.cron.logic import CronController
from service_background.cron.persistence import (CronDispatchesFilePersistence, CronDispatchesMemoryPersistence,
                           CronDispatchesMongoDbPersistence, CronFuncsFilePersistence, CronFuncsMemoryPersistence,
                           CronFuncsMongoDbPersistence, CronGroupsFilePersistence, CronGroupsMemoryPersistence,
                           CronGroupsMongoDbPersistence, CronJobsFilePersistence, CronJobsMemoryPersistence,
                           CronJobsMongoDbPersistence, CronNodesFilePersistence, CronNodesMemoryPersistence,
                           CronNodesMongoDbPersistence, CronRunsFilePersistence, CronRunsMemoryPersistence,
                           CronRunsMongoDbPersistence)
from service_background.cron.services.version1 import CronCommandableHttpServiceV1, CronFuncEndpoint, CronFuncServiceV1, CronRestServiceV1


def _d(type: str, kind: str) -> Descriptor:
    return Descriptor('service-background-cron', type, kind, '*', '1.0')


class CronFactory(Factory):
    """Cron has several stores, so its persistence types say which: persistence-groups,
    persistence-jobs, persistence-runs, persistence-nodes, persistence-dispatches, persistence-funcs
    (each memory, file or mongodb). The functions are served on an endpoint of their own
    (endpoint:http-func) by the service:func."""
    ControllerDescriptor = _d('controller', 'default')
    RestServiceV1Descriptor = _d('service', 'rest')
    HttpServiceV1Descriptor = _d('service', 'commandable-http')
    DirectClientV1Descriptor = _d('client', 'direct')
    HttpClientV1Descriptor = _d('client', 'commandable-http')
    FuncServiceV1Descriptor = _d('service', 'func')
    FuncEndpointDescriptor = _d('endpoint', 'http-func')
    PERSISTENCES = {
        'persistence-groups': (CronGroupsMemoryPersistence, CronGroupsFilePersistence, CronGroupsMongoDbPersistence),
        'persistence-jobs': (CronJobsMemoryPersistence, CronJobsFilePersistence, CronJobsMongoDbPersistence),
        'persistence-runs': (CronRunsMemoryPersistence, CronRunsFilePersistence, CronRunsMongoDbPersistence),
        'persistence-nodes': (CronNodesMemoryPersistence, CronNodesFilePersistence, CronNodesMongoDbPersistence),
        'persistence-dispatches': (CronDispatchesMemoryPersistence, CronDispatchesFilePersistence,
                                   CronDispatchesMongoDbPersistence),
        'persistence-funcs': (CronFuncsMemoryPersistence, CronFuncsFilePersistence, CronFuncsMongoDbPersistence),
    }

    def __init__(self):
        super().__init__()
        for type, classes in self.PERSISTENCES.items():
            for kind, cls in zip(('memory', 'file', 'mongodb'), classes):
                self.register_as_type(_d(type, kind), cls)
        self.register_as_type(self.ControllerDescriptor, CronController)
        self.register_as_type(self.RestServiceV1Descriptor, CronRestServiceV1)
        self.register_as_type(self.HttpServiceV1Descriptor, CronCommandableHttpServiceV1)
        self.register_as_type(self.DirectClientV1Descriptor, CronDirectClientV1)
        self.register_as_type(self.HttpClientV1Descriptor, CronHttpClientV1)
        self.register_as_type(self.FuncServiceV1Descriptor, CronFuncServiceV1)
        self.register_as_type(self.FuncEndpointDescriptor, CronFuncEndpoint)
