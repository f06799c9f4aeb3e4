"""The groups cron runs need (group and its TOTP), cached for a moment: an LRU of at most
GROUP_CACHE_SIZE groups that holds only groups that exist."""
import threading
import time
from collections import OrderedDict
from typing import Tuple

import pyotp

from service_background.cron.persistence import ICronGroupsPersistence

GROUP_CACHE_S = 2.0        # another process may remove and re-register a group (new secret)
GROUP_CACHE_SIZE = 1024    # groups kept (LRU); unknown names are never cached


class GroupCache:

    def __init__(self, groups: ICronGroupsPersistence, size: int = GROUP_CACHE_SIZE):
        self._groups = groups
        self._size = size
        self._cache: 'OrderedDict[str, tuple]' = OrderedDict()  # name -> (expires, group, TOTP or None)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._cache)

    def __contains__(self, group_name: str) -> bool:
        return group_name in self._cache

    def get(self, group_name: str) -> Tuple:
        """(group, its TOTP or None); (None, None) for a name nobody registered (e.g. sent to the
        functions port by any caller), looked up each time and never stored."""
        clock = time.monotonic()
        with self._lock:
            cached = self._cache.get(group_name)
            if cached is not None and cached[0] >= clock:
                self._cache.move_to_end(group_name)
                return cached[1], cached[2]
        group = self._groups.get_group(None, group_name)
        if group is None:
            self.forget(group_name)
            return None, None
        totp = pyotp.TOTP(group.otp_secret) if group.otp_secret else None
        with self._lock:
            self._cache[group_name] = (clock + GROUP_CACHE_S, group, totp)
            self._cache.move_to_end(group_name)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return group, totp

    def forget(self, group_name: str):
        with self._lock:
            self._cache.pop(group_name, None)
