"""The synchronous cron client over the commandable HTTP service."""
import base64
from typing import List, Optional

from service_background.common.clients.commandable_http_client import CommandableHttpClient
from service_background.cron.clients.version1.i_cron_client_v1 import ICronClientV1
from service_background.cron.data.version1 import CronGroupV1, CronJobV1, CronRunV1


class CronHttpClientV1(CommandableHttpClient, ICronClientV1):
    """Calls POST /v1/cron/<command>; returns typed objects."""

    def __init__(self):
        super().__init__('v1/cron')

    def _job_call(self, command: str, correlation_id: Optional[str], **args) -> CronJobV1:
        return CronJobV1.from_json(self.call_command(command, correlation_id, args))

    def get_version(self, correlation_id: Optional[str]) -> dict:
        return self.call_command('get_version', correlation_id)

    def register_group(self, correlation_id: Optional[str], group_name: str) -> CronGroupV1:
        return CronGroupV1.from_json(self.call_command('register_group', correlation_id, {'group_name': group_name}))

    def remove_group(self, correlation_id: Optional[str], group_name: str) -> CronGroupV1:
        return CronGroupV1.from_json(self.call_command('remove_group', correlation_id, {'group_name': group_name}))

    def get_groups(self, correlation_id: Optional[str]) -> List[CronGroupV1]:
        return [CronGroupV1.from_json(g) for g in self.call_command('get_groups', correlation_id) or []]

    def get_group_info(self, correlation_id: Optional[str], group_name: str) -> dict:
        return self.call_command('get_group_info', correlation_id, {'group_name': group_name})

    def get_nodes(self, correlation_id: Optional[str], group_name: str) -> list:
        return self.call_command('get_nodes', correlation_id, {'group_name': group_name}) or []

    def add_job(self, correlation_id: Optional[str], job: dict) -> CronJobV1:
        return CronJobV1.from_json(self.call_command('add_job', correlation_id, job))

    def edit_job(self, correlation_id: Optional[str], job: dict) -> CronJobV1:
        return CronJobV1.from_json(self.call_command('edit_job', correlation_id, job))

    def pause_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        return self._job_call('pause_job', correlation_id, group_name=group_name, job_id=job_id)

    def active_job(self, correlation_id: Optional[str], group_name: str, job_id: str,
                   exec_time: int = 0) -> CronJobV1:
        return self._job_call('active_job', correlation_id, group_name=group_name, job_id=job_id,
                              exec_time=exec_time)

    def delete_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        return self._job_call('delete_job', correlation_id, group_name=group_name, job_id=job_id)

    def get_jobs(self, correlation_id: Optional[str], group_name: str) -> List[CronJobV1]:
        result = self.call_command('get_jobs', correlation_id, {'group_name': group_name})
        return [CronJobV1.from_json(j) for j in result or []]

    def get_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        return self._job_call('get_job', correlation_id, group_name=group_name, job_id=job_id)

    def get_job_runs(self, correlation_id: Optional[str], group_name: str, job_id: str) -> List[CronRunV1]:
        result = self.call_command('get_job_runs', correlation_id, {'group_name': group_name, 'job_id': job_id})
        return [CronRunV1.from_json(r) for r in result or []]

    def clear_jobs(self, correlation_id: Optional[str], group_name: str) -> dict:
        return self.call_command('clear_jobs', correlation_id, {'group_name': group_name})

    def delete_jobs_by_name(self, correlation_id: Optional[str], group_name: str, name: str) -> dict:
        return self.call_command('delete_jobs_by_name', correlation_id, {'group_name': group_name, 'name': name})

    def dump(self, correlation_id: Optional[str], group_name: Optional[str] = None) -> bytes:
        result = self.call_command('dump', correlation_id, {'group_name': group_name} if group_name else {})
        return base64.b64decode(result['data'])

    def import_dump(self, correlation_id: Optional[str], data: bytes) -> dict:
        return self.call_command('import_dump', correlation_id, {'data': base64.b64encode(data).decode()})
