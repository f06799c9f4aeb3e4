"""MongoDB persistence base: pip-services3-mongodb's ``MongoDbPersistence`` with what it gets wrong fixed
on the process's one ``MongoDbConnection`` (common/persistence/mongodb_connection.py).

From the library we keep the component contract: the ``connection`` dependency
(``*:connection:mongodb:*:1.0``, resolved by its DependencyResolver in ``set_references``),
``configure`` (``collection``, ``options.max_page_size``) and a local connection made from this
component's own ``connection.*`` settings when no shared one is referenced (tests, a persistence used
alone). Overridden here, and why:
- ``open``/``close``: the library's ``close`` closes the *shared* pymongo client (``self._client.close()``)
  even when the connection is not its own, which would break every other persistence of the process;
  its local connection is the unfixed library class (pymongo 4 rejects its options, no timeouts).
- conversions: the library turns documents into anonymous *classes* (``type('object', ...)``) and
  ignores a client-given ``id`` on ``create``; we keep typed ``...V1`` objects and ``id`` ↔ ``_id``.
- ``IdentifiableMongoDbPersistence`` is not used: its ``get_one_by_id``/``update``/``set`` build on the
  same conversions, its ``sort=`` acts as a filter and ``select=`` raises; the domains need composite
  ``_id``s (group/id) and guarded ``find_one_and_update`` claims it does not offer.

Every date field is stored twice: as a BSON date (what users see) and as epoch ms in ``<field>_ms``,
which range queries and sorts use (nx-27017 compares dates in ranges to the whole second and turns a
date written by ``$set`` into a string; on a real MongoDB the twins are merely redundant). The twins
are kept by ``self._collection``, a ``TwinCollection``: every insert, replace, ``$set``,
``$setOnInsert``, ``$unset`` and bulk write that names a date field gets its twin in the same write,
so no domain path can leave one stale (test/common/test_mongodb_twins.py checks the documents).

A call the database does not answer within the connection's timeouts raises
``DatabaseUnavailableException`` (503 ``DATABASE_UNAVAILABLE``) and marks the connection down for
/status; the next answered call marks it up again."""
from datetime import datetime
from typing import Any, Dict, FrozenSet, List, Optional

import pymongo
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.data import DataPage, IdGenerator, PagingParams
from pip_services3_commons.errors import ConnectionException, InvalidStateException
from pip_services3_commons.refer import IReferences
from pip_services3_mongodb.persistence import MongoDbPersistence as _LibraryMongoDbPersistence
from pymongo import InsertOne, ReplaceOne, ReturnDocument, UpdateMany, UpdateOne

from service_background.common.data import clock
from service_background.common.persistence.memory_persistence import MAX_PAGE_SIZE
from service_background.common.persistence.mongodb_connection import (
    DEFAULT_DATABASE,
    UNAVAILABLE_ERRORS,
    DatabaseUnavailableException,
    MongoDbConnection,
    report,
    unavailable,
)

__all__ = ['MongoDbPersistence', 'TwinCollection', 'date_ms', 'with_twins', 'DEFAULT_DATABASE',
           'DatabaseUnavailableException']


def date_ms(value: Optional[datetime]) -> Optional[int]:
    """The ``<field>_ms`` value stored beside a date."""
    return clock.to_epoch_ms(value) if value is not None else None


def with_twins(fields: Optional[dict], date_fields: FrozenSet[str]) -> Optional[dict]:
    """``fields`` plus ``<name>_ms`` for every top-level date in it (a datetime value, or None for a
    known date field). Returns the same dict when nothing is to add."""
    if not fields:
        return fields
    twins = {}
    for name, value in fields.items():
        if isinstance(value, datetime):
            twins[name + '_ms'] = clock.to_epoch_ms(value)
        elif value is None and name in date_fields:
            twins[name + '_ms'] = None
    if not twins:
        return fields
    result = dict(fields)
    result.update(twins)
    return result


def _update_with_twins(update: Any, date_fields: FrozenSet[str]) -> Any:
    if not isinstance(update, dict):
        return update  # an aggregation pipeline: not used by the domains
    result = None
    for operator in ('$set', '$setOnInsert'):
        fields = update.get(operator)
        twinned = with_twins(fields, date_fields) if isinstance(fields, dict) else fields
        if twinned is not fields:
            result = result if result is not None else dict(update)
            result[operator] = twinned
    unset = update.get('$unset')
    if isinstance(unset, dict):
        extra = {name + '_ms': '' for name in unset if name in date_fields and name + '_ms' not in unset}
        if extra:
            result = result if result is not None else dict(update)
            result['$unset'] = dict(unset, **extra)
    return result if result is not None else update


class TwinCollection:
    """A pymongo Collection that adds the date twins to every write and turns "the database did not
    answer" into DatabaseUnavailableException. Everything else is the collection's own."""

    _WRITES = frozenset(('insert_one', 'insert_many', 'replace_one', 'update_one', 'update_many',
                         'find_one_and_update', 'find_one_and_replace', 'bulk_write'))

    def __init__(self, collection, date_fields: FrozenSet[str], connection: Any = None):
        self._collection = collection
        self._date_fields = frozenset(date_fields)
        self._connection = connection

    @property
    def raw(self):
        return self._collection

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        if not callable(attribute) or name.startswith('_') or name in ('database', 'name', 'full_name'):
            return attribute

        def call(*args, **kwargs):
            try:
                result = attribute(*args, **kwargs)
            except UNAVAILABLE_ERRORS as ex:
                report(self._connection, ex)
                raise unavailable(ex) from ex
            report(self._connection)
            return result
        return call

    def _call(self, name: str, *args, **kwargs):
        return self.__getattr__(name)(*args, **kwargs)

    def _doc(self, doc: Any) -> Any:
        return with_twins(doc, self._date_fields) if isinstance(doc, dict) else doc

    def insert_one(self, document, *args, **kwargs):
        return self._call('insert_one', self._doc(document), *args, **kwargs)

    def insert_many(self, documents, *args, **kwargs):
        return self._call('insert_many', [self._doc(d) for d in documents], *args, **kwargs)

    def replace_one(self, filter, replacement, *args, **kwargs):
        return self._call('replace_one', filter, self._doc(replacement), *args, **kwargs)

    def find_one_and_replace(self, filter, replacement, *args, **kwargs):
        return self._call('find_one_and_replace', filter, self._doc(replacement), *args, **kwargs)

    def update_one(self, filter, update, *args, **kwargs):
        return self._call('update_one', filter, _update_with_twins(update, self._date_fields), *args, **kwargs)

    def update_many(self, filter, update, *args, **kwargs):
        return self._call('update_many', filter, _update_with_twins(update, self._date_fields), *args, **kwargs)

    def find_one_and_update(self, filter, update, *args, **kwargs):
        return self._call('find_one_and_update', filter, _update_with_twins(update, self._date_fields),
                          *args, **kwargs)

    def bulk_write(self, requests, *args, **kwargs):
        fixed = []
        for request in requests:
            if isinstance(request, (UpdateOne, UpdateMany)):
                request._doc = _update_with_twins(request._doc, self._date_fields)
            elif isinstance(request, (ReplaceOne, InsertOne)):
                request._doc = self._doc(request._doc)
            fixed.append(request)
        return self._call('bulk_write', fixed, *args, **kwargs)

    def __getitem__(self, name: str):
        return self._collection[name]


class MongoDbPersistence(_LibraryMongoDbPersistence):
    blocking = True  # every call is a network round trip

    def __init__(self, collection_name: str, data_class: type):
        super().__init__(collection_name)
        self._data_class = data_class
        self._config = ConfigParams()
        self._own_connection = False
        self._opened = False
        self._max_page_size = MAX_PAGE_SIZE

    @property
    def collection(self) -> Optional[TwinCollection]:
        """The open collection (None while closed), for a store's companions that keep their own documents beside it."""
        return self._collection

    # --- lifecycle ----------------------------------------------------------------------------
    def configure(self, config: ConfigParams):
        super().configure(config)
        self._config = config
        self._max_page_size = min(self._max_page_size, MAX_PAGE_SIZE)

    def set_references(self, references: IReferences):
        self._logger.set_references(references)
        self._dependency_resolver.set_references(references)
        self._connection = self._dependency_resolver.get_one_optional('connection')
        self._own_connection = False

    def unset_references(self):
        if not self._opened:
            self._connection = None

    def is_open(self) -> bool:
        return self._opened

    def _local_connection(self) -> MongoDbConnection:
        connection = MongoDbConnection()
        connection.configure(self._config)
        return connection

    def open(self, correlation_id: Optional[str]):
        if self._opened:
            return
        if self._connection is None:
            self._connection = self._local_connection()
            self._own_connection = True
        if self._own_connection:
            self._connection.open(correlation_id)
        if not self._connection.is_open():
            raise InvalidStateException(correlation_id, 'NO_CONNECTION',
                                        'The MongoDB connection must be opened before its persistences')
        self._client = self._connection.get_connection()
        self._db = self._connection.get_database()
        self._database_name = self._connection.get_database_name()
        self._collection = TwinCollection(self._db.get_collection(self._collection_name),
                                          self._data_class.date_fields(), self._connection)
        try:
            with pymongo.timeout(600):  # building an index on a large collection may take a while
                self._define_indexes()
        except DatabaseUnavailableException as ex:
            raise ConnectionException(correlation_id, 'CONNECT_FAILED',
                                      f'Cannot prepare collection {self._collection_name}').with_cause(ex)
        self._opened = True
        self._logger.debug(correlation_id, f'Connected to MongoDB collection {self._collection_name}')

    def close(self, correlation_id: Optional[str]):
        # Never closes a shared client (the library's close does): only a connection of its own.
        if self._own_connection and self._connection is not None:
            self._connection.close(correlation_id)
            self._connection = None
            self._own_connection = False
        self._client = None
        self._db = None
        self._collection = None
        self._opened = False

    def clear(self, correlation_id: Optional[str]):
        self._collection.delete_many({})

    def _define_indexes(self):
        """Override to create the indexes the domain's queries need."""

    # --- conversion -----------------------------------------------------------------------------
    def _doc_id(self, item: Any) -> Any:
        return item.id

    def _to_doc(self, item: Any) -> Dict[str, Any]:
        doc = item.to_dict()
        doc['_id'] = self._doc_id(item)
        for name in self._data_class.date_fields():
            doc[name + '_ms'] = date_ms(doc.get(name))
        return doc

    def _from_doc(self, doc: Optional[dict]) -> Optional[Any]:
        if doc is None:
            return None
        doc = dict(doc)
        _id = doc.pop('_id')
        doc.setdefault('id', _id)
        return self._data_class.from_json(doc)

    def _convert_to_public(self, value: Any) -> Any:
        return self._from_doc(value)

    def _convert_from_public(self, value: Any) -> Any:
        return self._to_doc(self._with_id(value))

    # --- reads ----------------------------------------------------------------------------------
    def _docs(self, cursor) -> List[Any]:
        """Reads a cursor to the end; a database that stops answering mid-way is a 503 too."""
        try:
            return [self._from_doc(d) for d in cursor]
        except UNAVAILABLE_ERRORS as ex:
            report(self._connection, ex)
            raise unavailable(ex) from ex

    def get_one_by_id(self, correlation_id: Optional[str], id: Any) -> Optional[Any]:
        return self._from_doc(self._collection.find_one({'_id': id}))

    def get_list_by_ids(self, correlation_id: Optional[str], ids: List[Any]) -> List[Any]:
        return self._docs(self._collection.find({'_id': {'$in': list(ids)}})) if ids else []

    def get_list_by_filter(self, correlation_id: Optional[str], filter: Optional[dict] = None,
                           sort: Optional[List] = None) -> List[Any]:
        cursor = self._collection.find(filter or {})
        if sort:
            cursor = cursor.sort(sort)
        return self._docs(cursor)

    def get_count_by_filter(self, correlation_id: Optional[str], filter: Optional[dict] = None) -> int:
        return self._collection.count_documents(filter or {})

    def get_page_by_filter(self, correlation_id: Optional[str], filter: Optional[dict],
                           paging: Optional[PagingParams], sort: Optional[List] = None) -> DataPage:
        paging = paging if paging is not None else PagingParams()
        skip = paging.get_skip(0)
        take = paging.get_take(self._max_page_size)
        cursor = self._collection.find(filter or {})
        if sort:
            cursor = cursor.sort(sort)
        items = self._docs(cursor.skip(skip).limit(take))
        total = self._collection.count_documents(filter or {}) if paging.total else None
        return DataPage(items, total)

    def get_one_random(self, correlation_id: Optional[str], filter: Any) -> Optional[Any]:
        docs = list(self._collection.aggregate([{'$match': filter or {}}, {'$sample': {'size': 1}}]))
        return self._from_doc(docs[0]) if docs else None

    # --- writes ---------------------------------------------------------------------------------
    def _with_id(self, item: Any) -> Any:
        """A typed copy; an ``id`` is generated only for classes that have one (others key by _doc_id)."""
        item = self._data_class.from_json(item) if isinstance(item, dict) else item.clone()
        if 'id' in self._data_class.field_names() and getattr(item, 'id', None) is None:
            item.id = IdGenerator.next_long()
        return item

    def create(self, correlation_id: Optional[str], item: Any) -> Any:
        item = self._with_id(item)
        self._collection.insert_one(self._to_doc(item))
        return item

    def create_many(self, correlation_id: Optional[str], items: List[Any]) -> List[Any]:
        """Stores every item with one insert_many (ordered: a failure stops at that item)."""
        items = [self._with_id(item) for item in items]
        if items:
            self._collection.insert_many([self._to_doc(item) for item in items], ordered=True)
        return items

    def set(self, correlation_id: Optional[str], item: Any) -> Any:
        item = self._with_id(item)
        self._collection.replace_one({'_id': self._doc_id(item)}, self._to_doc(item), upsert=True)
        return item

    def update(self, correlation_id: Optional[str], item: Any) -> Optional[Any]:
        item = self._data_class.from_json(item) if isinstance(item, dict) else item.clone()
        result = self._collection.replace_one({'_id': self._doc_id(item)}, self._to_doc(item))
        return item if result.matched_count else None

    def find_one_and_update(self, correlation_id: Optional[str], filter: dict, update: dict,
                            sort: Optional[List] = None, upsert: bool = False) -> Optional[Any]:
        """The atomic claim/increment step: returns the item as it is after the update."""
        doc = self._collection.find_one_and_update(filter, update, sort=sort, upsert=upsert,
                                                   return_document=ReturnDocument.AFTER)
        return self._from_doc(doc)

    def delete_by_id(self, correlation_id: Optional[str], id: Any) -> Optional[Any]:
        return self._from_doc(self._collection.find_one_and_delete({'_id': id}))

    def delete_by_filter(self, correlation_id: Optional[str], filter: dict) -> int:
        return self._collection.delete_many(filter).deleted_count
