"""What the orders screen shows, in the merchant's words — the one place for them: each side's
order status, shipments and invoices, the sync state, the import of past orders; and the
columns copied onto the link whenever a side is read.

Platform statuses come from the one status map (:mod:`kiotsync.core.orders.status_map`), so the
screen, the settings card and the README use the same words; Vietnamese or English as the
merchant chose (the columns stored on the link are Vietnamese, so the list re-reads each
order's snapshot in the active language). No code reaches the screen raw.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kiotsync.core import orders as core
from kiotsync.core.orders.status_map import (
    HV_CANCELLED,
    HV_CARRIER,
    HV_COD,
    HV_CONFIRMED,
    HV_FINANCIAL,
    HV_FULFILLMENT,
    KV_DELIVERY_STATUS,
    KV_INVOICE_STATUS,
    KV_ORDER_STATUS,
    KvOrderState,
    Label,
    kv_order_state,
)

from . import wire
from .models import OrderFeed, OrderLink


def lang() -> str:
    """The merchant's language for texts kept in both (``vi`` / ``en``)."""
    return "en" if (get_language() or "vi").startswith("en") else "vi"


#: Badge colour of each sync state.
TONES: Mapping[str, str] = {
    OrderLink.State.SYNCED.value: "ok",
    OrderLink.State.WAITING.value: "warn",
    OrderLink.State.ERROR.value: "bad",
    OrderLink.State.SKIPPED.value: "off",
}

#: The state filter (sync states, in the merchant's words; "Đồng bộ lỗi" as the guide says).
STATE_FILTERS: tuple[tuple[str, Any], ...] = (
    (OrderLink.State.SYNCED.value, gettext_lazy("Đã đồng bộ")),
    (OrderLink.State.WAITING.value, gettext_lazy("Đang chờ đồng bộ")),
    (OrderLink.State.ERROR.value, gettext_lazy("Đồng bộ lỗi")),
    (OrderLink.State.SKIPPED.value, gettext_lazy("Bỏ qua")),
)

#: The badge of one order's sync state.
STATE_LABELS: Mapping[str, Any] = {
    OrderLink.State.SYNCED.value: gettext_lazy("Đã đồng bộ"),
    OrderLink.State.WAITING.value: gettext_lazy("Đang chờ đồng bộ"),
    OrderLink.State.ERROR.value: gettext_lazy("Lỗi đồng bộ"),
    OrderLink.State.SKIPPED.value: gettext_lazy("Bỏ qua"),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, _("Không rõ")))


def haravan_status(hv: core.HvOrder, lang: str = "vi") -> str:
    if hv.cancelled:
        return HV_CANCELLED["cancelled"].text(lang)
    parts = [
        HV_CONFIRMED["confirmed" if hv.confirmed else "unconfirmed"].text(lang),
        HV_FULFILLMENT.get(hv.fulfillment_status, HV_FULFILLMENT["notfulfilled"]).text(lang),
    ]
    fin = HV_FINANCIAL.get(hv.financial_status)
    if fin is not None:
        parts.append(fin.text(lang))
    return " · ".join(parts)


_KV_STATE_LABELS: Mapping[KvOrderState, Label] = {state: label for label, state in KV_ORDER_STATUS.values()}


def kiotviet_status(kv: core.KvOrder, lang: str = "vi") -> str:
    if kv.status is not None and kv.status in KV_ORDER_STATUS:
        return KV_ORDER_STATUS[kv.status][0].text(lang)
    state = kv_order_state(kv.status, kv.status_value)
    if state in _KV_STATE_LABELS:
        return _KV_STATE_LABELS[state].text(lang)
    return Label("Trạng thái khác", "Other status").text(lang)


def _label(table: Mapping[Any, Label], code: Any, lang: str) -> str:
    found = table.get(code)
    return found.text(lang) if found is not None else Label("Không rõ", "Unknown").text(lang)


def fulfillment_words(f: core.HvFulfillment, lang: str = "vi") -> str:
    """A Haravan shipment in words: carrier, tracking, carrier status, cash on delivery."""
    parts = [" ".join(p for p in (f.tracking_company, f.tracking_number) if p)]
    if not f.live:
        parts.append(Label("Đã hủy vận đơn", "Shipment cancelled").text(lang))
    elif f.carrier:
        parts.append(_label(HV_CARRIER, f.carrier, lang))
    if f.cod and f.cod != "none":
        parts.append(Label("Thu hộ", "COD").text(lang) + ": " + _label(HV_COD, f.cod, lang))
    else:
        parts.append(HV_COD["none"].text(lang))
    return " · ".join(p for p in parts if p)


def invoice_words(i: core.KvInvoice, lang: str = "vi") -> str:
    """A KiotViet invoice in words: its code, its status, its delivery."""
    parts = [i.code, _label(KV_INVOICE_STATUS, i.status, lang)]
    if i.delivery_status is not None:
        parts.append(
            Label("giao hàng", "delivery").text(lang)
            + ": "
            + _label(KV_DELIVERY_STATUS, i.delivery_status, lang)
        )
    return " · ".join(p for p in parts if p)


def link_statuses(link: OrderLink, lang: str = "vi") -> tuple[str, str]:
    """(Haravan status, KiotViet status) of a listed order in the merchant's language, from the
    snapshots kept on the link (the stored columns are Vietnamese)."""
    hv = wire.hv_from_snapshot(link.hv_snapshot) if link.hv_snapshot else None
    kv = wire.kv_from_snapshot(link.kv_snapshot) if link.kv_snapshot else None
    hv_text = haravan_status(hv, lang) if hv else (link.hv_status if lang == "vi" else "")
    kv_text = kiotviet_status(kv, lang) if kv else (link.kv_status if lang == "vi" else "")
    return hv_text, kv_text


@dataclass(frozen=True)
class ImportView:
    """The import of past orders in words: waiting/running (the card polls) or its result."""

    running: bool = False
    text: str = ""
    tone: str = ""
    since: str = ""


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return ""


def import_view(feed: OrderFeed | None) -> ImportView | None:
    if feed is None or not feed.import_state:
        return None
    state, message = feed.import_state, feed.import_message or ""
    if state in ("queued", "running"):
        since = _day(message) if state == "queued" else ""
        text = _("Đang nhập đơn cũ từ ngày %(d)s…") % {"d": since} if since else _("Đang nhập đơn cũ…")
        return ImportView(True, text, "info", since)
    if state == "failed":
        return ImportView(False, _("Lần nhập gần nhất bị lỗi:") + " " + message, "error")
    count, since, finished = ([*message.split("|"), "", "", ""])[:3]
    when = ""
    with contextlib.suppress(ValueError):
        when = timezone.localtime(datetime.fromisoformat(finished)).strftime("%H:%M %d/%m/%Y")
    text = _("Lần nhập gần nhất đã xong.")
    if count.isdigit():
        text += " " + _("Đã nhận %(n)s đơn đặt từ ngày %(d)s (xong lúc %(t)s).") % {
            "n": count,
            "d": _day(since) or "—",
            "t": when or "—",
        }
    return ImportView(False, text, "success", _day(since))


def describe_haravan(link: OrderLink, hv: core.HvOrder) -> None:
    link.hv_name = hv.name[:64]
    link.hv_created_at = hv.created_at
    link.hv_status = haravan_status(hv)[:100]
    if link.origin == OrderLink.Origin.HARAVAN or not link.customer_name:
        link.customer_name = (hv.customer_name or hv.shipping.name)[:255]
        link.phone = (hv.customer_phone or hv.shipping.phone)[:32]
        link.total = hv.total_price


def describe_kiotviet(link: OrderLink, kv: core.KvOrder) -> None:
    link.kv_order_code = kv.code[:64]
    link.kv_created_at = kv.created_at
    link.kv_status = kiotviet_status(kv)[:100]
    if link.origin == OrderLink.Origin.KIOTVIET:
        link.customer_name = (kv.customer_name or kv.delivery.name)[:255]
        link.phone = (kv.customer_phone or kv.delivery.phone)[:32]
        link.total = kv.total
