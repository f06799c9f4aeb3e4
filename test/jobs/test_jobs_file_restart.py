"""The default (file) configuration: jobs, their order and their leases survive a container restart."""
import requests
from pip_services3_commons.config import ConfigParams

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.persistence import JobsFilePersistence


def test_queue_survives_a_container_restart(file_service_factory):
    with file_service_factory() as url:
        low = requests.post(f'{url}/jobs', json={'queue': 'r'}, headers={'X-Accepted-Priority': '3'}, timeout=10).json()
        high = requests.post(f'{url}/jobs', json={'queue': 'r'}, headers={'X-Accepted-Priority': '0'},
                             timeout=10).json()
        running = requests.post(f'{url}/v1/jobs/add_job', json={'new_job': {'type': 'r', 'priority': 0}},
                                timeout=10).json()
        requests.post(f'{url}/v1/jobs/start_job_by_id', json={'job_id': running['id'], 'timeout': 600000},
                      timeout=10).raise_for_status()
    with file_service_factory() as url:
        assert requests.get(f'{url}/jobs/{running["id"]}', timeout=10).json()['status'] == 'running'
        order = [requests.post(f'{url}/want_job', timeout=10).json()['id'] for _ in range(2)]
        assert order == [high['id'], low['id']]
        assert requests.post(f'{url}/want_job', timeout=10).status_code == 204


def test_reload_rebuilds_the_indexes(tmp_path):
    path = str(tmp_path / 'jobs.json')

    def open_store():
        store = JobsFilePersistence()
        store.configure(ConfigParams.from_tuples('path', path))
        store.open(None)
        return store
    store = open_store()
    now = clock.now()
    job = store.create(None, JobV1(id='a', type='q', created=now, not_before=now, ref_id='ref'))
    store.take(None, 'q', clock.now(), 1, 1)
    store.close(None)
    store = open_store()
    later = clock.add_ms(clock.now(), 10)
    assert store.get_expired_lease_ids(None, later, 10) == [job.id]  # lease heap rebuilt
    assert store.create_unless_ref_id_unfinished(
        None, JobV1(id='b', type='q', ref_id='ref', created=now, not_before=now)).id == 'a'
    store.close(None)
