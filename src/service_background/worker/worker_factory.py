"""Creates the workers from a container config:

    - descriptor: "service-background-worker:worker:jobs:default:1.0"
      connection: { uri: "http://127.0.0.1:8080" }
      credential: { token: "..." }
      options: { concurrency: 8, lease: 60, block_for: 20, grace: 30, time_limit: 0 }
      handlers: { mail: "myapp.mail:send" }
    - descriptor: "service-background-worker:worker:tasks:default:1.0"
      ...
      handlers: { Infra: "myapp.backup:run" }
"""
from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.worker.jobs_worker import JobsWorker
from service_background.worker.tasks_worker import TasksWorker


class WorkerFactory(Factory):
    JobsWorkerDescriptor = Descriptor('service-background-worker', 'worker', 'jobs', '*', '1.0')
    TasksWorkerDescriptor = Descriptor('service-background-worker', 'worker', 'tasks', '*', '1.0')

    def __init__(self) -> None:
        super().__init__()
        self.register_as_type(self.JobsWorkerDescriptor, JobsWorker)
        self.register_as_type(self.TasksWorkerDescriptor, TasksWorker)
