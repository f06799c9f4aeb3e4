"""``--processes N``: a supervisor runs N worker processes, restarts one killed -9, forwards SIGTERM and
exits 0 after a graceful stop."""
import os
import signal

from .conftest import count_jobs, events, start_worker, stop_process, wait_until


def children(pid: int) -> set:
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as f:
            return {int(p) for p in f.read().split()}
    except FileNotFoundError:
        return set()


def alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def test_two_processes_a_killed_child_is_restarted(service, jobs, tmp_path):
    log, errors = tmp_path / 'runs.log', tmp_path / 'worker.err'
    supervisor = start_worker(service, log, '--type', 'supervised=test.worker.handlers:echo', '--processes', '2',
                              stderr_path=errors)
    try:
        first = wait_until(lambda: len(children(supervisor.pid)) == 2 and children(supervisor.pid), 15,
                           what='two worker processes')
        victim = sorted(first)[0]
        os.kill(victim, signal.SIGKILL)
        after = wait_until(lambda: (kids := children(supervisor.pid)) and len(kids) == 2 and victim not in kids
                           and kids, 15, what='a new process in place of the killed one')
        assert len(after & first) == 1
        jobs.add_jobs(None, [{'type': 'supervised', 'params': {'n': i}} for i in range(200)])
        wait_until(lambda: count_jobs(jobs, 'supervised', 'done') == 200, 30, 0.1, 'the queue drained')
        assert set(events(log, 'run').values()) == {1}, 'each job ran once'
        code = stop_process(supervisor, timeout=20)
    finally:
        stop_process(supervisor)
    assert code == 0
    assert not any(alive(pid) for pid in after), 'the stop reached every child'
    assert 'restarting' in errors.read_text()
