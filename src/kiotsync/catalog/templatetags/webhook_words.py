"""The webhooks KiotSync registers, in the merchant's words (the connection screen).

KiotViet and Haravan name their webhooks by topic (``stock.update``, ``orders/create``); the
connection screen says what each one tells KiotSync instead. The one place for these words:
the screen's texts come from the connection code with topic names in them (registered,
missing, re-registered), and :func:`webhook_words` replaces each known name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: Every topic KiotSync registers or may report, and what it tells KiotSync.
TOPICS: Mapping[str, Any] = {
    # KiotViet
    "product.update": _("Hàng hóa thay đổi"),
    "product.delete": _("Hàng hóa bị xóa"),
    "stock.update": _("Tồn kho thay đổi"),
    "order.update": _("Đơn đặt hàng thay đổi"),
    "invoice.update": _("Hóa đơn thay đổi"),
    "pricebookdetail.update": _("Giá trong bảng giá thay đổi"),
    "pricebookdetail.delete": _("Giá bị xóa khỏi bảng giá"),
    "customer.update": _("Khách hàng thay đổi"),
    "category.update": _("Nhóm hàng thay đổi"),
    # Haravan
    "orders/create": _("Đơn hàng mới"),
    "orders/updated": _("Đơn hàng thay đổi"),
    "orders/cancelled": _("Đơn hàng bị hủy"),
    "orders/fulfilled": _("Đơn hàng đã giao"),
    "orders/paid": _("Đơn hàng đã thanh toán"),
    "products/create": _("Sản phẩm mới"),
    "products/update": _("Sản phẩm thay đổi"),
    "products/delete": _("Sản phẩm bị xóa"),
    "products/deleted": _("Sản phẩm bị xóa"),
    "app/uninstalled": _("Gỡ ứng dụng"),
    "app_uninstalled": _("Gỡ ứng dụng"),
    "inventorylocationbalances/update": _("Tồn kho Haravan thay đổi"),
}

_TOPIC = re.compile(r"\b[a-z_]+(?:[./][a-z_]+)+\b")


@register.filter
def webhook_words(text: object) -> str:
    """``text`` with every webhook name in it said in words ("Thiếu: stock.update" → "Thiếu:
    Tồn kho thay đổi"); each one once, in the order given."""
    words: list[str] = []

    def say(match: re.Match[str]) -> str:
        topic = match.group(0)
        return str(TOPICS[topic]) if topic in TOPICS else topic

    said = _TOPIC.sub(say, str(text or ""))
    for part in said.split(", "):
        if part not in words:
            words.append(part)
    return ", ".join(words)
