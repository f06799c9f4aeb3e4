"""Published Lua functions (``/v1/add/func``): their rules, storage, and the call the func endpoint
makes: OTP check, then the sandboxed runtime with the request (method, headers, body, query)."""
import json
from typing import Callable, List, Optional, Tuple

import pyotp
from pip_services3_commons.errors import (
    ApplicationException,
    BadRequestException,
    ErrorCategory,
    NotFoundException,
    UnauthorizedException,
)

from service_background.common.data import clock
from service_background.common.security.attempt_limiter import AttemptLimiter, request_source
from service_background.cron.data.version1 import CronFuncV1, CronGroupV1
from service_background.cron.logic import job_rules as rules
from service_background.cron.lua_runtime import LuaRequestContext, LuaRuntime
from service_background.cron.persistence import ICronFuncsPersistence

MAX_FUNC_TIMEOUT = 300


def _flag(correlation_id: Optional[str], data: dict, field: str) -> bool:
    value = data.get(field, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadRequestException(correlation_id, 'BAD_' + field.upper(), f'{field}: must be true or false') \
            .with_details('field', field)
    return value


def _status(status: int, code: str, message: str) -> ApplicationException:
    error = ApplicationException(ErrorCategory.Unknown, None, code, message)
    error.status = status
    return error


class CronFuncs:

    def __init__(self, funcs: ICronFuncsPersistence, runtime: LuaRuntime, default_timeout_s: float = 30,
                 attempts: Optional[AttemptLimiter] = None):
        self._attempts = attempts or AttemptLimiter(10, 60.0)
        self._funcs = funcs
        self._runtime = runtime
        self._default_timeout_s = default_timeout_s

    def check(self, correlation_id: Optional[str], group_name: str, data: dict) -> CronFuncV1:
        """A valid function from an add/func body or a dump record (400 naming the field otherwise)."""
        name = rules.check_name_rule(correlation_id, 'name', data.get('name'))
        body = rules.check_text(correlation_id, 'lua_body', data.get('lua_body'), rules.MAX_COMMAND, required=True)
        error = self._runtime.check_syntax(body)
        if error is not None:
            raise BadRequestException(correlation_id, 'BAD_LUA_BODY', f'lua_body: {error}') \
                .with_details('field', 'lua_body')
        memo = data.get('memo', data.get('momo'))  # the original API's example spells it "momo"
        timeout = data.get('timeout') or 0
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= MAX_FUNC_TIMEOUT:
            raise BadRequestException(correlation_id, 'BAD_TIMEOUT', f'timeout: seconds from 0 (default) to '
                                      f'{MAX_FUNC_TIMEOUT}').with_details('field', 'timeout')
        secret = data.get('otp_secret')
        if secret is not None:
            try:
                pyotp.TOTP(secret).now()
            except Exception:
                raise BadRequestException(correlation_id, 'BAD_OTP_SECRET', f'func {name}: bad otp_secret')
        return CronFuncV1(group_name=group_name, name=name, use_otp=_flag(correlation_id, data, 'use_otp'),
                          disable_group_otp=_flag(correlation_id, data, 'disable_group_otp'), lua_body=body,
                          memo=rules.check_text(correlation_id, 'memo', memo, 4096), timeout=timeout,
                          otp_secret=secret)

    def add(self, correlation_id: Optional[str], group_name: str, data: dict) -> CronFuncV1:
        """Creates or replaces the function. A guarded function (use_otp) has a TOTP secret of its
        own, never the group's (whose codes every HTTP@ target sees): it is made, and returned only
        then, when use_otp is first set; a replace keeps the one it has. ``disable_group_otp`` is
        accepted for compatibility: the group's codes never open a function."""
        func = self.check(correlation_id, group_name, dict(data, otp_secret=None))
        old = self._funcs.get_func(correlation_id, group_name, func.name)
        now = clock.now()
        func.created, func.updated = (old.created if old else now), now
        func.otp_secret = old.otp_secret if old is not None else None
        fresh = func.use_otp and not func.otp_secret
        if fresh:
            func.otp_secret = pyotp.random_base32()
        stored = self._funcs.set_func(correlation_id, func)
        return stored if fresh else stored.public()

    def get_funcs(self, correlation_id: Optional[str], group_name: str) -> List[CronFuncV1]:
        return [f.public() for f in self._funcs.get_funcs(correlation_id, group_name)]

    def remove(self, correlation_id: Optional[str], group_name: str, name: str) -> CronFuncV1:
        rules.check_name_rule(correlation_id, 'name', name)
        func = self._funcs.delete_func(correlation_id, group_name, name)
        if func is None:
            raise NotFoundException(correlation_id, 'FUNC_NOT_FOUND', f'No func {name} in group {group_name}')
        return func.public()

    def call(self, group_name: str, name: str, find_group: Callable[[str], Optional[CronGroupV1]],
             context: LuaRequestContext, otp_code: Optional[str]) -> Tuple[str, str]:
        """(body, content type) of a call; raises 404 / 401 / 500 (Lua error) / 504 (timeout)."""
        group = find_group(group_name) if rules.NAME_RULE.fullmatch(group_name or '') else None
        func = self._funcs.get_func(None, group_name, name) if group is not None else None
        if func is None:
            raise NotFoundException(None, 'FUNC_NOT_FOUND', f'No func {name} in group {group_name}')
        if func.use_otp:
            key = ('func', group_name, request_source())
            self._attempts.check(key)
            secret = func.otp_secret
            if not otp_code or not secret or not pyotp.TOTP(secret).verify(str(otp_code), valid_window=1):
                self._attempts.fail(key)
                raise UnauthorizedException(None, 'BAD_OTP_CODE', "a valid otp_code of the function's own "
                                            'secret is required')
        timeout = float(func.timeout or self._default_timeout_s)
        result = self._runtime.call(func.lua_body, func.name, (), context, timeout_s=timeout, chunk_fallback=True)
        if result.timed_out:
            raise _status(504, 'FUNC_TIMEOUT', f'func {name} timed out after {timeout:g}s')
        if not result.ok:
            raise _status(500, 'LUA_ERROR', result.error or 'Lua error')
        output = result.output or ''
        try:
            json.loads(output)
            return output, 'application/json'
        except ValueError:
            return output, 'text/plain; charset=utf-8'

    # --- dump and import ----------------------------------------------------------------------
    def dump(self, correlation_id: Optional[str], group_name: str) -> List[dict]:
        return [f.to_json() for f in self._funcs.get_funcs(correlation_id, group_name)]

    def imported(self, correlation_id: Optional[str], group_name: str, record) -> CronFuncV1:
        if not isinstance(record, dict) or record.get('group_name', group_name) != group_name:
            raise BadRequestException(correlation_id, 'BAD_ARCHIVE', f'a func of group {group_name} is not an '
                                      f'object of that group')
        func = self.check(correlation_id, group_name, record)
        func.created = clock.to_datetime(record.get('created')) or clock.now()
        func.updated = clock.now()
        if func.use_otp and not func.otp_secret:
            func.otp_secret = pyotp.random_base32()
        return func

    def get_stored(self, correlation_id: Optional[str], group_name: str, name: str) -> Optional[CronFuncV1]:
        return self._funcs.get_func(correlation_id, group_name, name)

    def save(self, correlation_id: Optional[str], func: CronFuncV1):
        self._funcs.set_func(correlation_id, func)

    def forget_group(self, correlation_id: Optional[str], group_name: str):
        self._funcs.delete_funcs(correlation_id, group_name)
