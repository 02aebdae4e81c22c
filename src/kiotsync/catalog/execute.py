"""Execute a KiotViet → Haravan product plan and record every outcome.

Actions run in plan order. Each success merges the action's ``pushed`` fingerprints into the
stored link (never on failure, so a half-executed plan re-plans correctly). Creates are guarded
by a write intent (:mod:`kiotsync.bookkeeping.intents`): committed before the call, removed with the link that records
success; one left behind makes the next run look the product up by SKU before creating again.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import db
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kiotsync.bookkeeping import intents
from kiotsync.core.catalog import (
    AddVariant,
    CreateProduct,
    Fingerprints,
    HideProduct,
    LinkProduct,
    LinkVariant,
    ProductPlan,
    UpdateProduct,
    UpdateVariant,
)
from kiotsync.core.catalog.status import RowState
from kiotsync.haravan.client import HaravanClient
from kiotsync.haravan.models import Product as HvWireProduct
from kiotsync.httpkit.errors import PlatformError, TransientError
from kiotsync.tenants.models import Tenant

from . import ingest, wire
from .failures import explain
from .models import KvRow, ProductLinkRecord, SyncEvent, VariantLinkRecord
from .models import RowState as DbState

log = logging.getLogger(__name__)

#: Product creates sent at once by one job (each still waits for the shop's bucket).
CREATES_IN_FLIGHT = 8


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    linked: int = 0
    hidden: int = 0
    failed: int = 0
    ok_rows: set[int] = field(default_factory=set)
    failed_rows: dict[int, str] = field(default_factory=dict)
    transient: bool = False
    #: Haravan variants this run POSTed (nothing on hand, nothing committed). Adopted or
    #: linked variants are not in it: they may carry stock and open orders.
    new_variants: set[int] = field(default_factory=set)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, tuple):
            out[key] = [str(v) for v in value]
        else:
            out[key] = value
    return out


def _merge(existing: dict[str, str] | None, pushed: Fingerprints) -> dict[str, str]:
    return Fingerprints.of(existing or {}).merged(pushed).as_dict()


def link_product(tenant: Tenant, group_id: int, product_id: int, pushed: Fingerprints) -> None:
    with transaction.atomic():
        ProductLinkRecord.objects.filter(tenant=tenant, hv_product_id=product_id).exclude(
            kv_group_id=group_id
        ).delete()
        row = (
            ProductLinkRecord.objects.select_for_update().filter(tenant=tenant, kv_group_id=group_id).first()
        )
        if row is None:
            ProductLinkRecord.objects.create(
                tenant=tenant, kv_group_id=group_id, hv_product_id=product_id, pushed=pushed.as_dict()
            )
            return
        row.pushed = _merge(row.pushed if row.hv_product_id == product_id else {}, pushed)
        row.hv_product_id = product_id
        row.save()


def link_variant(tenant: Tenant, kv_id: int, product_id: int, variant_id: int, pushed: Fingerprints) -> None:
    code = KvRow.objects.filter(tenant=tenant, kv_id=kv_id).values_list("code", flat=True).first() or ""
    with transaction.atomic():
        VariantLinkRecord.objects.filter(tenant=tenant, hv_variant_id=variant_id).exclude(
            kv_id=kv_id
        ).delete()
        row = VariantLinkRecord.objects.select_for_update().filter(tenant=tenant, kv_id=kv_id).first()
        if row is None:
            VariantLinkRecord.objects.create(
                tenant=tenant,
                kv_id=kv_id,
                kv_code=code,
                hv_product_id=product_id,
                hv_variant_id=variant_id,
                pushed=pushed.as_dict(),
            )
            return
        same = row.hv_variant_id == variant_id
        row.pushed = _merge(row.pushed if same else {}, pushed)
        if not same:
            row.stock_target, row.stock_basis = None, []
        row.hv_product_id, row.hv_variant_id, row.kv_code = product_id, variant_id, code
        row.save()


def link_new_variants(tenant: Tenant, product_id: int, pairs: list[tuple[int, int, Fingerprints]]) -> None:
    """``link_variant`` for each ``(kv_id, variant_id, pushed)`` — in three queries when none of
    the rows or variants is linked yet (a product just created), else one pair at a time."""
    kv_ids = [kv_id for kv_id, _v, _p in pairs]
    variant_ids = [variant_id for _k, variant_id, _p in pairs]
    with transaction.atomic():
        fresh = len(set(kv_ids)) == len(kv_ids) and len(set(variant_ids)) == len(variant_ids)
        fresh = (
            fresh
            and not VariantLinkRecord.objects.filter(tenant=tenant)
            .filter(Q(kv_id__in=kv_ids) | Q(hv_variant_id__in=variant_ids))
            .exists()
        )
        if not fresh:
            for kv_id, variant_id, pushed in pairs:
                link_variant(tenant, kv_id, product_id, variant_id, pushed)
            return
        codes = dict(KvRow.objects.filter(tenant=tenant, kv_id__in=kv_ids).values_list("kv_id", "code"))
        VariantLinkRecord.objects.bulk_create(
            [
                VariantLinkRecord(
                    tenant=tenant,
                    kv_id=kv_id,
                    kv_code=codes.get(kv_id) or "",
                    hv_product_id=product_id,
                    hv_variant_id=variant_id,
                    pushed=pushed.as_dict(),
                )
                for kv_id, variant_id, pushed in pairs
            ]
        )


def merge_variant_pushed(tenant: Tenant, kv_id: int, pushed: Fingerprints) -> None:
    with transaction.atomic():
        row = VariantLinkRecord.objects.select_for_update().filter(tenant=tenant, kv_id=kv_id).first()
        if row is not None:
            row.pushed = _merge(row.pushed, pushed)
            row.save(update_fields=["pushed", "updated_at"])


def event(
    tenant: Tenant,
    action: str,
    *,
    kv_id: int | None = None,
    product_id: int | None = None,
    variant_id: int | None = None,
    call: str = "",
    ok: bool = True,
    changes: dict[str, Any] | None = None,
    error: str = "",
) -> None:
    SyncEvent.objects.create(
        tenant=tenant,
        kv_id=kv_id,
        hv_product_id=product_id,
        hv_variant_id=variant_id,
        action=action,
        call=call,
        ok=ok,
        changes=changes or {},
        error=error,
    )


class ProductExecutor:
    """Runs one plan against Haravan for one tenant."""

    def __init__(
        self,
        tenant: Tenant,
        client: HaravanClient,
        group_rows: dict[int, list[int]],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.tenant = tenant
        self.client = client
        self.group_rows = group_rows  # group id → its row ids (for product-level outcomes)
        self.progress = progress or (lambda n: None)
        self.outcome = Outcome()
        self._ahead: _CallAhead | None = None
        self._pending: deque[tuple[CreateProduct, Future[HvWireProduct]]] = deque()

    # -- bookkeeping -------------------------------------------------------------------------
    def _ok(self, rows: Iterable[int]) -> None:
        self.outcome.ok_rows.update(rows)

    def _fail(self, rows: Iterable[int], exc: Exception, action: str, **where: Any) -> None:
        message = explain(exc)
        self.outcome.failed += 1
        self.outcome.transient |= isinstance(exc, TransientError)
        for row in rows:
            self.outcome.failed_rows[row] = message
        event(self.tenant, action, ok=False, error=message, **where)
        log.warning("%s failed: %s", action, exc)

    # -- actions -----------------------------------------------------------------------------
    def run(self, plan: ProductPlan) -> Outcome:
        """Run the actions in order. Up to :data:`CREATES_IN_FLIGHT` creates are sent at once
        (see :meth:`_create`); every other action first waits for them to be recorded."""
        with _CallAhead(CREATES_IN_FLIGHT) as ahead:
            self._ahead = ahead
            try:
                for action in plan.actions:
                    if isinstance(action, CreateProduct):
                        self._create(action)
                    else:
                        self._settle()
                        self._run_one(action)
                    self.progress(1)
                self._settle()
            except BaseException:
                # Record what the in-flight create did before giving up (it may have landed).
                try:
                    self._settle()
                except Exception:
                    log.exception("recording the pending create failed")
                raise
            finally:
                self._ahead = None
        return self.outcome

    def _create(self, action: CreateProduct) -> None:
        """Claim ``action`` (its write intent is committed first) and send its POST on a helper
        thread; record the creates that have answered, in order, while others are in flight.
        Up to :data:`CREATES_IN_FLIGHT` are in flight, so the shop's rate limit (the pacer the
        helpers share), not the round-trip time, sets the pace: with 100 ms or more per call
        one create at a time could not use the bucket's rate."""
        body = self._create_begin(action)
        if self._ahead is None:  # outside ``run``: one at a time
            if body is not None:
                self._create_end(action, _answer(lambda: self.client.create_product(body)))
            return
        if body is not None:
            self._pending.append((action, self._ahead.submit(self.client.create_product, body)))
        while self._pending and (self._pending[0][1].done() or len(self._pending) >= CREATES_IN_FLIGHT):
            self._create_end(*self._pending.popleft())

    def _settle(self) -> None:
        """Record every create whose POST is in flight, in the order they were sent."""
        while self._pending:
            self._create_end(*self._pending.popleft())

    def _run_one(self, action: Any) -> None:
        if isinstance(action, LinkProduct):
            link_product(self.tenant, action.kv_group_id, action.hv_product_id, action.pushed)
            self._ok(self.group_rows.get(action.kv_group_id, []))
        elif isinstance(action, LinkVariant):
            link_variant(
                self.tenant, action.kv_product_id, action.hv_product_id, action.hv_variant_id, action.pushed
            )
            event(
                self.tenant,
                "link",
                kv_id=action.kv_product_id,
                product_id=action.hv_product_id,
                variant_id=action.hv_variant_id,
            )
            self.outcome.linked += 1
            self._ok([action.kv_product_id])
        elif isinstance(action, AddVariant):
            self._add_variant(action)
        elif isinstance(action, UpdateProduct):
            self._update_product(action)
        elif isinstance(action, UpdateVariant):
            self._update_variant(action)
        elif isinstance(action, HideProduct):
            self._hide(action)

    def _adopt(self, skus: list[str]) -> HvWireProduct | None:
        """After an unknown outcome: is the product already on Haravan (by SKU)?"""
        for sku in skus:
            if not sku:
                continue
            found = [p for p in self.client.iter_products(sku=sku) if any(v.sku == sku for v in p.variants)]
            if found:
                return found[0]
        return None

    def _link_created(self, action: CreateProduct, product: HvWireProduct) -> None:
        by_sku = {v.sku: v for v in product.variants if v.sku}
        ordered = sorted(product.variants, key=lambda v: (v.position or 0, v.id))
        pairs = []
        for index, draft in enumerate(action.product.variants):
            variant = by_sku.get(draft.fields.sku or "") or (ordered[index] if index < len(ordered) else None)
            if variant is not None:
                pairs.append((draft.kv_product_id, variant.id, draft.pushed))
        with transaction.atomic():
            link_product(self.tenant, action.kv_group_id, product.id, action.product.pushed)
            link_new_variants(self.tenant, product.id, pairs)
            # Mirrored before the intent goes: Haravan's products/create webhook, handled meanwhile,
            # finds the product either being created or known (catalog.handlers.haravan_product).
            ingest.upsert_hv_products(self.tenant, [wire.hv_product(product)])
            intents.settle(self.tenant.pk, f"hv:create:{action.kv_group_id}")

    def _create_begin(self, action: CreateProduct) -> dict[str, Any] | None:
        """Claim the create (write intent, committed), or settle it without a POST: adopted
        after an earlier lost answer, or failed while looking. Returns the body to POST."""
        rows = [d.kv_product_id for d in action.product.variants]
        key = f"hv:create:{action.kv_group_id}"
        skus = [d.fields.sku or "" for d in action.product.variants]
        try:
            if not intents.claim(self.tenant.pk, key, {"skus": skus}):
                # An earlier run's intent: its POST may have landed.
                existing = self._adopt(skus)
                if existing is not None:
                    with transaction.atomic():
                        self._link_created(action, existing)
                        event(
                            self.tenant,
                            "adopt",
                            kv_id=rows[0],
                            product_id=existing.id,
                            call="GET /com/products.json?sku=",
                        )
                    self.outcome.linked += 1
                    self._ok(rows)
                    return None
        except PlatformError as exc:
            self._create_failed(action, exc)
            return None
        return wire.product_body(action.product.fields, [d.fields for d in action.product.variants])

    def _create_failed(self, action: CreateProduct, exc: PlatformError) -> None:
        rows = [d.kv_product_id for d in action.product.variants]
        if not (isinstance(exc, TransientError) and exc.maybe_committed):
            intents.settle(self.tenant.pk, f"hv:create:{action.kv_group_id}")
        self._fail(rows, exc, "create", kv_id=rows[0], call="POST /com/products.json")

    def _create_end(self, action: CreateProduct, answer: Future[HvWireProduct]) -> None:
        """Record the POST's outcome: links, mirror and history in one transaction."""
        try:
            product = answer.result()
        except PlatformError as exc:
            self._create_failed(action, exc)
            return
        rows = [d.kv_product_id for d in action.product.variants]
        with transaction.atomic():
            self._link_created(action, product)
            event(
                self.tenant,
                "create",
                kv_id=rows[0],
                product_id=product.id,
                call="POST /com/products.json",
                changes=_jsonable(action.product.fields.as_dict())
                | {"variants": len(action.product.variants)},
            )
        self.outcome.created += 1
        self.outcome.new_variants.update(v.id for v in product.variants)
        self._ok(rows)

    def _add_variant(self, action: AddVariant) -> None:
        kv_id = action.variant.kv_product_id
        key = f"hv:variant:{kv_id}"
        sku = action.variant.fields.sku or ""
        call = f"POST /com/products/{action.hv_product_id}/variants.json"
        try:
            variant = None
            if not intents.claim(self.tenant.pk, key) and sku:
                variant = next(
                    (v for v in self.client.list_variants(action.hv_product_id) if v.sku == sku), None
                )
            if variant is None:
                variant = self.client.create_variant(
                    action.hv_product_id, wire.variant_body(action.variant.fields)
                )
                self.outcome.new_variants.add(variant.id)
        except PlatformError as exc:
            if not (isinstance(exc, TransientError) and exc.maybe_committed):
                intents.settle(self.tenant.pk, key)
            self._fail([kv_id], exc, "add_variant", kv_id=kv_id, product_id=action.hv_product_id, call=call)
            return
        with transaction.atomic():
            link_variant(self.tenant, kv_id, action.hv_product_id, variant.id, action.variant.pushed)
            intents.settle(self.tenant.pk, key)
        self._refresh_product(action.hv_product_id)
        event(
            self.tenant,
            "add_variant",
            kv_id=kv_id,
            product_id=action.hv_product_id,
            variant_id=variant.id,
            call=call,
            changes=_jsonable(action.variant.fields.as_dict()),
        )
        self.outcome.created += 1
        self._ok([kv_id])

    def _refresh_product(self, product_id: int, product: HvWireProduct | None = None) -> None:
        try:
            product = product or self.client.get_product(product_id)
        except PlatformError:
            return
        ingest.upsert_hv_products(self.tenant, [wire.hv_product(product)])

    def _update_product(self, action: UpdateProduct) -> None:
        rows = self.group_rows.get(action.kv_group_id, [])
        call = f"PUT /com/products/{action.hv_product_id}.json"
        try:
            product = self.client.update_product(action.hv_product_id, wire.product_body(action.changes))
        except PlatformError as exc:
            self._fail(
                rows, exc, "update", kv_id=action.kv_group_id, product_id=action.hv_product_id, call=call
            )
            return
        link_product(self.tenant, action.kv_group_id, action.hv_product_id, action.pushed)
        self._refresh_product(action.hv_product_id, product)
        event(
            self.tenant,
            "update",
            kv_id=action.kv_group_id,
            product_id=action.hv_product_id,
            call=call,
            changes=_jsonable(action.changes.as_dict()),
        )
        self.outcome.updated += 1
        self._ok(rows)

    def _update_variant(self, action: UpdateVariant) -> None:
        call = f"PUT /com/variants/{action.hv_variant_id}.json"
        try:
            self.client.update_variant(action.hv_variant_id, wire.variant_body(action.changes))
        except PlatformError as exc:
            self._fail(
                [action.kv_product_id],
                exc,
                "update_variant",
                kv_id=action.kv_product_id,
                product_id=action.hv_product_id,
                variant_id=action.hv_variant_id,
                call=call,
            )
            return
        merge_variant_pushed(self.tenant, action.kv_product_id, action.pushed)
        self._refresh_product(action.hv_product_id)
        event(
            self.tenant,
            "update_variant",
            kv_id=action.kv_product_id,
            product_id=action.hv_product_id,
            variant_id=action.hv_variant_id,
            call=call,
            changes=_jsonable(action.changes.as_dict()),
        )
        self.outcome.updated += 1
        self._ok([action.kv_product_id])

    def _hide(self, action: HideProduct) -> None:
        rows = self.group_rows.get(action.kv_group_id, [])
        call = f"PUT /com/products/{action.hv_product_id}.json"
        try:
            product = self.client.update_product(action.hv_product_id, {"published": False})
        except PlatformError as exc:
            self._fail(
                rows, exc, "hide", kv_id=action.kv_group_id, product_id=action.hv_product_id, call=call
            )
            return
        link_product(self.tenant, action.kv_group_id, action.hv_product_id, action.pushed)
        self._refresh_product(action.hv_product_id, product)
        event(
            self.tenant,
            "hide",
            kv_id=action.kv_group_id,
            product_id=action.hv_product_id,
            call=call,
            changes={"published": False, "reason": str(action.reason)},
        )
        self.outcome.hidden += 1
        self._ok(rows)


def _answer(call: Callable[[], HvWireProduct]) -> Future[HvWireProduct]:
    """Run ``call`` now; its result, or the platform error it raised, as a done future."""
    future: Future[HvWireProduct] = Future()
    try:
        future.set_result(call())
    except PlatformError as exc:
        future.set_exception(exc)
    return future


class _CallAhead:
    """Helper threads for HTTP calls made ahead of the bookkeeping. They may touch the database
    (the token provider reads the installation), so each closes its connections when the block
    ends."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="kiotsync-call-ahead")
        self._used = False

    def submit(self, fn: Callable[..., HvWireProduct], *args: Any) -> Future[HvWireProduct]:
        self._used = True
        return self._pool.submit(fn, *args)

    def __enter__(self) -> _CallAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._used:
                # One closing task per thread: each waits at the barrier until all have started,
                # so every thread of the pool takes exactly one.
                started = list(self._pool._threads)  # only threads that exist hold connections
                barrier = threading.Barrier(len(started)) if started else None

                def close() -> None:
                    db.connections.close_all()
                    if barrier is not None:
                        try:
                            barrier.wait(timeout=10)
                        except threading.BrokenBarrierError:
                            log.warning("a call-ahead thread did not close its connections in time")

                for done in [self._pool.submit(close) for _ in started]:
                    done.result()
        finally:
            self._pool.shutdown(wait=True)


def record_statuses(tenant: Tenant, plan_statuses: Iterable[Any], outcome: Outcome) -> None:
    """Write each row's state: the plan's verdict, corrected by what actually happened."""
    now = timezone.now()
    by_id = {s.kv_product_id: s for s in plan_statuses}
    rows = list(KvRow.objects.filter(tenant=tenant, kv_id__in=list(by_id)))
    linked = set(
        VariantLinkRecord.objects.filter(tenant=tenant, kv_id__in=list(by_id)).values_list("kv_id", flat=True)
    )
    for row in rows:
        status = by_id[row.kv_id]
        state = str(status.state)
        row.last_error = ""
        if row.kv_id in outcome.failed_rows:
            state = DbState.ERROR
            row.last_error = outcome.failed_rows[row.kv_id]
        elif state in (RowState.PLANNED, RowState.LINKED):
            state = DbState.LINKED if row.kv_id in linked else DbState.PENDING
            if row.kv_id in outcome.ok_rows or state == DbState.LINKED:
                row.last_synced_at = now
        row.state = state
        reason = status.reason
        row.reason_code = str(reason.code) if reason is not None else ""
        row.reason_params = dict(reason.params) if reason is not None else {}
    _update_grouped(rows, ["state", "reason_code", "reason_params", "last_error", "last_synced_at"])


def _update_grouped(rows: list[KvRow], fields: list[str]) -> None:
    """Write ``fields`` of ``rows``: one UPDATE per distinct set of values (most rows of a run
    share their outcome), much cheaper than ``bulk_update``'s CASE per row and field."""
    groups: dict[str, tuple[dict[str, Any], list[int]]] = {}
    for row in rows:
        values = {name: getattr(row, name) for name in fields}
        key = json.dumps(values, sort_keys=True, default=str)
        groups.setdefault(key, (values, []))[1].append(row.pk)
    for values, pks in groups.values():
        for start in range(0, len(pks), 500):
            KvRow.objects.filter(pk__in=pks[start : start + 500]).update(**values)
