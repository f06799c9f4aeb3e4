"""8 workers through start_job_by_type / complete_job while a producer adds: every job is completed
exactly once on every persistence (5,000 jobs per worker; 500 on the MongoDB-wire server).

nx-27017 answers a sorted take by scanning and sorting the whole collection in Python (MongoDB walks
the index), so the run keeps the collection small as a real deployment would: the producer keeps at
most BACKLOG jobs outstanding, and finished jobs (result_ttl 0) go with the cleaner every 200 ms."""
import threading
import time

from pip_services3_commons.data import FilterParams, PagingParams

from service_background.jobs.data.version1 import NewJobV1

from .wiring import wire

WORKERS = 8
BACKLOG = 200


def test_every_job_completed_exactly_once(persistence, persistence_kind):
    per_worker = 500 if persistence_kind == 'mongodb' else 5000
    total = WORKERS * per_worker
    controller, client = wire(persistence, lease_interval=60000, clean_interval=200)
    added, completed, errors = [], [], []
    lock = threading.Lock()
    producing = threading.Event()
    producing.set()

    def produce():
        try:
            for start in range(0, total, 100):
                while len(added) - len(completed) > BACKLOG:
                    time.sleep(0.005)
                jobs = client.add_jobs(None, [NewJobV1(type='stress', params=i, result_ttl=0)
                                              for i in range(start, min(total, start + 100))])
                added.extend(j.id for j in jobs)
        except Exception as ex:
            errors.append(ex)
        finally:
            producing.clear()

    def work():
        try:
            while True:
                was_producing = producing.is_set()
                job = client.start_job_by_type(None, 'stress', 600000)
                if job is None:
                    if not was_producing:
                        break
                    time.sleep(0.005)  # the producer is behind; let it run
                    continue
                done = client.complete_job(None, job.id, job.params)
                with lock:
                    completed.append(done.id)
        except Exception as ex:  # a double take shows up here as a 409
            errors.append(ex)

    threads = [threading.Thread(target=produce)] + [threading.Thread(target=work) for _ in range(WORKERS)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert len(added) == total and len(completed) == total
        assert len(set(completed)) == total and set(completed) == set(added)
        left = client.get_jobs(None, FilterParams.from_tuples('type', 'stress', 'status', 'queued'),
                               PagingParams(0, 1, True))
        assert left.total == 0
    finally:
        controller.close(None)
