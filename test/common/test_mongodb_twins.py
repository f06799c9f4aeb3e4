"""The ``<field>_ms`` twins of dates on MongoDB are kept by the base class on every write path: after
the domains' own ``$set`` paths (cron claim_run, node heartbeat, dispatch take, job take and extend,
retry increments, replaces), every twin in every document equals its date. A twin left stale fails."""
import datetime

import pymongo
import pytest

from service_background.common.data import clock
from service_background.common.persistence.mongodb_persistence import TwinCollection, with_twins
from service_background.cron.data.version1 import CronDispatchV1, CronJobV1, CronNodeV1
from service_background.cron.persistence import (
    CronDispatchesMongoDbPersistence,
    CronJobsMongoDbPersistence,
    CronNodesMongoDbPersistence,
)
from service_background.jobs.persistence import JobsMongoDbPersistence
from service_background.retries.persistence import RetriesMongoDbPersistence

from ..helpers import make_persistence


def _ms(value):
    if value is None:
        return None
    if isinstance(value, str):  # nx-27017 keeps a date written by $set as a string
        value = clock.to_datetime(value)
    return clock.to_epoch_ms(value)


def stale_twins(collection) -> list:
    stale = []
    for doc in collection.find({}):
        for name, twin in doc.items():
            if name.endswith('_ms') and name[:-3] in doc:
                if twin != _ms(doc[name[:-3]]):
                    stale.append((doc['_id'], name, twin, doc[name[:-3]]))
        date_names = [n for n, v in doc.items() if isinstance(v, datetime.datetime)]
        stale += [(doc['_id'], n + '_ms', 'missing', doc[n]) for n in date_names if n + '_ms' not in doc]
    return stale


@pytest.fixture
def stores(tmp_path, mongo_uri):
    opened = []

    def open_one(cls, name):
        store = make_persistence('mongodb', {'mongodb': cls}, tmp_path, mongo_uri, name)
        opened.append(store)
        return store
    yield open_one
    for store in opened:
        store.close(None)


def test_every_write_path_keeps_the_twins(stores):
    now = clock.now()
    later = clock.add_ms(now, 60_000)
    cron_jobs = stores(CronJobsMongoDbPersistence, 'cron_jobs')
    cron_jobs.create_job(None, CronJobV1(group_name='g', job_id='j', next_run=now, created=now, updated=now))
    assert cron_jobs.claim_run(None, 'g', 'j', now, later, now) is not None  # a $set without updated
    cron_jobs.update_job(None, 'g', 'j', {'last_run': later, 'updated': later})

    nodes = stores(CronNodesMongoDbPersistence, 'cron_nodes')
    nodes.set_node(None, CronNodeV1(group_name='g', node_id='n', registered=now, last_heartbeat=now))
    nodes.update_node(None, 'g', 'n', {'last_heartbeat': later})  # the heartbeat

    dispatches = stores(CronDispatchesMongoDbPersistence, 'cron_dispatches')
    dispatches.create_dispatch(None, CronDispatchV1(group_name='g', node_id='n', job_id='j', created=now,
                                                    take_until=later, planned_time=now))
    assert dispatches.take_next(None, 'g', 'n', now, 1000) is not None  # sets taken

    jobs = stores(JobsMongoDbPersistence, 'jobs')
    job = jobs.create(None, {'type': 'x', 'created': now, 'not_before': now, 'status': 'queued', 'priority': 1,
                             'retries': 0, 'max_retries': 5, 'timeout': 1000})
    taken = jobs.take(None, 'x', now, 30_000, 30_000)
    assert taken is not None and taken.id == job.id

    retries = stores(RetriesMongoDbPersistence, 'retries')
    retries.add_attempt(None, 'g', 'r', now, later)
    retries.add_attempt(None, 'g', 'r', later, clock.add_ms(later, 1000))

    for store in (cron_jobs, nodes, dispatches, jobs, retries):
        collection = store._collection.raw
        assert collection.count_documents({}) > 0
        assert stale_twins(collection) == [], store._collection_name


def test_the_check_catches_a_stale_twin(stores):
    """A $set that bypasses the base (the raw collection) leaves a stale twin: the check must see it."""
    nodes = stores(CronNodesMongoDbPersistence, 'cron_nodes')
    now = clock.now()
    nodes.set_node(None, CronNodeV1(group_name='g', node_id='n', registered=now, last_heartbeat=now))
    nodes._collection.raw.update_one({'_id': 'g/n'}, {'$set': {'last_heartbeat': clock.add_ms(now, 5000)}})
    assert [s[1] for s in stale_twins(nodes._collection.raw)] == ['last_heartbeat_ms']


def test_twins_for_set_unset_and_bulk_writes():
    now = clock.now()
    assert with_twins({'a': now, 'n': 1}, frozenset())['a_ms'] == clock.to_epoch_ms(now)
    assert with_twins({'finished': None}, frozenset({'finished'})) == {'finished': None, 'finished_ms': None}

    class Recorder:
        def __init__(self):
            self.calls = []

        def __getattr__(self, name):
            return lambda *args, **kwargs: self.calls.append((name, args))
    raw = Recorder()
    collection = TwinCollection(raw, frozenset({'taken', 'finished'}))
    collection.update_one({'_id': 1}, {'$set': {'taken': now}, '$unset': {'finished': ''}})
    collection.bulk_write([pymongo.UpdateOne({'_id': 1}, {'$set': {'taken': now}}),
                           pymongo.ReplaceOne({'_id': 2}, {'taken': now})])
    update = raw.calls[0][1][1]
    assert update['$set']['taken_ms'] == clock.to_epoch_ms(now)
    assert update['$unset'] == {'finished': '', 'finished_ms': ''}
    ops = raw.calls[1][1][0]
    assert ops[0]._doc['$set']['taken_ms'] == clock.to_epoch_ms(now)
    assert ops[1]._doc['taken_ms'] == clock.to_epoch_ms(now)
