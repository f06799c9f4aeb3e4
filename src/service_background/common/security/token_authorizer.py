"""API tokens: who may call which route.

``TokenAuthorizer`` is a component (``service-background:authorizer:token:default:1.0``) every
HttpEndpoint looks up in its references and applies before any handler runs, so every route of every
domain is covered, unknown routes included. Configuration:

- ``auth.tokens`` (or ``tokens``): a comma list (or a YAML list) of ``<secret>`` (every scope) or
  ``<secret>@<scope>[+<scope>...]``; secrets are ``[A-Za-z0-9_-]``, at least 16 of them (else the start
  fails). Scopes: a domain (``jobs``, ``retries``, ``tasks``, ``cron``), a cron group (``cron:<group>``:
  that group's routes only) and ``read`` (GET and read commands; with other scopes it narrows them,
  alone it reads everything).
- ``auth.disabled`` (AUTH_DISABLED): no tokens needed, and endpoints may listen on any address.
- ``auth.max_failures`` (20) wrong tokens a minute per client address, then 429 from that address,
  right tokens included (guessing from it stops); ``auth.max_global_failures`` (100) wrong tokens a
  minute from all addresses together, then 429 to every wrong token and to right ones from addresses
  that sent a wrong one this minute: guessers spread over many addresses stop, clean clients go on.

A token comes as ``Authorization: Bearer <secret>`` or as the cookie ``sb_token=<secret>`` (the
dashboard's login sets it). Secrets are compared in constant time (digests of equal length, every
configured token tried); no token is ever logged or echoed.

Each route carries a ``RouteAccess``: its domain (the package of the service that registered it:
``service_background.<domain>....``), whether it writes, whether it is an admin route (cron dump and
import: the ``cron`` scope, not a group's, not read-only) and whether it is public (only
``GET /heartbeat``). A cron route's group is its ``group_name`` path value, else the body's
``group_name``. Routes of no domain (status, metrics, the dashboard's page, swagger) take any valid token
to read; writing there takes a token with every scope. The dashboard's API applies the same rule to what
it lists (``ApiToken.may_use`` per domain and group; ``token_of`` gives a request's token)."""
import hashlib
import hmac
import re
from typing import Dict, FrozenSet, List, Optional, Tuple

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import ConfigException
from pip_services3_commons.refer import Descriptor

from service_background.common.data.json_util import decode_json
from service_background.common.http.errors import status_error
from service_background.common.http.response import HttpResponse
from service_background.common.security.attempt_limiter import AttemptLimiter

DOMAINS = frozenset({'jobs', 'retries', 'tasks', 'cron'})
SECRET_RULE = re.compile(r'[A-Za-z0-9_-]+')
GROUP_RULE = re.compile(r'[a-zA-Z0-9_]{1,22}')
COOKIE_NAME = 'sb_token'
AUTHORIZER_DESCRIPTOR = Descriptor('service-background', 'authorizer', '*', '*', '1.0')
READ_METHODS = frozenset({'GET', 'HEAD', 'OPTIONS'})
MIN_SECRET_LENGTH = 16  # 64 symbols each: 96 bits, out of reach of any guessing a rate limit lets through


class RouteAccess:
    """What a route needs: ``domain`` (None: no domain), ``write``, ``admin``, ``public``."""
    __slots__ = ('domain', 'write', 'admin', 'public')

    def __init__(self, domain: Optional[str] = None, write: bool = True, admin: bool = False,
                 public: bool = False):
        self.domain = domain
        self.write = write
        self.admin = admin
        self.public = public

    @staticmethod
    def of(method: str, path: str, domain: Optional[str] = None, write: Optional[bool] = None,
           admin: bool = False, public: bool = False) -> 'RouteAccess':
        if write is None:
            write = method.upper() not in READ_METHODS
        return RouteAccess(domain, write, admin, public)

    def __repr__(self):
        return f'RouteAccess({self.domain}, write={self.write}, admin={self.admin}, public={self.public})'


def domain_of_module(module: str) -> Optional[str]:
    """``service_background.cron.services.version1.x`` -> ``cron``; None outside the four domains."""
    parts = module.split('.')
    return parts[1] if len(parts) > 1 and parts[1] in DOMAINS else None


class ApiToken:
    """A configured token's scopes; ``may_use`` is the one rule for routes and dashboard lists alike."""
    __slots__ = ('digest', 'domains', 'groups', 'read_only', 'unrestricted')

    def __init__(self, secret: Optional[str], scopes: FrozenSet[str]):
        self.digest = _digest(secret.encode('utf-8')) if secret is not None else None
        self.domains = frozenset(s for s in scopes if s in DOMAINS)
        self.groups = frozenset(s[5:] for s in scopes if s.startswith('cron:'))
        self.read_only = 'read' in scopes
        self.unrestricted = not self.domains and not self.groups

    def may_use(self, domain: Optional[str], group: Optional[str] = None) -> bool:
        """Whether this token reaches ``domain`` (None: no domain), or one cron ``group`` of it."""
        if self.unrestricted or domain is None:
            return True
        if domain in self.domains:
            return True
        return domain == 'cron' and group is not None and group in self.groups

    def may_use_some(self, domain: str) -> bool:
        """Whether it reaches ``domain`` or a part of it (a ``cron:<group>`` token: some of cron)."""
        return self.may_use(domain) or (domain == 'cron' and bool(self.groups))


# What a request may see when tokens are not checked (none configured, or auth disabled): everything.
EVERY_SCOPE = ApiToken(None, frozenset())


def forbidden(domain: Optional[str], group: Optional[str] = None) -> HttpResponse:
    """The 403 ErrorDescription for a token out of scope (routes and the dashboard's API)."""
    where = (domain or 'this route') + (f':{group}' if group else '')
    return status_error(403, 'FORBIDDEN', f'the token has no scope over {where}')


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()


def parse_tokens(values) -> List[ApiToken]:
    """``values``: a comma list or a list of comma lists; raises ConfigException for a bad entry
    (the message never contains the secret)."""
    if isinstance(values, str):
        values = [values]
    tokens = []
    for value in values or []:
        for item in str(value or '').split(','):
            item = item.strip()
            if not item:
                continue
            secret, at, scope_text = item.partition('@')
            if not SECRET_RULE.fullmatch(secret):
                raise ConfigException(None, 'BAD_TOKEN', f'auth.tokens: entry #{len(tokens) + 1}: a secret is '
                                                         f'[A-Za-z0-9_-]+')
            if len(secret) < MIN_SECRET_LENGTH:
                raise ConfigException(None, 'TOKEN_TOO_SHORT', f'auth.tokens (AUTH_TOKENS): entry #{len(tokens) + 1} '
                                      f'has a secret shorter than {MIN_SECRET_LENGTH} characters; use a random one '
                                      f'of at least {MIN_SECRET_LENGTH} (e.g. `openssl rand -hex 16`)')
            scopes = frozenset(s.strip() for s in scope_text.split('+') if s.strip()) if scope_text else frozenset()
            for scope in scopes:
                if scope not in DOMAINS and scope != 'read' and not (
                        scope.startswith('cron:') and GROUP_RULE.fullmatch(scope[5:])):
                    raise ConfigException(None, 'BAD_TOKEN_SCOPE', f'auth.tokens: entry #{len(tokens) + 1}: '
                                          f'unknown scope {scope!r} (jobs, retries, tasks, cron, cron:<group>, read)')
            if at and not scopes:
                raise ConfigException(None, 'BAD_TOKEN_SCOPE', f'auth.tokens: entry #{len(tokens) + 1}: empty scope')
            tokens.append(ApiToken(secret, scopes))
    return tokens


def _bearer(headers: Dict[str, str]) -> Optional[str]:
    value = headers.get('authorization')
    if value:
        kind, _, secret = value.strip().partition(' ')
        if kind.lower() == 'bearer' and secret.strip():
            return secret.strip()
    cookies = headers.get('cookie')
    if cookies and COOKIE_NAME in cookies:
        for part in cookies.split(';'):
            name, _, secret = part.strip().partition('=')
            if name == COOKIE_NAME and secret:
                return secret.strip().strip('"')
    return None


class TokenAuthorizer(IConfigurable):

    def __init__(self):
        self._tokens: List[ApiToken] = []
        self._disabled = False
        self._limiter = AttemptLimiter(20, 60.0)
        self._global = AttemptLimiter(100, 60.0)  # one key: every failure of the process

    def configure(self, config: ConfigParams):
        values = []
        for key in ('auth.tokens', 'tokens'):
            value = config.get_as_nullable_string(key)
            if value:
                values.append(value)
            section = config.get_section(key)
            values.extend(section.get_as_string(k) for k in section.get_keys())
        self._tokens = parse_tokens(values)
        self._disabled = config.get_as_boolean_with_default(
            'auth.disabled', config.get_as_boolean_with_default('disabled', False))
        self._limiter = AttemptLimiter(_setting(config, 'max_failures', 20), 60.0)
        self._global = AttemptLimiter(_setting(config, 'max_global_failures', 100), 60.0)

    @property
    def enabled(self) -> bool:
        """Tokens are checked: some are configured and auth is not disabled."""
        return bool(self._tokens) and not self._disabled

    @property
    def disabled(self) -> bool:
        return self._disabled

    def may_listen_anywhere(self) -> bool:
        """False: protected mode (no token and not disabled), the endpoints bind loopback only."""
        return self._disabled or bool(self._tokens)

    # --- the checks ----------------------------------------------------------------------------------
    def _match(self, secret: str) -> Optional[ApiToken]:
        digest = _digest(secret.encode('utf-8', 'replace'))
        found = None
        for token in self._tokens:  # every one is compared: the time does not depend on which matched
            if hmac.compare_digest(digest, token.digest) and found is None:
                found = token
        return found

    def authenticate(self, headers: Dict[str, str], client: Optional[tuple]) -> Tuple[Optional[ApiToken],
                                                                                      Optional[HttpResponse]]:
        """(token, None) or (None, a 401/429 response). An address past its own limit is refused whatever
        it sends; past the process-wide ceiling a wrong token is refused, and a right one too when its
        address sent a wrong one this minute (a guesser's lucky try), never a clean client's."""
        secret = _bearer(headers)
        if secret is None:
            return None, status_error(401, 'UNAUTHORIZED', 'this route needs a token: Authorization: Bearer '
                                      '<token>', {'www-authenticate': 'Bearer'})
        source = client[0] if client else ''
        wait = self._limiter.retry_after(source)
        if wait > 0:
            return None, _too_many(wait)
        found = self._match(secret)
        wait = self._global.retry_after(None)
        if found is None:
            self._limiter.fail(source)
            self._global.fail(None)  # refused ones count too: the ceiling holds while the guessing goes on
            if wait > 0:
                return None, _too_many(wait)
            return None, status_error(401, 'UNAUTHORIZED', 'the token is not valid', {'www-authenticate': 'Bearer'})
        if wait > 0 and self._limiter.failures(source):
            return None, _too_many(wait)
        return found, None

    def token_of(self, headers: Dict[str, str]) -> Optional[ApiToken]:
        """The token a request the endpoint let through carries (``EVERY_SCOPE`` when tokens are not
        checked), for handlers that filter what they answer by scope; None when it carries no valid one.
        Counts no failure: the endpoint has authenticated the request already."""
        if not self.enabled:
            return EVERY_SCOPE
        secret = _bearer(headers)
        return self._match(secret) if secret is not None else None

    def authorize(self, token: ApiToken, method: str, access: Optional[RouteAccess], params: Dict[str, str],
                  body: bytes) -> Optional[HttpResponse]:
        """None when ``token`` may make this call, else a 403 response."""
        if access is None:
            access = RouteAccess.of(method, '')
        if access.public:
            return None
        if access.admin and (token.read_only or not (token.unrestricted or access.domain in token.domains)):
            return status_error(403, 'FORBIDDEN', f'this route needs the {access.domain or "admin"} scope '
                                                  f'(not a group\'s, not read-only)')
        if access.write and token.read_only:
            return status_error(403, 'FORBIDDEN', 'a read-only token cannot write')
        if access.domain is None:
            if access.write and not token.unrestricted:
                return status_error(403, 'FORBIDDEN', 'this route needs a token of every scope')
            return None
        group = None
        if access.domain == 'cron' and not token.may_use(access.domain):
            group = params.get('group_name') or _body_group(body)
        if not token.may_use(access.domain, group):
            return forbidden(access.domain, group)
        return None

    def reset_failures(self):
        self._limiter.reset()
        self._global.reset()


def _setting(config: ConfigParams, name: str, default: int) -> int:
    return config.get_as_integer_with_default('auth.' + name, config.get_as_integer_with_default(name, default))


def _too_many(wait: float) -> HttpResponse:
    return status_error(429, 'TOO_MANY_ATTEMPTS', f'too many wrong tokens; retry in {wait:.0f}s',
                        {'retry-after': str(int(wait) + 1)})


def _body_group(body: bytes) -> Optional[str]:
    if not body:
        return None
    try:
        data = decode_json(body)
    except ValueError:
        return None
    group = data.get('group_name') if isinstance(data, dict) else None
    return group if isinstance(group, str) and GROUP_RULE.fullmatch(group) else None
