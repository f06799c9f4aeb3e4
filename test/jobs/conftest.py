from service_background.jobs.persistence import JobsFilePersistence, JobsMemoryPersistence, JobsMongoDbPersistence

from ..helpers import persistence_fixture

# the jobs persistence fixture: every test using it runs on memory, file and MongoDB
CLASSES = {'memory': JobsMemoryPersistence, 'file': JobsFilePersistence, 'mongodb': JobsMongoDbPersistence}
persistence = persistence_fixture(CLASSES, 'jobs')
