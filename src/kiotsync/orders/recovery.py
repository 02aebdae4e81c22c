"""Unknown outcomes: a creation whose answer never came (a timeout or 5xx after sending, a worker
killed mid-push) left its write intent (:mod:`kiotsync.bookkeeping.intents`, key
``order:create:<link>``). Before planning again, the sync run looks for the record by its marker
and adopts it, with the memory the creation would have left — instead of creating a second one.

* KiotViet order: ``[HRV:<haravan id>]`` in the description, orders modified since 15 min before
  the attempt (or the Haravan order's creation, whichever is later). When the creation replaced
  an order KiotViet had cancelled (processing at Haravan, the merchant asked), the cancelled
  copies are not candidates.
* Haravan order: the ``KiotViet`` note attribute, orders created since 15 min before the attempt
  (or already attached by its own webhook).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from kiotsync.bookkeeping import intents
from kiotsync.core import orders as core
from kiotsync.haravan.client import HaravanClient
from kiotsync.httpkit.dates import parse_datetime
from kiotsync.kiotviet.client import KiotVietClient
from kiotsync.kiotviet.models import Order as KvOrderWire
from kiotsync.tenants.models import Tenant

from . import customers, wire
from .execute import line_map
from .models import OrderEvent, OrderLink

log = logging.getLogger(__name__)

#: How far before an unknown-outcome attempt a lookup searches (clock skew between platforms).
LOOKUP_MARGIN = timedelta(minutes=15)


class Run(Protocol):
    """What recovery needs of a sync run (:class:`kiotsync.orders.usecases._Run`)."""

    link: OrderLink
    tenant: Tenant

    @property
    def intent_key(self) -> str: ...
    def kv(self) -> KiotVietClient: ...
    def hv(self) -> HaravanClient: ...
    def save(self, *fields: str) -> None: ...
    def store_hv(self, raw: Mapping[str, Any], *, force: bool = False) -> None: ...
    def store_kv(self, order: Mapping[str, Any], invoices: Sequence[Mapping[str, Any]] | None) -> None: ...
    def event(self, kind: str, message: str, ok: bool = True, *, en: str = "", **detail: Any) -> None: ...


def recover(run: Run) -> None:
    """Settle a pending creation: adopt the record if the platform made it (else the next plan
    creates it again, the platform having provably not made it)."""
    intent = intents.pending(run.tenant.pk, run.intent_key)
    if not intent:
        return
    at = parse_datetime(intent.get("at")) or timezone.now()
    since = at - LOOKUP_MARGIN
    kind = intent.get("kind")
    if kind == "kv_order":
        _recover_kv_order(run, intent, since)
    elif kind == "hv_order":
        _recover_hv_order(run, intent, since)
    with transaction.atomic():
        run.save()
        intents.settle(run.tenant.pk, run.intent_key)


def _recover_kv_order(run: Run, intent: Mapping[str, Any], since: Any) -> None:
    link = run.link
    replaces = intent.get("replaces")
    if link.kv_order_id is not None and link.kv_order_id != replaces:
        return  # the answer was stored after all
    if link.hv_created_at:
        since = max(since, link.hv_created_at - LOOKUP_MARGIN)
    # KiotViet's own webhook (or the poll) may already have shown the order: no lookup needed.
    seen = [
        KvOrderWire.from_wire(raw) for raw in (intent.get("seen") or {}).values() if isinstance(raw, Mapping)
    ]
    found = [o for o in seen if core.parse_marker(o.description) == link.hv_order_id and o.id != replaces]
    if not found:
        found = _look_up_kv(run, intent, since)
    found = [o for o in found if core.parse_marker(o.description) == link.hv_order_id]
    if replaces is not None:  # creating again: the cancelled copies are not it
        found = [
            o
            for o in found
            if o.id != replaces
            and core.kv_order_state(o.status, o.status_value) != core.KvOrderState.CANCELLED
        ]
    if not found:
        return
    first = min(found, key=lambda o: o.id)
    if len(found) > 1:
        log.error("order %s has %d KiotViet copies: %s", link.hv_name, len(found), [o.code for o in found])
    adopt_kv(run, first, intent)


def _look_up_kv(run: Run, intent: Mapping[str, Any], since: Any) -> list[KvOrderWire]:
    """KiotViet's orders that may be the lost creation. With the shop's customers mirrored, only
    the orders of the customers with the order's phone are read (one page, not every order of
    the last minutes: issue 11, the GET budget) — and none when no customer has that phone, since
    an order made with it (customer known, or created inline) has one."""
    kv = run.kv()
    phone = str(intent.get("phone") or "")
    ids = customers.ids_with_phone(run.tenant, kv, phone) if phone else None
    if ids is None:
        return kv.find_orders_by_description(str(intent["marker"]), modified_since=since)
    if not ids:
        return []
    marker = str(intent["marker"])
    return [o for o in kv.list_orders(since, customer_ids=ids).items if marker in (o.description or "")]


def adopt_kv(run: Run, order: KvOrderWire, intent: Mapping[str, Any]) -> None:
    link = run.link
    link.kv_order_id = order.id
    link.kv_order_code = order.code or ""
    link.kv_stale = True
    link.memory = dict(intent.get("memory") or link.memory)
    if intent.get("replaces") is not None:
        link.recreate = False
        OrderLink.objects.filter(pk=link.pk).update(recreate=False)
    run.store_kv(order.raw, [])
    run.event(
        OrderEvent.Kind.ADOPTED,
        f"Tìm thấy đơn KiotViet {order.code} đã tạo ở lần trước; dùng lại.",
        en=f"Found KiotViet order {order.code} made by the previous attempt; using it.",
    )


def _recover_hv_order(run: Run, intent: Mapping[str, Any], since: Any) -> None:
    link = run.link
    code = str(intent["code"])
    if link.hv_order_id is None:
        found_hv = [
            o
            for o in run.hv().iter_orders(created_at_min=since, order="created_at asc")
            if wire.hv_order(o).kv_code_marker == code
        ]
        if found_hv:
            order = min(found_hv, key=lambda o: o.id)
            link.hv_order_id = order.id
            run.store_hv(order.raw, force=True)
    if link.hv_order_id is not None:
        # Found by the lookup, or already attached by its own webhook (the note attribute):
        # remember it as if the creation had answered.
        lines = [core.HvDraftLine(v, 0, wire.ZERO, "", p) for v, p in intent.get("lines", [])]
        draft = core.HvOrderDraft(kv_code=code, lines=tuple(lines), customer=None)
        mem = core.remember(
            core.Memory.from_json(intent.get("memory")),
            core.CreateHvOrder(draft),
            line_map=line_map(link.hv_snapshot or {}, draft),
        )
        link.memory = mem.to_json()
        run.event(
            OrderEvent.Kind.ADOPTED,
            f"Tìm thấy đơn Haravan {link.hv_name} đã tạo ở lần trước; dùng lại.",
            en=f"Found Haravan order {link.hv_name} made by the previous attempt; using it.",
        )
