from typing import Any, Optional

from service_background.common.data.data_object import DataObjectV1


class NewJobV1(DataObjectV1):
    """What a producer gives: ttl, delay, timeout and result_ttl are in ms (the REST face converts
    its seconds headers)."""

    def __init__(self, type: Optional[str] = None, ref_id: Optional[str] = None, params: Any = None,
                 ttl: Optional[int] = None, priority: Optional[int] = None, delay: Optional[int] = None,
                 timeout: Optional[int] = None, max_retries: Optional[int] = None,
                 callback_url: Optional[str] = None, result_ttl: Optional[int] = None,
                 unique: Optional[dict] = None, backoff: Optional[dict] = None, depends_on: Optional[list] = None,
                 idempotency_key: Optional[str] = None):
        self.type = type
        self.ref_id = ref_id
        self.params = params
        self.ttl = ttl
        self.priority = priority
        self.delay = delay
        self.timeout = timeout
        self.max_retries = max_retries
        self.callback_url = callback_url
        self.result_ttl = result_ttl
        self.unique = unique  # {key?, until: started | finished | ttl, ttl?}
        self.backoff = backoff  # {type: exponential | fixed, base_ms, max_ms, jitter}
        self.depends_on = depends_on  # [job_id, ...]: takeable once every parent is done
        # a retried add with the same key answers the first job (persistence/idempotency_keys.py)
        self.idempotency_key = idempotency_key
