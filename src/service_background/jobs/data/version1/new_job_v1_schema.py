"""NewJobV1Schema, the validation schema of a new job: built from NewJobV1's field table."""
from service_background.common.data.field_table import add_properties
from service_background.common.data.validation import DescribedSchema
from service_background.jobs.data.version1.new_job_v1 import NewJobV1


class NewJobV1Schema(DescribedSchema):
    """Types for validation; the ranges the controller checks (new_job_rules.py) are described for
    /openapi.json: priority 0..3, durations 0..1e13 ms, an http(s) callback_url, up to 100 parents."""

    def __init__(self) -> None:
        super().__init__()
        add_properties(self, NewJobV1.table_fields())
