"""Checks of the records of an imported dump: every one is validated before anything is written."""
from typing import Iterable, List, Optional, Tuple

import pyotp
from pip_services3_commons.errors import BadRequestException

from service_background.common.data import clock
from service_background.cron.data.version1 import CronFuncV1, CronGroupV1, CronJobV1
from service_background.cron.logic import job_rules as rules
from service_background.cron.logic.cron_executors import CronExecutors
from service_background.cron.logic.cron_funcs import CronFuncs
from service_background.cron.persistence import ICronGroupsPersistence

# what a run summary holds (CronRunV1.summary): an imported last_result keeps these, scalars only
_RESULT_FIELDS = ('status', 'code', 'error', 'duration_ms', 'planned_time', 'node_id')


def imported_group(correlation_id: Optional[str], record: dict) -> CronGroupV1:
    """A group record of a dump, checked (a missing secret gets a new one)."""
    group = CronGroupV1.from_json({k: v for k, v in record.items() if k != 'created'})
    rules.check_name_rule(correlation_id, 'group_name', group.group_name)
    for field in ('otp_secret', 'node_secret'):
        if not isinstance(getattr(group, field), str):
            setattr(group, field, pyotp.random_base32())
        try:
            pyotp.TOTP(getattr(group, field)).now()
        except Exception:
            raise BadRequestException(correlation_id, 'BAD_' + field.upper(), f'group {group.group_name}: bad '
                                      f'{field}')
    group.created = clock.to_datetime(record.get('created')) or clock.now()
    return group


def _imported_result(record) -> Optional[dict]:
    """The run summary of a job record, cut to its known fields and short scalars."""
    if not isinstance(record, dict):
        return None
    return {k: v for k, v in record.items()
            if k in _RESULT_FIELDS and (v is None or isinstance(v, (bool, int, float))
                                        or (isinstance(v, str) and len(v) <= 4096))}


def imported_job(correlation_id: Optional[str], group_name: str, record, executors: CronExecutors) -> CronJobV1:
    """A job record of a dump, checked like an added job."""
    if not isinstance(record, dict):
        raise BadRequestException(correlation_id, 'BAD_ARCHIVE', f'a job of group {group_name} is not an object')
    if record.get('group_name', group_name) != group_name:
        raise BadRequestException(correlation_id, 'BAD_ARCHIVE', f'a job of group {group_name} names group '
                                  f'{record.get("group_name")!r}')
    fields = rules.check_fields(correlation_id, record, partial=False)
    now = clock.now()
    job = CronJobV1(group_name=group_name, job_id=rules.check_name_rule(correlation_id, 'job_id',
                                                                     record.get('job_id')),
                    active=record.get('active', True) is not False, created=now, updated=now, **fields)
    for name in ('created', 'last_run'):
        setattr(job, name, clock.to_datetime(record.get(name)) or getattr(job, name))
    job.last_result = _imported_result(record.get('last_result'))
    rules.check_runnable(correlation_id, job, executors)
    return job


def imported_records(correlation_id: Optional[str], entries: Iterable[dict], groups: ICronGroupsPersistence,
                     funcs: Optional[CronFuncs], executors: CronExecutors,
                     replace_secrets: bool) -> Tuple[List[CronGroupV1], List[CronJobV1], List[CronFuncV1]]:
    """The groups, jobs and functions of an archive's entries, all checked, none written. A group or
    function that exists keeps its secrets unless ``replace_secrets``: an archive cannot take over a
    group's HTTP@ codes, node logins or guarded functions by accident."""
    new_groups: List[CronGroupV1] = []
    jobs: List[CronJobV1] = []
    new_funcs: List[CronFuncV1] = []
    for entry in entries:
        group = imported_group(correlation_id, entry['group'])
        existing = groups.get_group(correlation_id, group.group_name)
        if existing is not None and not replace_secrets:
            group.otp_secret = existing.otp_secret or group.otp_secret
            group.node_secret = existing.node_secret or group.node_secret
        new_groups.append(group)
        for record in entry.get('jobs') or []:
            jobs.append(imported_job(correlation_id, group.group_name, record, executors))
        records = entry.get('funcs') or []
        if not isinstance(records, list) or (records and funcs is None):
            raise BadRequestException(correlation_id, 'BAD_ARCHIVE', 'funcs must be a list (and functions '
                                      'configured)')
        new_funcs.extend(funcs.imported(correlation_id, group.group_name, r) for r in records)
    if not replace_secrets and funcs is not None:
        for func in new_funcs:
            old = funcs.get_stored(correlation_id, func.group_name, func.name)
            if old is not None and old.otp_secret:
                func.otp_secret = old.otp_secret
    keys, func_keys = [j.key for j in jobs], [f.key for f in new_funcs]
    if len(set(keys)) != len(keys) or len(set(func_keys)) != len(func_keys):
        raise BadRequestException(correlation_id, 'BAD_ARCHIVE', 'the archive repeats a job_id or a func '
                                  'name in a group')
    return new_groups, jobs, new_funcs
