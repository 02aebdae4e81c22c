"""What a reconciliation compares, kind by kind. Each check reads the platforms through the
shop's clients (within their budgets), returns the drifts it found, and heals those it may
(``heal``: the merchant lets KiotSync act on its own — Auto-sync on). The checks run in order
(products, orders, then :mod:`.check_fields` and :mod:`.check_stock`) and pass what they learnt
to the later ones in a :class:`Seen` (what the full KiotViet read found changed: webhooks that
were lost; the Haravan orders still without a link), which names the causes in words."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from kiotsync.catalog import polling
from kiotsync.catalog import usecases as catalog
from kiotsync.catalog.inputs import rows_behind
from kiotsync.catalog.models import KvRow, RowState
from kiotsync.core.orders import parse_marker
from kiotsync.orders.ingest import ingest_haravan, sync_since
from kiotsync.orders.models import OrderLink
from kiotsync.orders.usecases import enqueue
from kiotsync.ports import Ports
from kiotsync.tenants.models import Tenant

from .models import Drift

#: How far back orders are compared (and never before the connection).
ORDER_WINDOW = timedelta(days=7)
#: Products compared per run beyond which the rest waits for the next run.
MAX_ROWS = 2000


@dataclass
class Found:
    """A drift before it is stored."""

    kind: str
    cause: str
    subject: str
    kv_id: int | None = None
    hv_variant_id: int | None = None
    hv_order_id: int | None = None
    expected: str = ""
    actual: str = ""
    healed: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Seen:
    """What the earlier checks of a run learnt, for the later ones' causes."""

    #: KiotViet rows whose product data the full read found changed (their webhook was lost).
    kv_rows_changed: set[int] = field(default_factory=set)
    #: KiotViet rows whose stock the full read found changed (their stock webhook was lost).
    kv_stock_changed: set[int] = field(default_factory=set)
    #: Haravan variants on orders of the window that have no link (not healed by this run).
    unlinked_order_variants: set[int] = field(default_factory=set)


def order_window(tenant: Tenant, now: datetime) -> datetime:
    since = sync_since(tenant)
    start = now - ORDER_WINDOW
    return max(start, since) if since else start


def check_orders(tenant: Tenant, ports: Ports, *, heal: bool, seen: Seen) -> tuple[list[Found], int]:
    """Every Haravan order of the window has a link (pushed, waiting, or excluded by a stated
    rule); no Haravan order is in KiotViet twice. Returns the drifts and how many were compared."""
    found: list[Found] = []
    start = order_window(tenant, timezone.now())
    orders = list(ports.haravan(tenant).iter_orders(created_at_min=start, order="created_at asc"))
    known = set(
        OrderLink.objects.filter(tenant=tenant, hv_order_id__in=[o.id for o in orders]).values_list(
            "hv_order_id", flat=True
        )
    )
    for order in orders:
        if order.id in known:
            continue
        drift = Found(
            Drift.Kind.ORDER_MISSING,
            Drift.Cause.MISSED_WEBHOOK,
            order.name or str(order.id),
            hv_order_id=order.id,
        )
        if heal:
            got = ingest_haravan(tenant, order.raw, via="poll")
            if got is not None:
                enqueue(got.link.pk, ports)
                drift.healed = True
        if not drift.healed:
            seen.unlinked_order_variants |= {li.variant_id for li in order.line_items if li.variant_id}
        found.append(drift)
    copies: dict[int, list[str]] = defaultdict(list)
    for kv_order in ports.kiotviet(tenant).list_orders(start, include_delivery=False):
        hv_id = parse_marker(kv_order.description)
        if hv_id is not None and kv_order.status != 4:  # 4: cancelled copies do not count
            copies[hv_id].append(kv_order.code or str(kv_order.id))
    names = dict(
        OrderLink.objects.filter(tenant=tenant, hv_order_id__in=list(copies)).values_list(
            "hv_order_id", "hv_name"
        )
    )
    for hv_id, codes in sorted(copies.items()):
        if len(codes) > 1:
            found.append(
                Found(
                    Drift.Kind.ORDER_DUPLICATE,
                    Drift.Cause.DUPLICATE,
                    names.get(hv_id) or str(hv_id),
                    hv_order_id=hv_id,
                    expected="1",
                    actual=", ".join(sorted(codes)),
                )
            )
    return found, len(orders)


def check_products(tenant: Tenant, ports: Ports, *, heal: bool, seen: Seen) -> tuple[list[Found], int]:
    """Every active KiotViet row (not excluded) is on Haravan: rows a write has not reached yet
    (a failed or lost create, a row stored while its wake-up was lost) are drift. KiotViet is read
    in full first: a product whose webhook was lost is in no mirror yet."""
    changes = polling.refresh_kiotviet(tenant, ports, full=True)
    seen.kv_rows_changed |= changes.rows
    seen.kv_stock_changed |= changes.stock
    behind = rows_behind(tenant, MAX_ROWS)
    found: list[Found] = []
    if not behind:
        return found, KvRow.objects.filter(tenant=tenant, deleted=False).count()
    rows = {r.kv_id: r for r in KvRow.objects.filter(tenant=tenant, kv_id__in=behind)}
    if heal:
        try:
            catalog.sync_products(tenant, behind, ports)
        except catalog.NotConfigured:
            heal = False
    after = dict(KvRow.objects.filter(tenant=tenant, kv_id__in=behind).values_list("kv_id", "state"))
    for kv_id in sorted(behind):
        row = rows[kv_id]
        cause = Drift.Cause.WRITE_FAILED if row.state == RowState.ERROR else Drift.Cause.MISSED_WEBHOOK
        if not heal and row.state == RowState.PENDING:
            cause = Drift.Cause.NOT_SYNCED
        found.append(
            Found(
                Drift.Kind.PRODUCT_MISSING,
                cause,
                f"{row.code} · {row.name}",
                kv_id=kv_id,
                healed=heal and after.get(kv_id) == RowState.LINKED,
                detail={"error": row.last_error[:500]} if row.last_error else {},
            )
        )
    return found, KvRow.objects.filter(tenant=tenant, deleted=False).count()
