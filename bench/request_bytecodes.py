#!/usr/bin/env python
"""Python bytecodes per job on the real request path, by file and by function: where a single op's time goes.

Runs our container (memory, metrics on, cleaner every second as in jobs_throughput.py) or bench/ceiling_app.py
on uvicorn in this process, drives it from a client process over loopback HTTP with sequential add_job /
start_job_by_type / complete_job, and counts every bytecode the server process runs meanwhile (sys.monitoring,
all threads: uvicorn's protocol, our app, the timers). Unlike jobs_instructions.py it sees uvicorn's side and the
sockets' path, and unlike CPU time it does not move with this machine's noise. Counting slows the server
~50x: the figure is work, not speed.

Needs Python 3.12+ (sys.monitoring); the suite's venv may be 3.11, so e.g.:
  python3.13 -m venv /tmp/v313 && /tmp/v313/bin/pip install -e . && /tmp/v313/bin/python bench/request_bytecodes.py
Run: request_bytecodes.py [--peer ours|ceiling] [--jobs 1000] [--top 40]"""
import argparse
import collections
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
TOOL = 3  # a sys.monitoring tool id of our own (0-5; 0, 1, 2 and 5 are named for debuggers, profilers...)


def _drive(url: str, jobs: int):
    from jobs_throughput import Http
    client = Http(url)
    for i in range(jobs):
        status, _ = client.call('POST', '/v1/jobs/add_job', {'new_job': {'type': 'bench', 'params': i}})
        status, job = client.call('POST', '/v1/jobs/start_job_by_type', {'type': 'bench'})
        status, _ = client.call('POST', '/v1/jobs/complete_job', {'job_id': job['id'], 'result': i})
        assert status == 200, status


def _serve(peer: str) -> str:
    from benchlib import free_port, wait_http
    port = free_port()
    if peer == 'ours':
        sys.path.insert(0, os.path.join(ROOT, 'src'))
        from pip_services3_commons.config import ConfigParams

        from service_background.container import BackgroundProcess
        from service_background.container.config_files import packaged_config_path
        values = {'HTTP_HOST': '127.0.0.1', 'HTTP_PORT': str(port), 'HTTP_FUNC_LISTEN': str(free_port()),
                  'LOG_LEVEL': 'error', 'MEMORY_ENABLED': 'true', 'JOBS_CLEAN_INTERVAL': '1000',
                  'JOBS_FINISHED_TTL': '1'}
        container = BackgroundProcess()
        container.read_config_from_file(None, packaged_config_path(),
                                        ConfigParams.from_value(values))
        container.open(None)
    else:
        import uvicorn

        from ceiling_app import app
        server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=port, loop='uvloop', http='httptools',
                                               access_log=False, log_level='warning'))
        threading.Thread(target=server.run, daemon=True).start()
    url = f'http://127.0.0.1:{port}'
    wait_http(url + '/heartbeat', None, what=peer)
    return url


def _short(filename: str) -> str:
    for marker in ('/site-packages/', '/src/', '/lib/python3.'):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            return filename.split('/', 1)[1] if marker == '/lib/python3.' else filename
    return filename


def main():
    if len(sys.argv) == 4 and sys.argv[1] == '--drive':
        return _drive(sys.argv[2], int(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--peer', default='ours', choices=('ours', 'ceiling'))
    parser.add_argument('--jobs', type=int, default=1000)
    parser.add_argument('--top', type=int, default=40)
    args = parser.parse_args()
    if sys.version_info < (3, 12):
        sys.exit('request_bytecodes.py needs Python 3.12+ (sys.monitoring); see its docstring')
    url = _serve(args.peer)
    drive = [sys.executable, os.path.abspath(__file__), '--drive', url]
    subprocess.run(drive + ['300'], check=True, timeout=300)  # warm: imports, caches, the first cleanings
    counts = collections.Counter()
    monitoring = sys.monitoring
    monitoring.use_tool_id(TOOL, 'request_bytecodes')
    monitoring.register_callback(TOOL, monitoring.events.INSTRUCTION, lambda code, offset: counts.update((code,)))
    started = time.time()
    monitoring.set_events(TOOL, monitoring.events.INSTRUCTION)
    try:
        subprocess.run(drive + [str(args.jobs)], check=True, timeout=1800)
    finally:
        monitoring.set_events(TOOL, 0)
    jobs = args.jobs
    print(f'{args.peer}: {sum(counts.values()) / jobs:,.0f} bytecodes per job (add + take + complete, {jobs} jobs, '
          f'{time.time() - started:.0f} s counted)')
    by_file = collections.Counter()
    for code, n in counts.items():
        by_file[_short(code.co_filename)] += n
    print('by file:')
    for name, n in by_file.most_common(args.top // 2):
        print(f'  {n / jobs:8,.0f}  {name}')
    print('by function:')
    for code, n in counts.most_common(args.top):
        print(f'  {n / jobs:8,.0f}  {code.co_qualname} ({_short(code.co_filename)}:{code.co_firstlineno})')
    os._exit(0)  # the server threads are daemons of a process that is done


if __name__ == '__main__':
    main()
