"""Builds a controller with a direct client over a given persistence, as the container would."""
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.refer import Descriptor, References

from service_background.jobs.clients.version1 import JobsDirectClientV1
from service_background.jobs.logic import JobsController


def wire(persistence, **options):
    controller = JobsController()
    params = ['options.clean_interval', 0, 'options.lease_interval', 100]
    for key, value in options.items():
        params += [f'options.{key}', value]
    controller.configure(ConfigParams.from_tuples(*params))
    client = JobsDirectClientV1()
    refs = References.from_tuples(
        Descriptor('service-background-jobs', 'persistence', 'memory', 'default', '1.0'), persistence,
        Descriptor('service-background-jobs', 'controller', 'default', 'default', '1.0'), controller,
        Descriptor('service-background-jobs', 'client', 'direct', 'default', '1.0'), client)
    controller.set_references(refs)
    client.set_references(refs)
    if not persistence.is_open():
        persistence.open(None)
    controller.open(None)
    client.open(None)
    return controller, client
