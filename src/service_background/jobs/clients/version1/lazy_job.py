"""A JobV1 a client returns undecoded: its plain fields are set from the reply, its dates and rarer
fields parsed on first read, so a producer that drops add_job's answer (or a worker that never reads a
job's dates) pays for no full JobV1 decode."""
from typing import Any, Dict, Optional, Tuple, Union, overload

import msgspec

from service_background.jobs.data.version1 import JobV1


class _IdOnly(msgspec.Struct):
    id: Optional[str] = None


_decode_id = msgspec.json.Decoder(_IdOnly).decode
# fields that need no conversion: copied from the reply at once (dates and the sparse ones wait)
_PLAIN = ('id', 'type', 'params', 'priority', 'status', 'retries', 'max_retries')
_JOB_SLOTS: Tuple[str, ...] = JobV1.__slots__  # built by JobV1's field table


def job_id_of(raw: bytes) -> Optional[str]:
    """The ``id`` of a job reply, the other fields skipped unparsed."""
    return _decode_id(raw).id if raw else None


class LazyJobV1(JobV1):
    """Is a JobV1; the fields not set from the reply at once are filled the first time one is read."""
    __slots__ = ('_raw',)

    @classmethod
    def of(cls, raw: bytes) -> Optional['LazyJobV1']:
        """From a reply's bytes: nothing parsed until a field is read."""
        if not raw:
            return None
        job = cls.__new__(cls)
        job._raw = raw
        return job

    @overload
    @classmethod
    def of_dict(cls, data: None) -> None: ...

    @overload
    @classmethod
    def of_dict(cls, data: Dict[str, Any]) -> 'LazyJobV1': ...

    @classmethod
    def of_dict(cls, data: Optional[Dict[str, Any]]) -> Optional['LazyJobV1']:
        """From a parsed reply: the plain fields now, the dates and the rest when first read."""
        if data is None:
            return None
        job = cls.__new__(cls)
        job._raw = data
        get: Any = data.get  # the reply's values are untyped JSON
        job.id, job.type, job.params, job.priority, job.status = \
            get('id'), get('type'), get('params'), get('priority', 1), get('status')
        job.retries, job.max_retries = get('retries', 0), get('max_retries', 10)
        return job

    def peek(self, name: str) -> Any:
        """A field as the reply has it (a date as text), without decoding the job."""
        raw = object.__getattribute__(self, '_raw')
        if isinstance(raw, dict):
            return raw.get(name)
        return getattr(self, name)

    def __getattr__(self, name: str) -> Any:
        # called only for a slot not set yet: before the decode (or a field the reply lacks)
        raw = object.__getattribute__(self, '_raw')
        if raw is None:
            raise AttributeError(name)
        self._raw: Union[bytes, Dict[str, Any], None] = None  # the reply until the job is decoded
        data = raw if isinstance(raw, dict) else msgspec.json.decode(raw)
        decoded = JobV1.from_json(data)
        lease_token = data.get('lease_token')
        for slot in _JOB_SLOTS:
            try:
                setattr(self, slot, getattr(decoded, slot))
            except AttributeError:
                pass
        if lease_token is not None and self.lease_token is None:
            self.lease_token = lease_token
        return getattr(self, name)

    def _plain(self) -> JobV1:
        """This job as a plain JobV1 (data-object helpers see only JobV1's fields)."""
        self.sparse_values  # noqa: B018 - decodes on first use
        plain = JobV1.__new__(JobV1)
        for slot in _JOB_SLOTS:
            try:
                setattr(plain, slot, object.__getattribute__(self, slot))
            except AttributeError:
                pass
        return plain

    def to_json(self) -> dict:
        return self._plain().to_json()

    def clone(self) -> JobV1:  # type: ignore[override]  # a copy is a plain, decoded JobV1, not a LazyJobV1
        return self._plain().clone()

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, LazyJobV1):
            other = other._plain()
        return self._plain() == other

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as JobV1)
