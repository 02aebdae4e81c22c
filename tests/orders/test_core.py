"""The pure order core: stays pure, its status map is consistent, its drafts and reasons are right."""

from __future__ import annotations

import ast
import sys
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import kiotsync.core.orders as core
from kiotsync.core.orders.status_map import (
    CARRIER_TO_KV_DELIVERY,
    HV_CARRIER,
    KV_DELIVERY_STATUS,
    KV_DELIVERY_TO_CARRIER,
    KvOrderState,
    cod_for_invoice,
    kv_order_state,
)

from .sim import SETTINGS, hv_order, kv_targets

CORE = Path(core.__file__).parent


def test_core_imports_only_the_standard_library_and_never_reads_the_clock() -> None:
    for path in sorted(CORE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] in sys.stdlib_module_names or name.startswith("kiotsync.core"), (
                    path,
                    name,
                )
        for forbidden in ("datetime.now", "time.time(", "date.today", "utcnow", "timezone.now"):
            assert forbidden not in source, (path, forbidden)


def test_status_map_round_trips() -> None:
    assert set(KV_DELIVERY_TO_CARRIER) == set(KV_DELIVERY_STATUS)
    assert set(CARRIER_TO_KV_DELIVERY) == set(HV_CARRIER)
    for carrier, delivery in CARRIER_TO_KV_DELIVERY.items():
        assert KV_DELIVERY_TO_CARRIER[delivery] == carrier  # Haravan → KiotViet → Haravan is stable
    assert kv_order_state(1, "Đã hủy") == KvOrderState.CANCELLED  # the label wins (digest §3.7.2)
    assert kv_order_state(2, "Đang xử lý") == KvOrderState.PROCESSING
    assert kv_order_state(99) == KvOrderState.UNKNOWN
    assert cod_for_invoice(True, 2, False, 3) == "codpending"
    assert cod_for_invoice(True, 3, False, 1) == "codpaid"
    assert cod_for_invoice(True, 3, True, 1) == "codreceipt"
    assert cod_for_invoice(True, 5, False, 5) == "codnotreceipt"
    assert cod_for_invoice(False, 3, True, 1) == "none"


@given(st.integers(1, 10**12), st.integers(1, 10**12))
def test_markers_never_confuse_two_orders(a: int, b: int) -> None:
    text = f"Đơn Haravan #1 {core.kv_marker(a)} | ghi chú"
    assert core.parse_marker(text) == a
    assert (core.kv_marker(b) in text) == (a == b)


def test_memory_survives_json() -> None:
    m = core.Memory(
        confirm_pushed=True,
        kv_paid_pushed=Decimal("150000.5"),
        pairs={1: 2},
        pushed={"carrier:1": "3/2"},
        lines={9: 8},
    )
    assert core.Memory.from_json(m.to_json()) == m
    assert core.Memory.from_json(None) == core.Memory()


def test_kiotviet_draft_from_a_haravan_order() -> None:
    hv = hv_order(lines=2, qty=2, cod=False, paid=Decimal(200000))
    plan = core.plan_haravan_order(hv, None, core.Memory(), SETTINGS, kv_targets(hv))
    (action,) = plan.actions
    assert isinstance(action, core.CreateKvOrder)
    d = action.draft
    assert d.branch_id == 1 and d.sale_channel_id == 7 and d.shipping_surcharge_id == 8
    assert d.description.startswith("Đơn Haravan #1001 [HRV:1]") and d.marker == "[HRV:1]"
    assert [(ln.product_id, ln.quantity, ln.price) for ln in d.lines] == [(300, 2, 150000), (301, 2, 150000)]
    assert d.customer.phone == "0987654321" and d.delivery is not None and d.delivery.address1 == "1 Lê Lợi"
    assert d.prepaid == Decimal(200000) and not d.using_cod and d.shipping_fee == Decimal(30000)
    no_ship = hv_order(ship=0)
    (free,) = core.plan_haravan_order(no_ship, None, core.Memory(), SETTINGS, kv_targets(no_ship)).actions
    assert isinstance(free, core.CreateKvOrder) and free.draft.shipping_surcharge_id is None


def test_reasons_in_order_of_what_the_merchant_fixes_first() -> None:
    from dataclasses import replace

    hv = hv_order()
    targets = kv_targets(hv)
    plan = core.plan_haravan_order
    mem = core.Memory()
    assert plan(hv, None, mem, replace(SETTINGS, branch_id=None), targets).reason.code == "branch_not_chosen"  # type: ignore[union-attr]
    nophone = replace(hv, customer_phone="", shipping=replace(hv.shipping, phone=""))
    assert plan(nophone, None, mem, SETTINGS, targets).reason.code == "phone_missing"  # type: ignore[union-attr]
    bad = replace(hv, customer_phone="123", shipping=replace(hv.shipping, phone="+84 12"))
    reason = plan(bad, None, mem, SETTINGS, targets).reason
    assert reason is not None and reason.code == "phone_invalid" and reason.param_dict["phone"] == "123"
    one_good = replace(hv, customer_phone="123")  # the shipping phone is valid: use it
    assert plan(one_good, None, mem, SETTINGS, targets).actions
    unlinked = {**targets, hv.lines[1].id: None}
    reason = plan(hv, None, mem, SETTINGS, unlinked).reason
    assert (
        reason is not None and reason.message() == "SKU SKU-1 (Sản phẩm 1) chưa được liên kết với KiotViet."
    )
    inactive = {**targets, hv.lines[0].id: core.KvTarget(300, "KV-0", "Áo", active=False)}
    reason = plan(hv, None, mem, SETTINGS, inactive).reason
    assert (
        reason is not None
        and reason.message("en") == "Product KV-0 (Áo) is inactive (not for sale) in KiotViet."
    )
    cancelled = replace(hv, cancelled=True)
    assert plan(cancelled, None, mem, SETTINGS, targets).state == core.SyncState.SKIPPED
    skip = core.OrderReason.of(core.OrderReasonCode.BEFORE_SYNC_START, date="01/11/2026")
    assert plan(hv, None, mem, SETTINGS, targets, skip=skip).state == core.SyncState.SKIPPED
    assert plan(hv, None, mem, SETTINGS, targets, skip=skip, forced=True).actions  # imported / re-synced


def test_first_sight_rules() -> None:
    from dataclasses import replace

    from .sim import T0, later

    hv = hv_order()
    assert core.haravan_first_sight(hv, later(T0, -60)) is None
    assert core.haravan_first_sight(hv, later(T0, 60)).code == "before_sync_start"  # type: ignore[union-attr]
    # Issue 10: the processing side no longer keeps a Haravan order out of KiotViet (it used to be
    # skipped as "processed_at_haravan" when Haravan processes orders); it only decides who drives.
    assert core.haravan_first_sight(hv, None) is None
    from .sim import kv_order

    kv = kv_order()
    assert core.kiotviet_first_sight(kv, None, 1) is None
    assert core.kiotviet_first_sight(replace(kv, branch_id=2), None, 1).code == "other_branch"  # type: ignore[union-attr]
