"""``/metrics``: the deployment's figures in Prometheus' text format, read from the database and
the queue (both emulators in-process, nothing mocked); the token, or loopback only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from kiotsync.catalog.models import KvStock
from kiotsync.core.numbers import version_from_datetime
from kiotsync.inbox.models import InboundEvent
from kiotsync.metrics.lag import TOP_N
from kiotsync.metrics.models import HttpAttempts
from kiotsync.orders.models import OrderLink
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.wiring import get_wiring

from .conftest import Platforms

Figures = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: Client, **extra: Any) -> Figures:
    """Every sample of ``/metrics``, by sample name and labels (the text must parse)."""
    resp = client.get("/metrics", **extra)
    assert resp.status_code == 200, resp.content[:300]
    assert resp["Content-Type"].startswith("text/plain; version=0.0.4")
    figures: Figures = {}
    for family in text_string_to_metric_families(resp.content.decode()):
        for sample in family.samples:
            figures[(sample.name, frozenset(sample.labels.items()))] = sample.value
    assert figures[("kiotsync_metrics_part_ok", frozenset({("part", "queue")}))] == 1
    failed = [
        dict(labels) for (name, labels), v in figures.items() if name == "kiotsync_metrics_part_ok" and not v
    ]
    assert not failed, f"parts that failed: {failed}"
    return figures


def fig(figures: Figures, name: str, **labels: str) -> float:
    return figures[(name, frozenset(labels.items()))]


def series(figures: Figures, name: str) -> dict[str, float]:
    """A per-shop family: shop → value."""
    return {dict(labels)["shop"]: v for (n, labels), v in figures.items() if n == name}


@pytest.fixture
def real_queue() -> Iterator[Any]:
    """The configured queue (SqliteHuey or Redis), served by nobody until the test says so."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    HUEY.flush()  # what earlier tests left in a shared Redis queue
    try:
        yield HUEY
    finally:
        HUEY.flush()
        HUEY.immediate = True


def test_a_webhook_waiting_shows_in_the_inbox_backlog_the_queue_and_then_the_latency(
    shop: Platforms, client: Client, real_queue: Any
) -> None:
    tenant = Tenant.objects.get()
    before = scrape(client)
    assert fig(before, "kiotsync_inbox_backlog_events", platform="kiotviet") == 0
    # A stock count at the KiotViet back office: its webhook is stored, its processing queued.
    shop.kv_control("POST", "/stock", json={"code": "ATCB-DEN-M", "branchId": 213046, "onHand": 37})
    shop.kv.webhooks.drain(30)
    waiting = InboundEvent.objects.filter(tenant=tenant, state=InboundEvent.State.PENDING)
    assert waiting.count() == 1
    InboundEvent.objects.filter(pk=waiting.get().pk).update(
        received_at=timezone.now() - timedelta(seconds=90)
    )
    after = scrape(client)
    assert fig(after, "kiotsync_inbox_backlog_events", platform="kiotviet") == 1
    assert fig(after, "kiotsync_inbox_backlog_events", platform="haravan") == 0
    assert 90 <= fig(after, "kiotsync_inbox_backlog_oldest_age_seconds", platform="kiotviet") < 150
    pending = real_queue.pending_count()
    assert pending >= 1
    assert fig(after, "kiotsync_queue_pending_tasks", queue="default") == pending
    by_lane = {dict(k)["lane"]: v for (n, k), v in after.items() if n == "kiotsync_queue_lane_pending_tasks"}
    assert sum(by_lane.values()) == pending and by_lane["webhooks"] >= 1, by_lane
    assert fig(after, "kiotsync_workers_alive", queue="default") == 0  # no worker in tests

    # A worker takes the task: the webhook is processed about 90 s after its receipt.
    while (task := real_queue.dequeue()) is not None:
        real_queue.execute(task)
    assert not InboundEvent.objects.filter(state=InboundEvent.State.PENDING).exists()
    done = scrape(client)
    assert fig(done, "kiotsync_inbox_backlog_events", platform="kiotviet") == 0
    assert fig(done, "kiotsync_inbox_backlog_oldest_age_seconds", platform="kiotviet") == 0
    since = timezone.now() - timedelta(minutes=15)
    processed = InboundEvent.objects.filter(platform="kiotviet", processed_at__gte=since).count()
    latency = "kiotsync_webhook_latency_seconds_bucket"
    assert fig(done, latency, platform="kiotviet", le="+Inf") == processed
    assert fig(done, latency, platform="kiotviet", le="300.0") == processed
    assert fig(done, latency, platform="kiotviet", le="60.0") == processed - 1  # the one held back
    assert fig(done, "kiotsync_webhook_latency_seconds_gsum", platform="kiotviet") >= 90


def test_a_shop_with_a_dirty_stock_row_and_a_failed_order_shows_its_lag(
    shop: Platforms, client: Client
) -> None:
    tenant = Tenant.objects.get()
    now = timezone.now()
    # Auto-sync off: dirty rows wait for the next "Đồng bộ" by design, the shop is not lagging.
    KvStock.objects.filter(tenant=tenant).update(dirty=False)
    KvStock.objects.create(
        tenant=tenant, kv_id=990_000_001, branch_id=213046, on_hand=3,
        version=version_from_datetime(now - timedelta(seconds=300)), dirty=True,
    )  # fmt: skip
    OrderLink.objects.filter(tenant=tenant).update(state=OrderLink.State.SYNCED)
    link = OrderLink.objects.create(
        tenant=tenant, origin="haravan", hv_order_id=990_000_002, hv_name="#M1001", state="error"
    )
    OrderLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(seconds=600))
    off = scrape(client)
    assert series(off, "kiotsync_shop_stock_lag_seconds") == {}
    assert fig(off, "kiotsync_stock_lag_seconds", stat="max") == 0
    orgid = tenant.orgid
    assert 600 <= series(off, "kiotsync_shop_order_lag_seconds")[orgid] < 660
    assert series(off, "kiotsync_shop_unsynced_orders") == {orgid: 1}
    assert fig(off, "kiotsync_unsynced_orders", state="error") == 1
    assert fig(off, "kiotsync_unsynced_orders", state="waiting") == 0
    assert fig(off, "kiotsync_order_lagging_shops") == 1
    assert (
        fig(off, "kiotsync_order_lag_seconds", stat="max")
        == series(off, "kiotsync_shop_order_lag_seconds")[orgid]
    )

    # Auto-sync of stock on: the dirty row is 300 s behind.
    SyncSettings.objects.filter(tenant=tenant).update(auto_sync_enabled=True)
    on = scrape(client)
    assert 300 <= series(on, "kiotsync_shop_stock_lag_seconds")[orgid] < 360
    assert series(on, "kiotsync_shop_dirty_rows") == {orgid: 1}
    assert fig(on, "kiotsync_stock_lagging_shops") == 1
    assert (
        fig(on, "kiotsync_stock_lag_seconds", stat="p95")
        == series(on, "kiotsync_shop_stock_lag_seconds")[orgid]
    )
    assert fig(on, "kiotsync_shops", status="active") == 1


def test_429s_and_retries_are_counted_by_platform_across_processes(shop: Platforms, client: Client) -> None:
    """The worker's heartbeat adds its process's counts to the table; /metrics reads it."""
    from kiotsync.runtime import discover_tasks
    from kiotsync.workers.heartbeat import Heartbeat

    tenant = Tenant.objects.get()
    beat = Heartbeat("default", discover_tasks())
    beat.beat()  # what this process counted so far goes in now
    base = scrape(client)

    def grown(figures: Figures, outcome: str, retry: str) -> float:
        key = (
            "kiotsync_http_attempts_total",
            frozenset({("platform", "haravan"), ("outcome", outcome), ("retry", retry)}),
        )
        return figures.get(key, 0.0) - base.get(key, 0.0)

    shop.hv_control(
        "POST",
        "/faults",
        json={
            "method": "GET",
            "path": "/com/shop.json",
            "status": 429,
            "count": 1,
            "headers": {"Retry-After": "0"},
        },
    )
    get_wiring().haravan(tenant).get_shop()  # a 429, then the retry answers
    stored = dict(
        ((p, o, r), n)
        for p, o, r, n in HttpAttempts.objects.values_list("platform", "outcome", "retry", "count")
    )
    beat.beat()
    after_beat = dict(
        ((p, o, r), n)
        for p, o, r, n in HttpAttempts.objects.values_list("platform", "outcome", "retry", "count")
    )
    assert after_beat.get(("haravan", "429", "no"), 0) == stored.get(("haravan", "429", "no"), 0) + 1
    after = scrape(client)
    assert grown(after, "429", "no") == 1
    assert grown(after, "2xx", "yes") == 1
    beat.stop()


def test_the_token_is_asked_for_and_without_one_only_loopback_is_answered(db: None, settings: Any) -> None:
    client = Client()
    assert client.get("/metrics").status_code == 200  # the test client calls from 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 403
    # Through a proxy on this machine (it sets X-Forwarded-Proto): not loopback's own caller.
    assert client.get("/metrics", HTTP_X_FORWARDED_PROTO="https").status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 403
    assert client.post("/metrics").status_code == 405

    settings.KIOTSYNC_METRICS_TOKEN = "s3cret-metrics-token"
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    assert b"kiotsync_" not in refused.content
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic s3cret-metrics-token").status_code == 401
    ok = scrape(client, REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert fig(ok, "kiotsync_shops", status="active") == 0


def test_only_the_laggiest_shops_get_a_series_and_the_fleet_figures_cover_all(db: None) -> None:
    now = timezone.now()
    for i in range(1, TOP_N + 6):
        tenant = Tenant.objects.create(orgid=f"77{i:03d}", name=f"Shop {i}")
        link = OrderLink.objects.create(tenant=tenant, origin="haravan", hv_order_id=i, state="waiting")
        OrderLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(minutes=i))
    figures = scrape(Client())
    shops = series(figures, "kiotsync_shop_order_lag_seconds")
    assert len(shops) == TOP_N
    assert set(shops) == {f"77{i:03d}" for i in range(6, TOP_N + 6)}  # the 5 least late left out
    assert 25 * 60 <= fig(figures, "kiotsync_order_lag_seconds", stat="max") < 25 * 60 + 30
    assert 24 * 60 <= fig(figures, "kiotsync_order_lag_seconds", stat="p95") < 24 * 60 + 30  # 24th of 25
    assert fig(figures, "kiotsync_order_lagging_shops") == TOP_N + 5
    assert fig(figures, "kiotsync_unsynced_orders", state="waiting") == TOP_N + 5
