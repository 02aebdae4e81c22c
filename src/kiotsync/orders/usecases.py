"""Sync one order pair: read what is stale, recover unknown outcomes, plan, act, record.

``sync_link(link_id)`` is what every trigger ends in (webhook, poll, retry, the merchant's
"Đồng bộ sang KiotViet", an import). It holds the link's lease (:mod:`.lease`) for the whole run
and loops *refresh → recover → plan → execute* until the plan is empty, an error needs the
merchant, or a transient failure schedules a retry.

Exactly once, in order of defence:
1. one link per order on each platform (unique constraints), one worker per link (lease);
2. before a creation a write intent is committed (:mod:`kiotsync.bookkeeping.intents`, key
   ``order:create:<link>``); it is settled only when the answer arrived or the platform provably
   did nothing. A run that finds an intent
   looks for the record by its marker (KiotViet: ``[HRV:<id>]`` in the description; Haravan: the
   ``KiotViet`` note attribute) and adopts it instead of creating a second one — this covers a
   timeout after the platform committed and a worker killed mid-push;
3. records KiotSync created carry those markers, so webhooks about them are attached to the
   existing link and never taken for new orders; status echoes are recognised through the
   link's memory (what was mirrored) and timestamps.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.db import transaction
from django.utils import timezone

from kiotsync.bookkeeping import intents
from kiotsync.core import orders as core
from kiotsync.haravan.client import HaravanClient
from kiotsync.httpkit.errors import NotFoundError, PlatformError, ValidationError
from kiotsync.httpkit.pacing import urgent_calls
from kiotsync.kiotviet.client import KiotVietClient
from kiotsync.logs import tenant_context
from kiotsync.ports import Ports
from kiotsync.tenants.models import KiotVietConnection, Tenant

from . import display, inputs, lease, recovery, wire
from .customers import CustomerBook
from .execute import Executor, Outcome
from .failures import Failure, classify
from .ingest import feed_for
from .models import OrderEvent, OrderLink

log = logging.getLogger(__name__)

#: The job that syncs one order pair (registered by :mod:`.jobs`).
SYNC_ORDER = "orders.sync"
MAX_ROUNDS = 6
#: A queued sync job that has not run after this long is taken as lost and queued again.
REQUEUE_AFTER = timedelta(seconds=60)
MAX_RUNS = 4

_CREATIONS = (core.CreateKvOrder, core.CreateHvOrder)
#: Errors where the merchant's re-sync asks for the KiotViet order to be created again.
_ASK_TO_CREATE_AGAIN = (
    core.OrderReasonCode.KV_CANCELLED_HV_OPEN.value,
    core.OrderReasonCode.KV_CANCELLED_INVOICED.value,
)


#: Link fields a sync run writes (the rest belong to triggers, the lease and the merchant).
_RUN_FIELDS = tuple(
    f.name
    for f in OrderLink._meta.concrete_fields
    if f.name
    not in (
        "id",
        "tenant",
        "created_at",
        "updated_at",
        "needs_sync",
        "queued_at",
        "lease_token",
        "lease_until",
        "forced",
        "last_attempt_at",
        "skip_code",
        "skip_params",
        "origin",
        "processed_at",
        "recreate",
    )
)


class _Stop(Exception):
    """Ends a run: the link already records why."""


class _Run:
    """One sync run of one link (under its lease)."""

    def __init__(self, link: OrderLink, ports: Ports) -> None:
        self.link = link
        self.ports = ports
        # Back-off between automatic retries of a transient failure (seconds); after the last
        # one the order shows as an error ("KiotViet did not answer after N attempts").
        self.retry_delays = ports.order_retry_delays
        self.tenant: Tenant = link.tenant
        self.feed = feed_for(self.tenant)
        self._kv: KiotVietClient | None = None
        self._hv: HaravanClient | None = None
        self.retried_after_refusal = False
        self._settings: core.OrderSettings | None = None

    @property
    def settings(self) -> core.OrderSettings:
        if self._settings is None:
            self._settings = inputs.order_settings(self.tenant, self.feed)
        return self._settings

    # -- clients ---------------------------------------------------------------------------
    def kv(self) -> KiotVietClient:
        if self._kv is None:
            self._kv = self.ports.kiotviet(self.tenant)
        return self._kv

    def hv(self) -> HaravanClient:
        if self._hv is None:
            self._hv = self.ports.haravan(self.tenant)
        return self._hv

    # -- persistence -----------------------------------------------------------------------
    def save(self, *fields: str) -> None:
        """Write what the run owns. Fields other writers own while the run holds the lease
        (triggers, lease, the merchant's "forced") are left alone, and a newer Haravan snapshot
        stored meanwhile by a webhook is kept rather than overwritten with an older one."""
        link = self.link
        names = list(fields) or list(_RUN_FIELDS)
        with transaction.atomic():
            if "hv_snapshot" in names:
                stored = (
                    OrderLink.objects.select_for_update()
                    .filter(pk=link.pk)
                    .values_list("hv_updated_at", "hv_snapshot")
                    .first()
                )
                if stored and stored[0] and (link.hv_updated_at is None or stored[0] > link.hv_updated_at):
                    link.hv_updated_at, link.hv_snapshot = stored[0], stored[1]
                    display.describe_haravan(link, wire.hv_order(link.hv_snapshot))
            link.save(update_fields=[*names, "updated_at"])

    def event(self, kind: str, message: str, ok: bool = True, *, en: str = "", **detail: Any) -> None:
        """A timeline entry: Vietnamese in ``message``, English (if given) in ``detail["en"]``."""
        if en:
            detail["en"] = en[:2000]
        OrderEvent.objects.create(
            tenant=self.tenant, link=self.link, kind=kind, ok=ok, message=message[:2000], detail=detail
        )

    # -- reading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        link = self.link
        if link.hv_order_id and (link.hv_stale or not link.hv_snapshot):
            try:
                hv_order = self.hv().get_order(link.hv_order_id)
            except NotFoundError:
                self.fail_permanently(
                    core.OrderReason.of(core.OrderReasonCode.HV_ORDER_MISSING, name=link.hv_name)
                )
            self.store_hv(hv_order.raw, force=True)
            link.hv_stale = False
            self.save()
        if link.kv_order_id and (link.kv_stale or not (link.kv_snapshot or {}).get("order")):
            kv = self.kv()
            try:
                order = kv.get_order(link.kv_order_id)
            except NotFoundError:
                self.fail_permanently(
                    core.OrderReason.of(core.OrderReasonCode.KV_ORDER_MISSING, code=link.kv_order_code)
                )
            invoices = kv.list_invoices(order_id=link.kv_order_id).items
            invoices = [i for i in invoices if i.order_id in (None, link.kv_order_id)]
            if order.code:
                invoices = [i for i in invoices if not i.order_code or i.order_code == order.code]
            self.store_kv(order.raw, [i.raw for i in invoices])
            link.kv_stale = False
            self.save()

    def store_hv(self, raw: Mapping[str, Any], *, force: bool = False) -> None:
        hv = wire.hv_order(raw)
        link = self.link
        if not force and link.hv_updated_at and hv.updated_at and hv.updated_at < link.hv_updated_at:
            return
        link.hv_snapshot = dict(raw)
        link.hv_updated_at = hv.updated_at
        display.describe_haravan(link, hv)

    def store_kv(self, order: Mapping[str, Any], invoices: Sequence[Mapping[str, Any]] | None) -> None:
        link = self.link
        if invoices is None:
            invoices = [i for i in (link.kv_snapshot or {}).get("invoices", []) if isinstance(i, Mapping)]
        link.kv_snapshot = {"order": dict(order), "invoices": [dict(i) for i in invoices]}
        kv = wire.kv_order(order, invoices)
        stamps = [kv.modified_at] + [wire.KvInvoiceWire.from_wire(i).modified_date for i in invoices]
        known = [s for s in stamps if s is not None]
        if known:
            link.kv_modified_at = max(known)
        display.describe_kiotviet(link, kv)

    # -- unknown outcomes (:mod:`.recovery`) -------------------------------------------------
    @property
    def intent_key(self) -> str:
        return f"order:create:{self.link.pk}"

    def recover(self) -> None:
        recovery.recover(self)

    # -- planning --------------------------------------------------------------------------
    def plan(self) -> core.Plan:
        link = self.link
        settings = self.settings
        memory = core.Memory.from_json(link.memory)
        skip = (
            core.OrderReason.of(core.OrderReasonCode(link.skip_code), **(link.skip_params or {}))
            if link.skip_code
            else None
        )
        hv = wire.hv_from_snapshot(link.hv_snapshot) if link.hv_order_id else None
        kv = wire.kv_from_snapshot(link.kv_snapshot) if link.kv_order_id else None
        if link.origin == OrderLink.Origin.HARAVAN:
            if hv is None:
                return core.Plan()
            at_haravan = link.processed_at == OrderLink.Side.HARAVAN
            targets: dict[int, core.KvTarget | None] = {}
            creating = kv is None and (skip is None or link.forced)
            if not hv.cancelled and (creating or (at_haravan and link.recreate)):
                inputs.ensure_kiotviet_meta(self.feed, self.kv())
                self._settings = None
                settings = self.settings
                targets = inputs.kiotviet_targets(self.tenant, hv.lines)
            if at_haravan:
                return core.plan_haravan_order_at_haravan(
                    hv, kv, memory, settings, targets, skip=skip, forced=link.forced, recreate=link.recreate
                )
            return core.plan_haravan_order(hv, kv, memory, settings, targets, skip=skip, forced=link.forced)
        if kv is None:
            return core.Plan()
        hv_targets = inputs.haravan_targets(self.tenant, kv.lines) if hv is None else {}
        return core.plan_kiotviet_order(kv, hv, memory, settings, hv_targets, skip=skip, forced=link.forced)

    # -- acting ----------------------------------------------------------------------------
    def execute(self, action: core.OrderAction) -> None:
        link = self.link
        memory = core.Memory.from_json(link.memory)
        if isinstance(action, _CREATIONS):
            intents.announce(self.tenant.pk, self.intent_key, self.intent_for(action, memory))
        executor = Executor(
            self.kv,
            self.hv,
            hv_order_id=link.hv_order_id,
            kv_order_id=link.kv_order_id,
            branch_id=self.settings.branch_id,
            customers=CustomerBook(self.tenant, self.kv),
        )
        try:
            outcome = executor.run(action)
        except Exception as exc:
            failure = classify(exc)
            if isinstance(action, _CREATIONS) and not (failure.transient and failure.maybe_committed):
                intents.settle(self.tenant.pk, self.intent_key)  # the platform provably did not create it
            if failure.transient and failure.maybe_committed:
                link.kv_stale = link.kv_stale or bool(link.kv_order_id)
                link.hv_stale = link.hv_stale or bool(link.hv_order_id)
                self.save("kv_stale", "hv_stale")
            if (
                not failure.transient
                and isinstance(exc, ValidationError)
                and not isinstance(action, _CREATIONS)
                and not self.retried_after_refusal
            ):
                # A refusal may come from a stale view (already cancelled, already paid…):
                # read both sides again and plan once more before calling it an error.
                self.retried_after_refusal = True
                link.kv_stale = bool(link.kv_order_id)
                link.hv_stale = bool(link.hv_order_id)
                self.save("kv_stale", "hv_stale")
                raise _Replan() from exc
            self.fail(failure)
            raise _Stop() from exc
        self.apply(action, outcome, memory)

    def intent_for(self, action: core.OrderAction, memory: core.Memory) -> dict[str, Any]:
        at = timezone.now().isoformat()
        if isinstance(action, core.CreateKvOrder):
            after = core.remember(memory, action)
            intent = {
                "kind": "kv_order",
                "at": at,
                "marker": action.draft.marker,
                # The phone narrows a lookup to its customers' orders; only when KiotViet keeps a
                # customer with the order (a named one: a nameless inline customer may be dropped).
                "phone": (action.draft.customer.phone or "") if action.draft.customer.name.strip() else "",
                "memory": after.to_json(),
            }
            return {**intent, "replaces": action.replaces} if action.replaces is not None else intent
        assert isinstance(action, core.CreateHvOrder)
        return {
            "kind": "hv_order",
            "at": at,
            "code": action.draft.kv_code,
            "lines": [[ln.variant_id, ln.kv_product_id] for ln in action.draft.lines],
            "memory": memory.to_json(),
        }

    def apply(self, action: core.OrderAction, outcome: Outcome, memory: core.Memory) -> None:
        link = self.link
        with transaction.atomic():
            link.memory = core.remember(
                memory, action, new_id=outcome.new_id, line_map=outcome.line_map
            ).to_json()
            if isinstance(action, core.CreateKvOrder):
                link.kv_order_id = outcome.new_id
                link.kv_order_code = outcome.code
                intents.settle(self.tenant.pk, self.intent_key)
                if action.replaces is not None:  # the merchant's request is carried out
                    link.recreate = False
                    OrderLink.objects.filter(pk=link.pk).update(recreate=False)
                if outcome.kv_order is not None:
                    self.store_kv(outcome.kv_order, [])
            elif isinstance(action, core.CreateHvOrder):
                link.hv_order_id = outcome.new_id
                intents.settle(self.tenant.pk, self.intent_key)
                if outcome.hv_order is not None:
                    self.store_hv(outcome.hv_order, force=True)
            else:
                if outcome.hv_order is not None:
                    self.store_hv(outcome.hv_order)
                if outcome.kv_order is not None:
                    self.store_kv(outcome.kv_order, None)
            if outcome.touched_kv:
                link.kv_stale = True
            if outcome.touched_hv and outcome.hv_order is None:
                link.hv_stale = True
            self.save()
            self.event(
                OrderEvent.Kind.ACTION,
                core.describe(action),
                en=core.describe(action, "en"),
                code=outcome.code,
            )

    # -- outcomes --------------------------------------------------------------------------
    def set_reason(self, reason: core.OrderReason | None) -> None:
        self.link.reason_code = reason.code.value if reason else ""
        self.link.reason_params = reason.param_dict if reason else {}

    def fail_permanently(self, reason: core.OrderReason) -> NoReturn:
        self.fail(Failure(False, reason=reason))
        raise _Stop()

    def fail(self, failure: Failure) -> None:
        link = self.link
        now = timezone.now()
        if failure.transient:
            link.attempts += 1
            name = {"kiotviet": "KiotViet", "haravan": "Haravan"}.get(failure.platform, "KiotViet/Haravan")
            if link.attempts > len(self.retry_delays):
                reason = core.OrderReason.of(
                    core.OrderReasonCode.TRANSIENT_EXHAUSTED, platform=name, attempts=link.attempts
                )
                link.state = OrderLink.State.ERROR
                link.next_retry_at = None
                self.set_reason(reason)
                self.event(
                    OrderEvent.Kind.ERROR,
                    reason.message(),
                    False,
                    en=reason.message("en"),
                    detail=failure.detail,
                )
            else:
                delay = self.retry_delays[link.attempts - 1]
                if failure.retry_after:
                    delay = max(delay, min(failure.retry_after, 3600))
                code = (
                    core.OrderReasonCode.CHECKING_PREVIOUS
                    if intents.pending(self.tenant.pk, self.intent_key) is not None
                    else core.OrderReasonCode.RETRYING
                )
                reason = core.OrderReason.of(
                    code, platform=name, attempt=link.attempts, max=len(self.retry_delays)
                )
                link.state = OrderLink.State.WAITING
                link.next_retry_at = now + timedelta(seconds=delay)
                self.set_reason(reason)
                self.event(
                    OrderEvent.Kind.WAITING,
                    reason.message(),
                    False,
                    en=reason.message("en"),
                    detail=failure.detail,
                )
        else:
            assert failure.reason is not None
            previous = (link.state, link.reason_code, link.reason_params)
            link.state = OrderLink.State.ERROR
            link.next_retry_at = None
            link.attempts = 0
            self.set_reason(failure.reason)
            if previous != (link.state, link.reason_code, link.reason_params):
                self.event(
                    OrderEvent.Kind.ERROR,
                    failure.reason.message(),
                    False,
                    en=failure.reason.message("en"),
                    detail=failure.detail,
                )
        self.save()

    def finish(self, plan: core.Plan) -> None:
        link = self.link
        previous = (link.state, link.reason_code, link.reason_params)
        state = plan.state
        link.state = state
        link.attempts = 0
        link.next_retry_at = None
        self.set_reason(plan.reason)
        if state == OrderLink.State.SYNCED:
            link.synced_at = timezone.now()
            if link.recreate:  # in step without creating again (e.g. cancelled on Haravan meanwhile)
                link.recreate = False
                OrderLink.objects.filter(pk=link.pk).update(recreate=False)
        if previous != (link.state, link.reason_code, link.reason_params) and plan.reason is not None:
            kind = OrderEvent.Kind.SKIPPED if state == OrderLink.State.SKIPPED else OrderEvent.Kind.ERROR
            self.event(
                kind, plan.reason.message(), state != OrderLink.State.ERROR, en=plan.reason.message("en")
            )
        self.save()


class _Replan(Exception):
    """Read both sides again and plan once more."""


def _run_once(link_id: int, ports: Ports) -> None:
    link = OrderLink.objects.select_related("tenant").filter(pk=link_id).first()
    if link is None:
        return
    tenant = link.tenant
    with tenant_context(tenant):
        if (
            tenant.status != Tenant.Status.ACTIVE
            or not KiotVietConnection.objects.filter(tenant=tenant).exists()
        ):
            return  # (the claim took the trigger) nothing to do for a shop that left
        run = _Run(link, ports)
        try:
            for _ in range(MAX_ROUNDS):
                try:
                    run.refresh()
                    run.recover()
                    plan = run.plan()
                    if not plan.actions or plan.reason is not None:
                        run.finish(plan)
                        return
                    for action in plan.actions:
                        run.execute(action)
                except _Replan:
                    continue
            log.warning(
                "order %s still has actions after %d rounds", link.hv_name or link.kv_order_code, MAX_ROUNDS
            )
            run.fail(Failure(True, detail="plan did not settle"))
        except _Stop:
            return
        except PlatformError as exc:  # a read failed (actions handle their own failures)
            run.fail(classify(exc))


def sync_link(link_id: int, ports: Ports) -> None:
    """Run the order's sync if no other worker holds it (that worker will see the trigger)."""
    token = lease.claim(link_id)
    if token is None:
        return
    for i in range(MAX_RUNS):
        try:
            with urgent_calls():  # an order may spend the GET budget's reserve
                _run_once(link_id, ports)
        except Exception:
            log.exception("order sync %s crashed", link_id)
            OrderLink.objects.filter(pk=link_id).update(
                state=OrderLink.State.WAITING,
                next_retry_at=timezone.now() + timedelta(seconds=ports.order_retry_delays[0]),
            )
            lease.release(link_id, token, again=False)
            return
        if not lease.release(link_id, token, again=i < MAX_RUNS - 1):
            return


def enqueue(link_id: int, ports: Ports) -> None:
    """Queue a sync job for the order (noted on the link, so the sweeper does not queue it again)."""
    OrderLink.objects.filter(pk=link_id).update(queued_at=timezone.now())
    ports.queue.wake(SYNC_ORDER, link_id)


def request_sync(link: OrderLink, ports: Ports) -> None:
    OrderLink.objects.filter(pk=link.pk).update(needs_sync=True)
    enqueue(link.pk, ports)


def resync(tenant: Tenant, link_ids: Sequence[int], ports: Ports) -> int:
    """The merchant's "Đồng bộ sang KiotViet": clear the error and try now (forcing a skipped
    order through). Returns how many orders were queued."""
    links = list(OrderLink.objects.filter(tenant=tenant, pk__in=list(link_ids)))
    for link in links:
        # An order KiotViet cancelled while Haravan processes it: the merchant asks for it again.
        recreate = link.reason_code in _ASK_TO_CREATE_AGAIN
        OrderLink.objects.filter(pk=link.pk).update(
            needs_sync=True,
            forced=True,
            attempts=0,
            next_retry_at=None,
            state=OrderLink.State.WAITING,
            **({"recreate": True} if recreate else {}),
        )
        OrderEvent.objects.create(
            tenant=tenant,
            link=link,
            kind=OrderEvent.Kind.RESYNC,
            message="Người bán yêu cầu đồng bộ lại.",
            detail={"en": "The merchant asked to sync again."},
        )
    for link in links:
        enqueue(link.pk, ports)
    return len(links)


def run_due(ports: Ports, now: datetime | None = None, limit: int = 500) -> int:
    """Wake orders whose retry is due, whose trigger was lost, or whose worker died."""
    from django.db.models import Q

    now = now or timezone.now()
    active = Q(tenant__status=Tenant.Status.ACTIVE)
    due = list(
        OrderLink.objects.filter(active, state=OrderLink.State.WAITING, next_retry_at__lte=now).values_list(
            "pk", flat=True
        )[:limit]
    )
    if due:
        OrderLink.objects.filter(pk__in=due).update(needs_sync=True)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    died = Q(lease_until__lt=now) & ~Q(lease_token="")  # a worker died holding the order
    not_queued = Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER)
    stuck = list(
        OrderLink.objects.filter(active, free)
        .filter((Q(needs_sync=True) & not_queued) | died)
        .exclude(pk__in=due)
        .values_list("pk", flat=True)[:limit]
    )
    for pk in [*due, *stuck]:
        enqueue(pk, ports)
    return len(due) + len(stuck)
