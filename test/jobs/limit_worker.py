"""A worker process for the queue-limit stress tests: takes jobs of one queue from the given service
URLs in turn (the queue API's long-poll), stamps start and finish with its own clock around a short
'handler', completes them, and writes one JSON line per job; stops after ``idle`` empty takes."""
import json
import sys
import time

import requests


def main(out: str, queue: str, work_s: float, idle: int, *urls: str):
    session = requests.Session()
    empty = 0
    n = 0
    with open(out, 'a') as log:
        while empty < idle:
            url = urls[n % len(urls)]
            n += 1
            r = session.post(f'{url}/want_job', json={'queue': queue}, headers={'X-Accepted-Block-For': '0.5',
                                                                               'X-Accepted-Timeout': '60'},
                             timeout=30)
            if r.status_code == 204:
                empty += 1
                continue
            empty = 0
            job = r.json()
            start = time.time()
            time.sleep(work_s)
            finish = time.time()
            session.put(f'{url}/jobs/{job["id"]}', json={'status': 'done', 'lease_token': job.get('lease_token')},
                        timeout=30).raise_for_status()
            log.write(json.dumps({'id': job['id'], 'start': start, 'finish': finish, 'started': job['started']})
                      + '\n')
            log.flush()


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:])
