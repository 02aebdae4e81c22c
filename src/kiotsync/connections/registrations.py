"""Webhook registrations kept alive: KiotViet switches a registration off after a 4xx and either
platform may lose one, so a periodic check lists what each platform has for this shop,
registers again what is missing or switched off, and records what it did for the connection
screen. The polling backstops cover the gap until then."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from kiotsync.httpkit.errors import NotFoundError, PlatformError
from kiotsync.logs import tenant_context
from kiotsync.ports import Ports
from kiotsync.tenants.models import HaravanInstallation, KiotVietConnection, KiotVietWebhook, Tenant

from .kiotviet import WEBHOOK_TYPES, webhook_url

log = logging.getLogger(__name__)


@dataclass
class Checked:
    repaired: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # could not be repaired from here
    error: str = ""


def _ours(url: str, hooks: Any) -> list[Any]:
    return [h for h in hooks if h.url and h.url.split("?")[0] == url]


def check_kiotviet(tenant: Tenant, ports: Ports) -> Checked:
    conn = KiotVietConnection.objects.filter(tenant=tenant).first()
    if conn is None:
        return Checked()
    client = ports.kiotviet(tenant)
    url = webhook_url(tenant, ports)
    out = Checked()
    try:
        ours = _ours(url, client.list_webhooks())
        for kind in WEBHOOK_TYPES:
            same = [h for h in ours if h.type == kind]
            if any(h.is_active is not False for h in same):
                continue
            for hook in same:  # switched off: KiotViet has no way to switch it on again
                if hook.id is not None:
                    with contextlib.suppress(NotFoundError):
                        client.delete_webhook(hook.id)
            try:
                hook = client.register_webhook(kind, url, secret=conn.webhook_secret, description="KiotSync")
            except PlatformError as exc:
                out.missing.append(kind)
                out.error = str(exc.message)
                continue
            KiotVietWebhook.objects.update_or_create(
                tenant=tenant,
                type=kind,
                defaults={"kiotviet_id": hook.id or 0, "url": url, "is_active": True},
            )
            out.repaired.append(kind)
    except PlatformError as exc:
        out.error = str(exc.message)
    now = timezone.now()
    fields: dict[str, Any] = {"webhooks_checked_at": now}
    if out.repaired:
        fields |= {"webhooks_repaired_at": now, "webhooks_repaired": ", ".join(out.repaired)[:500]}
        log.warning("kiotviet webhooks registered again: %s", ", ".join(out.repaired))
    KiotVietConnection.objects.filter(pk=conn.pk).update(**fields)
    return out


def check_haravan(tenant: Tenant, topics: list[str], ports: Ports) -> Checked:
    """The shop's subscription (``/api/subscribe``): subscribed again when lost. Topics come from
    the partner dashboard; one missing there is reported, not repairable with the shop token."""
    install = HaravanInstallation.objects.filter(tenant=tenant).first()
    if install is None:
        return Checked()
    client = ports.haravan(tenant)
    out = Checked()
    try:
        listed = client.list_webhook_subscriptions()
        rows = listed.get("data") if isinstance(listed, dict) else listed
        if isinstance(rows, list):
            if not rows:
                client.subscribe_webhooks()
                out.repaired.append("subscription")
            else:
                have = {str(r.get("topic")) for r in rows if isinstance(r, dict)}
                out.missing = sorted(t for t in topics if t not in have)
    except PlatformError as exc:
        out.error = str(exc.message)
    now = timezone.now()
    fields: dict[str, Any] = {"webhooks_checked_at": now, "webhooks_missing": ", ".join(out.missing)[:500]}
    if out.repaired:
        fields |= {"webhooks_repaired_at": now, "webhooks_subscribed_at": now, "webhooks_error": ""}
        log.warning("haravan webhook subscription made again")
    HaravanInstallation.objects.filter(pk=install.pk).update(**fields)
    return out


def check_tenant(tenant: Tenant, ports: Ports, haravan_topics: list[str]) -> tuple[Checked, Checked]:
    with tenant_context(tenant):
        return check_haravan(tenant, haravan_topics, ports), check_kiotviet(tenant, ports)
