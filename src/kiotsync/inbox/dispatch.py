"""Route stored inbound events to the use cases that handle their topic.

The features register their handlers per (platform, topic) in :data:`HANDLERS` at start-up
(their ``AppConfig.ready()``). An event whose tenant is no longer active is ignored; a handler
failure is recorded on the row and retried by the queue; a row whose wake-up or worker was lost
is handed out again by :func:`requeue_stale_events`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kiotsync.logs import tenant_context
from kiotsync.ports import Ports, Queue
from kiotsync.tenants.models import Tenant

from .models import InboundEvent

log = logging.getLogger(__name__)

# A handler may return a note kept on the row (e.g. why an event changed nothing).
Handler = Callable[[InboundEvent, Ports], "str | None"]

#: The job that handles one stored event (registered by :mod:`.jobs`).
PROCESS_JOB = "inbox.process"

UNINSTALL_TOPICS = ("app/uninstalled", "app_uninstalled")

# A pending event is handed to the queue again at most this many times in all (each failed
# attempt is also retried by the queue); then it is left FAILED, for the polling backstops.
MAX_ATTEMPTS = 20


class HandlerTable:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], Handler] = {}

    def register(self, platform: str, topics: tuple[str, ...], handler: Handler) -> None:
        for topic in topics:
            self._handlers[(platform, topic)] = handler

    def for_event(self, event: InboundEvent) -> list[Handler]:
        found: list[Handler] = []
        for topic in event.topic.split(","):
            handler = self._handlers.get((event.platform, topic))
            if handler is not None and handler not in found:
                found.append(handler)
        return found

    def haravan_topics(self) -> list[str]:
        """The Haravan webhook topics the app handles: what its partner-dashboard registration
        should list (a topic nobody handles, e.g. ``inventorylocationbalances/update``, would
        only be stored and ignored — one delivery per stock row written)."""
        handled = {topic for platform, topic in self._handlers if platform == InboundEvent.Platform.HARAVAN}
        return sorted(topic for topic in handled if "/" in topic)


#: The process's handler table (the wiring hands it to the inbox jobs).
HANDLERS = HandlerTable()


def haravan_topics() -> list[str]:
    return HANDLERS.haravan_topics()


def process_event(event_id: int, ports: Ports, handlers: HandlerTable) -> None:
    with transaction.atomic():
        event = InboundEvent.objects.select_for_update().select_related("tenant").filter(pk=event_id).first()
        if event is None or event.state != InboundEvent.State.PENDING:
            return
        event.attempts += 1
        event.save(update_fields=["attempts"])
    with tenant_context(event.tenant):
        shop_level = event.platform == InboundEvent.Platform.HARAVAN and event.topic in UNINSTALL_TOPICS
        if event.tenant.status != Tenant.Status.ACTIVE and not shop_level:
            _finish(event, InboundEvent.State.IGNORED, "tenant not active")
            return
        found = handlers.for_event(event)
        if not found:
            # Recorded for the audit trail; the polling backstop covers the topic.
            _finish(event, InboundEvent.State.IGNORED, "no handler for this topic")
            return
        notes: list[str] = []
        try:
            for handler in found:
                note = handler(event, ports)
                if note:
                    notes.append(note)
        except Exception as exc:
            log.exception("inbound event %s failed", event.pk)
            InboundEvent.objects.filter(pk=event.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        _finish(event, InboundEvent.State.DONE, "; ".join(notes))


def _finish(event: InboundEvent, state: str, note: str) -> None:
    InboundEvent.objects.filter(pk=event.pk).update(state=state, error=note, processed_at=timezone.now())


def requeue_stale_events(queue: Queue, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Pending rows older than ``older_than``: their wake-up was lost (the process died before
    enqueueing) or their worker died while handling them. Handling is idempotent, so a row
    that is only slow is merely looked at twice."""
    cutoff = timezone.now() - older_than
    pending = InboundEvent.objects.filter(state=InboundEvent.State.PENDING, received_at__lt=cutoff)
    pending.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=InboundEvent.State.FAILED, processed_at=timezone.now()
    )
    ids = list(
        pending.filter(attempts__lt=MAX_ATTEMPTS).order_by("received_at").values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        queue.wake(PROCESS_JOB, pk)
    return len(ids)
