"""Where the service may connect to on a user's behalf (HTTP@ cron runs, job callbacks, the Lua
``redis`` module): ``OUTBOUND_ALLOW`` / ``OUTBOUND_DENY``, comma lists of host names (``*.example.com``
for a domain), addresses, CIDRs, each with an optional ``:port`` (IPv6 in brackets for a port:
``[fd00::1]:80``). Link-local and cloud metadata addresses are always denied (DEFAULT_DENY); an
allow list, when given, is the only way out; deny wins over allow.

A name is resolved once, every address is checked, and the connection goes to the checked address
(no second lookup a DNS rebinding could answer differently). ``outbound_session`` is a requests
Session whose every new connection (each redirect hop included) goes through that check, without
proxies from the environment; TLS still verifies the URL's host name.

The component ``service-background:outbound-policy:default:default:1.0`` (``allow``, ``deny``)
becomes the process's policy when configured (``current_policy()``): what callbacks and Lua use
when they are not handed one."""
import ipaddress
import os
import socket
import threading
from typing import Callable, List, Optional, Tuple, Union

import requests
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import ConfigException
from pip_services3_commons.run import IOpenable
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

DEFAULT_DENY = ('169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254', 'metadata.google.internal',
                'metadata.goog')
MAX_REDIRECTS = 5

Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


class OutboundDenied(Exception):
    """A connection the outbound rules refuse (nothing was sent)."""


class _Rule:
    __slots__ = ('text', 'network', 'name', 'port')

    def __init__(self, text: str):
        self.text = text
        self.network = None
        self.name: Optional[str] = None
        self.port: Optional[int] = None
        host, port = _split_port(text)
        if port is not None:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f'bad port in {text!r}')
            self.port = int(port)
        try:
            self.network = ipaddress.ip_network(host, strict=False)
        except ValueError:
            name = host.lower().rstrip('.')
            if not name or any(c in name for c in '/ @'):
                raise ValueError(f'bad outbound rule {text!r}')
            self.name = name

    def matches_name(self, name: str, port: int) -> bool:
        if self.name is None or (self.port is not None and self.port != port):
            return False
        if self.name.startswith('*.'):
            return name.endswith(self.name[1:])
        return name == self.name

    def matches_address(self, address: Address, port: int) -> bool:
        if self.network is None or (self.port is not None and self.port != port):
            return False
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(a.version == self.network.version and a in self.network for a in candidates)


def _split_port(text: str) -> Tuple[str, Optional[str]]:
    if text.startswith('['):
        host, _, rest = text[1:].partition(']')
        return host, (rest[1:] if rest.startswith(':') else None)
    if text.count(':') == 1:
        host, _, port = text.partition(':')
        return host, port
    return text, None  # a name, an IPv4 address or an IPv6 address without a port


def _rules(value) -> List[_Rule]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(',')
    return [_Rule(item.strip()) for item in items if item and item.strip()]


class OutboundPolicy(IConfigurable, IOpenable):

    def __init__(self, allow=None, deny=None, install: bool = False):
        """``allow`` / ``deny``: comma lists or lists of rules; DEFAULT_DENY is always added."""
        self._install = install
        self._set(allow, deny)

    def _set(self, allow, deny):
        try:
            self._allow = _rules(allow)
            self._deny = _rules(DEFAULT_DENY) + _rules(deny)
        except ValueError as ex:
            raise ConfigException(None, 'BAD_OUTBOUND_RULE', f'OUTBOUND_ALLOW / OUTBOUND_DENY: {ex}')

    @staticmethod
    def from_environment(environ=os.environ) -> 'OutboundPolicy':
        return OutboundPolicy(environ.get('OUTBOUND_ALLOW'), environ.get('OUTBOUND_DENY'))

    def configure(self, config: ConfigParams):
        """``allow`` and ``deny`` (comma lists); the component becomes the process's policy."""
        self._set(config.get_as_nullable_string('allow'), config.get_as_nullable_string('deny'))
        set_current_policy(self)

    def is_open(self) -> bool:
        return True

    def open(self, correlation_id: Optional[str]):
        pass

    def close(self, correlation_id: Optional[str]):
        """A closed container's policy stops being the process's."""
        global _current
        with _current_lock:
            if _current is self:
                _current = None

    def describe(self) -> str:
        return (f'allow {",".join(r.text for r in self._allow) or "any"}; '
                f'deny {",".join(r.text for r in self._deny)}')

    # --- the checks --------------------------------------------------------------------------------
    def check_name(self, host: str, port: int):
        """Raises OutboundDenied when a name rule refuses ``host`` (before any lookup)."""
        name = host.lower().rstrip('.')
        for rule in self._deny:
            if rule.matches_name(name, port):
                raise OutboundDenied(f'{host}:{port} is denied by the outbound rules ({rule.text})')

    def check_address(self, address: Union[str, Address], port: int, host: Optional[str] = None):
        """Raises OutboundDenied unless a connection to ``address`` (resolved from ``host``) is allowed."""
        address = ipaddress.ip_address(address) if isinstance(address, str) else address
        label = f'{host} ({address})' if host and host != str(address) else str(address)
        for rule in self._deny:
            if rule.matches_address(address, port):
                raise OutboundDenied(f'{label}:{port} is denied by the outbound rules ({rule.text})')
        if self._allow:
            name = (host or '').lower().rstrip('.')
            if not any(r.matches_address(address, port) or (name and r.matches_name(name, port))
                       for r in self._allow):
                raise OutboundDenied(f'{label}:{port} is not in OUTBOUND_ALLOW')

    def is_allowed(self, host: str, port: int, address: Optional[str] = None) -> bool:
        """The check alone, no lookup: ``address`` is what ``host`` resolved to (the host itself when
        it is an address)."""
        try:
            self.check_name(host, port)
            self.check_address(address or host.strip('[]'), port, host)
            return True
        except OutboundDenied:
            return False

    def resolve(self, host: str, port: int) -> str:
        """The address to connect to for ``host``: resolved once, checked; the first allowed one.
        Raises OutboundDenied, or socket.gaierror when the name does not resolve."""
        host = host.strip('[]')
        self.check_name(host, port)
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            self.check_address(literal, port, host)
            return str(literal)
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        refusal = None
        for info in infos:
            address = info[4][0].split('%')[0]
            try:
                self.check_address(address, port, host)
                return address
            except OutboundDenied as ex:
                refusal = refusal or ex
        raise refusal or OutboundDenied(f'{host}:{port} resolves to no address')


_current_lock = threading.Lock()
_current: Optional[OutboundPolicy] = None


def current_policy() -> OutboundPolicy:
    """The process's policy: the configured component, else the environment's."""
    global _current
    with _current_lock:
        if _current is None:
            _current = OutboundPolicy.from_environment()
        return _current


def set_current_policy(policy: Optional[OutboundPolicy]):
    global _current
    with _current_lock:
        _current = policy


# --- requests with the check on every connection -------------------------------------------------
def _checked_connection_classes(policy: Callable[[], OutboundPolicy]):

    def new_conn(self) -> socket.socket:
        try:
            address = policy().resolve(self._dns_host, self.port)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        try:
            return urllib3_connection.create_connection((address, self.port), self.timeout,
                                                        source_address=self.source_address,
                                                        socket_options=self.socket_options)
        except socket.timeout as e:
            raise ConnectTimeoutError(self, f'Connection to {self.host} timed out. '
                                            f'(connect timeout={self.timeout})') from e
        except OSError as e:
            raise NewConnectionError(self, f'Failed to establish a new connection: {e}') from e

    connection = type('CheckedHTTPConnection', (HTTPConnection,), {'_new_conn': new_conn})
    tls_connection = type('CheckedHTTPSConnection', (HTTPSConnection,), {'_new_conn': new_conn})
    pool = type('CheckedHTTPConnectionPool', (HTTPConnectionPool,), {'ConnectionCls': connection})
    tls_pool = type('CheckedHTTPSConnectionPool', (HTTPSConnectionPool,), {'ConnectionCls': tls_connection})
    return pool, tls_pool


class CheckedAdapter(HTTPAdapter):
    """Every new connection resolved once, checked by the policy, and made to the checked address."""

    def __init__(self, policy: Callable[[], OutboundPolicy], **kwargs):
        self._pools = _checked_connection_classes(policy)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {'http': self._pools[0], 'https': self._pools[1]}

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise OutboundDenied('outbound requests do not go through proxies')


def outbound_session(policy: Optional[Callable[[], OutboundPolicy]] = None) -> requests.Session:
    """A requests Session under the outbound rules (``policy()`` asked at each new connection;
    the process's policy by default). Redirects are followed at most MAX_REDIRECTS times, each hop
    checked when it connects."""
    session = requests.Session()
    session.trust_env = False  # no proxies, no .netrc from the environment
    session.max_redirects = MAX_REDIRECTS
    adapter = CheckedAdapter(policy or current_policy)
    session.mount('http://', adapter)
    session.mount('https://', adapter)
    return session
