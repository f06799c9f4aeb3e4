"""Controller rules through the direct client, wired by references as the container does."""
import threading
import time

import pytest
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import BadRequestException, NotFoundException
from pip_services3_commons.refer import Descriptor

from service_background.retries.clients.version1 import RetriesDirectClientV1
from service_background.retries.logic import RetriesController
from service_background.retries.persistence import RetriesMemoryPersistence

from ..helpers import wire


def _wire(persistence, interval=0):
    controller = RetriesController()
    controller.configure(ConfigParams.from_tuples('options.interval', interval))
    persistence, controller, client = wire(
        Descriptor('service-background-retries', 'persistence', 'memory', 'default', '1.0'), persistence,
        Descriptor('service-background-retries', 'controller', 'default', 'default', '1.0'), controller,
        Descriptor('service-background-retries', 'client', 'direct', 'default', '1.0'), RetriesDirectClientV1())
    return controller, client


@pytest.fixture
def client():
    controller, client = _wire(RetriesMemoryPersistence())
    yield client
    controller.close(None)


def test_add_retry_and_read_it_back(client):
    retry = client.add_retry(None, 'mail', 'msg1', 5000)
    assert retry.attempt_count == 1
    assert (retry.expiration_time - retry.last_attempt_time).total_seconds() == 5
    assert client.add_retry(None, 'mail', 'msg1', 5000).attempt_count == 2
    assert client.get_retry_by_id(None, 'mail', 'msg1').attempt_count == 2
    assert client.get_group_names(None) == ['mail']


def test_add_retries_handles_every_id_and_comma_strings(client):
    result = client.add_retries(None, 'g', ['a', 'b', 'c'], 1000)
    assert [r.id for r in result] == ['a', 'b', 'c']
    result = client.add_retries(None, 'g', 'a, b', 1000)
    assert [(r.id, r.attempt_count) for r in result] == [('a', 2), ('b', 2)]
    assert [r.id for r in client.get_retry_by_ids(None, 'g', ['c', 'a'])] == ['c', 'a']


def test_default_ttl_applies_when_none_given(client):
    retry = client.add_retry(None, 'g', 'x')
    assert (retry.expiration_time - retry.last_attempt_time).total_seconds() == 3600


def test_unknown_retry_is_not_found(client):
    with pytest.raises(NotFoundException):
        client.get_retry_by_id(None, 'g', 'nope')
    with pytest.raises(NotFoundException):
        client.delete_retry(None, 'g', 'nope')


@pytest.mark.parametrize('group, ids, ttl', [('', ['a'], 1), (None, ['a'], 1), ('g', [], 1), ('g', [''], 1),
                                             ('g', ['a'], -1), ('g', [5], 1), ('g', ['a'], 'soon')])
def test_bad_input_is_bad_request(client, group, ids, ttl):
    with pytest.raises(BadRequestException):
        client.add_retries(None, group, ids, ttl)


def test_delete_retry_and_delete_expired(client):
    client.add_retry(None, 'g', 'short', 0)
    client.add_retry(None, 'g', 'long', 60000)
    client.add_retry(None, 'g', 'del', 60000)
    client.delete_retry(None, 'g', 'del')
    client.delete_expired(None)
    assert [r.id for r in client.get_retries(None).data] == ['long']


def test_cleaner_deletes_expired_and_survives_errors():
    class Flaky(RetriesMemoryPersistence):
        failures = 0

        def delete_expired(self, correlation_id, now):
            if Flaky.failures < 2:
                Flaky.failures += 1
                raise RuntimeError('disk on fire')
            return super().delete_expired(correlation_id, now)

    controller, client = _wire(Flaky(), interval=50)
    try:
        client.add_retry(None, 'g', 'soon', 100)
        client.add_retry(None, 'g', 'later', 60000)
        deadline = time.time() + 5
        while time.time() < deadline and len(client.get_retries(None).data) != 1:
            time.sleep(0.05)
        assert Flaky.failures == 2
        assert [r.id for r in client.get_retries(None).data] == ['later']
    finally:
        controller.close(None)
    assert not any(t.name == 'retries-cleaner' for t in threading.enumerate())
