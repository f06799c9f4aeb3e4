"""A bare starlette app with our service's three hot paths, for bench/http_core.py to compare with:
GET /heartbeat (the current UTC time as a JSON string, like ours), POST /v1/retries/add_retry (a dict keyed by
(group, id), attempt_count + 1 per call, the record as JSON) and POST /v1/jobs/add_job (a job into a dict).
Needs starlette, which the service does not: benchlib.asgi_app serves it from bench/.venv-peers (created and
filled on first use). By hand, from bench/: .venv-peers/bin/python -m uvicorn bare_app:app --loop uvloop
--http httptools --no-access-log, or .venv-peers/bin/granian --interface asgi bare_app:app."""
import json
import uuid
from datetime import datetime, timedelta, timezone

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

retries = {}
jobs = {}


def _iso(t: datetime) -> str:
    return t.strftime('%Y-%m-%dT%H:%M:%S.') + f'{t.microsecond // 1000:03d}Z'


async def heartbeat(request: Request):
    now = datetime.now(timezone.utc)
    return Response(json.dumps(now.strftime('%Y-%m-%dT%H:%M:%S.%fZ')), media_type='application/json')


async def add_retry(request: Request):
    body = await request.json()
    group, id_ = body.get('group'), body.get('id')
    if not isinstance(group, str) or not isinstance(id_, str):
        return JSONResponse({'code': 'BAD_REQUEST', 'status': 400, 'message': 'group and id are required'}, 400)
    now = datetime.now(timezone.utc)
    ttl = body.get('ttl') or 3600000
    record = retries.get((group, id_))
    if record is None:
        record = retries[(group, id_)] = {'id': id_, 'group': group, 'attempt_count': 0}
    record['attempt_count'] += 1
    record['last_attempt_time'] = _iso(now)
    record['expiration_time'] = _iso(now + timedelta(milliseconds=ttl))
    return JSONResponse(record)


async def add_job(request: Request):
    body = await request.json()
    new_job = body.get('new_job') or {}
    if not isinstance(new_job.get('type'), str):
        return JSONResponse({'code': 'BAD_REQUEST', 'status': 400, 'message': 'type is required'}, 400)
    now = _iso(datetime.now(timezone.utc))
    job = {'id': str(uuid.uuid4()), 'type': new_job['type'], 'ref_id': new_job.get('ref_id'),
           'params': new_job.get('params'), 'priority': new_job.get('priority', 1), 'status': 'queued',
           'result': None, 'created': now, 'started': None, 'locked_until': None, 'execute_until': None,
           'completed': None, 'retries': 0, 'max_retries': new_job.get('max_retries', 10), 'not_before': now,
           'timeout': new_job.get('timeout'), 'result_ttl': None, 'callback_url': None, 'last_error': None,
           'remove_at': None}
    jobs[job['id']] = job
    return JSONResponse(job)


app = Starlette(routes=[
    Route('/heartbeat', heartbeat, methods=['GET']),
    Route('/v1/retries/add_retry', add_retry, methods=['POST']),
    Route('/v1/jobs/add_job', add_job, methods=['POST']),
])
