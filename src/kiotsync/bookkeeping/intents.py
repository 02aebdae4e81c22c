"""Write intents: the one way KiotSync makes a non-idempotent create exactly-once.

Before a create is sent, its intent is committed (:func:`claim` or :func:`announce`); it is
settled (:func:`settle`) in the same transaction that records the created object, or when the
platform provably created nothing. An intent still pending on the next run means the answer
was lost (timeout, worker killed): look the object up on the platform and adopt it before
creating again. Keys name what would be created (``hv:create:<group>``, ``kv:create:<variant>``,
``order:create:<link>``…), one per shop.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from .models import WriteIntent


def claim(tenant_id: int, key: str, payload: dict[str, Any] | None = None) -> bool:
    """Announce a create unless one is pending: True when announced now, False when an earlier
    one is still pending (its create may have landed — look before creating)."""
    try:
        with transaction.atomic():
            WriteIntent.objects.create(tenant_id=tenant_id, key=key[:120], payload=payload or {})
    except IntegrityError:
        return False
    return True


def announce(tenant_id: int, key: str, payload: dict[str, Any]) -> None:
    """Record (or replace) the intent for ``key`` with what a lookup will need."""
    WriteIntent.objects.update_or_create(tenant_id=tenant_id, key=key[:120], defaults={"payload": payload})


def pending(tenant_id: int, key: str) -> dict[str, Any] | None:
    """The payload of the intent still pending for ``key``, or None."""
    payload = (
        WriteIntent.objects.filter(tenant_id=tenant_id, key=key[:120])
        .values_list("payload", flat=True)
        .first()
    )
    return None if payload is None else dict(payload)


def pending_payloads(tenant_id: int, prefix: str) -> list[dict[str, Any]]:
    """The payloads of every intent still pending whose key starts with ``prefix``."""
    rows = WriteIntent.objects.filter(tenant_id=tenant_id, key__startswith=prefix).values_list(
        "payload", flat=True
    )
    return [dict(p) for p in rows]


def witness(tenant_id: int, key: str, name: str, value: Any) -> bool:
    """Record, on a pending intent, that the platform has shown the object (a webhook or a poll
    carried it): the lookup can then adopt it without asking the platform again. False when no
    intent is pending for ``key``."""
    with transaction.atomic():
        intent = WriteIntent.objects.select_for_update().filter(tenant_id=tenant_id, key=key[:120]).first()
        if intent is None:
            return False
        seen = dict(intent.payload.get("seen") or {})
        seen[name] = value
        intent.payload = {**intent.payload, "seen": seen}
        intent.save(update_fields=["payload"])
    return True


def settle(tenant_id: int, *keys: str) -> None:
    """The outcome is known (created and recorded, adopted, or provably not created)."""
    if keys:
        WriteIntent.objects.filter(tenant_id=tenant_id, key__in=[k[:120] for k in keys]).delete()
