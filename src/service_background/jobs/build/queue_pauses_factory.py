from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.jobs.logic.queue_pauses import (QueuePauses, QueuePausesFilePersistence, QueuePausesMemoryPersistence,
                                  QueuePausesMongoDbPersistence)


class QueuePausesFactory(Factory):
    """Paused queues: the component and its memory / file / MongoDB persistences."""
    PausesDescriptor = Descriptor('service-background-jobs', 'pauses', 'default', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.PausesDescriptor, QueuePauses)
        for kind, cls in (('memory', QueuePausesMemoryPersistence), ('file', QueuePausesFilePersistence),
                          ('mongodb', QueuePausesMongoDbPersistence)):
            self.register_as_type(Descriptor('service-background-jobs', 'persistence-pauses', kind, '*', '1.0'), cls)
