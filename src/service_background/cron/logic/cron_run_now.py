"""``run_job`` (issue 15): fires one cron job once, now, outside its schedule. The run goes to the
runner's pool like a scheduled one and is recorded the same way (history, last_result, reply hook);
the schedule (next_run) is left as it is. A job already running (scheduled or fired by hand) is not
started twice: the call answers 409 JOB_RUNNING."""
import time
from typing import Optional

from pip_services3_commons.errors import ConflictException, InvalidStateException


def run_job_now(controller, correlation_id: Optional[str], group_name: str, job_id: str) -> dict:
    job = controller.get_job(correlation_id, group_name, job_id)
    runner = controller.runner
    pool = getattr(runner, '_pool', None)
    if pool is None:
        raise InvalidStateException(correlation_id, 'NOT_OPEN', 'The cron runner is not running')
    key = (job.group_name, job.job_id)
    with runner._running_lock:
        if key in runner._running:
            raise ConflictException(correlation_id, 'JOB_RUNNING', f'Job {job_id} is running now')
        runner._running.add(key)
    planned_ms = int(time.time() * 1000)

    def fire():
        try:
            runner._execute(job, planned_ms)
        finally:
            with runner._running_lock:
                runner._running.discard(key)
    pool.submit(fire)
    return {'group_name': job.group_name, 'job_id': job.job_id, 'fired': True, 'planned_time': planned_ms}
