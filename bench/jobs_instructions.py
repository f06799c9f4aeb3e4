#!/usr/bin/env python
"""Instructions per job of our request path, counted by valgrind (callgrind): a figure that does not move
with this machine's noise (jobs/s and CPU ms/job swing 20-30% between identical runs here), so a change of
a few percent can be seen and kept or dropped.

The real container (its packaged config.yml, memory store, metrics on) runs in this process; its app is called
directly, without uvicorn or sockets, as the server calls it for these requests (``serve_inline``: small
requests to a memory store's commands; see common/http/protocol.py), for --rounds rounds of 100 jobs:
  batch   add_jobs(100), start_jobs_by_type(limit 100), complete_jobs(100) per round
  single  100 x add_job, 100 x start_job_by_type, 100 x complete_job per round
The peer is bench/ceiling_app.py (a raw ASGI app with a dict and a deque), called as an ASGI app. Each count is
(instructions of a run of R2 rounds - instructions of a run of R1 rounds) / (100 (R2 - R1)), so start-up and
imports cancel out. The cleaner's timer is set far out (it would fire at valgrind's pace, not the rounds').

Run: .venv/bin/python bench/jobs_instructions.py [--modes batch,single] [--peer ours,ceiling] [--rounds 10,40]
(installs valgrind with apt-get when missing; each count takes a minute or two; PYTHONHASHSEED is fixed)."""
import argparse
import asyncio
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)


async def _call(app, path: str, body: dict):
    import msgspec
    data = msgspec.json.encode(body)
    headers = [(b'content-type', b'application/json'), (b'content-length', str(len(data)).encode())]
    found = app.inline_route('POST', path) if hasattr(app, 'inline_route') else None
    if found is not None:  # what the server does with a small request to a memory store's command
        response = app.serve_inline('POST', path, b'', headers, dict(headers), data, ('127.0.0.1', 1), *found)
        return msgspec.json.decode(response.body) if response.body else None
    scope = {'type': 'http', 'method': 'POST', 'path': path, 'query_string': b'', 'client': ('127.0.0.1', 1),
             'headers': headers}
    state = {'sent': False, 'out': []}

    async def receive():
        if state['sent']:
            await asyncio.sleep(3600)  # the app only reads on for a disconnect: none comes
        state['sent'] = True
        return {'type': 'http.request', 'body': data, 'more_body': False}

    async def send(message):
        if message['type'] == 'http.response.body':
            state['out'].append(message.get('body', b''))
    await app(scope, receive, send)
    payload = b''.join(state['out'])
    return msgspec.json.decode(payload) if payload else None


async def _rounds(app, mode: str, rounds: int):
    base = '/v1/jobs/'
    for r in range(rounds):
        if mode == 'batch':
            new_jobs = [{'type': 'bench', 'params': r * 100 + i} for i in range(100)]
            assert len(await _call(app, base + 'add_jobs', {'new_jobs': new_jobs})) == 100
            taken = await _call(app, base + 'start_jobs_by_type', {'type': 'bench', 'limit': 100})
            done = await _call(app, base + 'complete_jobs', {'job_ids': [j['id'] for j in taken],
                                                              'results': [j['params'] for j in taken]})
            assert len(taken) == 100 and all(done)
        else:
            for i in range(100):
                await _call(app, base + 'add_job', {'new_job': {'type': 'bench', 'params': r * 100 + i}})
            taken = [await _call(app, base + 'start_job_by_type', {'type': 'bench'}) for _ in range(100)]
            for job in taken:
                await _call(app, base + 'complete_job', {'job_id': job['id'], 'result': job['params']})


def _our_app():
    sys.path.insert(0, os.path.join(ROOT, 'src'))
    from pip_services3_commons.config import ConfigParams

    from benchlib import free_port
    from service_background.container import BackgroundProcess
    from service_background.container.config_files import packaged_config_path
    values = {'HTTP_HOST': '127.0.0.1', 'HTTP_PORT': str(free_port()), 'HTTP_FUNC_LISTEN': str(free_port()),
              'LOG_LEVEL': 'error', 'MEMORY_ENABLED': 'true', 'JOBS_CLEAN_INTERVAL': '3600000'}
    container = BackgroundProcess()
    container.read_config_from_file(None, packaged_config_path(), ConfigParams.from_value(values))
    container.open(None)
    endpoint = [c for c in container._references.get_all() if type(c).__name__ == 'HttpEndpoint'][0]
    return endpoint._server.config.app, container


def _child(peer: str, mode: str, rounds: int):
    if peer == 'ours':
        app, container = _our_app()
    else:
        from ceiling_app import app
        container = None
    asyncio.run(_rounds(app, mode, rounds))
    if container is not None:
        container.close(None)


def _counts(valgrind: str, peer: str, mode: str, rounds: tuple) -> list:
    """The instructions of one run per round count, the runs side by side (one core each)."""
    env = dict(os.environ, PYTHONHASHSEED='0')
    runs = [subprocess.Popen([valgrind, '--tool=callgrind', '--callgrind-out-file=/dev/null', sys.executable,
                              __file__, '--child', peer, mode, str(n)], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for n in rounds]
    counts = []
    for run, n in zip(runs, rounds):
        _, err = run.communicate(timeout=1800)
        found = [line.split('Collected :')[1] for line in err.splitlines() if 'Collected :' in line]
        if run.returncode != 0 or not found:
            raise RuntimeError(f'no count from valgrind ({peer} {mode} {n} rounds): {err[-2000:]}')
        counts.append(int(found[0].strip().replace(',', '')))
    return counts


def main():
    if len(sys.argv) == 5 and sys.argv[1] == '--child':
        return _child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--modes', default='batch,single')
    parser.add_argument('--peer', default='ours,ceiling')
    parser.add_argument('--rounds', default='10,40', help='R1,R2: the two run lengths whose difference is counted')
    args = parser.parse_args()
    from benchlib import ensure_apt
    valgrind = ensure_apt('valgrind')
    r1, r2 = (int(x) for x in args.rounds.split(','))
    results = {}
    for mode in args.modes.split(','):
        for peer in args.peer.split(','):
            low, high = _counts(valgrind, peer, mode, (r1, r2))
            results[(peer, mode)] = per_job = (high - low) / (100 * (r2 - r1))
            print(f'{peer:8s} {mode:6s} {per_job:12,.0f} instructions per job (add + take + complete)', flush=True)
    for mode in args.modes.split(','):
        if ('ours', mode) in results and ('ceiling', mode) in results:
            share = results[("ours", mode)] / results[("ceiling", mode)]
            print(f'{mode}: ours / ceiling {share:.2f}x the instructions')


if __name__ == '__main__':
    main()
