from datetime import datetime
from typing import Optional

from ....common.data import DataObjectV1


class CronGroupV1(DataObjectV1):
    """A group of cron jobs; its TOTP secret is shown once, by register (and kept in dumps)."""

    _date_fields = frozenset({'created'})

    def __init__(self, group_name: Optional[str] = None, otp_secret: Optional[str] = None,
                 created: Optional[datetime] = None, memo: Optional[str] = None):
        self.group_name = group_name
        self.otp_secret = otp_secret
        self.created = created
        self.memo = memo

    def public(self) -> 'CronGroupV1':
        """A copy without the secret, for lists and info."""
        result = self.clone()
        result.otp_secret = None
        return result
