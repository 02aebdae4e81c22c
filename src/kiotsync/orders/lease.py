"""One worker at a time per order: a short lease on the link row.

Claiming is a compare-and-set under ``select_for_update`` (a row lock on PostgreSQL, the write
lock on SQLite), held only for the claim itself — never across an HTTP call, so webhooks keep
being stored while a push is in flight. A worker that dies leaves its lease to expire; the next
worker then finds the link's ``intent`` and looks before creating anything again.

Triggers that arrive while the lease is held only set ``needs_sync``; the holder sees it when it
releases and runs again, so no trigger is lost and no two workers push the same order.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import OrderLink

LEASE = timedelta(minutes=2)


def claim(link_id: int) -> str | None:
    """A lease token, or ``None`` when another worker holds the order."""
    now = timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        link = (
            OrderLink.objects.select_for_update()
            .filter(pk=link_id)
            .only("lease_token", "lease_until")
            .first()
        )
        if link is None:
            return None
        if link.lease_token and link.lease_until is not None and link.lease_until > now:
            return None
        # The claim also takes the trigger: a later one sets ``needs_sync`` again.
        OrderLink.objects.filter(pk=link_id).update(
            lease_token=token, lease_until=now + LEASE, needs_sync=False, queued_at=None, last_attempt_at=now
        )
    return token


def extend(link_id: int, token: str) -> bool:
    return bool(
        OrderLink.objects.filter(pk=link_id, lease_token=token).update(lease_until=timezone.now() + LEASE)
    )


def release(link_id: int, token: str, *, again: bool) -> bool:
    """Give the order back. With ``again``, keep it instead when a trigger arrived meanwhile
    (``needs_sync``) and answer True: the caller runs once more."""
    with transaction.atomic():
        link = (
            OrderLink.objects.select_for_update()
            .filter(pk=link_id)
            .only("lease_token", "needs_sync", "kv_order_id")
            .first()
        )
        if link is None or link.lease_token != token:
            return False
        if again and link.needs_sync:
            now = timezone.now()
            # KiotViet may have changed while the run read it: read it again on the next run.
            OrderLink.objects.filter(pk=link_id).update(
                lease_until=now + LEASE,
                needs_sync=False,
                queued_at=None,
                last_attempt_at=now,
                kv_stale=link.kv_order_id is not None,
            )
            return True
        OrderLink.objects.filter(pk=link_id).update(lease_token="", lease_until=None)
    return False
