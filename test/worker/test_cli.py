"""The CLI's options, environment variables and exit codes."""
import subprocess
import sys

import pytest

from service_background.worker import JobsWorker, TasksWorker, format_error
from service_background.worker.cli import build_workers, parse_args
from service_background.worker.supervisor import default_processes

from ..helpers import ROOT


def test_options_and_environment(monkeypatch):
    monkeypatch.setenv('WORKER_URL', 'http://svc:1')
    monkeypatch.setenv('WORKER_TOKEN', 'T')
    monkeypatch.setenv('WORKER_TYPES', 'a=test.worker.handlers:echo, b=test.worker.handlers:slow')
    monkeypatch.setenv('WORKER_NAMESPACES', 'ns=test.worker.handlers:echo')
    monkeypatch.setenv('WORKER_CONCURRENCY', '3')
    monkeypatch.setenv('WORKER_REQUEUE_ERRORS', 'false')
    args = parse_args(['--grace', '7', '--path', ROOT])
    assert (args.url, args.token, args.concurrency, args.grace, args.requeue_errors) == \
        ('http://svc:1', 'T', 3, 7, False)
    assert args.types == {'a': 'test.worker.handlers:echo', 'b': 'test.worker.handlers:slow'}
    jobs, tasks = build_workers(args)
    assert isinstance(jobs, JobsWorker) and isinstance(tasks, TasksWorker)
    assert sorted(jobs._handlers) == ['a', 'b'] and jobs._concurrency == 3 and jobs._grace == 7
    args = parse_args(['--type', 'x=test.worker.handlers:echo', '--url', 'http://other:2'])
    assert args.types == {'x': 'test.worker.handlers:echo'} and args.url == 'http://other:2'
    assert args.processes == default_processes() >= 1 and args.prefetch is None
    monkeypatch.setenv('WORKER_PROCESSES', '3')
    monkeypatch.setenv('WORKER_PREFETCH', '5')
    args = parse_args(['--path', ROOT])
    assert (args.processes, args.prefetch) == (3, 5) and args.heartbeat == 1
    monkeypatch.setenv('WORKER_HEARTBEAT', '0.25')
    assert parse_args(['--path', ROOT]).heartbeat == 0.25
    assert parse_args(['--path', ROOT, '--heartbeat', '2']).heartbeat == 2
    assert parse_args(['--processes', '1', '--prefetch', '0']).processes == 1


def test_usage_errors_exit_2(monkeypatch):
    for name in ('WORKER_TYPES', 'WORKER_NAMESPACES'):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as exit_info:
        parse_args([])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        parse_args(['--type', 'no-function-here'])
    with pytest.raises(SystemExit):
        parse_args(['--type', 'x=test.worker.handlers:echo', '--processes', '0'])
    result = subprocess.run([sys.executable, '-m', 'service_background.worker.cli', '--type', 'a=nowhere.at_all:fn'],
                            cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and 'cannot load a handler' in result.stderr


def test_error_text_head():
    def inner():
        raise KeyError('k')
    try:
        inner()
    except KeyError as ex:
        text = format_error(ex, max_length=300)
    assert text.startswith("KeyError: 'k'\nTraceback (most recent call last):") and 'in inner' in text
    assert len(format_error(ValueError('x' * 5000))) == 4000


def test_component_configuration_and_factory():
    from pip_services3_commons.config import ConfigParams

    from service_background.worker import WorkerFactory
    worker = WorkerFactory().create(WorkerFactory.JobsWorkerDescriptor)
    assert isinstance(worker, JobsWorker)
    worker.configure(ConfigParams.from_tuples(
        'connection.protocol', 'http', 'connection.host', '127.0.0.1', 'connection.port', 9,
        'credential.token', 'T', 'options.concurrency', 3, 'options.grace', 2.5, 'options.block_for', 1,
        'options.requeue_errors', False, 'handlers.mail', 'test.worker.handlers:echo'))
    assert worker.url == 'http://127.0.0.1:9' and worker._token == 'T' and worker._concurrency == 3
    assert worker._grace == 2.5 and worker._block_for == 1 and worker._requeue_errors is False
    assert list(worker._handlers) == ['mail'] and not worker.is_open()
