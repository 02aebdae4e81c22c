"""Haravan's stock around the orders KiotSync itself writes to Haravan (found by the chaos test,
issue 10; docs/invariants.md S1): a KiotViet-born order copied to Haravan (processing at Haravan)
is already reserved in KiotViet, so the units Haravan commits for the copy must not be taken
off a second time; when KiotSync cancels the copy after KiotViet released its reservation, the
units Haravan releases must not be put on sale a second time."""

from __future__ import annotations

from typing import Any

from kiotsync.orders.models import OrderLink
from kiotsync.tenants.models import SyncSettings
from tests.web.conftest import Platforms

from .test_stock_targets import auto_sync_on, kv_sellable, settle, shown
from .test_sync import run_sync, tenant
from .test_sync_rules import _simple_rows


def _processing_at_haravan(p: Platforms) -> set[int]:
    SyncSettings.objects.filter(tenant=tenant()).update(order_side="haravan")
    return {int(b["id"]) for b in p.kv_creds["branches"]}


def _pos_order(p: Platforms, code: str, qty: int) -> dict[str, Any]:
    branch = SyncSettings.objects.get().order_branch_id
    body = {
        "branchId": branch,
        "lines": [{"productCode": code, "quantity": qty}],
        "customer": {"name": "Phạm Hùng", "contactNumber": "0912345678"},
    }
    made: dict[str, Any] = p.kv_control("POST", "/pos/orders", json=body)
    settle(p)
    return made


def test_a_kiotviet_order_copied_to_haravan_is_not_taken_off_twice(shop: Platforms) -> None:
    run_sync()
    auto_sync_on()
    branches = _processing_at_haravan(shop)
    row = next(r for r in _simple_rows() if kv_sellable(r.code, branches) > 5)
    before = kv_sellable(row.code, branches)
    made = _pos_order(shop, row.code, 3)
    link = OrderLink.objects.get(tenant=tenant(), kv_order_id=made["id"])
    assert link.hv_order_id is not None  # copied to Haravan, which committed the 3 units
    assert kv_sellable(row.code, branches) == before - 3  # KiotViet reserved them
    assert shown(row.code) == before - 3

    shop.kv_control("POST", f"/orders/{made['id']}/cancel", json={})  # KiotViet releases them
    settle(shop)
    link.refresh_from_db()
    assert link.hv_snapshot.get("cancelled_status") == "cancelled"  # the copy follows
    assert kv_sellable(row.code, branches) == before
    assert shown(row.code) == before


def test_a_row_at_zero_ordered_on_haravan_shows_zero_not_minus_one(shop: Platforms) -> None:
    """KiotViet has none; a web order takes one on Haravan anyway: the target stays 0 (it never
    goes below), but Haravan's available went to −1 — it must be written back to 0."""
    from .test_stock_targets import CUSTOMER, set_on_hand, variant_of

    run_sync()
    auto_sync_on()
    row = _simple_rows()[0]
    for branch in shop.kv_creds["branches"]:
        set_on_hand(shop, row.code, int(branch["id"]), 0)
    assert shown(row.code) == 0
    body = {"line_items": [{"variant_id": variant_of(row.code), "quantity": 1}], **CUSTOMER}
    shop.hv_control("POST", f"/shops/{shop.hv_creds['orgid']}/web_orders", json=body)
    settle(shop)
    assert OrderLink.objects.get(tenant=tenant(), origin=OrderLink.Origin.HARAVAN).kv_order_id is not None
    assert shown(row.code) == 0
