"""RQ's no-op function for bench/worker_peers.py."""
import probe


def noop(t):
    probe.hit(t)
