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
from kiotsync.kiotviet.webhooks import parse_webhook, verify_signature
from kiotsync.logs import tenant_context
from kiotsync.ports import Ports, Queue
from kiotsync.tenants.models import KiotVietConnection, Tenant

from .dispatch import PROCESS_JOB, UNINSTALL_TOPICS
from .models import InboundEvent

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


def _wake(event: InboundEvent, queue: Queue) -> None:
    on_commit: Callable[[], None] = lambda: queue.wake(PROCESS_JOB, event.pk)  # noqa: E731
    transaction.on_commit(on_commit)


# Topics whose body is the shop itself (its ``id`` is the org id).
SHOP_TOPICS = frozenset({*UNINSTALL_TOPICS, "shop/update", "shops/update"})


def _org_named_in_body(topic: str, payload: Any) -> str:
    """The org the signed body names, if it names one (the ``X-Haravan-Org-Id`` header is not
    covered by the signature: a delivery re-sent with another shop's header must not act there)."""
    if not isinstance(payload, dict):
        return ""
    for field in ("org_id", "orgid"):
        if payload.get(field) not in (None, ""):
            return str(payload[field])
    if topic in SHOP_TOPICS and payload.get("id") not in (None, ""):
        return str(payload["id"])
    return ""


def _haravan_key(orgid: str, topic: str, payload: Any, raw: bytes) -> str:
    """De-duplication key (digest §4.9: topic, resource id, ``updated_at``). Shop-level topics
    hash the body: an uninstall after a re-install is a new event even if the shop is unchanged."""
    resource_id = payload.get("id") if isinstance(payload, dict) else None
    updated = payload.get("updated_at") if isinstance(payload, dict) else None
    if resource_id is not None and updated and topic not in SHOP_TOPICS:
        return f"hv:{orgid}:{topic}:{resource_id}:{updated}"
    return f"hv:{orgid}:{topic}:{hashlib.sha256(raw).hexdigest()}"


def receive_haravan(raw: bytes, headers: Any, ports: Ports) -> Receipt:
    """Verify, attribute to a shop, store once, wake. Nothing acts here: even ``app/uninstalled``
    is only stored, and its handler decides (after the duplicate check, against the shop's own
    installation) whether it still applies."""
    config = ports.config
    if not verify_haravan_webhook(raw, headers.get("X-Haravan-HmacSha256"), config.haravan_client_secret):
        log.warning("haravan webhook with a bad signature refused")
        return Receipt(401, False, note="bad signature")
    topic = headers.get("X-Haravan-Topic", "")
    header_org = headers.get("X-Haravan-Org-Id", "")
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        return Receipt(400, False, note="not JSON")
    named = _org_named_in_body(topic, payload)
    if named and header_org and named != header_org:
        log.warning(
            "haravan webhook %s names org %s in its body but %s in its header: refused",
            topic,
            named,
            header_org,
        )
        return Receipt(403, False, note="org mismatch")
    orgid = named or header_org
    tenant = Tenant.objects.filter(orgid=orgid).first() if orgid else None
    if tenant is None:
        return Receipt(200, False, note="unknown shop")
    with tenant_context(tenant):
        event = _store(
            tenant, InboundEvent.Platform.HARAVAN, topic, _haravan_key(orgid, topic, payload, raw), payload
        )
        if event is None:
            return Receipt(200, False, note="duplicate")
        log.info("haravan webhook stored: topic=%s id=%s", topic, event.pk)
        _wake(event, ports.queue)
        return Receipt(200, True, event.pk)


def _kiotviet_key(envelope_id: str | None, payload: Any) -> str:
    """The envelope ``Id`` (the same on every redelivery); without one, a hash of the envelope
    minus its ``Attempt`` counter (an Id-less envelope must not collide with every other one)."""
    if envelope_id:
        return f"kv:{envelope_id}"
    rest = {k: v for k, v in payload.items() if k != "Attempt"} if isinstance(payload, dict) else payload
    canonical = json.dumps(rest, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return f"kv:sha256:{hashlib.sha256(canonical).hexdigest()}"


def receive_kiotviet(public_id: str, raw: bytes, headers: Any, ports: Ports) -> Receipt:
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
            payload = json.loads(raw)
            envelope = parse_webhook(payload)
        except Exception:  # any shape at all: a 4xx would switch the registration off
            log.warning("kiotviet webhook body unreadable: ignored")
            return Receipt(200, False, note="not an envelope")
        topics = sorted({n.type for n in envelope.notifications})
        event = _store(
            tenant,
            InboundEvent.Platform.KIOTVIET,
            ",".join(topics)[:100],
            _kiotviet_key(envelope.id, payload),
            payload,
        )
        if event is None:
            return Receipt(200, False, note="duplicate")
        log.info("kiotviet webhook stored: topics=%s id=%s attempt=%s", topics, event.pk, envelope.attempt)
        _wake(event, ports.queue)
        return Receipt(200, True, event.pk)


def too_large_from_kiotviet(public_id: str) -> Receipt:
    """A body past the size we read is still answered 2xx (a 4xx would switch the registration
    off); what it carried is read again by the polling backstop (delta reads by modified date)."""
    log.warning("kiotviet webhook for %s larger than the limit: not stored, left to the poll", public_id)
    return Receipt(200, False, note="too large")
