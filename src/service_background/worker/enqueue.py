"""``enqueue(type, params)``: a producer's one line. One shared client per service URL and token, one
keep-alive connection per thread, one small request per job, only the new job's id decoded."""
import os
import threading
from typing import Any, Dict, Optional, Tuple

from pip_services3_commons.config import ConfigParams

from service_background.jobs.clients.version1.jobs_http_client_v1 import JobsHttpClientV1

_clients: Dict[Tuple[str, Optional[str]], JobsHttpClientV1] = {}
_lock = threading.Lock()


def _client(url: Optional[str], token: Optional[str]) -> JobsHttpClientV1:
    url = (url or os.environ.get('WORKER_URL') or 'http://127.0.0.1:8080').rstrip('/')
    token = token if token is not None else os.environ.get('WORKER_TOKEN') or None
    key = (url, token)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = JobsHttpClientV1()
                config = ConfigParams.from_tuples('connection.uri', url)
                if token:
                    config.set_as_object('credential.token', token)
                client.configure(config)
                client.open(None)
                _clients[key] = client
    return client


def enqueue(type: str, params: Any = None, *, url: Optional[str] = None, token: Optional[str] = None,
            **fields: Any) -> str:
    """Adds one job of ``type`` to the service at ``url`` (default $WORKER_URL, else
    http://127.0.0.1:8080) with ``token`` (default $WORKER_TOKEN); ``fields``: any other NewJobV1 field
    (priority, delay, timeout, max_retries, unique, ...). Returns the job's id; raises the service's
    refusal as its ApplicationException (e.g. BadRequestException), ConnectionException when unreachable."""
    return _client(url, token).enqueue(type, params, **fields)
