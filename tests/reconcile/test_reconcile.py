"""Reconciliation ("Đối soát"): after lost webhooks the shop converges within one run; drifts are
recorded with their cause, healed when Auto-sync is on, otherwise left with a one-click fix."""

from __future__ import annotations

from typing import Any

from django.test import Client

from kiotsync.catalog.models import VariantLinkRecord
from kiotsync.orders.models import OrderLink
from kiotsync.reconcile import usecases
from kiotsync.reconcile.models import Drift, ReconcileRun
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.wiring import get_wiring
from tests.catalog.test_sync import hv_skus, run_sync
from tests.web.conftest import Platforms


def _tenant() -> Tenant:
    return Tenant.objects.get()


def _web_order(p: Platforms, sku: str) -> dict[str, Any]:
    return p.hv_control(
        "POST",
        f"/shops/{p.hv_creds['orgid']}/web_orders",
        json={
            "line_items": [{"sku": sku, "quantity": 1}],
            "customer": {"first_name": "An", "last_name": "Nguyễn", "phone": "0987654321"},
            "shipping_address": {
                "name": "Nguyễn An",
                "phone": "0987654321",
                "address1": "1 Lê Lợi",
                "province": "Hồ Chí Minh",
                "district": "Quận 1",
                "ward": "Phường Bến Nghé",
            },
        },
    )["order"]


def _kv_orders_for(hv_order_id: int) -> list[Any]:
    kv = get_wiring().kiotviet(_tenant())
    return [o for o in kv.list_orders().items if f"[HRV:{hv_order_id}]" in (o.description or "")]


def _lose_webhooks(p: Platforms) -> None:
    p.hv.webhooks.pause()
    p.kv.webhooks.pause()


def _deliver_nothing(p: Platforms) -> None:
    for hub in (p.hv.webhooks, p.kv.webhooks):
        hub.clear()
        hub.resume()


def test_lost_webhooks_converge_within_one_run_with_auto_sync(shop: Platforms, client: Client) -> None:
    p = shop
    run_sync()
    SyncSettings.objects.filter(tenant=_tenant()).update(auto_sync_enabled=True)
    sku = VariantLinkRecord.objects.filter(tenant=_tenant()).order_by("kv_id").first().kv_code
    _lose_webhooks(p)
    order = _web_order(p, sku)
    p.kv_control("POST", "/products/bulk", json={"products": 2, "code_prefix": "LOST"})
    _deliver_nothing(p)
    assert not OrderLink.objects.filter(hv_order_id=order["id"]).exists()

    record = usecases.run(_tenant(), get_wiring())
    assert record.state == ReconcileRun.State.DONE
    kinds = {(d.kind, d.cause, d.healed) for d in record.drifts.all()}
    assert (Drift.Kind.ORDER_MISSING, Drift.Cause.MISSED_WEBHOOK, True) in kinds
    assert (Drift.Kind.PRODUCT_MISSING, Drift.Cause.MISSED_WEBHOOK, True) in kinds
    assert len(_kv_orders_for(order["id"])) == 1
    assert [n for s, n in hv_skus().items() if s.startswith("LOST")] == [1, 1]
    # The next run finds both sides in step.
    again = usecases.run(_tenant(), get_wiring())
    assert again.left == 0 and not again.drifts.exists()
    page = client.get("/reconcile/").content.decode()
    assert 'data-testid="reconcile-result"' in page and "Hai bên khớp nhau" in page


def test_without_auto_sync_drifts_wait_for_the_merchants_click(shop: Platforms, client: Client) -> None:
    p = shop
    run_sync()
    sku = VariantLinkRecord.objects.filter(tenant=_tenant()).order_by("kv_id").first().kv_code
    _lose_webhooks(p)
    order = _web_order(p, sku)
    _deliver_nothing(p)
    assert client.post("/reconcile/run").status_code == 302  # immediate queue: runs now
    record = usecases.latest(_tenant())
    drift = record.drifts.get(kind=Drift.Kind.ORDER_MISSING)
    assert not drift.healed and drift.hv_order_id == order["id"]
    assert _kv_orders_for(order["id"]) == []
    page = client.get("/reconcile/").content.decode()
    assert f'data-testid="fix-{drift.pk}"' in page and "Thông báo (webhook) bị lỡ" in page
    assert client.post(f"/reconcile/drift/{drift.pk}/fix").status_code == 302
    assert len(_kv_orders_for(order["id"])) == 1
    drift.refresh_from_db()
    assert drift.fixed_at is not None


def test_an_order_made_twice_in_kiotviet_is_reported_with_its_codes(shop: Platforms, client: Client) -> None:
    p = shop
    run_sync()
    sku = VariantLinkRecord.objects.filter(tenant=_tenant()).order_by("kv_id").first().kv_code
    order = _web_order(p, sku)
    p.hv.webhooks.drain(10)
    (first,) = _kv_orders_for(order["id"])
    branch = p.kv_creds["branches"][0]["id"]
    p.kv_control(
        "POST",
        "/pos/orders",
        json={
            "branchId": branch,
            "description": f"[HRV:{order['id']}] bản sao",
            "lines": [{"productCode": sku, "quantity": 1}],
        },
    )
    record = usecases.run(_tenant(), get_wiring())
    dup = record.drifts.get(kind=Drift.Kind.ORDER_DUPLICATE)
    assert first.code in dup.actual and not dup.healed
    page = client.get("/reconcile/").content.decode()
    assert "Hủy bớt đơn trùng trên KiotViet" in page


def test_each_shop_is_reconciled_by_its_own_duty_once_an_hour(shop: Platforms) -> None:
    """Issue 11: reconciliation is a per-shop duty (no sweep); it runs when the last run is an
    hour old, so a run the merchant asked for moves the next one on."""
    from datetime import timedelta

    from django.utils import timezone

    from kiotsync.workers.jobs import dispatch_due
    from kiotsync.workers.models import Duty

    now = timezone.now()
    dispatch_due(now - timedelta(seconds=901))  # the shop's duties appear, each at its phase
    duty = Duty.objects.get(tenant=_tenant(), name="reconcile")
    dispatch_due(duty.due_at)
    assert ReconcileRun.objects.filter(tenant=_tenant()).count() == 1
    moved = Duty.objects.get(pk=duty.pk)
    assert moved.due_at == duty.due_at + timedelta(seconds=900)
    dispatch_due(moved.due_at)  # 15 minutes later: the last run is recent, nothing runs
    assert ReconcileRun.objects.filter(tenant=_tenant()).count() == 1
