"""The W3C Trace Context headers (``traceparent``, ``tracestate``) read into a job's ``trace_context``:
a malformed or oversized header is ignored, never an error (the job is added untraced)."""
import re
from typing import Optional

from service_background.common.http.request import current_request

# version-traceid-parentid-flags, lower-case hex; a later version may append fields after a '-'
_TRACEPARENT = re.compile(r'([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[\x21-\x7e]*)?')
_ZERO_TRACE, _ZERO_PARENT = '0' * 32, '0' * 16
# key=value; keys: simple or tenant@system; values: printable ASCII without ',' and '=', no trailing blank
_MEMBER = re.compile(r'(?:[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13}|[a-z][_0-9a-z\-*/]{0,255})'
                     r'=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]')
MAX_TRACEPARENT = 128  # what NewJobV1.trace_context accepts
MAX_TRACESTATE = 512  # W3C: vendors should pass on at least this much
_MAX_MEMBERS = 32


def parse_traceparent(value: Optional[str]) -> Optional[str]:
    """The header as sent (blanks around it cut) when it is a valid ``traceparent``, else None."""
    if not value or len(value) > MAX_TRACEPARENT + 8:
        return None
    value = value.strip(' \t')
    match = _TRACEPARENT.fullmatch(value) if len(value) <= MAX_TRACEPARENT else None
    if match is None:
        return None
    version, trace_id, parent_id, _flags, rest = match.groups()
    if version == 'ff' or (version == '00' and rest is not None) or trace_id == _ZERO_TRACE \
            or parent_id == _ZERO_PARENT:
        return None
    return value


def parse_tracestate(value: Optional[str]) -> Optional[str]:
    """The valid list-members of a ``tracestate``, in order, as many as fit in 512 characters (those at
    the end dropped first, as W3C allows); None when none is valid or any is malformed."""
    if not value or len(value) > 8 * MAX_TRACESTATE:
        return None
    members = [member.strip(' \t') for member in value.split(',')]
    members = [member for member in members if member]  # empty members are allowed and dropped
    if not members or len(members) > _MAX_MEMBERS or not all(_MEMBER.fullmatch(member) for member in members):
        return None
    kept, size = [], -1
    for member in members:
        size += len(member) + 1
        if size > MAX_TRACESTATE:
            break
        kept.append(member)
    return ','.join(kept) or None


def trace_context_of(traceparent: Optional[str], tracestate: Optional[str]) -> Optional[dict]:
    """``{traceparent, tracestate?}`` from the two headers' values; None without a valid traceparent."""
    parent = parse_traceparent(traceparent)
    if parent is None:
        return None
    state = parse_tracestate(tracestate)
    return {'traceparent': parent, 'tracestate': state} if state else {'traceparent': parent}


def request_trace_context() -> Optional[dict]:
    """The trace context the request being served carries in its headers, if any."""
    request = current_request()
    return trace_context_of(request.header('traceparent'), request.header('tracestate'))
