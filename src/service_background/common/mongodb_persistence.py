"""MongoDB persistence base on plain pymongo, fixing what pip-services3-mongodb gets wrong (SPEC.md):
client ids are kept, ``id`` maps to ``_id``, dates stay BSON dates, a URI without a database works,
and no connection option that pymongo 4 rejects is passed.

Every date field is stored twice: as a BSON date (what users see) and as epoch ms in ``<field>_ms``,
which range queries and sorts should use: nx-27017 compares dates in ranges to the whole second."""
from datetime import datetime
from typing import Any, Dict, List, Optional

import pymongo
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.data import DataPage, IdGenerator, PagingParams
from pip_services3_commons.errors import ConnectionException
from pip_services3_commons.refer import IReferenceable, IReferences
from pip_services3_commons.run import ICleanable, IOpenable
from pip_services3_components.log import CompositeLogger
from pymongo import ReturnDocument

from . import time as t
from .memory_persistence import MAX_PAGE_SIZE

DEFAULT_DATABASE = 'service_background'


def date_ms(value: Optional[datetime]) -> Optional[int]:
    """The ``<field>_ms`` value stored beside a date."""
    return t.to_epoch_ms(value) if value is not None else None


class MongoDbPersistence(IConfigurable, IReferenceable, IOpenable, ICleanable):
    blocking = True  # every call is a network round trip

    def __init__(self, collection_name: str, data_class: type):
        self._collection_name = collection_name
        self._data_class = data_class
        self._logger = CompositeLogger()
        self._uri: Optional[str] = None
        self._database_name = DEFAULT_DATABASE
        self._timeout_ms = 10000
        self._client: Optional[pymongo.MongoClient] = None
        self._collection = None

    def configure(self, config: ConfigParams):
        self._collection_name = config.get_as_string_with_default('collection', self._collection_name)
        uri = config.get_as_nullable_string('connection.uri')
        host = config.get_as_string_with_default('connection.host', 'localhost')
        port = config.get_as_integer_with_default('connection.port', 27017)
        self._uri = uri if uri else f'mongodb://{host}:{port}'
        self._database_name = (config.get_as_nullable_string('connection.database')
                               or config.get_as_nullable_string('connection.db') or self._database_name)
        self._timeout_ms = config.get_as_integer_with_default('options.connect_timeout', self._timeout_ms)

    def set_references(self, references: IReferences):
        self._logger.set_references(references)

    def is_open(self) -> bool:
        return self._collection is not None

    def open(self, correlation_id: Optional[str]):
        if self._collection is not None:
            return
        try:
            client = pymongo.MongoClient(self._uri, tz_aware=True, serverSelectionTimeoutMS=self._timeout_ms)
            client.admin.command('ping')
        except Exception as ex:
            raise ConnectionException(correlation_id, 'CONNECT_FAILED',
                                      f'Cannot connect to MongoDB at {self._uri}').wrap(ex)
        self._client = client
        database = client.get_default_database(default=self._database_name)
        self._collection = database[self._collection_name]
        self._define_indexes()
        self._logger.debug(correlation_id, f'Connected to MongoDB collection {self._collection_name}')

    def close(self, correlation_id: Optional[str]):
        if self._client is not None:
            self._client.close()
        self._client = None
        self._collection = None

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
        for name in self._data_class._date_fields:
            doc[name + '_ms'] = date_ms(doc.get(name))
        return doc

    def _from_doc(self, doc: Optional[dict]) -> Optional[Any]:
        if doc is None:
            return None
        doc = dict(doc)
        _id = doc.pop('_id')
        doc.setdefault('id', _id)
        return self._data_class.from_json(doc)

    # --- reads ----------------------------------------------------------------------------------
    def get_one_by_id(self, correlation_id: Optional[str], id: Any) -> Optional[Any]:
        return self._from_doc(self._collection.find_one({'_id': id}))

    def get_list_by_filter(self, correlation_id: Optional[str], filter: Optional[dict] = None,
                           sort: Optional[List] = None) -> List[Any]:
        cursor = self._collection.find(filter or {})
        if sort:
            cursor = cursor.sort(sort)
        return [self._from_doc(d) for d in cursor]

    def get_count_by_filter(self, correlation_id: Optional[str], filter: Optional[dict] = None) -> int:
        return self._collection.count_documents(filter or {})

    def get_page_by_filter(self, correlation_id: Optional[str], filter: Optional[dict],
                           paging: Optional[PagingParams], sort: Optional[List] = None) -> DataPage:
        paging = paging if paging is not None else PagingParams()
        skip = paging.get_skip(0)
        take = paging.get_take(MAX_PAGE_SIZE)
        cursor = self._collection.find(filter or {})
        if sort:
            cursor = cursor.sort(sort)
        items = [self._from_doc(d) for d in cursor.skip(skip).limit(take)]
        total = self._collection.count_documents(filter or {}) if paging.total else None
        return DataPage(items, total)

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
