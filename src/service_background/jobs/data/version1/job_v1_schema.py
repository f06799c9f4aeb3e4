"""JobV1Schema, the validation schema of a whole job: built from JobV1's field table."""
from pip_services3_commons.validate import ObjectSchema

from service_background.common.data.field_table import add_properties
from service_background.jobs.data.version1.job_v1 import JobV1


class JobV1Schema(ObjectSchema):
    """id and type required; every other field optional, typed as JobV1 declares it."""

    def __init__(self) -> None:
        super().__init__()
        add_properties(self, JobV1.table_fields())
