"""The cron client that calls the controller in the same process."""
from typing import List, Optional

from pip_services3_commons.refer import Descriptor
from pip_services3_rpc.clients import DirectClient

from service_background.cron.clients.version1.i_cron_client_v1 import ICronClientV1
from service_background.cron.data.version1 import CronGroupV1, CronJobV1, CronRunV1


class CronDirectClientV1(DirectClient, ICronClientV1):
    """Calls the controller in the same process."""

    def __init__(self):
        super().__init__()
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-cron', 'controller', '*', '*', '1.0'))

    def get_version(self, correlation_id: Optional[str]) -> dict:
        return self._controller.get_version(correlation_id)

    def register_group(self, correlation_id: Optional[str], group_name: str) -> CronGroupV1:
        return self._controller.register_group(correlation_id, group_name)

    def remove_group(self, correlation_id: Optional[str], group_name: str) -> CronGroupV1:
        return self._controller.remove_group(correlation_id, group_name)

    def get_groups(self, correlation_id: Optional[str]) -> List[CronGroupV1]:
        return self._controller.get_groups(correlation_id)

    def get_group_info(self, correlation_id: Optional[str], group_name: str) -> dict:
        return self._controller.get_group_info(correlation_id, group_name)

    def get_nodes(self, correlation_id: Optional[str], group_name: str) -> list:
        return self._controller.nodes.get_nodes(correlation_id, group_name)

    def add_job(self, correlation_id: Optional[str], job: dict) -> CronJobV1:
        return self._controller.add_job(correlation_id, job)

    def edit_job(self, correlation_id: Optional[str], job: dict) -> CronJobV1:
        return self._controller.edit_job(correlation_id, job)

    def pause_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        return self._controller.pause_job(correlation_id, group_name, job_id)

    def active_job(self, correlation_id: Optional[str], group_name: str, job_id: str,
                   exec_time: int = 0) -> CronJobV1:
        return self._controller.active_job(correlation_id, group_name, job_id, exec_time)

    def delete_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        return self._controller.delete_job(correlation_id, group_name, job_id)

    def get_jobs(self, correlation_id: Optional[str], group_name: str) -> List[CronJobV1]:
        return self._controller.get_jobs(correlation_id, group_name)

    def get_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        return self._controller.get_job(correlation_id, group_name, job_id)

    def get_job_runs(self, correlation_id: Optional[str], group_name: str, job_id: str) -> List[CronRunV1]:
        return self._controller.get_job_runs(correlation_id, group_name, job_id)

    def clear_jobs(self, correlation_id: Optional[str], group_name: str) -> dict:
        return self._controller.clear_jobs(correlation_id, group_name)

    def delete_jobs_by_name(self, correlation_id: Optional[str], group_name: str, name: str) -> dict:
        return self._controller.delete_jobs_by_name(correlation_id, group_name, name)

    def dump(self, correlation_id: Optional[str], group_name: Optional[str] = None) -> bytes:
        return self._controller.dump(correlation_id, group_name)

    def import_dump(self, correlation_id: Optional[str], data: bytes) -> dict:
        return self._controller.import_dump(correlation_id, data)
