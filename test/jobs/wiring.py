"""Builds a controller with a direct client over a given persistence, as the container would."""
import contextlib
import threading

from pip_services3_commons.config import ConfigParams
from pip_services3_commons.refer import Descriptor

from service_background.jobs.clients.version1 import JobsDirectClientV1
from service_background.jobs.logic import JobsController

from .. import helpers


def wire(persistence, **options):
    controller = JobsController()
    params = ['options.clean_interval', 0, 'options.lease_interval', 100]
    for key, value in options.items():
        params += [f'options.{key}', value]
    controller.configure(ConfigParams.from_tuples(*params))
    persistence, controller, client = helpers.wire(
        Descriptor('service-background-jobs', 'persistence', 'memory', 'default', '1.0'), persistence,
        Descriptor('service-background-jobs', 'controller', 'default', 'default', '1.0'), controller,
        Descriptor('service-background-jobs', 'client', 'direct', 'default', '1.0'), JobsDirectClientV1())
    return controller, client


def wire_feature(controller, persistence, kind: str, store, name: str, feature):
    """Wires a jobs feature (``limits``, ``pauses``) and its ``store`` to ``controller`` and its
    ``persistence``, as the container's descriptors would; returns the feature."""
    helpers.wire(Descriptor('service-background-jobs', f'persistence-{name}', kind, 'default', '1.0'), store,
                 Descriptor('service-background-jobs', 'persistence', kind, 'default', '1.0'), persistence,
                 Descriptor('service-background-jobs', 'controller', 'default', 'default', '1.0'), controller,
                 Descriptor('service-background-jobs', name, 'default', 'default', '1.0'), feature)
    return feature


@contextlib.contextmanager
def counting_takes(persistence):
    """The store's takes while the block runs: a list that grows by one per ``take`` or ``take_many`` call
    (one whose store makes it of the other is counted once)."""
    takes = []
    inside = threading.local()

    def counted(real):
        def call(*args, **kwargs):
            if getattr(inside, 'depth', 0) == 0:
                takes.append(1)
            inside.depth = getattr(inside, 'depth', 0) + 1
            try:
                return real(*args, **kwargs)
            finally:
                inside.depth -= 1
        return call
    persistence.take = counted(persistence.take)
    persistence.take_many = counted(persistence.take_many)
    try:
        yield takes
    finally:
        del persistence.take  # the class's own again
        del persistence.take_many
