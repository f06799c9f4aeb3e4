"""The get_jobs filter of the commands API, read once into (field, operator, value) conditions that the
memory predicate and the MongoDB query are both built from."""
import operator
from typing import Any, Callable, Dict, List, Tuple

from pip_services3_commons.data import FilterParams

from service_background.common.data import clock

Condition = Tuple[str, str, Any]

_TEXT = ('id', 'type', 'ref_id', 'status', 'batch_id', 'group_key')
# field -> (exact key, from key, to key)
_DATES = {'created': ('created', 'created_from', 'created_to'),
          'started': ('started', 'started_from', 'started_to'),
          'locked_until': ('locked_until', 'locked_from', 'locked_to'),
          'execute_until': ('execute_until', 'execute_from', 'execute_to'),
          'completed': ('completed', 'completed_from', 'completed_to')}
_OPERATORS = {'$eq': operator.eq, '$gte': operator.ge, '$lt': operator.lt, '$lte': operator.le}


def parse_filter(filter: FilterParams) -> List[Condition]:
    """``_from`` is inclusive, ``_to`` exclusive; ``min_retries`` keeps jobs with retries <= it, as the
    commands API defines it (despite its name). ``queue`` is accepted as the queue API's name for ``type``."""
    filter = filter if filter is not None else FilterParams()
    result: List[Condition] = []
    for key in _TEXT:
        value = filter.get_as_nullable_string(key)
        if value is not None:
            result.append((key, '$eq', value))
    queue = filter.get_as_nullable_string('queue')
    if queue is not None:
        result.append(('type', '$eq', queue))
    for field, (exact, start, end) in _DATES.items():
        for key, op in ((exact, '$eq'), (start, '$gte'), (end, '$lt')):
            value = clock.to_datetime(filter.get(key))
            if value is not None:
                result.append((field, op, value))
    for key, op in (('retries', '$eq'), ('min_retries', '$lte')):
        if filter.get(key) is not None:
            value = filter.get_as_nullable_integer(key)
            if value is None:
                raise ValueError(f'{key} must be an integer')
            result.append(('retries', op, value))
    return result


def to_predicate(conditions: List[Condition]) -> Callable[[Any], bool]:
    checks = [(field, _OPERATORS[op], value) for field, op, value in conditions]

    def predicate(item) -> bool:
        for field, compare, value in checks:
            actual = getattr(item, field)
            if actual is None or not compare(actual, value):
                return False
        return True
    return predicate


def to_query(conditions: List[Condition]) -> Dict[str, Any]:
    query: Dict[str, Dict[str, Any]] = {}
    for field, op, value in conditions:
        query.setdefault('_id' if field == 'id' else field, {})[op] = value
    return query
