"""Inbound webhooks: handshake, signature on the raw body, durable storage, dedup, uninstall."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.test import Client

from kiotsync.inbox.models import InboundEvent
from kiotsync.tenants.models import Tenant

from .conftest import Platforms


def _hv_sign(body: bytes) -> str:
    key = settings.CONFIG.haravan_client_secret.encode()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def test_hub_challenge_handshake(client: Client, db: None) -> None:
    token = settings.CONFIG.haravan_webhook_verify_token
    resp = client.get(f"/webhooks/haravan?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=abc123")
    assert resp.status_code == 200 and resp.content == b"abc123"
    resp = client.get("/webhooks/haravan?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=abc123")
    assert resp.status_code == 403


def test_haravan_webhook_verified_stored_once(installed: Platforms, client: Client) -> None:
    tenant = Tenant.objects.get()
    body = json.dumps({"id": 42, "updated_at": "2026-11-29T01:02:03Z", "name": "#100001"}).encode()
    headers = {
        "HTTP_X_HARAVAN_TOPIC": "orders/create",
        "HTTP_X_HARAVAN_ORG_ID": tenant.orgid,
        "HTTP_X_HARAVAN_HMACSHA256": _hv_sign(body),
    }
    assert (
        client.post("/webhooks/haravan", body, content_type="application/json", **headers).status_code == 200
    )
    assert (
        client.post("/webhooks/haravan", body, content_type="application/json", **headers).status_code == 200
    )
    assert InboundEvent.objects.filter(tenant=tenant, topic="orders/create").count() == 1
    tampered = body.replace(b"#100001", b"#100002")
    resp = client.post("/webhooks/haravan", tampered, content_type="application/json", **headers)
    assert resp.status_code == 401
    assert InboundEvent.objects.count() == 1


def test_uninstall_from_haravan_deactivates_the_tenant(installed: Platforms, client: Client) -> None:
    tenant = Tenant.objects.get()
    installed.hv_control(
        "POST",
        "/uninstall",
        json={"orgid": installed.hv_creds["orgid"], "client_id": settings.CONFIG.haravan_client_id},
    )
    installed.hv.webhooks.drain(10)
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.UNINSTALLED
    assert InboundEvent.objects.filter(tenant=tenant, topic="app/uninstalled").exists()
    # The owner's session no longer opens the app.
    assert client.get("/connection").status_code == 302


def test_kiotviet_webhook_from_the_emulator_is_stored(connected: Platforms, client: Client) -> None:
    tenant = Tenant.objects.get()
    # Change a product's stock the way a stock-take in the POS would.
    kv = connected.kv_http
    token = kv.post(
        "/connect/token",
        data={
            "scopes": "PublicApi.Access",
            "grant_type": "client_credentials",
            "client_id": connected.kv_creds["client_id"],
            "client_secret": connected.kv_creds["client_secret"],
        },
    ).json()["access_token"]
    h = {"Retailer": connected.kv_creds["retailer"], "Authorization": f"Bearer {token}"}
    item = kv.get("/products", params={"pageSize": 1, "includeInventory": "true"}, headers=h).json()["data"][
        0
    ]
    branch_id = item["inventories"][0]["branchId"]
    resp = kv.put(
        f"/products/{item['id']}", json={"inventories": [{"branchId": branch_id, "onHand": 77}]}, headers=h
    )
    assert resp.status_code == 200, resp.text
    connected.kv.webhooks.drain(10)
    events = InboundEvent.objects.filter(tenant=tenant, platform="kiotviet")
    assert events.exists()
    assert any("stock.update" in e.topic or "product.update" in e.topic for e in events)
    # Redelivery of the same envelope Id is stored once.
    assert events.values("delivery_key").distinct().count() == events.count()


def test_healthz_says_the_queue_is_not_served_without_a_worker(client: Client, db: None) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 503
    body = resp.json()
    assert body["database"] == "ok"
    assert body["queue"] == "default: no worker"
    assert body["queues"]["default"]["workers"] == 0


def test_healthz_with_a_live_worker_and_its_probe_answered(client: Client, db: None) -> None:
    from kiotsync.runtime import discover_tasks
    from kiotsync.workers.heartbeat import Heartbeat
    from kiotsync.workers.models import QueueProbe

    beat = Heartbeat("default", discover_tasks())
    beat.beat()  # immediate queue: the probe runs where it is sent
    body = client.get("/healthz").json()
    assert body["status"] == "ok", body
    queue = body["queues"]["default"]
    assert queue["workers"] == 1 and queue["tasks_registered"] > 10
    assert queue["oldest_ready_s"] == 0.0 and queue["probe_latency_s"] is not None
    # A probe nobody runs: the age of the oldest ready task grows, and past the limit it is an error.
    from datetime import timedelta

    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    QueueProbe.objects.update(sent_at=timezone.now() - timedelta(minutes=6), done_at=None)
    HUEY.immediate = False  # nobody serves the queue now
    HUEY.flush()  # (what earlier tests left in a shared Redis queue)
    try:
        beat.beat()  # alive; the unanswered probe keeps its send time (sent again, in case it was lost)
        assert HUEY.pending_count() == 1
        body = client.get("/healthz").json()
    finally:
        HUEY.flush()
        HUEY.immediate = True
    assert body["queue"] == "default: backlog", body
    assert body["queues"]["default"]["oldest_ready_s"] >= 360
    beat.stop()
    assert client.get("/healthz").status_code == 503


def _kv_api(connected: Platforms) -> tuple[Any, dict[str, str]]:
    kv = connected.kv_http
    token = kv.post(
        "/connect/token",
        data={
            "scopes": "PublicApi.Access",
            "grant_type": "client_credentials",
            "client_id": connected.kv_creds["client_id"],
            "client_secret": connected.kv_creds["client_secret"],
        },
    ).json()["access_token"]
    return kv, {"Retailer": connected.kv_creds["retailer"], "Authorization": f"Bearer {token}"}


def test_a_huge_kiotviet_product_webhook_is_stored_and_the_registration_stays_on(
    connected: Platforms, client: Client
) -> None:
    """A 4.2 MB HTML description (past Django's 2.5 MB request limit) is answered 2xx and stored:
    a 4xx would make KiotViet switch ``product.update`` off for good."""
    tenant = Tenant.objects.get()
    kv, h = _kv_api(connected)
    item = kv.get("/products", params={"pageSize": 1}, headers=h).json()["data"][0]
    description = "<p>" + ("Mô tả rất dài. " * 300_000) + "</p>"
    assert len(description.encode()) > 4_200_000
    resp = kv.put(f"/products/{item['id']}", json={"description": description}, headers=h)
    assert resp.status_code == 200, resp.text[:300]
    connected.kv.webhooks.drain(30)
    stored = [
        e
        for e in InboundEvent.objects.filter(tenant=tenant, platform="kiotviet")
        if "product.update" in e.topic
    ]
    assert stored, "the big product.update was not stored"
    hooks = kv.get("/webhooks", headers=h).json()["data"]
    assert {w["type"] for w in hooks if w["isActive"]} >= {"product.update", "stock.update"}


def test_kiotviet_envelopes_without_an_id_are_not_taken_for_each_other(
    connected: Platforms, client: Client
) -> None:
    tenant = Tenant.objects.get()
    key = tenant.kiotviet.webhook_secret.encode()

    def post(body: dict[str, Any]) -> Any:
        raw = json.dumps(body).encode()
        sig = "sha1=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
        return client.post(
            f"/webhooks/kiotviet/{tenant.public_id}",
            raw,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE=sig,
        )

    first = {"Attempt": 1, "Notifications": [{"Action": "product.delete.1", "Data": [991]}]}
    second = {"Attempt": 1, "Notifications": [{"Action": "product.delete.1", "Data": [992]}]}
    assert post(first).json()["stored"] is True
    assert post(second).json()["stored"] is True
    # The same envelope redelivered (only Attempt differs) is one event.
    assert post({**first, "Attempt": 2}).json()["note"] == "duplicate"
    # Whatever the shape, KiotViet gets a 2xx.
    for body in ([1, 2], {"Notifications": "x"}, {"Id": {"a": 1}}):
        assert post(body).status_code == 200  # type: ignore[arg-type]
    assert InboundEvent.objects.filter(tenant=tenant, platform="kiotviet").count() >= 2


def test_an_event_whose_worker_died_mid_handling_is_handled_again(
    connected: Platforms, client: Client
) -> None:
    """A row left pending with an attempt counted (its worker was killed) is queued again by the
    redelivery backstop; one that keeps failing is given up after MAX_ATTEMPTS (FAILED, for the
    polling backstops)."""
    from datetime import timedelta

    from django.utils import timezone

    from kiotsync.inbox.dispatch import MAX_ATTEMPTS
    from kiotsync.inbox.jobs import redeliver_pending_events

    tenant = Tenant.objects.get()
    old = timezone.now() - timedelta(minutes=5)
    body = {
        "Id": "aaaaaaaa-0000-0000-0000-000000000001",
        "Attempt": 1,
        "Notifications": [{"Action": "product.delete.1", "Data": [123456]}],
    }
    died = InboundEvent.objects.create(
        tenant=tenant,
        platform="kiotviet",
        topic="product.delete",
        delivery_key="kv:died",
        payload=body,
        attempts=1,
    )
    hopeless = InboundEvent.objects.create(
        tenant=tenant,
        platform="kiotviet",
        topic="product.delete",
        delivery_key="kv:hopeless",
        payload=body,
        attempts=MAX_ATTEMPTS,
    )
    InboundEvent.objects.filter(pk__in=[died.pk, hopeless.pk]).update(received_at=old)
    redeliver_pending_events()
    died.refresh_from_db()
    hopeless.refresh_from_db()
    assert died.state == InboundEvent.State.DONE and died.attempts == 2
    assert hopeless.state == InboundEvent.State.FAILED
