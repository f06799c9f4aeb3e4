"""RetryV1Schema, the validation schema of a retry record: built from RetryV1's field table."""
from pip_services3_commons.validate import ObjectSchema

from service_background.common.data.field_table import add_properties
from service_background.retries.data.version1.retry_v1 import RetryV1


class RetryV1Schema(ObjectSchema):
    """id and group required; the count, dates and key optional."""

    def __init__(self) -> None:
        super().__init__()
        add_properties(self, RetryV1.table_fields())
