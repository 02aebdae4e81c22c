"""The columns the orders screen lists, copied onto the link whenever a side is read.

Status texts come from the one status map (:mod:`kiotsync.core.orders.status_map`) so the
screen, the settings card and the README use the same words.
"""

from __future__ import annotations

from kiotsync.core import orders as core
from kiotsync.core.orders.status_map import (
    HV_CANCELLED,
    HV_CONFIRMED,
    HV_FINANCIAL,
    HV_FULFILLMENT,
    KV_ORDER_STATUS,
)

from .models import OrderLink


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


def kiotviet_status(kv: core.KvOrder, lang: str = "vi") -> str:
    if kv.status is not None and kv.status in KV_ORDER_STATUS:
        return KV_ORDER_STATUS[kv.status][0].text(lang)
    return kv.status_value or "?"


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
