from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.jobs.logic.job_batches import (JobBatches, JobBatchesFilePersistence, JobBatchesMemoryPersistence,
                                 JobBatchesMongoDbPersistence)


class JobBatchesFactory(Factory):
    """Job batches: the component and its memory / file / MongoDB persistences."""
    BatchesDescriptor = Descriptor('service-background-jobs', 'batches', 'default', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.BatchesDescriptor, JobBatches)
        for kind, cls in (('memory', JobBatchesMemoryPersistence), ('file', JobBatchesFilePersistence),
                          ('mongodb', JobBatchesMongoDbPersistence)):
            self.register_as_type(Descriptor('service-background-jobs', 'persistence-batches', kind, '*', '1.0'), cls)
