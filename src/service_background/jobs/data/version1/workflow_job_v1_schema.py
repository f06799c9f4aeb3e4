"""WorkflowJobV1Schema, the validation schema of one job of add_workflow: a new job with its key, whose
``depends_on`` names keys of the same workflow (logic/job_workflows.py)."""
from pip_services3_commons.convert import TypeCode

from service_background.common.data.field_table import add_properties
from service_background.common.data.validation import DescribedSchema
from service_background.jobs.data.version1.new_job_v1 import NewJobV1

_KEY = {'type': 'string', 'minLength': 1, 'maxLength': 200}
_NOT_IN_WORKFLOWS = ('unique', 'idempotency_key', 'depends_on')


class WorkflowJobV1Schema(DescribedSchema):
    """NewJobV1's fields but ``unique`` and ``idempotency_key`` (a held key would answer a job outside the
    workflow), with ``key`` and ``depends_on`` as keys."""

    def __init__(self) -> None:
        super().__init__()
        self.with_described('key', _KEY, None, required=True)  # job_workflows.py names a bad key
        add_properties(self, [field for field in NewJobV1.table_fields() if field.name not in _NOT_IN_WORKFLOWS])
        self.with_described('depends_on', {'type': 'array', 'maxItems': 100, 'items': _KEY}, TypeCode.Array)
