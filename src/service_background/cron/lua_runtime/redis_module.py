"""The `redis` module Lua code gets from require("redis"): redis.open("host:port", db[, password]) ->
conn, err and conn:exec(cmd, {args}) -> reply, err, as in docs/cron_lua.md."""
# Backed by plain redis-py connections (no response callbacks: Lua sees raw replies, "OK" stays "OK"),
# each command bounded by what is left of the call's deadline, all closed when the call ends.
from typing import Any, Callable, Collection, Dict, List, Optional, Tuple

import lupa.lua54 as lua54
import redis

from service_background.common.clients.outbound import OutboundDenied, OutboundPolicy, current_policy
from service_background.cron.lua_runtime.convert import ConversionBudget, ConversionError, to_lua

MAX_CONNECTIONS = 8
MIN_TIMEOUT_S = 0.05


class RedisBridge:
    """One per Lua call; not shared between threads."""

    def __init__(self, lua: lua54.LuaRuntime, remaining_s: Callable[[], float],
                 allowed_hosts: Optional[Collection[str]] = None, policy: Optional[OutboundPolicy] = None,
                 budget: Optional[ConversionBudget] = None):
        """policy: anything with OutboundPolicy.resolve (in a sandbox process, a proxy asking the service)."""
        self._lua = lua
        self._budget = budget or ConversionBudget()
        self._policy = policy
        self._remaining_s = remaining_s
        self._allowed_hosts = set(allowed_hosts) if allowed_hosts is not None else None
        self._connections: Dict[int, redis.Connection] = {}
        self._next_id = 1

    def open(self, address: Any = None, db: Any = 0, password: Any = None) -> Tuple[Any, Any]:
        try:
            host, port = _parse_address(address)
            if self._allowed_hosts is not None and host not in self._allowed_hosts \
                    and f'{host}:{port}' not in self._allowed_hosts:
                return None, f'redis.open: {host}:{port} is not an allowed redis host'.encode()
            if len(self._connections) >= MAX_CONNECTIONS:
                return None, f'redis.open: at most {MAX_CONNECTIONS} connections per call'.encode()
            if db is None:
                db = 0
            if isinstance(db, float) and db.is_integer():
                db = int(db)
            if not isinstance(db, int) or isinstance(db, bool) or db < 0:
                return None, b'redis.open: db must be a non-negative integer'
            # the outbound rules: resolved once, checked, and the checked address is the one connected to
            address = (self._policy or current_policy()).resolve(host, port)
            timeout = self._timeout()
            connection = redis.Connection(
                host=address, port=port, db=db, password=password.decode() if isinstance(password, bytes) else None,
                socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False)
            connection.connect()
        except (ValueError, redis.RedisError, OSError, OutboundDenied) as err:
            return None, f'redis.open: {err}'.encode('utf-8', 'replace')
        handle = self._next_id
        self._next_id += 1
        self._connections[handle] = connection
        return handle, None

    def exec(self, handle: Any = None, command: Any = None, args: Any = None) -> Tuple[Any, Any]:
        connection = self._connections.get(handle)
        if connection is None:
            return None, b'redis: connection is closed'
        if not isinstance(command, bytes) or not command:
            return None, b'redis: the command must be a non-empty string'
        try:
            parts = _command_args(args)
            connection.send_command(command, *parts)
            reply = connection.read_response(timeout=self._timeout())
            return _reply_to_lua(self._lua, reply, self._budget.fresh()), None
        except redis.ResponseError as err:
            return None, str(err).encode('utf-8', 'replace')
        except (ConversionError, redis.RedisError, OSError) as err:
            return None, f'redis: {err}'.encode('utf-8', 'replace')
        except Exception as err:  # lupa memory errors etc. must not escape into Lua as Python objects
            return None, f'redis: {type(err).__name__}: {err}'.encode('utf-8', 'replace')

    def close(self, handle: Any = None) -> None:
        connection = self._connections.pop(handle, None)
        if connection is not None:
            connection.disconnect()

    def close_all(self) -> None:
        for handle in list(self._connections):
            try:
                self.close(handle)
            except Exception:
                pass  # a broken socket must not turn a finished call into an error

    def _timeout(self) -> float:
        return max(MIN_TIMEOUT_S, self._remaining_s())


def _parse_address(address: Any) -> Tuple[str, int]:
    if not isinstance(address, bytes) or not address:
        raise ValueError('address must be a "host:port" string')
    text = address.decode('utf-8')
    if text.startswith('['):  # [::1]:6379
        host, _, rest = text[1:].partition(']')
        port = rest[1:] if rest.startswith(':') else ''
    else:
        host, _, port = text.rpartition(':') if ':' in text else (text, '', '')
    if not host:
        raise ValueError(f'bad address "{text}"')
    if not port:
        return host, 6379
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f'bad port in "{text}"')
    return host, int(port)


def _command_args(args: Any) -> List[Any]:
    """{args} array (or a single string/number, or nil) -> redis-py arguments; strings stay raw bytes
    so binary values survive."""
    if args is None:
        return []
    if lua54.lua_type(args) != 'table':
        return [_command_arg(args)]
    items = dict(args.items())
    if not all(isinstance(key, int) for key in items) or sorted(items) != list(range(1, len(items) + 1)):
        raise ConversionError('the arguments must be an array {a, b, ...}')
    return [_command_arg(items[key]) for key in range(1, len(items) + 1)]


def _command_arg(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (bytes, int, float)):
        raise ConversionError('arguments must be strings or numbers')
    # 10/2 is 5.0 in Lua 5.4; redis wants "5" for INCRBY and friends.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _reply_to_lua(lua: lua54.LuaRuntime, reply: Any, budget: ConversionBudget) -> Any:
    if isinstance(reply, (list, tuple)):
        table = lua.table()
        for index, item in enumerate(reply, 1):
            budget.spend()
            table[index] = _reply_to_lua(lua, item, budget)
        return table
    if isinstance(reply, Exception):  # an error inside an array reply (EXEC)
        return str(reply).encode('utf-8', 'replace')
    if isinstance(reply, (dict, set)):  # RESP3 maps/sets, not used with protocol 2 but safe
        return to_lua(lua, {str(k): v for k, v in reply.items()} if isinstance(reply, dict) else list(reply),
                      budget=budget)
    return to_lua(lua, reply, budget=budget)
