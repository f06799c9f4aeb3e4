"""Refused writes (503: a full disk, a database down) are logged as one WARN line per cause per minute with
a count, never a stack trace each; a genuine failure (500) still logs its error. Checked on the log itself,
on a real endpoint with a capturing logger, and on the whole container refused by a real short write."""
import os
import subprocess
import sys
import textwrap

import requests
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.refer import Descriptor, References
from pip_services3_components.log import Logger, LogLevel

from service_background.common.http.endpoint import HttpEndpoint
from service_background.common.persistence.file_journal import StorageUnavailableException
from service_background.common.persistence.mongodb_connection import DatabaseUnavailableException
from service_background.common.security.rate_limited_log import RateLimitedLog
from test.helpers import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_cause_per_period_with_the_count_since_the_last():
    clock, lines = Clock(), []
    log = RateLimitedLog(60, clock)
    for _ in range(108):
        log.warn(lines.append, 'STORAGE_UNAVAILABLE', 'POST /jobs refused')
        clock.now += 0.1  # 108 refusals over 10.8 s
    assert lines == ['POST /jobs refused [STORAGE_UNAVAILABLE: 1 since the last such line; '
                     'at most one line per 60 s]']
    log.warn(lines.append, 'DATABASE_UNAVAILABLE', 'POST /jobs refused')  # another cause has its own line
    assert len(lines) == 2 and 'DATABASE_UNAVAILABLE: 1 since' in lines[1]
    clock.now += 60
    log.warn(lines.append, 'STORAGE_UNAVAILABLE', 'POST /jobs refused')
    assert len(lines) == 3 and 'STORAGE_UNAVAILABLE: 108 since' in lines[2]  # 107 held back and this one
    log.warn(lines.append, 'STORAGE_UNAVAILABLE', 'POST /jobs refused')
    assert len(lines) == 3


class CapturingLogger(Logger):
    def __init__(self):
        super().__init__()
        self.set_level(LogLevel.Trace)
        self.entries = []

    def _write(self, level, correlation_id, error, message):
        self.entries.append((level, error, message))


class Refusing:
    """Routes failing as an outage would (503) and as a bug would (500), inline and in the blocking pool."""

    def __init__(self, endpoint: HttpEndpoint):
        self._endpoint = endpoint

    def register(self):
        self._endpoint.register_route('POST', '/disk-full', None, self.disk_full, blocking=False)
        self._endpoint.register_route('POST', '/database-down', None, self.database_down, blocking=True)
        self._endpoint.register_route('POST', '/bug', None, self.bug, blocking=False)

    @staticmethod
    def disk_full():
        raise StorageUnavailableException(None, 'The journal could not be written: [Errno 28] No space left')

    @staticmethod
    def database_down():
        raise DatabaseUnavailableException(None, 'The database did not answer: ServerSelectionTimeoutError')

    @staticmethod
    def bug():
        raise RuntimeError('a genuine bug')


def test_an_endpoint_logs_refusals_once_per_cause_and_bugs_each_with_their_error():
    logger, endpoint, port = CapturingLogger(), HttpEndpoint(), free_port()
    endpoint.configure(ConfigParams.from_tuples('connection.protocol', 'http', 'connection.host', '127.0.0.1',
                                                'connection.port', port))
    endpoint.set_references(References.from_tuples(Descriptor('test', 'logger', 'capturing', 'default', '1.0'),
                                                   logger))
    endpoint.register(Refusing(endpoint))
    endpoint.open(None)
    try:
        base = f'http://127.0.0.1:{port}'
        with requests.Session() as session:
            for path, code in (('/disk-full', 'STORAGE_UNAVAILABLE'), ('/database-down', 'DATABASE_UNAVAILABLE')):
                for _ in range(54):
                    r = session.post(base + path, json={}, timeout=10)
                    assert r.status_code == 503 and r.json()['code'] == code and r.json()['status'] == 503
            r = session.post(base + '/bug', json={}, timeout=10)
            assert r.status_code == 500 and r.json()['code'] == 'INTERNAL'
    finally:
        endpoint.close(None)
    warnings = [message for level, _, message in logger.entries if level == LogLevel.Warn]
    errors = [(error, message) for level, error, message in logger.entries if level <= LogLevel.Error]
    assert len([m for m in warnings if 'STORAGE_UNAVAILABLE: 1 since' in m and 'POST /disk-full' in m]) == 1
    assert len([m for m in warnings if 'DATABASE_UNAVAILABLE: 1 since' in m and 'POST /database-down' in m]) == 1
    assert len(warnings) == 2
    assert len(errors) == 1 and isinstance(errors[0][0], RuntimeError) and 'POST /bug' in errors[0][1]


def test_a_container_refused_by_a_full_disk_logs_no_trace_per_refusal(tmp_path):
    """The whole container on files in a child whose file size limit stops the retries journal from
    growing (EFBIG, as a full disk gives ENOSPC): 40 refused adds, 503 each, and two log lines about them."""
    script = textwrap.dedent(f'''
        import os, resource, signal
        import requests
        from test.helpers import running_container
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        data = {str(tmp_path / 'data')!r}
        with running_container(DATA_DIR=data, LOG_LEVEL='warn') as url:
            body = {{'group': 'g', 'id': 'before'}}
            assert requests.post(url + '/v1/retries/add_retry', json=body, timeout=10).status_code == 200
            journal = max((os.path.join(data, name) for name in os.listdir(data) if 'retries' in name),
                          key=os.path.getsize)
            soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(journal) + 20, hard))
            statuses = set()
            for i in range(40):
                r = requests.post(url + '/v1/retries/add_retry', json={{'group': 'g', 'id': 'x%d' % i}}, timeout=10)
                statuses.add((r.status_code, r.json().get('code')))
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            print('STATUSES', sorted(statuses), flush=True)
    ''')
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "STATUSES [(503, 'STORAGE_UNAVAILABLE')]" in result.stdout, result.stdout[-2000:]
    log = (result.stdout + result.stderr).splitlines()
    refusals = [line for line in log if 'STORAGE_UNAVAILABLE' in line and 'STATUSES' not in line]
    assert len(refusals) <= 3, refusals  # the request line and the journal's line (once per journal written)
    assert any('add_retry refused' in line and 'STORAGE_UNAVAILABLE: 1 since' in line for line in refusals)
    assert not [line for line in log if 'Stack trace' in line or 'Traceback' in line], log[-40:]
