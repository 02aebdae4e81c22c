"""Units of open Haravan orders that KiotViet does not reserve yet — what the stock on Haravan
must leave out (the catalogue's :data:`kiotsync.catalog.inputs.PENDING`).

Haravan commits an order's units the moment it is placed; KiotViet reserves them only once the
order reaches it. In between — the push failed or is being retried, the order is in "Đồng bộ
lỗi", it was placed before the connection, its KiotViet copy was cancelled while the Haravan
order stays open — KiotViet still counts those units as available, and Haravan would sell them a
second time if its available were KiotViet's. An order is **pending** when it was born on
Haravan, is open there (not cancelled, not closed) and has no live KiotViet order (none, or a
cancelled one). Its units: every line's quantity less what was refunded, per Haravan variant.

A creation under way (its write intent is pending: the call is being made, or its answer was
lost) is passed with the moment it was sent: KiotViet may already hold it, so the catalogue stops
counting it as soon as a stock observation newer than that moment may show the reservation —
never taking it off twice, never giving it back before KiotViet has it.

Importing this module (``OrdersConfig.ready()``) provides the source to the catalogue and wakes a
stock write for an order's variants when it enters or leaves the pending set — except when it
leaves because its KiotViet order now exists: KiotViet's available drops by the same units
(its ``stock.update`` drives that write), so the target does not move, and writing before that
reservation is seen would put the units back on sale for a moment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_init, post_save

from kiotsync.bookkeeping.models import WriteIntent
from kiotsync.catalog import usecases as catalog
from kiotsync.catalog.inputs import PENDING, PendingOrder
from kiotsync.core.orders.status_map import HV_CANCELLED, KV_ORDER_STATUS, KvOrderState
from kiotsync.httpkit.dates import parse_datetime
from kiotsync.tenants.models import Tenant

from . import wire
from .models import OrderLink

#: Link fields the pending units are computed from.
_FIELDS = ("origin", "kv_order_id", "hv_snapshot", "kv_snapshot")
_UNKNOWN = object()
#: ``kv_status`` of a cancelled KiotViet order (a cheap filter; the snapshot decides).
_KV_CANCELLED = sorted(
    {label.vi for label, state in KV_ORDER_STATUS.values() if state is KvOrderState.CANCELLED} | {"Đã huỷ"}
)


def pending_orders(tenant: Tenant) -> list[PendingOrder]:
    """The shop's open Haravan orders KiotViet does not reserve yet, with their units."""
    cancelled_on_haravan = HV_CANCELLED["cancelled"].text()  # the link's hv_status then
    candidates = (
        OrderLink.objects.filter(tenant=tenant, origin=OrderLink.Origin.HARAVAN, hv_order_id__isnull=False)
        .filter(Q(kv_order_id__isnull=True) | Q(kv_status__in=_KV_CANCELLED))
        .exclude(hv_status=cancelled_on_haravan)
        .values_list("pk", *_FIELDS)
    )
    rows = list(candidates)
    sent = _creations_sent(tenant, [pk for pk, *_rest in rows])
    out = []
    for pk, *fields in rows:
        units = units_of(dict(zip(_FIELDS, fields, strict=True)))
        if units:
            out.append(PendingOrder(units, sent.get(pk)))
    return out


def _creations_sent(tenant: Tenant, link_ids: list[int]) -> dict[int, datetime]:
    """When the KiotViet order of each link was sent, for creations not answered yet."""
    keys = {f"order:create:{pk}": pk for pk in link_ids}
    if not keys:
        return {}
    found = WriteIntent.objects.filter(tenant=tenant, key__in=list(keys))
    out = {}
    for key, payload, created in found.values_list("key", "payload", "created_at"):
        data = payload if isinstance(payload, dict) else {}
        if data.get("kind", "kv_order") != "kv_order":
            continue
        try:
            at = parse_datetime(data.get("at"))
        except ValueError:
            at = None
        out[keys[key]] = at or created
    return out


def units_of(link: Mapping[str, Any]) -> dict[int, int]:
    """The link's pending units per Haravan variant (empty when it is not pending)."""
    if link.get("origin") != OrderLink.Origin.HARAVAN or _kv_live(link):
        return {}
    hv = wire.hv_from_snapshot(link.get("hv_snapshot") or {})
    if hv is None or hv.cancelled or hv.closed:
        return {}
    refunded = _refunded(link.get("hv_snapshot") or {})
    units: dict[int, int] = defaultdict(int)
    for line in hv.lines:
        left = line.quantity - refunded.get(line.id, 0)
        if line.variant_id is not None and left > 0:
            units[line.variant_id] += left
    return dict(units)


def _kv_live(link: Mapping[str, Any]) -> bool:
    if link.get("kv_order_id") is None:
        return False
    kv = wire.kv_from_snapshot(link.get("kv_snapshot") or {})
    return kv is None or kv.state is not KvOrderState.CANCELLED


def _refunded(snapshot: Mapping[str, Any]) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for refund in snapshot.get("refunds") or []:
        for item in (refund.get("refund_line_items") or []) if isinstance(refund, Mapping) else []:
            if isinstance(item, Mapping):
                try:
                    out[int(item.get("line_item_id") or 0)] += int(item.get("quantity") or 0)
                except (TypeError, ValueError):
                    continue
    return out


# -- waking the stock writes ------------------------------------------------------------------
def _seen(link: OrderLink) -> dict[str, Any]:
    """The fields as loaded (deferred ones unknown), shallow-copied so in-place edits show."""
    values = link.__dict__
    return {
        name: (dict(values[name]) if isinstance(values[name], dict) else values[name])
        if name in values
        else _UNKNOWN
        for name in _FIELDS
    }


def _loaded(sender: type[OrderLink], instance: OrderLink, **kwargs: Any) -> None:
    instance._pending_seen = _seen(instance)  # type: ignore[attr-defined]


def _saved(
    sender: type[OrderLink],
    instance: OrderLink,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    if update_fields is not None and not update_fields & set(_FIELDS):
        return
    before: dict[str, Any] | None = getattr(instance, "_pending_seen", None)
    after = _seen(instance)
    instance._pending_seen = after  # type: ignore[attr-defined]
    if _UNKNOWN in after.values() or before == after:
        return
    # Loaded without these fields: what it was is unknown, so every unit it has now is news.
    known = before is not None and _UNKNOWN not in before.values()
    was = units_of(before) if known and before is not None else {}
    now = units_of(after)
    changed = {v for v in was.keys() | now.keys() if was.get(v, 0) != now.get(v, 0)}
    tenant_id = instance.tenant_id
    if changed:
        if now or not _kv_live(after):  # else KiotViet now reserves the units (its stock.update writes)
            transaction.on_commit(lambda: catalog.pending_changed(tenant_id, changed))
        return
    held_before = _held(before) if known and before is not None else None
    held_after = _held(after)
    if held_before != held_after:
        moved = {v for held in (held_before, held_after) if held for v in held[2]}
        if moved:
            transaction.on_commit(lambda: catalog.pending_changed(tenant_id, moved))


def _held(link: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """What decides the units the link's Haravan order holds committed on Haravan (its location,
    whether it is cancelled, its lines with what is left to fulfil, its fulfilments and refunds),
    and the variants concerned (third); None without a Haravan order. When this moves while the
    pending units do not (the order KiotSync made of a KiotViet order was created or cancelled, a
    Haravan order whose KiotViet copy exists was cancelled…), Haravan's available moved by units
    KiotViet reserves on its own: the stock is planned again against what Haravan shows."""
    snapshot = link.get("hv_snapshot") or {}
    hv = wire.hv_from_snapshot(snapshot) if snapshot else None
    if hv is None:
        return None
    lines = tuple(
        sorted(
            (ln.variant_id or 0, ln.quantity, -1 if ln.fulfillable is None else ln.fulfillable)
            for ln in hv.lines
        )
    )
    return (
        hv.location_id,
        hv.cancelled,
        frozenset(ln.variant_id for ln in hv.lines if ln.variant_id is not None),
        lines,
        tuple(sorted((f.id, f.status) for f in hv.fulfillments)),
        tuple(sorted(_refunded(snapshot).items())),
    )


PENDING.provide(pending_orders)
post_init.connect(_loaded, sender=OrderLink, dispatch_uid="orders-pending-loaded")
post_save.connect(_saved, sender=OrderLink, dispatch_uid="orders-pending-saved")
