"""``run_job``: fires one cron job once, now, outside its schedule. The run goes to the
runner's pool like a scheduled one and is recorded the same way (history, last_result, reply hook);
the schedule (next_run) is left as it is. A job already running (scheduled or fired by hand) is not
started twice: the call answers 409 JOB_RUNNING."""
from typing import Optional

from pip_services3_commons.errors import ConflictException, InvalidStateException


def run_job_now(controller, correlation_id: Optional[str], group_name: str, job_id: str) -> dict:
    job = controller.get_job(correlation_id, group_name, job_id)
    runner = controller.runner
    try:
        planned_ms = runner.run_now(job) if runner is not None else None
    except RuntimeError:
        runner = None
    if runner is None:
        raise InvalidStateException(correlation_id, 'NOT_OPEN', 'The cron runner is not running')
    if planned_ms is None:
        raise ConflictException(correlation_id, 'JOB_RUNNING', f'Job {job_id} is running now')
    return {'group_name': job.group_name, 'job_id': job.job_id, 'fired': True, 'planned_time': planned_ms}
