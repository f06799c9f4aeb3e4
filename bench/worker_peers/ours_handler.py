"""The no-op job handler bench/worker_peers.py gives our worker CLI: `--type bench=ours_handler:run`."""
import probe


async def run(job):
    params = job.params
    probe.hit(params.get('t', 0) if isinstance(params, dict) else 0)
