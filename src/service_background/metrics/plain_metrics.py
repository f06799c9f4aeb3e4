"""Counters and histograms kept as plain numbers and turned into Prometheus families only when scraped."""
import bisect
from typing import Dict, Sequence, Tuple

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.utils import floatToGoString


class PlainMetrics:
    """prometheus_client's own take a lock per inc/observe (a histogram one per bucket hit and one for its sum)
    and walk the bucket bounds in Python: microseconds on every request and every job. Here the owner holds
    one lock (``lock``) around its writes; a scrape copies the numbers under it."""

    def __init__(self, lock):
        self.lock = lock  # the owner's, held around its writes
        self._counters: Dict[str, Tuple[str, Sequence[str]]] = {}  # name -> (help, label names)
        self._histograms: Dict[str, Tuple[str, Sequence[str], tuple]] = {}  # name -> (help, labels, bounds)
        self._totals: Dict[tuple, int] = {}  # (name, label values) -> count
        self._rows: Dict[tuple, list] = {}  # (name, label values) -> [count per bucket..., +Inf, sum]

    def counter(self, name: str, help: str, labels: Sequence[str]):
        self._counters[name] = (help, tuple(labels))

    def histogram(self, name: str, help: str, labels: Sequence[str], buckets: Sequence[float]):
        self._histograms[name] = (help, tuple(labels), tuple(sorted(buckets)))

    # --- writes: the caller holds self.lock -------------------------------------------------
    def inc(self, name: str, values: tuple):
        key = (name, values)
        self._totals[key] = self._totals.get(key, 0) + 1

    def observe(self, name: str, values: tuple, value: float):
        observe_into(self._rows, (name, values), self._histograms[name][2], value)

    # --- a scrape -----------------------------------------------------------------------------
    def collect(self) -> list:
        with self.lock:
            totals, rows = dict(self._totals), {k: list(v) for k, v in self._rows.items()}
        return families(self._counters, self._histograms, totals, rows)


def observe_into(rows: dict, key, bounds: tuple, value: float):
    """One observation into ``rows[key]``: [count per bucket of ``bounds``..., +Inf, sum]."""
    row = rows.get(key)
    if row is None:
        row = rows[key] = [0] * (len(bounds) + 1) + [0.0]
    row[bisect.bisect_left(bounds, value)] += 1  # le: a value on a bound counts in that bucket
    row[-1] += value


def families(counters: dict, histograms: dict, totals: dict, rows: dict) -> list:
    """Prometheus families of counters {name: (help, labels)} and histograms {name: (help, labels, bounds)}
    from their numbers: totals {(name, label values): count}, rows {(name, label values): [per bucket...,
    +Inf, sum]}."""
    result = {}
    for name, (doc, labels) in counters.items():
        result[name] = CounterMetricFamily(name, doc, labels=list(labels))
    for name, (doc, labels, _) in histograms.items():
        result[name] = HistogramMetricFamily(name, doc, labels=list(labels))
    for (name, values), count in sorted(totals.items(), key=_label_order):
        result[name].add_metric([str(v) for v in values], count)
    for (name, values), row in sorted(rows.items(), key=_label_order):
        buckets, running = [], 0
        for bound, count in zip(histograms[name][2] + (float('inf'),), row):
            running += count
            buckets.append((floatToGoString(bound), running))
        result[name].add_metric([str(v) for v in values], buckets, row[-1])
    return list(result.values())


def _label_order(item) -> tuple:
    (name, values), _ = item
    return name, tuple(str(v) for v in values)
