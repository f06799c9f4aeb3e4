"""CronGroupV1: a group of cron jobs with its OTP secret and pause state."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class CronGroupV1(DataObjectV1):
    """A group of cron jobs. Its secrets are shown once, by register (and kept in dumps), one per
    purpose: ``otp_secret`` makes the codes sent to HTTP@ targets (it proves a call came from the
    scheduler, nothing more); ``node_secret`` makes the codes worker nodes register with."""

    _date_fields = frozenset({'created'})

    def __init__(self, group_name: Optional[str] = None, otp_secret: Optional[str] = None,
                 created: Optional[datetime] = None, memo: Optional[str] = None,
                 node_secret: Optional[str] = None):
        self.group_name = group_name
        self.otp_secret = otp_secret
        self.created = created
        self.memo = memo
        self.node_secret = node_secret

    def public(self) -> 'CronGroupV1':
        """A copy without the secrets, for lists and info."""
        result = self.clone()
        result.otp_secret = None
        result.node_secret = None
        return result
