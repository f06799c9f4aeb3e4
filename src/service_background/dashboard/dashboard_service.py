"""The operator's dashboard at /ui, and Swagger UI at /swagger, on the one HTTP endpoint."""
import os
from typing import Optional
from urllib.parse import parse_qs

from pip_services3_commons.errors import UnauthorizedException

from service_background.common.http.errors import status_error
from service_background.common.http.request import current_request
from service_background.common.http.response import HttpResponse, send_json, send_raw
from service_background.common.security.token_authorizer import (
    AUTHORIZER_DESCRIPTOR,
    EVERY_SCOPE,
    ApiToken,
    RouteAccess,
    forbidden,
)
from service_background.common.services.rest_service import RestService
from service_background.dashboard import api_params
from service_background.dashboard.dashboard_api import DashboardApi

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'static')
TYPES = {'.html': 'text/html; charset=utf-8', '.js': 'application/javascript', '.css': 'text/css',
         '.png': 'image/png', '.svg': 'image/svg+xml'}
COOKIE = 'sb_token'
SWAGGER_DOMAINS = ('retries', 'jobs', 'tasks', 'cron')


def _swagger_dir() -> Optional[str]:
    try:
        import pip_services3_swagger
    except ImportError:
        return None
    return os.path.join(os.path.dirname(pip_services3_swagger.__file__), 'swagger-ui')


def _file(folder: Optional[str], name: str) -> HttpResponse:
    path = os.path.realpath(os.path.join(folder or '', name))
    if folder is None or not path.startswith(os.path.realpath(folder) + os.sep) or not os.path.isfile(path):
        return status_error(404, 'NOT_FOUND', f'No file {name}')
    with open(path, 'rb') as f:
        body = f.read()
    return send_raw(body, TYPES.get(os.path.splitext(name)[1], 'application/octet-stream'),
                    headers={'Cache-Control': 'no-cache'})


def _redirect(location: str, cookie: Optional[str] = None) -> HttpResponse:
    headers = {'Location': location}
    if cookie is not None:
        headers['Set-Cookie'] = cookie
    return HttpResponse(303, b'', None, headers)


class DashboardServiceV1(RestService):
    """/ui serves one static page (static/index.html, its scripts and app.css, shipped in this package: no
    CDN, no build step) whose views (#/overview, #/jobs, #/job/<id>, #/stuck, #/queues, #/queue/<type>,
    #/workflows, #/workflow/<id>, #/charts, #/workers, #/retries, #/tasks, #/cron) call the domains' JSON
    APIs and the few aggregations under /ui/api (dashboard_api.py). /ui/login takes an API token once and
    sets it as the cookie ``sb_token`` (HttpOnly, SameSite=Strict, Path=/): every later fetch of the page
    authenticates with it. /swagger serves pip-services3-swagger's Swagger UI files over each domain's
    OpenAPI document (/v1/<domain>/swagger).

    /ui/api/* is scoped as the domain routes are (token_authorizer.py): /ui/api/jobs, jobs/action (a write:
    retry, delete, requeue, cancel), job, stuck, workers, history, queue, workflow and workflow/cancel (a
    write) are ``jobs`` routes, /ui/api/retries a ``retries`` one, /ui/api/tasks a ``tasks`` one; the overview
    and /ui/api/cron answer any token with only the domains and cron groups it may see (403 for cron when
    none)."""

    def __init__(self):
        super().__init__()
        self._api = DashboardApi()
        self._swagger_dir = _swagger_dir()
        self._authorizer = None

    def set_references(self, references):
        super().set_references(references)
        self._api.set_references(references)
        self._authorizer = references.get_one_optional(AUTHORIZER_DESCRIPTOR)
        self._blocking = True  # file and MongoDB stores: aggregations run in the pool

    def _route(self, method: str, route: str, handler, public: bool = False, blocking: bool = True):
        # no domain: any token reads the dashboard; login and its assets are public
        self.register_route(method, route, None, handler, blocking, write=False if method == 'GET' else None,
                            public=public)

    def _api_route(self, method: str, route: str, handler, domain: Optional[str] = None, write: bool = False):
        """A /ui/api route checked by the endpoint as a route of ``domain`` (None: any token; the handler
        filters by the token's scopes)."""
        self._endpoint.register_route(method, route, None, handler, True, access=RouteAccess(domain, write))

    def _viewer(self) -> ApiToken:
        """The token of the request being served (every scope when tokens are not checked)."""
        if self._authorizer is None:
            return EVERY_SCOPE
        token = self._authorizer.token_of(current_request().headers)
        if token is None:  # the endpoint let no such request through: refuse rather than guess
            raise UnauthorizedException(None, 'UNAUTHORIZED', 'this route needs a token')
        return token

    def register(self):
        r = self._route
        r('GET', '/ui', lambda: _file(STATIC, 'index.html'), blocking=False)
        r('GET', '/ui/', lambda: _file(STATIC, 'index.html'), blocking=False)
        r('GET', '/ui/static/<name>', lambda name: _file(STATIC, name), public=True, blocking=False)
        r('GET', '/ui/login', lambda: _file(STATIC, 'login.html'), public=True, blocking=False)
        r('POST', '/ui/login', self._login, public=True, blocking=False)
        r('GET', '/ui/logout',
          lambda: _redirect('/ui/login', f'{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0'),
          public=True, blocking=False)
        api, a = self._api, self._api_route
        a('GET', '/ui/api/overview', lambda: send_json(api.overview(self._viewer())))
        a('POST', '/ui/api/jobs', lambda: send_json(api.find_jobs(api_params.job_search(self._body()))), 'jobs')
        a('POST', '/ui/api/jobs/action', lambda: send_json(api.job_action(api_params.job_action(self._body()))),
          'jobs', write=True)
        a('GET', '/ui/api/stuck', lambda: send_json(api.stuck(api_params.within_seconds(
            current_request().query('within')))), 'jobs')
        a('GET', '/ui/api/job', lambda: send_json(api.job_page(*api_params.job_page(
            current_request().query('id'), current_request().query('skip')))), 'jobs')
        a('GET', '/ui/api/workers', lambda: send_json(api.workers()), 'jobs')
        a('GET', '/ui/api/history', lambda: send_json(api.history()), 'jobs')
        a('GET', '/ui/api/queue', lambda: send_json(api.queue(self._named('type', 'queue'))), 'jobs')
        a('GET', '/ui/api/workflow', lambda: send_json(api.workflow(self._named('id', 'workflow'))), 'jobs')
        a('POST', '/ui/api/workflow/cancel', lambda: send_json(api.cancel_workflow(self._named('id', 'workflow'))),
          'jobs', write=True)
        a('GET', '/ui/api/retries', lambda: send_json(api.retries()), 'retries')
        a('GET', '/ui/api/tasks', lambda: send_json(api.tasks()), 'tasks')
        a('GET', '/ui/api/cron', self._cron)
        # Swagger UI over each domain's OpenAPI
        r('GET', '/swagger', lambda: _redirect('/swagger/index.html'), blocking=False)
        r('GET', '/swagger/index.html', self._swagger_index, blocking=False)
        r('GET', '/swagger/<name>', lambda name: _file(self._swagger_dir, name), blocking=False)

    @staticmethod
    def _named(field: str, what: str) -> str:
        return api_params.named(field, current_request().query(field), what)

    @staticmethod
    def _body() -> dict:
        from service_background.common.http.errors import read_json_body
        return read_json_body() or {}

    def _cron(self) -> HttpResponse:
        viewer = self._viewer()
        if not viewer.may_use_some('cron'):
            return forbidden('cron')
        return send_json(self._api.cron(viewer))

    def _login(self):
        request = current_request()
        form = parse_qs(request.body.decode('utf-8', 'replace'))
        token = (form.get('token') or [''])[0].strip()
        authorizer = self._authorizer
        if not token or '\n' in token or ';' in token:
            return _redirect('/ui/login?error=1')
        if authorizer is not None and getattr(authorizer, 'enabled', False):
            _, failure = authorizer.authenticate({'authorization': 'Bearer ' + token}, request.client)
            if failure is not None:
                return _redirect('/ui/login?error=1')
        return _redirect('/ui', f'{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/')

    def _swagger_index(self):
        import json
        if self._swagger_dir is None:
            return send_raw('Swagger UI is not installed (pip-services3-swagger)', 'text/plain', 404)
        with open(os.path.join(self._swagger_dir, 'index.html'), encoding='utf-8') as f:
            content = f.read()
        routes = {path for _, path in self._endpoint.routes()}
        urls = [{'name': domain, 'url': f'/v1/{domain}/swagger'} for domain in SWAGGER_DOMAINS
                if f'/v1/{domain}/swagger' in routes]
        return send_raw(content.replace('[/*urls*/]', json.dumps(urls)), 'text/html; charset=utf-8')

