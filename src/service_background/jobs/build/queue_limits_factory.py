from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.jobs.logic.queue_limits import (QueueLimits, QueueLimitsFilePersistence, QueueLimitsMemoryPersistence,
                                  QueueLimitsMongoDbPersistence)


class QueueLimitsFactory(Factory):
    """Global per-queue limits: the component and its memory / file / MongoDB persistences."""
    LimitsDescriptor = Descriptor('service-background-jobs', 'limits', 'default', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.LimitsDescriptor, QueueLimits)
        for kind, cls in (('memory', QueueLimitsMemoryPersistence), ('file', QueueLimitsFilePersistence),
                          ('mongodb', QueueLimitsMongoDbPersistence)):
            self.register_as_type(Descriptor('service-background-jobs', 'persistence-limits', kind, '*', '1.0'), cls)
