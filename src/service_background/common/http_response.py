"""Successful responses of every service: typed results as JSON, 204 for no result."""
from typing import Any, Optional

import bottle

from .json_util import to_json


def send_json(result: Any, status: int = 200) -> Optional[str]:
    bottle.response.content_type = 'application/json'
    if result is None:
        bottle.response.status = 204
        return None
    bottle.response.status = status
    return to_json(result)
