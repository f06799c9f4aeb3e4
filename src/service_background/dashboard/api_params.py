"""The dashboard API's inputs checked before use: the job search and action bodies, the stuck view's
``within``, the job page's ``id`` and ``skip``, the queue page's ``type`` and the workflow page's ``id``;
anything else is a 400 ErrorDescription naming the field, never a 500."""
import math
from typing import Any, Dict, List, Tuple

from pip_services3_commons.errors import BadRequestException

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1

ACTIONS = ('retry', 'delete', 'requeue', 'cancel')
TEXT_FILTERS = ('type', 'ref_id', 'id', 'group_key')
DATE_FILTERS = ('created_from', 'created_to')
MAX_TEXT = 1000  # characters of a filter value or the search text
MAX_IDS = 1000  # jobs named by one action
MAX_SKIP = 1000000
MAX_WITHIN_S = 7 * 24 * 3600.0


def _bad(field: str, message: str) -> BadRequestException:
    return BadRequestException(None, 'BAD_' + field.upper(), f'{field} {message}').with_details('field', field)


def _only(body: Dict[str, Any], allowed: tuple, where: str):
    unknown = sorted(str(k) for k in body if k not in allowed)
    if unknown:
        raise BadRequestException(None, 'BAD_FIELD', f'{where}: unknown field(s) {", ".join(unknown)[:200]}') \
            .with_details('field', unknown[0][:100])


def _text(field: str, value: Any) -> str:
    if value is None:
        return ''
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise _bad(field, f'must be a string of at most {MAX_TEXT} characters')
    return value


def _integer(field: str, value: Any, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(field, f'must be an integer from {low} to {high}')
    return value


def job_filter(value: Any) -> Dict[str, str]:
    """The jobs view's filter: ``type``, ``status``, ``ref_id``, ``id``, ``group_key`` strings and ISO
    ``created_from`` / ``created_to``; empty values mean "any"."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad('filter', 'must be an object')
    _only(value, TEXT_FILTERS + DATE_FILTERS + ('status',), 'filter')
    result = {}
    for key in TEXT_FILTERS:
        text = _text(key, value.get(key))
        if text:
            result[key] = text
    status = _text('status', value.get('status'))
    if status:
        if status not in JobStatusV1.ALL:
            raise _bad('status', f'must be one of {", ".join(JobStatusV1.ALL)}')
        result['status'] = status
    for key in DATE_FILTERS:
        text = _text(key, value.get(key))
        if text.strip():
            try:
                clock.to_datetime(text)
            except BadRequestException:
                raise _bad(key, 'must be an ISO 8601 date') from None
            result[key] = text.strip()
    return result


def job_search(body: Dict[str, Any]) -> Dict[str, Any]:
    """``{filter, text, skip, take}`` of POST /ui/api/jobs."""
    _only(body, ('filter', 'text', 'skip', 'take'), 'body')
    return {'filter': job_filter(body.get('filter')), 'text': _text('text', body.get('text')).strip().lower(),
            'skip': _integer('skip', body.get('skip'), 0, 0, MAX_SKIP),
            'take': _integer('take', body.get('take'), 25, 1, 100)}


def job_action(body: Dict[str, Any]) -> Dict[str, Any]:
    """``{action, ids}`` or ``{action, all: true, filter, text}`` of POST /ui/api/jobs/action; ``reason``:
    a cancel's (optional)."""
    _only(body, ('action', 'ids', 'all', 'filter', 'text', 'reason'), 'body')
    action = body.get('action')
    if action not in ACTIONS:
        raise BadRequestException(None, 'BAD_ACTION', f'action must be one of {", ".join(ACTIONS)}') \
            .with_details('field', 'action')
    every = body.get('all')
    if every is not None and not isinstance(every, bool):
        raise _bad('all', 'must be a boolean')
    ids = body.get('ids')
    if ids is None:
        ids = []
    if not isinstance(ids, list) or len(ids) > MAX_IDS or \
            not all(isinstance(i, str) and 0 < len(i) <= MAX_TEXT for i in ids):
        raise _bad('ids', f'must be a list of at most {MAX_IDS} job ids (non-empty strings)')
    return {'action': action, 'all': bool(every), 'ids': _unique(ids), 'filter': job_filter(body.get('filter')),
            'text': _text('text', body.get('text')).strip().lower(), 'reason': _text('reason', body.get('reason'))}


def _unique(ids: List[str]) -> List[str]:
    return list(dict.fromkeys(ids))


def within_seconds(value: Any) -> float:
    """The stuck view's ``within`` query value: seconds from 0 to a week (30 when absent)."""
    if value is None or value == '':
        return 30.0
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not 0 <= seconds <= MAX_WITHIN_S:  # nan fails too
        raise _bad('within', f'must be a number of seconds from 0 to {MAX_WITHIN_S:g}')
    return seconds


def named(field: str, value: Any, what: str) -> str:
    """A query value naming ``what`` (a job, a workflow, a queue): a non-empty string."""
    value = _text(field, value)
    if not value:
        raise _bad(field, f'must name a {what}')
    return value


def job_page(job_id: Any, skip: Any) -> Tuple[str, int]:
    """The job page's query values: ``id`` (a job id) and ``skip`` (log lines already shown; 0 when absent)."""
    job_id = named('id', job_id, 'job')
    if skip is None or skip == '':
        return job_id, 0
    if not (skip.isascii() and skip.isdigit()) or len(skip) > len(str(MAX_SKIP)) or int(skip) > MAX_SKIP:
        raise _bad('skip', f'must be an integer from 0 to {MAX_SKIP}')
    return job_id, int(skip)
