"""Fenced leases: the token a take stamps on a job must come back with the calls that finish it."""
from typing import Any, Optional

from pip_services3_commons.errors import BadRequestException, ConflictException

from ..data.version1 import JobV1


def lease_token_arg(correlation_id: Optional[str], lease_token: Any) -> Optional[str]:
    """A caller's lease token, checked for shape; None when the call names none (no fence)."""
    if lease_token is None:
        return None
    if not isinstance(lease_token, str) or not lease_token or len(lease_token) > 200:
        raise BadRequestException(correlation_id, 'BAD_LEASE_TOKEN', 'lease_token must be a non-empty string') \
            .with_details('field', 'lease_token')
    return lease_token


def check_lease(correlation_id: Optional[str], job_id: str, job: JobV1, lease_token: Optional[str]):
    """A token that is not the job's current one (the lease ran out and the job was given back, taken
    again or finished) is refused before anything changes. No token: no fence."""
    if lease_token is not None and job.lease_token != lease_token:
        raise ConflictException(correlation_id, 'LEASE_LOST',
                                f'Job {job_id} is no longer held with this lease ({job.status})') \
            .with_details('job_id', job_id).with_details('status', job.status)
