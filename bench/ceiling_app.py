"""The least an HTTP jobs server can do, for bench/jobs_throughput.py --peer ceiling: a raw ASGI app (no
framework), msgspec, a dict of jobs and a deque per type, behind the routes our bench client uses:
POST /v1/jobs/add_job {new_job: {type, params}} -> job; add_jobs {new_jobs: [...]} -> [job];
start_job_by_type {type, timeout} -> job or 204; start_jobs_by_type {type, timeout, limit} -> [job];
complete_job {job_id, result} -> job; complete_jobs {job_ids, results} -> [job]; GET /heartbeat.
A completed job leaves the store (as ours does once its result ttl runs out). No lease expiry: nothing else runs.
Serve: .venv/bin/python -m uvicorn ceiling_app:app --loop uvloop --http httptools --no-access-log (cwd bench/).
"""
import time
import uuid
from collections import deque

import msgspec

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
_jobs = {}
_queues = {}
_JSON = [(b'content-type', b'application/json')]


def _new(new_job: dict) -> dict:
    type_ = new_job.get('type') if isinstance(new_job, dict) else None
    if not isinstance(type_, str):
        raise ValueError('type is required')
    job = {'id': uuid.uuid4().hex, 'type': type_, 'params': new_job.get('params'), 'status': 'queued',
           'created': time.time(), 'retries': 0}
    _jobs[job['id']] = job
    queue = _queues.get(type_)
    if queue is None:
        queue = _queues[type_] = deque()
    queue.append(job['id'])
    return job


def _take(body: dict, limit: int) -> list:
    queue = _queues.get(body.get('type'))
    taken = []
    if not queue:
        return taken
    now = time.time()
    lease = now + (body.get('timeout') or 300000) / 1000
    while queue and len(taken) < limit:
        job = _jobs.get(queue.popleft())
        if job is None:
            continue
        job['status'], job['started'], job['locked_until'] = 'running', now, lease
        job['retries'] += 1
        taken.append(job)
    return taken


def _complete(job_id, result):
    job = _jobs.pop(job_id, None)
    if job is None or job['status'] != 'running':
        raise KeyError(job_id)
    job['status'], job['result'], job['completed'] = 'done', result, time.time()
    return job


def _handle(command: str, body: dict):
    if command == 'add_job':
        return _new(body.get('new_job'))
    if command == 'add_jobs':
        return [_new(j) for j in body.get('new_jobs') or ()]
    if command == 'start_job_by_type':
        taken = _take(body, 1)
        return taken[0] if taken else None
    if command == 'start_jobs_by_type':
        return _take(body, int(body.get('limit') or 1))
    if command == 'complete_job':
        return _complete(body.get('job_id'), body.get('result'))
    if command == 'complete_jobs':
        results = body.get('results') or [None] * len(body.get('job_ids') or ())
        return [_complete(i, r) for i, r in zip(body.get('job_ids') or (), results)]
    raise LookupError(command)


async def _reply(send, status: int, payload: bytes = b''):
    headers = _JSON + [(b'content-length', str(len(payload)).encode())] if payload or status != 204 else []
    await send({'type': 'http.response.start', 'status': status, 'headers': headers})
    await send({'type': 'http.response.body', 'body': payload})


async def app(scope, receive, send):
    if scope['type'] == 'lifespan':
        while True:
            message = await receive()
            if message['type'] == 'lifespan.startup':
                await send({'type': 'lifespan.startup.complete'})
            elif message['type'] == 'lifespan.shutdown':
                await send({'type': 'lifespan.shutdown.complete'})
                return
    if scope['type'] != 'http':
        return
    path = scope['path']
    if path == '/heartbeat':
        return await _reply(send, 200, _encode(time.time()))
    if scope['method'] != 'POST' or not path.startswith('/v1/jobs/'):
        return await _reply(send, 404, b'{"code":"NOT_FOUND","status":404}')
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get('body', b''))
        if not message.get('more_body'):
            break
    try:
        body = _decode(b''.join(chunks)) if chunks[-1] or len(chunks) > 1 else {}
        if not isinstance(body, dict):
            raise ValueError('the body must be an object')
        result = _handle(path[9:], body)
    except LookupError as ex:
        code = 'UNKNOWN_COMMAND' if isinstance(ex, LookupError) and not isinstance(ex, KeyError) else 'NOT_FOUND'
        status = 400 if code == 'UNKNOWN_COMMAND' else 404
        return await _reply(send, status, _encode({'code': code, 'status': status, 'message': str(ex)}))
    except (ValueError, TypeError, msgspec.DecodeError) as ex:
        return await _reply(send, 400, _encode({'code': 'BAD_REQUEST', 'status': 400, 'message': str(ex)}))
    if result is None:
        return await _reply(send, 204)
    await _reply(send, 200, _encode(result))
