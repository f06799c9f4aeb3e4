"""CronFuncV1: a Lua function published under a group, called over HTTP."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class CronFuncV1(DataObjectV1):
    """A Lua function served at ``/<group_name>/<name>`` on the func port. With ``use_otp`` a caller
    passes ``otp_code``: the group's TOTP, or the function's own (``otp_secret``, made when
    ``disable_group_otp`` is set and shown once) instead."""

    _date_fields = frozenset({'created', 'updated'})

    def __init__(self, group_name: Optional[str] = None, name: Optional[str] = None, use_otp: bool = False,
                 disable_group_otp: bool = False, lua_body: str = '', memo: str = '', timeout: float = 0,
                 otp_secret: Optional[str] = None, created: Optional[datetime] = None,
                 updated: Optional[datetime] = None):
        self.group_name = group_name
        self.name = name
        self.use_otp = use_otp
        self.disable_group_otp = disable_group_otp
        self.lua_body = lua_body
        self.memo = memo
        self.timeout = timeout
        self.otp_secret = otp_secret
        self.created = created
        self.updated = updated

    @property
    def key(self) -> tuple:
        return self.group_name, self.name

    def public(self) -> 'CronFuncV1':
        result = self.clone()
        result.otp_secret = None
        return result
