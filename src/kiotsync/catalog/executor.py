"""Execute a KiotViet → Haravan product plan and record every outcome.

Actions run in plan order. Each success merges the action's ``pushed`` fingerprints into the
stored link (never on failure, so a half-executed plan re-plans correctly). Creates are guarded
by a :class:`WriteIntent`: committed before the call, removed with the link that records
success; one left behind makes the next run look the product up by SKU before creating again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kiotsync.core import (
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
from kiotsync.core.status import RowState
from kiotsync.haravan.client import HaravanClient
from kiotsync.haravan.models import Product as HvWireProduct
from kiotsync.httpkit.errors import PlatformError, TransientError
from kiotsync.tenants.models import Tenant

from . import ingest, translate
from .explain import explain
from .models import KvRow, ProductLinkRecord, RowState as DbState, SyncEvent, VariantLinkRecord, WriteIntent

log = logging.getLogger(__name__)


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
        ProductLinkRecord.objects.filter(tenant=tenant, hv_product_id=product_id).exclude(kv_group_id=group_id).delete()
        row = ProductLinkRecord.objects.select_for_update().filter(tenant=tenant, kv_group_id=group_id).first()
        if row is None:
            ProductLinkRecord.objects.create(tenant=tenant, kv_group_id=group_id, hv_product_id=product_id, pushed=pushed.as_dict())
            return
        row.pushed = _merge(row.pushed if row.hv_product_id == product_id else {}, pushed)
        row.hv_product_id = product_id
        row.save()


def link_variant(tenant: Tenant, kv_id: int, product_id: int, variant_id: int, pushed: Fingerprints) -> None:
    code = KvRow.objects.filter(tenant=tenant, kv_id=kv_id).values_list("code", flat=True).first() or ""
    with transaction.atomic():
        VariantLinkRecord.objects.filter(tenant=tenant, hv_variant_id=variant_id).exclude(kv_id=kv_id).delete()
        row = VariantLinkRecord.objects.select_for_update().filter(tenant=tenant, kv_id=kv_id).first()
        if row is None:
            VariantLinkRecord.objects.create(
                tenant=tenant, kv_id=kv_id, kv_code=code, hv_product_id=product_id, hv_variant_id=variant_id,
                pushed=pushed.as_dict(),
            )
            return
        same = row.hv_variant_id == variant_id
        row.pushed = _merge(row.pushed if same else {}, pushed)
        if not same:
            row.stock_target, row.stock_basis = None, []
        row.hv_product_id, row.hv_variant_id, row.kv_code = product_id, variant_id, code
        row.save()


def merge_variant_pushed(tenant: Tenant, kv_id: int, pushed: Fingerprints) -> None:
    with transaction.atomic():
        row = VariantLinkRecord.objects.select_for_update().filter(tenant=tenant, kv_id=kv_id).first()
        if row is not None:
            row.pushed = _merge(row.pushed, pushed)
            row.save(update_fields=["pushed", "updated_at"])


def event(tenant: Tenant, action: str, *, kv_id: int | None = None, product_id: int | None = None,
          variant_id: int | None = None, call: str = "", ok: bool = True, changes: dict[str, Any] | None = None,
          error: str = "") -> None:
    SyncEvent.objects.create(
        tenant=tenant, kv_id=kv_id, hv_product_id=product_id, hv_variant_id=variant_id, action=action,
        call=call, ok=ok, changes=changes or {}, error=error,
    )


class ProductExecutor:
    """Runs one plan against Haravan for one tenant."""

    def __init__(self, tenant: Tenant, client: HaravanClient, group_rows: dict[int, list[int]],
                 progress: Callable[[int], None] | None = None) -> None:
        self.tenant = tenant
        self.client = client
        self.group_rows = group_rows  # group id → its row ids (for product-level outcomes)
        self.progress = progress or (lambda n: None)
        self.outcome = Outcome()

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
        for action in plan.actions:
            if isinstance(action, LinkProduct):
                link_product(self.tenant, action.kv_group_id, action.hv_product_id, action.pushed)
                self._ok(self.group_rows.get(action.kv_group_id, []))
            elif isinstance(action, LinkVariant):
                link_variant(self.tenant, action.kv_product_id, action.hv_product_id, action.hv_variant_id, action.pushed)
                event(self.tenant, "link", kv_id=action.kv_product_id, product_id=action.hv_product_id,
                      variant_id=action.hv_variant_id)
                self.outcome.linked += 1
                self._ok([action.kv_product_id])
            elif isinstance(action, CreateProduct):
                self._create(action)
            elif isinstance(action, AddVariant):
                self._add_variant(action)
            elif isinstance(action, UpdateProduct):
                self._update_product(action)
            elif isinstance(action, UpdateVariant):
                self._update_variant(action)
            elif isinstance(action, HideProduct):
                self._hide(action)
            self.progress(1)
        return self.outcome

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
        with transaction.atomic():
            link_product(self.tenant, action.kv_group_id, product.id, action.product.pushed)
            for index, draft in enumerate(action.product.variants):
                variant = by_sku.get(draft.fields.sku or "") or (ordered[index] if index < len(ordered) else None)
                if variant is not None:
                    link_variant(self.tenant, draft.kv_product_id, product.id, variant.id, draft.pushed)
            WriteIntent.objects.filter(tenant=self.tenant, key=f"hv:create:{action.kv_group_id}").delete()
        ingest.upsert_hv_products(self.tenant, [translate.hv_product(product)])

    def _create(self, action: CreateProduct) -> None:
        rows = [d.kv_product_id for d in action.product.variants]
        key = f"hv:create:{action.kv_group_id}"
        skus = [d.fields.sku or "" for d in action.product.variants]
        call = "POST /com/products.json"
        try:
            if WriteIntent.objects.filter(tenant=self.tenant, key=key).exists():
                existing = self._adopt(skus)
                if existing is not None:
                    self._link_created(action, existing)
                    event(self.tenant, "adopt", kv_id=rows[0], product_id=existing.id, call="GET /com/products.json?sku=")
                    self.outcome.linked += 1
                    self._ok(rows)
                    return
            else:
                try:
                    WriteIntent.objects.create(tenant=self.tenant, key=key, payload={"skus": skus})
                except IntegrityError:
                    pass
            body = translate.product_body(action.product.fields, [d.fields for d in action.product.variants])
            product = self.client.create_product(body)
        except PlatformError as exc:
            if not (isinstance(exc, TransientError) and exc.maybe_committed):
                WriteIntent.objects.filter(tenant=self.tenant, key=key).delete()
            self._fail(rows, exc, "create", kv_id=rows[0], call=call)
            return
        self._link_created(action, product)
        event(self.tenant, "create", kv_id=rows[0], product_id=product.id, call=call,
              changes=_jsonable(action.product.fields.as_dict()) | {"variants": len(action.product.variants)})
        self.outcome.created += 1
        self._ok(rows)

    def _add_variant(self, action: AddVariant) -> None:
        kv_id = action.variant.kv_product_id
        key = f"hv:variant:{kv_id}"
        sku = action.variant.fields.sku or ""
        call = f"POST /com/products/{action.hv_product_id}/variants.json"
        try:
            variant = None
            if WriteIntent.objects.filter(tenant=self.tenant, key=key).exists() and sku:
                variant = next((v for v in self.client.list_variants(action.hv_product_id) if v.sku == sku), None)
            else:
                WriteIntent.objects.get_or_create(tenant=self.tenant, key=key)
            if variant is None:
                variant = self.client.create_variant(action.hv_product_id, translate.variant_body(action.variant.fields))
        except PlatformError as exc:
            if not (isinstance(exc, TransientError) and exc.maybe_committed):
                WriteIntent.objects.filter(tenant=self.tenant, key=key).delete()
            self._fail([kv_id], exc, "add_variant", kv_id=kv_id, product_id=action.hv_product_id, call=call)
            return
        with transaction.atomic():
            link_variant(self.tenant, kv_id, action.hv_product_id, variant.id, action.variant.pushed)
            WriteIntent.objects.filter(tenant=self.tenant, key=key).delete()
        self._refresh_product(action.hv_product_id)
        event(self.tenant, "add_variant", kv_id=kv_id, product_id=action.hv_product_id, variant_id=variant.id,
              call=call, changes=_jsonable(action.variant.fields.as_dict()))
        self.outcome.created += 1
        self._ok([kv_id])

    def _refresh_product(self, product_id: int, product: HvWireProduct | None = None) -> None:
        try:
            product = product or self.client.get_product(product_id)
        except PlatformError:
            return
        ingest.upsert_hv_products(self.tenant, [translate.hv_product(product)])

    def _update_product(self, action: UpdateProduct) -> None:
        rows = self.group_rows.get(action.kv_group_id, [])
        call = f"PUT /com/products/{action.hv_product_id}.json"
        try:
            product = self.client.update_product(action.hv_product_id, translate.product_body(action.changes))
        except PlatformError as exc:
            self._fail(rows, exc, "update", kv_id=action.kv_group_id, product_id=action.hv_product_id, call=call)
            return
        link_product(self.tenant, action.kv_group_id, action.hv_product_id, action.pushed)
        self._refresh_product(action.hv_product_id, product)
        event(self.tenant, "update", kv_id=action.kv_group_id, product_id=action.hv_product_id, call=call,
              changes=_jsonable(action.changes.as_dict()))
        self.outcome.updated += 1
        self._ok(rows)

    def _update_variant(self, action: UpdateVariant) -> None:
        call = f"PUT /com/variants/{action.hv_variant_id}.json"
        try:
            self.client.update_variant(action.hv_variant_id, translate.variant_body(action.changes))
        except PlatformError as exc:
            self._fail([action.kv_product_id], exc, "update_variant", kv_id=action.kv_product_id,
                       product_id=action.hv_product_id, variant_id=action.hv_variant_id, call=call)
            return
        merge_variant_pushed(self.tenant, action.kv_product_id, action.pushed)
        self._refresh_product(action.hv_product_id)
        event(self.tenant, "update_variant", kv_id=action.kv_product_id, product_id=action.hv_product_id,
              variant_id=action.hv_variant_id, call=call, changes=_jsonable(action.changes.as_dict()))
        self.outcome.updated += 1
        self._ok([action.kv_product_id])

    def _hide(self, action: HideProduct) -> None:
        rows = self.group_rows.get(action.kv_group_id, [])
        call = f"PUT /com/products/{action.hv_product_id}.json"
        try:
            product = self.client.update_product(action.hv_product_id, {"published": False})
        except PlatformError as exc:
            self._fail(rows, exc, "hide", kv_id=action.kv_group_id, product_id=action.hv_product_id, call=call)
            return
        link_product(self.tenant, action.kv_group_id, action.hv_product_id, action.pushed)
        self._refresh_product(action.hv_product_id, product)
        event(self.tenant, "hide", kv_id=action.kv_group_id, product_id=action.hv_product_id, call=call,
              changes={"published": False, "reason": str(action.reason)})
        self.outcome.hidden += 1
        self._ok(rows)


def record_statuses(tenant: Tenant, plan_statuses: Iterable[Any], outcome: Outcome) -> None:
    """Write each row's state: the plan's verdict, corrected by what actually happened."""
    now = timezone.now()
    by_id = {s.kv_product_id: s for s in plan_statuses}
    rows = list(KvRow.objects.filter(tenant=tenant, kv_id__in=list(by_id)))
    for row in rows:
        status = by_id[row.kv_id]
        state = str(status.state)
        row.last_error = ""
        if row.kv_id in outcome.failed_rows:
            state = DbState.ERROR
            row.last_error = outcome.failed_rows[row.kv_id]
        elif state in (RowState.PLANNED, RowState.LINKED):
            state = DbState.LINKED if VariantLinkRecord.objects.filter(tenant=tenant, kv_id=row.kv_id).exists() else DbState.PENDING
            if row.kv_id in outcome.ok_rows or state == DbState.LINKED:
                row.last_synced_at = now
        row.state = state
        reason = status.reason
        row.reason_code = str(reason.code) if reason is not None else ""
        row.reason_params = dict(reason.params) if reason is not None else {}
    KvRow.objects.bulk_update(rows, ["state", "reason_code", "reason_params", "last_error", "last_synced_at"], batch_size=500)
