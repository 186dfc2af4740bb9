"""Prometheus metrics of every process, in one place (prometheus-client).

- HTTP apps: ``common.web.init_service_app`` counts requests and their latency by route and status
  (``count_request``) and serves ``GET /metrics`` (``init_app``). Under gunicorn the workers
  write their values to ``PROMETHEUS_MULTIPROC_DIR`` (set up by ``common.gunicorn_metrics``) and
  ``/metrics`` sums them over every worker.
- Relays, consumers and receivers serve ``/metrics`` on ``METRICS_PORT`` when it is set
  (``serve_from_env``, called as the process starts).

Label values are bounded: routes are URL rules (``/rest/servicedeskapi/request/<key>``), never paths.
"""
from __future__ import annotations

import logging
import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess,
    start_http_server,
)

logger = logging.getLogger(__name__)

HTTP_REQUESTS = Counter("servicedesk_http_requests_total", "HTTP requests answered.",
                        ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("servicedesk_http_request_duration_seconds", "Time to answer an HTTP request.",
                         ["service", "method", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
RELAY_PUBLISHED = Counter("servicedesk_outbox_published_total", "Outbox events published and confirmed.",
                          ["exchange"])
RELAY_FAILURES = Counter("servicedesk_outbox_publish_failures_total", "Outbox batches that failed to publish.")
OUTBOX_PENDING = Gauge("servicedesk_outbox_pending_events", "Outbox events not yet published.",
                       multiprocess_mode="max")
OUTBOX_OLDEST = Gauge("servicedesk_outbox_oldest_pending_age_seconds",
                      "Age of the oldest outbox event not yet published (0 when none).", multiprocess_mode="max")
CONSUMED = Counter("servicedesk_consumer_messages_total",
                   "Messages handled by a consumer, by outcome (processed, duplicate, retried, dead_lettered).",
                   ["queue", "outcome"])
HANDLING = Histogram("servicedesk_consumer_handling_seconds", "Time to handle one event (its transaction).",
                     ["queue"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
QUEUE_DEPTH = Gauge("servicedesk_queue_depth_messages", "Messages ready in a consumer's queue, as the broker says.",
                    ["queue"], multiprocess_mode="max")
EMAILS = Counter("servicedesk_emails_total", "Emails handed to the mail channel, by outcome (sent, failed).",
                 ["outcome"])


def registry() -> CollectorRegistry:
    """The registry to expose: every gunicorn worker's values in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    from prometheus_client import REGISTRY

    return REGISTRY


def init_app(app) -> None:
    """Serve ``GET /metrics`` from ``app`` (``common.web``'s hooks count its requests: ``count_request``)."""
    from flask import Response

    def metrics():
        return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])


# The labelled children by their label values: ``labels()`` validates and locks on every call, a
# dict lookup does not (the values are bounded, see above).
_counters: dict[tuple, object] = {}
_histograms: dict[tuple, object] = {}


def count_request(service: str, method: str, route: str, status: int, started: float | None) -> None:
    """Count one answered request and, when ``started`` (``time.perf_counter()``) is known, its latency."""
    key = (service, method, route, status)
    counter = _counters.get(key)
    if counter is None:
        counter = _counters[key] = HTTP_REQUESTS.labels(service, method, route, str(status))
    counter.inc()
    if started is not None:
        key = key[:3]
        histogram = _histograms.get(key)
        if histogram is None:
            histogram = _histograms[key] = HTTP_LATENCY.labels(*key)
        histogram.observe(time.perf_counter() - started)


_served: list[int] = []


def serve_from_env() -> int | None:
    """Serve ``/metrics`` on ``METRICS_PORT`` in a thread when it is set (once); return the port."""
    port = os.environ.get("METRICS_PORT")
    if not port or _served:
        return _served[0] if _served else None
    _served.append(int(port))
    start_http_server(int(port), addr=os.environ.get("METRICS_ADDR", "0.0.0.0"), registry=registry())
    logger.info("metrics served on port %s", port)
    return int(port)
