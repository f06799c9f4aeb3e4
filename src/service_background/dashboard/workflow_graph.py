"""The workflow page's graph: a workflow's jobs as nodes in layers by depth (the longest path from a root),
ordered within a layer near their parents, with edges as parent keys; the page draws it as SVG."""
from typing import Dict, List, Sequence

from service_background.jobs.data.version1 import JobStatusV1, JobV1

MAX_NODES = 500  # nodes drawn at most; the rest are counted as hidden
WAITING = 'waiting'  # a queued job some of whose parents have not finished yet


def _state(job: JobV1) -> str:
    return WAITING if job.status == JobStatusV1.Queued and job.waiting_on else job.status


def _depths(parents: Dict[str, List[str]]) -> Dict[str, int]:
    """Each key's layer: 0 for a root, else one past its deepest parent (Kahn's order from the roots)."""
    children: Dict[str, List[str]] = {key: [] for key in parents}
    waiting = {key: len(names) for key, names in parents.items()}
    for key, names in parents.items():
        for name in names:
            children[name].append(key)
    depth = {key: 0 for key in parents}
    ready = sorted(key for key, count in waiting.items() if count == 0)
    while ready:
        key = ready.pop()
        for child in children[key]:
            depth[child] = max(depth[child], depth[key] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return depth


def _ordered(keys: Sequence[str], parents: Dict[str, List[str]], depth: Dict[str, int]) -> List[str]:
    """Layer by layer; within a layer by the mean place of the node's parents in theirs (fewer crossings),
    then by key."""
    place: Dict[str, int] = {}
    result: List[str] = []
    layers: Dict[int, List[str]] = {}
    for key in sorted(keys):
        layers.setdefault(depth[key], []).append(key)
    for level in sorted(layers):
        def centre(key: str) -> float:
            known = [place[name] for name in parents[key] if name in place]
            return sum(known) / len(known) if known else -1.0
        layer = sorted(layers[level], key=lambda key: (centre(key), key))
        place.update((key, index) for index, key in enumerate(layer))
        result.extend(layer)
    return result


def workflow_graph(jobs: List[JobV1], max_nodes: int = MAX_NODES) -> dict:
    """``{nodes: [{key, id, status, state, depth, parents}], hidden}`` of the jobs of one workflow (each with
    its ``workflow_key``; ``depends_on`` names parent ids, mapped here to keys). ``state`` is the status, or
    ``waiting`` for a queued job whose parents are not all finished. The first ``max_nodes`` by layer are
    kept: every kept node's parents are kept too (they sit in earlier layers)."""
    by_key = {job.workflow_key: job for job in jobs if job.workflow_key is not None}
    key_of = {job.id: key for key, job in by_key.items()}
    parents = {key: [key_of[id] for id in job.depends_on or [] if id in key_of] for key, job in by_key.items()}
    depth = _depths(parents)
    kept = _ordered(list(by_key), parents, depth)[:max_nodes]
    nodes = [{'key': key, 'id': by_key[key].id, 'status': by_key[key].status, 'state': _state(by_key[key]),
              'depth': depth[key], 'parents': parents[key]} for key in kept]
    return {'nodes': nodes, 'hidden': len(by_key) - len(kept)}
