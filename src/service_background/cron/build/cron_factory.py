"""The factory of the cron domain: controller, persistences (memory, file, MongoDB, PostgreSQL), services and
executors."""
from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.cron.clients.version1 import CronDirectClientV1, CronHttpClientV1
from service_background.cron.logic import CronController
from service_background.cron.persistence import (
    CronDispatchesFilePersistence,
    CronDispatchesMemoryPersistence,
    CronDispatchesMongoDbPersistence,
    CronDispatchesPostgresPersistence,
    CronFuncsFilePersistence,
    CronFuncsMemoryPersistence,
    CronFuncsMongoDbPersistence,
    CronFuncsPostgresPersistence,
    CronGroupsFilePersistence,
    CronGroupsMemoryPersistence,
    CronGroupsMongoDbPersistence,
    CronGroupsPostgresPersistence,
    CronJobsFilePersistence,
    CronJobsMemoryPersistence,
    CronJobsMongoDbPersistence,
    CronJobsPostgresPersistence,
    CronNodesFilePersistence,
    CronNodesMemoryPersistence,
    CronNodesMongoDbPersistence,
    CronNodesPostgresPersistence,
    CronRunsFilePersistence,
    CronRunsMemoryPersistence,
    CronRunsMongoDbPersistence,
    CronRunsPostgresPersistence,
)
from service_background.cron.services.version1 import (
    CronCommandableHttpServiceV1,
    CronFuncEndpoint,
    CronFuncServiceV1,
    CronRestServiceV1,
)


def _d(type: str, kind: str) -> Descriptor:
    return Descriptor('service-background-cron', type, kind, '*', '1.0')


class CronFactory(Factory):
    """Cron has several stores, so its persistence types say which: persistence-groups,
    persistence-jobs, persistence-runs, persistence-nodes, persistence-dispatches, persistence-funcs
    (each memory, file, mongodb or postgres). The functions are served on an endpoint of their own
    (endpoint:http-func) by the service:func."""
    ControllerDescriptor = _d('controller', 'default')
    RestServiceV1Descriptor = _d('service', 'rest')
    HttpServiceV1Descriptor = _d('service', 'commandable-http')
    DirectClientV1Descriptor = _d('client', 'direct')
    HttpClientV1Descriptor = _d('client', 'commandable-http')
    FuncServiceV1Descriptor = _d('service', 'func')
    FuncEndpointDescriptor = _d('endpoint', 'http-func')
    PERSISTENCES = {
        'persistence-groups': (CronGroupsMemoryPersistence, CronGroupsFilePersistence, CronGroupsMongoDbPersistence,
                               CronGroupsPostgresPersistence),
        'persistence-jobs': (CronJobsMemoryPersistence, CronJobsFilePersistence, CronJobsMongoDbPersistence,
                             CronJobsPostgresPersistence),
        'persistence-runs': (CronRunsMemoryPersistence, CronRunsFilePersistence, CronRunsMongoDbPersistence,
                             CronRunsPostgresPersistence),
        'persistence-nodes': (CronNodesMemoryPersistence, CronNodesFilePersistence, CronNodesMongoDbPersistence,
                              CronNodesPostgresPersistence),
        'persistence-dispatches': (CronDispatchesMemoryPersistence, CronDispatchesFilePersistence,
                                   CronDispatchesMongoDbPersistence, CronDispatchesPostgresPersistence),
        'persistence-funcs': (CronFuncsMemoryPersistence, CronFuncsFilePersistence, CronFuncsMongoDbPersistence,
                              CronFuncsPostgresPersistence),
    }

    def __init__(self):
        super().__init__()
        for type, classes in self.PERSISTENCES.items():
            for kind, cls in zip(('memory', 'file', 'mongodb', 'postgres'), classes):
                self.register_as_type(_d(type, kind), cls)
        self.register_as_type(self.ControllerDescriptor, CronController)
        self.register_as_type(self.RestServiceV1Descriptor, CronRestServiceV1)
        self.register_as_type(self.HttpServiceV1Descriptor, CronCommandableHttpServiceV1)
        self.register_as_type(self.DirectClientV1Descriptor, CronDirectClientV1)
        self.register_as_type(self.HttpClientV1Descriptor, CronHttpClientV1)
        self.register_as_type(self.FuncServiceV1Descriptor, CronFuncServiceV1)
        self.register_as_type(self.FuncEndpointDescriptor, CronFuncEndpoint)
