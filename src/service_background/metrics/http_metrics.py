"""HttpMetrics: requests by method, route template and status, and their latency by method and route."""
import threading

from service_background.metrics.plain_metrics import families, observe_into

HTTP_REQUESTS, HTTP_LATENCY = 'sb_http_requests', 'sb_http_request_duration_seconds'
HTTP_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
_COUNTERS = {HTTP_REQUESTS: ('HTTP requests', ('method', 'route', 'status'))}
_HISTOGRAMS = {HTTP_LATENCY: ('HTTP request latency', ('method', 'route'), HTTP_BUCKETS)}
_METHODS = frozenset(('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'))


class HttpMetrics:
    """Requests by method, route template and status, and their latency by method and route: one row of
    plain numbers per (method, route, status) — the latency buckets and their sum; the count is their total
    — so a request costs one lookup and two additions under a lock. A scrape sums the rows into the two
    Prometheus families (plain_metrics.families)."""

    def __init__(self):
        self._lock = threading.Lock()  # the cron functions' endpoint observes from its own thread
        self._rows = {}  # (method, route, status) -> [count per latency bucket..., +Inf, sum of seconds]

    def observe(self, method: str, route: str, status: int, seconds: float):
        """The endpoints' observer: called once per request."""
        if not route:
            route = '<unmatched>'
            if method not in _METHODS:
                method = 'OTHER'  # label values stay bounded whatever methods callers invent
        with self._lock:
            observe_into(self._rows, (method, route, status), HTTP_BUCKETS, seconds)

    def describe(self):
        return []

    def collect(self) -> list:
        with self._lock:
            rows = {key: list(row) for key, row in self._rows.items()}
        totals, latency = {}, {}
        for (method, route, status), row in rows.items():
            totals[(HTTP_REQUESTS, (method, route, status))] = sum(row[:-1])
            summed = latency.setdefault((HTTP_LATENCY, (method, route)), [0] * len(row))
            for i, value in enumerate(row):
                summed[i] += value
        return families(_COUNTERS, _HISTOGRAMS, totals, latency)
