"""The promise about orders (O1–O3 of ``docs/invariants.md``), checked on a :class:`.invariants.Snapshot`
of both platforms: every Haravan order once in KiotViet (both processing sides), every
KiotViet-born order once in Haravan when processing at Haravan, and each pair's statuses as the
status map says."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from kiotsync.core.orders.status_map import CARRIER_TO_KV_DELIVERY, carrier_for_delivery

from .invariants import (
    HRV_MARKER,
    HRVF_MARKER,
    KV_ATTRIBUTE,
    Catalogue,
    Journal,
    OrderCounts,
    Snapshot,
    Violation,
    _ts,
    key,
    kv_born_code,
    kv_copies,
)


def check_orders(journal: Journal, snap: Snapshot, counts: OrderCounts | None = None) -> list[Violation]:
    counts = counts if counts is not None else OrderCounts()
    cat = Catalogue.of(snap)
    out = _haravan_born(journal, snap, cat, counts)
    out += _kiotviet_born(journal, snap, counts)
    out += _statuses(journal, snap)
    return out


def _hv_required(order: dict[str, Any], journal: Journal, cat: Catalogue) -> str:
    """Why a Haravan order need not be in KiotViet ("" = it must be, exactly once)."""
    if order.get("cancelled_at"):
        return "cancelled"
    if not journal.in_epoch(_ts(order.get("created_at"))):
        return "placed while not connected"
    for line in order.get("line_items") or []:
        code = key(line.get("sku"))
        rows = cat.by_code.get(code, [])
        if not code or code in journal.deleted_codes or len(rows) != 1 or not rows[0].get("isActive", True):
            return f"line {line.get('sku')!r} has no live KiotViet product"
    return ""


def _haravan_born(journal: Journal, snap: Snapshot, cat: Catalogue, counts: OrderCounts) -> list[Violation]:
    """O1: every Haravan order once in KiotViet (both sides); none for orders KiotSync made from KiotViet."""
    copies = kv_copies(snap)
    out: list[Violation] = []
    for order in snap.hv_orders:
        oid, n = int(order["id"]), len(copies.get(int(order["id"]), []))
        name = f"Haravan {order.get('name')} ({oid})"
        counts.duplicated += max(0, n - 1)
        if kv_born_code(order):
            if n:
                out.append(Violation("O1", name, 0, n, "made from a KiotViet order, copied back"))
            continue
        why = _hv_required(order, journal, cat)
        if not why:
            counts.required += 1
        if n > 1 or (not why and n == 0):
            counts.lost += int(n == 0)
            codes = [c.get("code") for c in copies.get(oid, [])]
            out.append(Violation("O1", name, 1 if not why else "at most 1", f"{n} {codes}", why))
    return out


def _kiotviet_born(journal: Journal, snap: Snapshot, counts: OrderCounts) -> list[Violation]:
    """O2: a KiotViet-born order at the chosen branch, placed while processing at Haravan, is once in Haravan."""
    made: Counter[str] = Counter(kv_born_code(o) for o in snap.hv_orders if kv_born_code(o))
    out: list[Violation] = []
    for order in snap.kv_orders:
        if HRV_MARKER.search(str(order.get("description") or "")):
            continue
        code, n = str(order.get("code")), made.get(str(order.get("code")), 0)
        counts.duplicated += max(0, n - 1)
        born = _ts(order.get("createdDate"), True)
        side, branch = journal.side_at(born)
        eligible = journal.in_epoch(born) and side == "haravan" and int(order.get("branchId") or 0) == branch
        required = eligible and int(order.get("status") or 0) not in (3, 4)
        counts.required += int(required)
        if n > 1 or (required and n == 0):
            counts.lost += int(n == 0)
            out.append(Violation("O2", f"KiotViet {code}", 1 if required else "at most 1", n))
    return out


def _statuses(journal: Journal, snap: Snapshot) -> list[Violation]:
    """O3: both sides of each pair agree as the status map says. Which side's statuses drive the
    other's: Haravan's for a KiotViet-born order and for a Haravan order placed while processing
    at Haravan; KiotViet's for a Haravan order placed while processing at KiotViet."""
    by_code = {str(o.get("code")): o for o in snap.kv_orders}
    invoices: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for inv in snap.kv_invoices:
        owner = inv.get("orderId") or by_code.get(str(inv.get("orderCode") or ""), {}).get("id")
        if owner:
            invoices[int(owner)].append(inv)
    copies = kv_copies(snap)
    out: list[Violation] = []
    for hv in snap.hv_orders:
        born = kv_born_code(hv)
        kv = by_code.get(born) if born else next(iter(copies.get(int(hv["id"]), [])), None)
        if kv is None or "orderDetails" not in kv:
            continue
        drives = bool(born) or journal.side_at(_ts(hv.get("created_at")))[0] == "haravan"
        mastered = drives and not born  # a Haravan order processed at Haravan: Haravan is its master
        out += _pair(hv, kv, invoices.get(int(kv["id"]), []), haravan_drives=drives, haravan_master=mastered)
    return out


def _pair(
    hv: dict[str, Any],
    kv: dict[str, Any],
    invs: list[dict[str, Any]],
    haravan_drives: bool,
    haravan_master: bool = False,
) -> list[Violation]:
    name = f"{hv.get('name')} ↔ {kv.get('code')}"
    kv_status = int(kv.get("status") or 0)
    hv_cancelled = bool(hv.get("cancelled_at"))
    out: list[Violation] = []
    # Exception (docs/invariants.md O3, docs/orders.md): KiotViet cancelling the copy of a Haravan
    # order processed at Haravan leaves Haravan open, an error for the merchant to settle.
    if kv_status == 4 and not hv_cancelled and not haravan_master:
        out.append(Violation("O3", name, "Haravan cancelled (KiotViet 4)", hv.get("cancelled_status")))
    if hv_cancelled and kv_status not in (4,) and not (kv_status == 3 and not haravan_drives):
        out.append(Violation("O3", name, "KiotViet cancelled (4)", kv_status))
    if hv_cancelled or kv_status == 4:
        return out
    live = [i for i in invs if int(i.get("status") or 0) != 2]
    fulfilments = [f for f in hv.get("fulfillments") or [] if str(f.get("status")) != "cancelled"]
    if haravan_drives:
        if hv.get("confirmed_status") == "confirmed" and kv_status not in (5, 2, 3):
            out.append(Violation("O3", name, "KiotViet confirmed (5)", kv_status))
        by_f = Counter(
            int(m.group(1)) for i in live if (m := HRVF_MARKER.search(str(i.get("description") or "")))
        )
        if len(live) > sum(by_f.values()):
            return out  # KiotViet invoiced the order itself (at the till): no second stock exit
        for f in fulfilments:
            if by_f.get(int(f["id"]), 0) != 1:
                out.append(
                    Violation(
                        "O3",
                        f"{name} fulfilment {f['id']}",
                        "one KiotViet invoice",
                        by_f.get(int(f["id"]), 0),
                    )
                )
                continue
            inv = next(i for i in live if f"[HRVF:{f['id']}]" in str(i.get("description") or ""))
            want = CARRIER_TO_KV_DELIVERY.get(str(f.get("carrier_status_code") or ""))
            seen = (inv.get("invoiceDelivery") or {}).get("status")
            if want is not None and seen is not None and int(seen) != want:
                out.append(Violation("O3", f"{name} invoice {inv.get('code')}", f"delivery {want}", seen))
        return out
    if (kv_status in (5, 2, 3) or live) and hv.get("confirmed_status") != "confirmed":
        out.append(Violation("O3", name, "Haravan confirmed", hv.get("confirmed_status")))
    if any(KV_ATTRIBUTE not in str(f.get("note") or "") for f in fulfilments):
        return out  # the merchant fulfilled on Haravan by hand: KiotViet's invoices cannot be mirrored
    for inv in live:
        mine = [f for f in hv.get("fulfillments") or [] if str(inv.get("code")) in str(f.get("note") or "")]
        if len(mine) != 1:
            out.append(
                Violation("O3", f"{name} invoice {inv.get('code')}", "one Haravan fulfilment", len(mine))
            )
            continue
        delivery = (inv.get("invoiceDelivery") or {}).get("status")
        want_c = carrier_for_delivery(
            int(delivery) if delivery is not None else None, int(inv.get("status") or 0)
        )
        if want_c is not None and mine[0].get("carrier_status_code") != want_c:
            out.append(
                Violation(
                    "O3",
                    f"{name} invoice {inv.get('code')}",
                    f"carrier {want_c}",
                    mine[0].get("carrier_status_code"),
                )
            )
    return out
