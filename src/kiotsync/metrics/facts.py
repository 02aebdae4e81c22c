"""The figures of ``/metrics``, as Prometheus metric families, read at scrape time from the
database and the queue's store (names in docs/deploy.md, "Metrics")."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.db.models import Count, Min, OuterRef, Subquery
from django.utils import timezone
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)

from kiotsync.inbox.models import InboundEvent
from kiotsync.reconcile.models import Drift, ReconcileRun
from kiotsync.tenants.models import Tenant
from kiotsync.workers import lanes
from kiotsync.workers.liveness import queue_health

from . import lag, store

log = logging.getLogger(__name__)

QUEUE = "default"  # the one Huey queue (as /healthz names it); its lanes are task priorities
#: Pending tasks looked at to count them by lane (the most urgent first).
LANE_PEEK = 2000
#: Webhook latency: events processed in this window, among the newest events received.
LATENCY_WINDOW = timedelta(minutes=15)
LATENCY_PEEK = 5000
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
PLATFORMS = tuple(p.value for p in InboundEvent.Platform)

Part = Callable[[datetime], Iterator[Metric]]


def _gauge(name: str, doc: str, labels: list[str], *samples: tuple[list[str], float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for label_values, value in samples:
        family.add_metric(label_values, value)
    return family


def lane_names() -> dict[int, str]:
    """Huey priority → lane name (workers/lanes.py)."""
    return {v: k.lower() for k, v in vars(lanes).items() if k.isupper() and isinstance(v, int)}


def queue(now: datetime) -> Iterator[Metric]:
    """Depth of the queue (and by lane), the oldest ready task's age, the workers alive.

    Huey keeps no enqueue time on a task, so the age is the queue probe's (as ``/healthz``): a
    task the workers send through the queue every 10 s, whose wait is that of the oldest ready
    task."""
    from huey.contrib.djhuey import HUEY

    health = queue_health(QUEUE)
    q = [QUEUE]
    yield _gauge("kiotsync_queue_pending_tasks", "Tasks ready in the queue", ["queue"], (q, health["ready"]))
    yield _gauge(
        "kiotsync_queue_scheduled_tasks",
        "Tasks waiting for their time (delayed, retries)",
        ["queue"],
        (q, HUEY.scheduled_count()),
    )
    yield _gauge(
        "kiotsync_queue_oldest_task_age_seconds",
        "How long the oldest ready task has waited (the queue probe's wait, as /healthz)",
        ["queue"],
        (q, health["oldest_ready_s"]),
    )
    if health["probe_latency_s"] is not None:
        yield _gauge(
            "kiotsync_queue_probe_latency_seconds",
            "The last answered queue probe's time from sent to run",
            ["queue"],
            (q, health["probe_latency_s"]),
        )
    yield _gauge(
        "kiotsync_workers_alive",
        "Worker processes with a heartbeat in the last 40 s",
        ["queue"],
        (q, health["workers"]),
    )
    yield _gauge(
        "kiotsync_workers_tasks_registered",
        "The fewest tasks any live worker knows",
        ["queue"],
        (q, health["tasks_registered"]),
    )
    names = lane_names()
    by_lane = dict.fromkeys(names.values(), 0)
    for task in HUEY.pending(limit=LANE_PEEK):
        priority = getattr(task, "priority", None)
        lane_name = "none" if priority is None else names.get(priority, str(priority))
        by_lane[lane_name] = by_lane.get(lane_name, 0) + 1
    yield _gauge(
        "kiotsync_queue_lane_pending_tasks",
        f"Tasks ready in the queue by lane (counted among the {LANE_PEEK} most urgent)",
        ["queue", "lane"],
        *(([QUEUE, name], n) for name, n in sorted(by_lane.items())),
    )


def inbox(now: datetime) -> Iterator[Metric]:
    """Webhooks stored and not processed yet, the oldest one's age; webhooks that failed."""
    rows = (
        InboundEvent.objects.filter(state__in=[InboundEvent.State.PENDING, InboundEvent.State.FAILED])
        .values("platform", "state")
        .annotate(n=Count("id"), oldest=Min("received_at"))
        .order_by()
    )
    found = {(r["platform"], r["state"]): r for r in rows}
    backlog, oldest, failed = [], [], []
    for platform in PLATFORMS:
        pending = found.get((platform, InboundEvent.State.PENDING))
        backlog.append(([platform], pending["n"] if pending else 0))
        age = max(0.0, (now - pending["oldest"]).total_seconds()) if pending else 0.0
        oldest.append(([platform], age))
        bad = found.get((platform, InboundEvent.State.FAILED))
        failed.append(([platform], bad["n"] if bad else 0))
    yield _gauge(
        "kiotsync_inbox_backlog_events", "Webhooks stored, not processed yet", ["platform"], *backlog
    )
    yield _gauge(
        "kiotsync_inbox_backlog_oldest_age_seconds",
        "Age of the oldest webhook not processed yet",
        ["platform"],
        *oldest,
    )
    yield _gauge("kiotsync_inbox_failed_events", "Webhooks whose processing failed", ["platform"], *failed)


def webhook_latency(now: datetime) -> Iterator[Metric]:
    """From a webhook's receipt to the end of its processing, for the webhooks processed in the
    last ``LATENCY_WINDOW`` (among the newest ``LATENCY_PEEK`` received: read by primary key,
    so the cost stays the same however large the inbox grows). A gauge histogram: the window
    slides, so ``histogram_quantile()`` is taken on the buckets as they are, without
    ``rate()``."""
    since = now - LATENCY_WINDOW
    newest = InboundEvent.objects.order_by("-pk").values_list("platform", "received_at", "processed_at")
    seconds: dict[str, list[float]] = {p: [] for p in PLATFORMS}
    for platform, received, processed in newest[:LATENCY_PEEK]:
        if processed is not None and processed >= since and platform in seconds:
            seconds[platform].append(max(0.0, (processed - received).total_seconds()))
    family = GaugeHistogramMetricFamily(
        "kiotsync_webhook_latency_seconds",
        f"Webhooks processed in the last {int(LATENCY_WINDOW.total_seconds() // 60)} minutes: "
        "seconds from receipt to processed",
        labels=["platform"],
    )
    for platform, values in seconds.items():
        buckets = [(_le(b), float(sum(1 for v in values if v <= b))) for b in LATENCY_BUCKETS]
        family.add_metric([platform], [*buckets, ("+Inf", float(len(values)))], sum(values))
    yield family


def _le(bound: float) -> str:
    return repr(float(bound))


def http_attempts(now: datetime) -> Iterator[Metric]:
    """Every process's platform-call attempts (:mod:`.store`)."""
    family = CounterMetricFamily(
        "kiotsync_http_attempts",
        "Attempts of platform calls by every process: outcome 2xx/3xx/429/4xx/5xx/transport; "
        "retry=yes for the second and later attempts of a call",
        labels=["platform", "outcome", "retry"],
    )
    for platform, outcome, retry, count in store.stored():
        family.add_metric([platform, outcome, retry], count)
    yield family


def shops(now: datetime) -> Iterator[Metric]:
    """Per-shop lag of stock and orders (the laggiest ``TOP_N``), the fleet's max and p95."""
    by_status = dict.fromkeys((s.value for s in Tenant.Status), 0)
    for row in Tenant.objects.values("status").annotate(n=Count("id")).order_by():
        by_status[row["status"]] = row["n"]
    yield _gauge("kiotsync_shops", "Shops by status", ["status"], *(([s], n) for s, n in by_status.items()))
    stock, orders = lag.stock_lags(now), lag.order_lags(now)
    for kind, lags, what in (("stock", stock, "dirty_rows"), ("order", orders, "unsynced_orders")):
        top = lags.top()
        yield _gauge(
            f"kiotsync_shop_{kind}_lag_seconds",
            f"Age of the shop's oldest {_LAG_DOC[kind]} (the {lag.TOP_N} laggiest shops)",
            ["shop"],
            *(([s.shop], s.seconds) for s in top),
        )
        yield _gauge(
            f"kiotsync_shop_{what}",
            f"The shop's {_COUNT_DOC[kind]} (the {lag.TOP_N} laggiest shops)",
            ["shop"],
            *(([s.shop], s.count) for s in top),
        )
        yield _gauge(
            f"kiotsync_{kind}_lag_seconds",
            f"Fleet: {_LAG_DOC[kind]}, max and p95 over the shops",
            ["stat"],
            (["max"], lags.max),
            (["p95"], lags.p95),
        )
        yield _gauge(
            f"kiotsync_{kind}_lagging_shops", f"Shops with some {kind} lag", [], ([], len(lags.shops))
        )
    yield _gauge(
        "kiotsync_unsynced_orders",
        "Orders waiting to be synced or failed, across the shops",
        ["state"],
        *(([state], n) for state, n in lag.unsynced_orders().items()),
    )


_LAG_DOC = {
    "stock": "stock change not yet written to Haravan (shops with Auto-sync of stock)",
    "order": "order waiting to be synced or failed",
}
_COUNT_DOC = {"stock": "products with stock not yet written", "order": "orders waiting or failed"}


def drifts(now: datetime) -> Iterator[Metric]:
    """Drifts the last reconciliation of each active shop found and that are still open (not
    healed by the run, not fixed since), by kind."""
    last_done = (
        ReconcileRun.objects.filter(tenant=OuterRef("tenant"))
        .exclude(state=ReconcileRun.State.RUNNING)
        .order_by("-started_at", "-pk")
        .values("pk")[:1]
    )
    rows = (
        Drift.objects.filter(
            run=Subquery(last_done),
            healed=False,
            fixed_at__isnull=True,
            tenant__status=Tenant.Status.ACTIVE,
        )
        .values("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys((k.value for k in Drift.Kind), 0)
    counts.update({r["kind"]: r["n"] for r in rows})
    yield _gauge(
        "kiotsync_drifts_open",
        "Open drifts of each shop's last reconciliation, by kind",
        ["kind"],
        *(([kind], n) for kind, n in counts.items()),
    )


PARTS: tuple[Part, ...] = (queue, inbox, webhook_latency, http_attempts, shops, drifts)


def collect(now: datetime | None = None) -> list[Metric]:
    """Every part's families; a part that fails (the queue's store away…) is left out and said
    in ``kiotsync_metrics_part_ok``, the others still answer."""
    now = now or timezone.now()
    started = time.monotonic()
    families: list[Metric] = []
    ok = []
    for part in PARTS:
        try:
            families.extend(list(part(now)))  # all of a part or none of it
            ok.append(([part.__name__], 1.0))
        except Exception:
            log.exception("metrics: %s failed", part.__name__)
            ok.append(([part.__name__], 0.0))
    families.append(
        _gauge("kiotsync_metrics_part_ok", "1 if the part was read, 0 if it failed", ["part"], *ok)
    )
    families.append(
        _gauge(
            "kiotsync_metrics_collect_seconds",
            "Time to read the figures",
            [],
            ([], time.monotonic() - started),
        )
    )
    return families
