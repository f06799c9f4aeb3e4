"""service-background-worker: runs functions for jobs and tasks, from options or the environment.

    service-background-worker --url http://127.0.0.1:8080 --token T --type mail=myapp.mail:send --concurrency 8
    WORKER_URL=... WORKER_TYPES=mail=myapp.mail:send,sms=myapp.sms:send service-background-worker

--processes N (WORKER_PROCESSES; default: the number of cores) runs N worker processes under a
supervisor that restarts one that dies and forwards SIGTERM/SIGINT.

Exit codes: 0 after a stop (SIGTERM/SIGINT: graceful; a second signal: at once), 2 for bad options,
a handler that cannot be imported, or credentials the service refuses (401/403)."""
import argparse
import logging
import os
import sys
from typing import List, Optional, overload

from service_background.version import package_version
from service_background.worker.base_worker import BaseWorker
from service_background.worker.handlers import load_callable, parse_specs
from service_background.worker.jobs_worker import JobsWorker
from service_background.worker.runner import run_workers
from service_background.worker.supervisor import Supervisor, default_processes
from service_background.worker.tasks_worker import TasksWorker

FALSE = ('', '0', 'false', 'no', 'off')


@overload
def _env(name: str) -> Optional[str]: ...


@overload
def _env(name: str, default: str) -> str: ...


def _env(name: str, default: Optional[str] = None) -> Optional[str]:
    """The environment variable ``name``, ``default`` when it is unset or empty."""
    value = os.environ.get(name)
    return value if value not in (None, '') else default


def _positive(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f'{text} is negative')
    return value


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='service-background-worker',
        description='Runs your functions for jobs of given types and tasks of given namespaces. '
                    'Every option has an environment variable (in brackets); options win.')
    parser.add_argument('--url', default=_env('WORKER_URL', 'http://127.0.0.1:8080'),
                        help='the service (WORKER_URL; default http://127.0.0.1:8080)')
    parser.add_argument('--token', default=_env('WORKER_TOKEN'),
                        help='bearer token sent as Authorization: Bearer <token> (WORKER_TOKEN)')
    parser.add_argument('--type', dest='types', action='append', default=[], metavar='TYPE=MODULE:FUNCTION',
                        help='a job type and its handler; repeatable (WORKER_TYPES, comma separated)')
    parser.add_argument('--namespace', dest='namespaces', action='append', default=[],
                        metavar='NAMESPACE=MODULE:FUNCTION',
                        help='a tasks namespace and its handler; repeatable (WORKER_NAMESPACES, comma separated)')
    parser.add_argument('--concurrency', type=int, default=int(_env('WORKER_CONCURRENCY', '8')),
                        help='handlers run at once, per worker kind (WORKER_CONCURRENCY; 8)')
    parser.add_argument('--processes', type=int, default=int(_env('WORKER_PROCESSES', str(default_processes()))),
                        help='worker processes, under a supervisor when more than 1 '
                             '(WORKER_PROCESSES; the number of cores)')
    parser.add_argument('--prefetch', type=int, default=_env('WORKER_PREFETCH'),
                        help='jobs taken ahead of the free handlers; default: paced by handler time and '
                             'round trip (WORKER_PREFETCH)')
    parser.add_argument('--lease', type=_positive, default=float(_env('WORKER_LEASE', '0')),
                        help="seconds of lease asked per take; 0: the job's timeout (WORKER_LEASE; 0)")
    parser.add_argument('--block-for', type=_positive, default=float(_env('WORKER_BLOCK_FOR', '5')),
                        help='seconds one long-poll for jobs waits; a stop waits for the one in flight '
                             '(WORKER_BLOCK_FOR; 5)')
    parser.add_argument('--gather', type=_positive, default=float(_env('WORKER_GATHER', '0.002')),
                        help='seconds a take waits while jobs trickle in, so one take and one report serve '
                             'the jobs that came meanwhile; 0: a long-poll per job (WORKER_GATHER; 0.002)')
    parser.add_argument('--heartbeat', type=_positive, default=float(_env('WORKER_HEARTBEAT', '1')),
                        help='seconds between the calls that tell the service the worker lives, when no other '
                             'call went out; cancels reach a worker this fast; 0: none (WORKER_HEARTBEAT; 1)')
    parser.add_argument('--poll-interval', type=_positive, default=float(_env('WORKER_POLL_INTERVAL', '1')),
                        help='seconds between task captures that found nothing (WORKER_POLL_INTERVAL; 1)')
    parser.add_argument('--grace', type=_positive, default=float(_env('WORKER_GRACE', '30')),
                        help='seconds running handlers get to finish on SIGTERM (WORKER_GRACE; 30)')
    parser.add_argument('--time-limit', type=_positive, default=float(_env('WORKER_TIME_LIMIT', '0')),
                        help='seconds a handler may run, 0: no limit (WORKER_TIME_LIMIT; 0)')
    parser.add_argument('--no-requeue-errors', dest='requeue_errors', action='store_false',
                        default=_env('WORKER_REQUEUE_ERRORS', 'true').lower() not in FALSE,
                        help='fail a job at its first error instead of giving it back while it has '
                             'attempts left (WORKER_REQUEUE_ERRORS=false)')
    parser.add_argument('--path', default=_env('WORKER_PATH', os.getcwd()),
                        help='folder put first on sys.path to import handlers (WORKER_PATH; the current folder)')
    parser.add_argument('--log-level', default=_env('WORKER_LOG_LEVEL', 'info'),
                        help='debug, info, warning, error (WORKER_LOG_LEVEL; info)')
    parser.add_argument('--version', action='version', version=f'%(prog)s {package_version()}')
    args = parser.parse_args(argv)
    try:
        args.types = parse_specs(args.types or [_env('WORKER_TYPES', '')])
        args.namespaces = parse_specs(args.namespaces or [_env('WORKER_NAMESPACES', '')])
    except ValueError as ex:
        parser.error(str(ex))
    if not args.types and not args.namespaces:
        parser.error('give at least one --type or --namespace (or WORKER_TYPES / WORKER_NAMESPACES)')
    if args.concurrency < 1:
        parser.error('--concurrency must be at least 1')
    if args.processes < 1:
        parser.error('--processes must be at least 1')
    try:
        args.prefetch = None if args.prefetch in (None, '') else max(0, int(args.prefetch))
    except ValueError:
        parser.error('--prefetch must be a number')
    return args


def build_workers(args: argparse.Namespace) -> List[BaseWorker]:
    if args.path and args.path not in sys.path:
        sys.path.insert(0, args.path)
    workers: List[BaseWorker] = []
    if args.types:
        jobs = JobsWorker(args.url, args.token, args.concurrency, lease=args.lease or None,
                          block_for=args.block_for, grace=args.grace, time_limit=args.time_limit or None,
                          requeue_errors=args.requeue_errors, prefetch=args.prefetch, heartbeat=args.heartbeat,
                          gather=args.gather)
        for name, spec in args.types.items():
            jobs.handle(name, load_callable(spec))
        workers.append(jobs)
    if args.namespaces:
        tasks = TasksWorker(args.url, args.token, args.concurrency, poll_interval=args.poll_interval,
                            grace=args.grace, time_limit=args.time_limit or None)
        for name, spec in args.namespaces.items():
            tasks.handle(name, load_callable(spec))
        workers.append(tasks)
    return workers


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.INFO),
                        format='%(asctime)s %(levelname)s %(name)s %(message)s')
    try:
        workers = build_workers(args)  # with N processes: a handler that cannot load fails here, once
    except (ImportError, AttributeError, ValueError, TypeError) as ex:
        logging.getLogger('service-background-worker').error('cannot load a handler: %s', ex)
        return 2
    if args.processes > 1:
        child = [sys.executable, '-m', 'service_background.worker.cli',
                 *(sys.argv[1:] if argv is None else argv), '--processes', '1']
        return Supervisor(child, args.processes, child_main=lambda: run_workers(workers)).run()
    return run_workers(workers)


if __name__ == '__main__':
    sys.exit(main())
