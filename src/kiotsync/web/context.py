"""Template context shared by every page."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kiotsync.tenants.models import KiotVietConnection


def app_context(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    banner: dict[str, Any] | None = None
    if settings.CONFIG.demo_banner:
        try:
            banner = json.loads(settings.CONFIG.demo_banner)
        except ValueError:
            banner = None
    connected = bool(tenant) and KiotVietConnection.objects.filter(tenant=tenant).exists()
    return {
        "tenant": tenant,
        "kiotviet_connected": connected,
        "demo_banner": banner,
        "extra_tabs": _tabs() if connected else [],
    }


TABS = (
    ("catalog_kiotviet", _("Sản phẩm KiotViet")),
    ("catalog_haravan", _("Sản phẩm Haravan")),
    ("orders_list", _("Đơn hàng Haravan")),
    ("reconcile", _("Đối soát")),
)


def _tabs() -> list[dict[str, str]]:
    """Screens of the later flows, shown once their URLs exist."""
    tabs = []
    for name, label in TABS:
        try:
            tabs.append({"url": reverse(name), "label": str(label)})
        except NoReverseMatch:
            continue
    return tabs
