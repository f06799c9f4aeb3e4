"""The request bodies the tasks HTTP clients (sync and async) send: written once for both."""
from typing import Any, Dict, List, Optional


def data_body(value: Any) -> Any:
    """A data object as a request's JSON; unset fields stay out, so the service applies its defaults."""
    if hasattr(value, 'to_json'):
        return {k: v for k, v in value.to_json().items() if v is not None}
    return value


def release_body(task_ids: List[str], status: str, lease_tokens: Optional[Dict[str, str]]) -> Dict[str, Any]:
    """What release_tasks (and the worker route ``release``) sends: ``lease_tokens`` only when given."""
    body: Dict[str, Any] = {'task_ids': task_ids, 'status': status}
    if lease_tokens:
        body['lease_tokens'] = lease_tokens
    return body
