"""Receiving webhooks: verify on the raw body, store durably, then wake a worker.

A row is written in :class:`InboundEvent` before the platform gets its answer, so nothing is
lost if the process dies; a redelivery of the same delivery is stored once (unique key).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from kiotsync.haravan.webhooks import verify_haravan_webhook
from kiotsync.inbox.models import InboundEvent
from kiotsync.kiotviet.webhooks import parse_webhook, verify_signature
from kiotsync.logs import tenant_context
from kiotsync.tenants.models import KiotVietConnection, Tenant
from kiotsync.wiring import get_wiring

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Receipt:
    """What the HTTP layer answers: ``status`` and whether a new row was stored."""

    status: int
    stored: bool
    event_id: int | None = None
    note: str = ""


def _store(tenant: Tenant, platform: str, topic: str, key: str, payload: Any) -> InboundEvent | None:
    try:
        with transaction.atomic():
            return InboundEvent.objects.create(
                tenant=tenant, platform=platform, topic=topic, delivery_key=key[:200], payload=payload
            )
    except IntegrityError:
        return None  # a redelivery of something already stored


def _wake(event: InboundEvent) -> None:
    on_commit: Callable[[], None] = lambda: get_wiring().enqueue_inbound(event.pk)  # noqa: E731
    transaction.on_commit(on_commit)


def receive_haravan(raw: bytes, headers: Any) -> Receipt:
    config = get_wiring().config
    if not verify_haravan_webhook(raw, headers.get("X-Haravan-HmacSha256"), config.haravan_client_secret):
        log.warning("haravan webhook with a bad signature refused")
        return Receipt(401, False, note="bad signature")
    topic = headers.get("X-Haravan-Topic", "")
    orgid = headers.get("X-Haravan-Org-Id", "")
    tenant = Tenant.objects.filter(orgid=orgid).first()
    if tenant is None:
        return Receipt(200, False, note="unknown shop")
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        return Receipt(400, False, note="not JSON")
    with tenant_context(tenant):
        resource_id = payload.get("id") if isinstance(payload, dict) else None
        updated = payload.get("updated_at") if isinstance(payload, dict) else None
        if resource_id is not None and updated:
            key = f"hv:{orgid}:{topic}:{resource_id}:{updated}"
        else:
            key = f"hv:{orgid}:{topic}:{hashlib.sha256(raw).hexdigest()}"
        event = _store(tenant, InboundEvent.Platform.HARAVAN, topic, key, payload)
        if topic in {"app/uninstalled", "app_uninstalled"}:
            from .haravan_install import mark_uninstalled

            mark_uninstalled(tenant)
        if event is None:
            return Receipt(200, False, note="duplicate")
        log.info("haravan webhook stored: topic=%s id=%s", topic, event.pk)
        _wake(event)
        return Receipt(200, True, event.pk)


def receive_kiotviet(public_id: str, raw: bytes, headers: Any) -> Receipt:
    """KiotViet stops delivering after a 4xx, so anything we merely ignore gets a 2xx."""
    tenant = Tenant.objects.filter(public_id=public_id).first()
    if tenant is None or tenant.status == Tenant.Status.UNINSTALLED:
        return Receipt(200, False, note="unknown tenant")
    conn = KiotVietConnection.objects.filter(tenant=tenant).first()
    with tenant_context(tenant):
        if conn is None:
            return Receipt(200, False, note="not connected")
        if not verify_signature(raw, headers.get("X-Hub-Signature"), conn.webhook_secret):
            log.warning("kiotviet webhook with a bad signature ignored")
            return Receipt(200, False, note="bad signature")
        try:
            envelope = parse_webhook(raw)
        except ValueError:
            log.warning("kiotviet webhook body unreadable: ignored")
            return Receipt(200, False, note="not an envelope")
        topics = sorted({n.type for n in envelope.notifications})
        payload = json.loads(raw)
        event = _store(
            tenant, InboundEvent.Platform.KIOTVIET, ",".join(topics)[:100], f"kv:{envelope.id}", payload
        )
        if event is None:
            return Receipt(200, False, note="duplicate")
        log.info("kiotviet webhook stored: topics=%s id=%s attempt=%s", topics, event.pk, envelope.attempt)
        _wake(event)
        return Receipt(200, True, event.pk)
