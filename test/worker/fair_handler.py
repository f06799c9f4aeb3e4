"""The handler of the fair-queue worker tests (``test.worker.fair_handler:stamp``): holds the job a moment and
appends ``<group> <start> <end> <pid> <job id>`` to $WORKER_TEST_LOG in one write (O_APPEND: atomic)."""
import os
import time


def stamp(job):
    start = time.time()
    time.sleep(float(os.environ.get('WORKER_TEST_SLEEP', '0.05')))
    end = time.time()
    with open(os.environ['WORKER_TEST_LOG'], 'a') as f:
        f.write(f"{job.params['group']} {start!r} {end!r} {os.getpid()} {job.id}\n")
    return {'group': job.params['group']}
