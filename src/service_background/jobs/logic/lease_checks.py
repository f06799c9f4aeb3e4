"""Fenced leases: the token a take stamps on a job must come back with the calls that finish it."""
from typing import Any, Dict, List, Optional

from pip_services3_commons.errors import BadRequestException, ConflictException

from service_background.jobs.data.version1 import JobV1


def lease_token_arg(correlation_id: Optional[str], lease_token: Any) -> Optional[str]:
    """A caller's lease token, checked for shape; None when the call names none (no fence)."""
    if lease_token is None:
        return None
    if not isinstance(lease_token, str) or not lease_token or len(lease_token) > 256:
        raise BadRequestException(correlation_id, 'BAD_LEASE_TOKEN',
                                  'lease_token must be a string of 1 to 256 characters') \
            .with_details('field', 'lease_token')
    return lease_token


def worker_id_arg(correlation_id: Optional[str], worker_id: Any) -> Optional[str]:
    """A taker's name, stamped on the jobs it takes: None, or a string of 1 to 200 characters."""
    if worker_id is not None and (not isinstance(worker_id, str) or not 0 < len(worker_id) <= 200):
        raise BadRequestException(correlation_id, 'BAD_WORKER_ID',
                                  'worker_id must be a string of 1 to 200 characters') \
            .with_details('field', 'worker_id')
    return worker_id


def check_lease(correlation_id: Optional[str], job_id: str, job: JobV1, lease_token: Optional[str]):
    """A token that is not the job's current one (the lease ran out and the job was given back, taken
    again or finished) is refused before anything changes. No token: no fence."""
    if lease_token is not None and job.lease_token != lease_token:
        raise ConflictException(correlation_id, 'LEASE_LOST',
                                f'Job {job_id} is no longer held with this lease ({job.status})') \
            .with_details('job_id', job_id).with_details('status', job.status)


def lease_tokens_arg(correlation_id: Optional[str], job_ids: List[str], lease_tokens: Any) -> Dict[str, str]:
    """complete_jobs' ``lease_tokens``: a list as long as ``job_ids`` (null: no fence for that id) or a
    map id -> token; read into id -> token."""
    tokens: Dict[str, str] = {}
    if isinstance(lease_tokens, list) and len(lease_tokens) == len(job_ids):
        for job_id, token in zip(job_ids, lease_tokens):
            if token is not None:
                tokens.setdefault(job_id, lease_token_arg(correlation_id, token))
    elif isinstance(lease_tokens, dict):
        tokens = {job_id: lease_token_arg(correlation_id, token)
                  for job_id, token in lease_tokens.items() if token is not None}
    elif lease_tokens is not None:
        raise BadRequestException(correlation_id, 'BAD_LEASE_TOKENS',
                                  'lease_tokens must be a list as long as job_ids or a map of id to token')
    return tokens
