"""Route stored inbound events to the use case that handles their topic.

Handlers register per (platform, topic). An event whose tenant is no longer active is
ignored; a handler failure is recorded on the row and retried by the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kiotsync.inbox.models import InboundEvent
from kiotsync.logs import tenant_context
from kiotsync.tenants.models import Tenant

log = logging.getLogger(__name__)

# A handler may return a note kept on the row (e.g. why an event changed nothing).
Handler = Callable[[InboundEvent], "str | None"]
_HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(platform: str, *topics: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for topic in topics:
            _HANDLERS[(platform, topic)] = fn
        return fn

    return register


UNINSTALL_TOPICS = ("app/uninstalled", "app_uninstalled")


@handles(InboundEvent.Platform.HARAVAN, *UNINSTALL_TOPICS)
def _uninstalled(event: InboundEvent) -> str:
    from .haravan_install import on_uninstalled

    return on_uninstalled(event.tenant, event.payload, event.received_at)


HANDLER_MODULES = ("kiotsync.catalog.handlers", "kiotsync.orders.handlers")
_loaded = False


def _load_handlers() -> None:
    """Import the modules that register handlers (once; a missing module is skipped)."""
    global _loaded
    if _loaded:
        return
    import importlib

    for name in HANDLER_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    _loaded = True


def haravan_topics() -> list[str]:
    """The Haravan webhook topics the app handles: what its partner-dashboard registration
    should list (a topic nobody handles, e.g. ``inventorylocationbalances/update``, would only be
    stored and ignored — one delivery per stock row written)."""
    _load_handlers()
    handled = {topic for platform, topic in _HANDLERS if platform == InboundEvent.Platform.HARAVAN}
    return sorted(topic for topic in handled if "/" in topic)


def handlers_for(event: InboundEvent) -> list[Handler]:
    _load_handlers()
    found: list[Handler] = []
    for topic in event.topic.split(","):
        handler = _HANDLERS.get((event.platform, topic))
        if handler is not None and handler not in found:
            found.append(handler)
    return found


def process_event(event_id: int) -> None:
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
        handlers = handlers_for(event)
        if not handlers:
            # Recorded for the audit trail; the polling backstop covers the topic.
            _finish(event, InboundEvent.State.IGNORED, "no handler for this topic")
            return
        notes: list[str] = []
        try:
            for handler in handlers:
                note = handler(event)
                if note:
                    notes.append(note)
        except Exception as exc:
            log.exception("inbound event %s failed", event.pk)
            InboundEvent.objects.filter(pk=event.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        _finish(event, InboundEvent.State.DONE, "; ".join(notes))


def _finish(event: InboundEvent, state: str, note: str) -> None:
    InboundEvent.objects.filter(pk=event.pk).update(state=state, error=note, processed_at=timezone.now())


# A pending event is handed to the queue again at most this many times in all (each failed
# attempt is also retried by the queue); then it is left FAILED, for the polling backstops.
MAX_ATTEMPTS = 20


def requeue_stale_events(older_than: timedelta = timedelta(minutes=2)) -> int:
    """Pending rows older than ``older_than``: their wake-up was lost (the process died before
    enqueueing) or their worker died while handling them. Handling is idempotent, so a row
    that is only slow is merely looked at twice."""
    from kiotsync.wiring import get_wiring

    cutoff = timezone.now() - older_than
    pending = InboundEvent.objects.filter(state=InboundEvent.State.PENDING, received_at__lt=cutoff)
    pending.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=InboundEvent.State.FAILED, processed_at=timezone.now()
    )
    ids = list(pending.filter(attempts__lt=MAX_ATTEMPTS).order_by("received_at").values_list("pk", flat=True)[:500])
    for pk in ids:
        get_wiring().enqueue_inbound(pk)
    return len(ids)
