"""The product screens' reads from the local mirrors: search, filters, counts, grouped rows,
each row's standing and its stock in sellable units (no API budget spent; every query filtered
by the shop).

A row's standing answers the merchant's question — is it on Haravan, and is it up to date? —
from what the sync itself keeps: a variant link (on Haravan), a KiotViet stock change not yet
written (``KvStock.dirty``, of the row, its base unit or a combo's components, while stock is
synced) or product data KiotViet changed after the row's last sync (``modified_at`` after
``last_synced_at``): a change waiting, so never "up to date".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiotsync.connections.branches import branch_names
from kiotsync.core.catalog.domain import KvComponent, KvInventory, KvProduct, StockObservation
from kiotsync.core.catalog.stock import StockCalculator, StockTarget
from kiotsync.search import matching
from kiotsync.tenants.models import SyncSettings, Tenant

from . import inputs
from .display import (
    KV_FILTERS,
    BranchStock,
    Pending,
    PushedField,
    ResyncOutcome,
    Standing,
    StatusView,
    StockView,
    hv_status,
    kv_status,
    reason_texts,
    resync_words,
)
from .models import (
    HvVariantRow,
    KvRow,
    KvStock,
    ProductLinkRecord,
    RowState,
    SyncEvent,
    VariantLinkRecord,
)

__all__ = ["KV_FILTERS"]


def sum_stock(tenant: Tenant, kv_ids: Iterable[int]) -> dict[int, Decimal]:
    rows = (
        KvStock.objects.filter(tenant=tenant, kv_id__in=list(kv_ids))
        .values("kv_id")
        .annotate(total=Sum("on_hand"))
    )
    return {r["kv_id"]: r["total"] for r in rows}


def kv_group_key() -> Coalesce:
    """SQL form of :func:`kiotsync.core.catalog.grouping.group_id_of`: the master row of a variant group,
    for a unit row the group of its base row, else the row itself."""
    base_master = Subquery(
        KvRow.objects.filter(tenant=OuterRef("tenant"), kv_id=OuterRef("master_unit_id")).values(
            "master_product_id"
        )[:1]
    )
    return Coalesce(
        "master_product_id", base_master, "master_unit_id", "kv_id", output_field=BigIntegerField()
    )


def _variant_linked() -> Exists:
    return Exists(VariantLinkRecord.objects.filter(tenant=OuterRef("tenant"), kv_id=OuterRef("kv_id")))


def _on_haravan() -> Q:
    """The row has a Haravan variant: linked (or recorded as linked by the last sync)."""
    return Q(_variant_linked()) | Q(state=RowState.LINKED)


def on_haravan(row: KvRow, linked_ids: Iterable[int]) -> bool:
    return row.kv_id in linked_ids or row.state == RowState.LINKED


def _stock_dirty(column: str) -> Exists:
    return Exists(KvStock.objects.filter(tenant=OuterRef("tenant"), kv_id=OuterRef(column), dirty=True))


def stock_synced(settings: SyncSettings | None) -> bool:
    return settings is not None and settings.sync_stock and bool(settings.haravan_location_id)


def _combo_parts(tenant: Tenant) -> dict[int, set[int]]:
    """Each combo's stock sources: its components and their base units."""
    combos = {
        kv_id: {int(pid) for pid, _q in (data or {}).get("components", [])}
        for kv_id, data in KvRow.objects.filter(tenant=tenant, type=1, deleted=False).values_list(
            "kv_id", "data"
        )
    }
    parts = set().union(*combos.values()) if combos else set()
    bases: dict[int, int] = {
        kv_id: base
        for kv_id, base in KvRow.objects.filter(tenant=tenant, kv_id__in=parts).values_list(
            "kv_id", "master_unit_id"
        )
        if base is not None
    }
    return {kv_id: ids | {bases[i] for i in ids if i in bases} for kv_id, ids in combos.items()}


def _dirty_combos(tenant: Tenant) -> list[int]:
    combos = _combo_parts(tenant)
    parts = set().union(*combos.values()) if combos else set()
    dirty = set(
        KvStock.objects.filter(tenant=tenant, kv_id__in=parts, dirty=True).values_list("kv_id", flat=True)
    )
    return sorted(kv_id for kv_id, ids in combos.items() if ids & dirty)


def _pending(tenant: Tenant, settings: SyncSettings | None) -> Q:
    """KiotViet changed something Haravan does not show yet (stock, while stock is synced; or
    the product's data after its last sync)."""
    changed = Q(modified_at__isnull=False, last_synced_at__isnull=False, modified_at__gt=F("last_synced_at"))
    if not stock_synced(settings):
        return changed
    return (
        changed
        | Q(_stock_dirty("kv_id"))
        | Q(_stock_dirty("master_unit_id"))
        | Q(kv_id__in=_dirty_combos(tenant))
    )


def standing_filter(tenant: Tenant, standing: str, settings: SyncSettings | None) -> Q:
    """The rows of one standing (:class:`.display.Standing`; deleted rows are a view of their
    own, chosen by the caller)."""
    problem = Q(state__in=[RowState.NEEDS_ATTENTION, RowState.ERROR])
    active = Q(opted_out=False) & ~problem
    if standing == Standing.OPTED_OUT:
        return Q(opted_out=True)
    if standing == Standing.NEEDS_ATTENTION:
        return Q(opted_out=False) & problem
    if standing == Standing.NOT_ON_HARAVAN:
        return active & ~_on_haravan()
    pending = _pending(tenant, settings)
    if standing == Standing.CHANGES_PENDING:
        return active & _on_haravan() & pending
    if standing == Standing.UP_TO_DATE:
        return active & _on_haravan() & ~pending
    return Q()


STANDINGS = frozenset(s.value for s in Standing)


def search(q: str) -> Q:
    """Every word of the search box in the row's folded ``search_text`` (name, code,
    barcode…), accents optional, any order: "ao thun den" finds "Áo thun ĐEN"."""
    return matching(q)


def kv_rows_matching(
    tenant: Tenant, q: str, status: str, settings: SyncSettings | None = None
) -> QuerySet[KvRow]:
    """Rows of the shop that match the search box and the status filter (a standing; the
    stored states of older links are still understood)."""
    rows = KvRow.objects.filter(tenant=tenant, deleted=(status == Standing.DELETED))
    if q:
        rows = rows.filter(search(q))
    if status in STANDINGS and status != Standing.DELETED:
        rows = rows.filter(standing_filter(tenant, status, settings))
    elif status in RowState.values:
        rows = rows.filter(state=status)
    return rows


@dataclass
class KvLine:
    row: KvRow
    status: StatusView
    stock: StockView
    hv_product_id: int | None

    @property
    def attributes(self) -> str:
        data = self.row.data or {}
        parts = [f"{name}: {value}" for name, value in data.get("attributes", []) if name]
        if self.row.master_unit_id and data.get("unit"):
            parts.append(_("Đơn vị: %(unit)s") % {"unit": data["unit"]})
        return " · ".join(parts)


@dataclass
class KvGroupView:
    """One variant group (what becomes one Haravan product) and the rows shown for it."""

    key: int
    title: str
    size: int
    lines: list[KvLine] = field(default_factory=list)
    opted_out: bool = False

    @property
    def detail_id(self) -> int:
        return self.lines[0].row.kv_id


def _when_version(version: int | None) -> datetime | None:
    """A stock observation's version (microseconds since the epoch) as a time."""
    if not version:
        return None
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=version)
    except OverflowError:
        return None


def pending_of(tenant: Tenant, rows: Sequence[KvRow], settings: SyncSettings | None) -> dict[int, Pending]:
    """What waits for Haravan, per row (see :func:`_pending`), with since when."""
    oldest: dict[int, int] = {}
    if stock_synced(settings):
        sources: dict[int, set[int]] = {
            r.kv_id: {r.kv_id} | ({r.master_unit_id} if r.master_unit_id else set()) for r in rows
        }
        combos = _combo_parts(tenant)
        for r in rows:
            sources[r.kv_id] |= combos.get(r.kv_id, set())
        wanted = set().union(*sources.values()) if sources else set()
        dirty = dict(
            KvStock.objects.filter(tenant=tenant, kv_id__in=wanted, dirty=True)
            .values("kv_id")
            .annotate(v=Min("version"))
            .values_list("kv_id", "v")
        )
        for kv_id, ids in sources.items():
            versions = [dirty[i] for i in ids if i in dirty]
            if versions:
                oldest[kv_id] = min(versions)
    out = {}
    for r in rows:
        info = (
            r.modified_at if r.modified_at and r.last_synced_at and r.modified_at > r.last_synced_at else None
        )
        out[r.kv_id] = Pending(_when_version(oldest.get(r.kv_id)), info)
    return out


def _as_product(row: KvRow) -> KvProduct:
    """The row as the stock formula reads it (from the mirror's columns and data)."""
    data = row.data or {}
    try:
        conversion = Decimal(str(data.get("conversion_value") or 1))
    except ArithmeticError:
        conversion = Decimal(1)
    return KvProduct(
        id=row.kv_id,
        code=row.code,
        name=row.name,
        type=row.type if row.type in (1, 2, 3) else 2,
        is_active=row.is_active,
        unit=str(data.get("unit") or ""),
        master_product_id=row.master_product_id,
        master_unit_id=row.master_unit_id,
        conversion_value=conversion,
        components=tuple(KvComponent(int(pid), Decimal(str(q))) for pid, q in data.get("components", [])),
    )


def _stock_rows(tenant: Tenant, rows: Sequence[KvRow]) -> dict[int, KvProduct]:
    """The rows and every row their stock comes from (base units, combo components)."""
    products = {r.kv_id: _as_product(r) for r in rows}
    for _round in range(3):
        wanted = {p.master_unit_id for p in products.values() if p.master_unit_id} | {
            c.product_id for p in products.values() for c in p.components
        }
        missing = wanted - products.keys()
        if not missing:
            break
        for r in KvRow.objects.filter(tenant=tenant, kv_id__in=missing, deleted=False):
            products[r.kv_id] = _as_product(r)
    return products


def stock_branch(settings: SyncSettings | None) -> int | None:
    """The branch whose stock is sold on Haravan (None: every branch), as the sync reads it."""
    if settings is None:
        return None
    return inputs.core_settings(settings).stock_branch_id


def stock_views(tenant: Tenant, rows: Sequence[KvRow], settings: SyncSettings | None) -> dict[int, StockView]:
    """Each row's stock as Haravan sells it, computed with the sync's own formula."""
    products = _stock_rows(tenant, rows)
    branch = stock_branch(settings)
    by_row: dict[int, list[KvStock]] = defaultdict(list)
    for s in KvStock.objects.filter(tenant=tenant, kv_id__in=list(products)):
        by_row[s.kv_id].append(s)
    observations = {
        kv_id: StockObservation(
            kv_id,
            max(s.version for s in items),
            tuple(
                KvInventory(s.branch_id, s.on_hand, s.reserved)
                for s in sorted(items, key=lambda s: s.branch_id)
            ),
        )
        for kv_id, items in by_row.items()
    }
    calculator = StockCalculator(products, observations, branch)
    out = {}
    for r in rows:
        product = products[r.kv_id]
        mine = [s for s in by_row.get(r.kv_id, []) if branch is None or s.branch_id == branch]
        on_hand = sum((s.on_hand for s in mine), Decimal(0)) if mine else None
        reserved = sum((s.reserved for s in mine), Decimal(0)) if mine else None
        if product.is_service:
            out[r.kv_id] = StockView(note=_("Dịch vụ, không quản lý tồn kho"))
            continue
        target = calculator.target(product)
        if not isinstance(target, StockTarget):
            out[r.kv_id] = StockView(
                on_hand=on_hand,
                reserved=reserved,
                note=reason_texts(str(target.code), dict(target.params))[0],
            )
            continue
        base = products.get(product.master_unit_id) if product.master_unit_id else None
        base_target = calculator.target(base) if base is not None else None
        out[r.kv_id] = StockView(
            target.quantity,
            product.unit,
            base_target.quantity if isinstance(base_target, StockTarget) else None,
            base.unit if base is not None else "",
            None if base is not None else on_hand,
            None if base is not None else reserved,
            combo=product.is_combo,
        )
    return out


def kv_groups(
    tenant: Tenant, group_keys: list[int], q: str, status: str, settings: SyncSettings | None = None
) -> list[KvGroupView]:
    """The page's groups, in page order, each with its matching rows (head first) and data."""
    rows = list(
        kv_rows_matching(tenant, q, status, settings)
        .annotate(group_key=kv_group_key())
        .filter(group_key__in=group_keys)
        .order_by("kv_id")
    )
    ids = [r.kv_id for r in rows]
    links = dict(
        VariantLinkRecord.objects.filter(tenant=tenant, kv_id__in=ids).values_list("kv_id", "hv_product_id")
    )
    pending = pending_of(tenant, rows, settings)
    stock = stock_views(tenant, rows, settings)
    whole = (
        KvRow.objects.filter(tenant=tenant, deleted=(status == Standing.DELETED))
        .annotate(group_key=kv_group_key())
        .filter(group_key__in=group_keys)
        .values("group_key")
        .annotate(size=Count("id"), kept=Count("id", filter=Q(opted_out=False)))
    )
    sizes = {g["group_key"]: (g["size"], g["kept"]) for g in whole}
    heads = dict(KvRow.objects.filter(tenant=tenant, kv_id__in=group_keys).values_list("kv_id", "name"))
    by_key: dict[int, list[KvRow]] = defaultdict(list)
    for row in rows:
        by_key[row.group_key].append(row)  # type: ignore[attr-defined]
    groups = []
    for key in group_keys:
        members = sorted(
            by_key.get(key, []), key=lambda r: (r.kv_id != key, r.master_unit_id is not None, r.kv_id)
        )
        if not members:
            continue
        size, kept = sizes.get(key, (len(members), 0))
        lines = [
            KvLine(
                r, kv_status(r, on_haravan(r, links), pending[r.kv_id]), stock[r.kv_id], links.get(r.kv_id)
            )
            for r in members
        ]
        groups.append(
            KvGroupView(
                key=key, title=heads.get(key) or members[0].name, size=size, lines=lines, opted_out=kept == 0
            )
        )
    return groups


def kv_counts(tenant: Tenant, settings: SyncSettings | None = None) -> dict[str, int]:
    """Header figures: rows in the shop by standing (each row in exactly one), and how the
    ones that need the merchant split (data to fix, writes that failed)."""
    standing = {s: standing_filter(tenant, s, settings) for s in Standing if s != Standing.DELETED}
    counts: dict[str, int] = KvRow.objects.filter(tenant=tenant, deleted=False).aggregate(
        total=Count("id"),
        linked=Count("id", filter=standing[Standing.UP_TO_DATE]),
        pending=Count("id", filter=standing[Standing.CHANGES_PENDING]),
        not_on_haravan=Count("id", filter=standing[Standing.NOT_ON_HARAVAN]),
        needs=Count("id", filter=standing[Standing.NEEDS_ATTENTION]),
        attention=Count("id", filter=Q(opted_out=False, state=RowState.NEEDS_ATTENTION)),
        errors=Count("id", filter=Q(opted_out=False, state=RowState.ERROR)),
        opted_out=Count("id", filter=standing[Standing.OPTED_OUT]),
    )
    return counts


@dataclass
class KvDetailRow:
    row: KvRow
    status: StatusView
    link: VariantLinkRecord | None
    pushed: list[PushedField]
    stock: list[BranchStock]
    sellable: StockView | None = None


def settings_of(tenant: Tenant) -> SyncSettings | None:
    return SyncSettings.objects.filter(tenant=tenant).first()


def known_branch_names(tenant: Tenant) -> dict[int, str]:
    """Names remembered from KiotViet; the order branch's name from the settings as a fallback."""
    names = branch_names(tenant)
    settings = settings_of(tenant)
    if settings is not None and settings.order_branch_id and settings.order_branch_name:
        names.setdefault(settings.order_branch_id, settings.order_branch_name)
    return names


def hv_linked() -> Exists:
    return Exists(
        VariantLinkRecord.objects.filter(tenant=OuterRef("tenant"), hv_variant_id=OuterRef("hv_variant_id"))
    )


HV_FILTERS: tuple[tuple[str, Any], ...] = (
    ("on_kiotviet", gettext_lazy("Đã có trên KiotViet")),
    ("not_on_kiotviet", gettext_lazy("Chưa có trên KiotViet")),
    (RowState.NEEDS_ATTENTION, gettext_lazy("Cần xử lý")),
    (RowState.ERROR, gettext_lazy("Lỗi")),
    (RowState.NOT_APPLICABLE, gettext_lazy("Không cần chuyển")),
)


def _on_kiotviet() -> Q:
    return Q(kv_id__isnull=False) | Q(state=RowState.LINKED) | Q(linked=True)


def hv_rows_matching(tenant: Tenant, q: str, status: str) -> QuerySet[HvVariantRow]:
    """Variants of the shop that match the search box and the status filter (annotated with
    ``linked``: a KiotViet → Haravan link exists for the variant)."""
    rows = HvVariantRow.objects.filter(tenant=tenant, deleted=False).annotate(linked=hv_linked())
    if q:
        rows = rows.filter(search(q))
    problem = Q(state__in=[RowState.ERROR, RowState.NEEDS_ATTENTION])
    if status == "on_kiotviet":
        rows = rows.filter(_on_kiotviet() & ~problem)
    elif status == "not_on_kiotviet":
        rows = rows.exclude(_on_kiotviet())
    elif status in (RowState.NEEDS_ATTENTION, RowState.ERROR, RowState.NOT_APPLICABLE):
        rows = rows.filter(state=status)
    return rows


@dataclass
class HvLine:
    row: HvVariantRow
    status: StatusView
    kv_id: int | None = None
    kv_row: KvRow | None = None


@dataclass
class HvProductView:
    """One Haravan product with its variants shown on the page and an overall status."""

    hv_product_id: int
    title: str
    product_type: str
    published: bool
    variant_count: int
    lines: list[HvLine]

    @property
    def on_kiotviet(self) -> int:
        return sum(1 for line in self.lines if line.status.tone == "ok")

    @property
    def status(self) -> StatusView:
        tones = [line.status.tone for line in self.lines]
        if "bad" in tones:
            return StatusView(_("Lỗi"), "bad")
        if "warn" in tones:
            return StatusView(_("Cần xử lý"), "warn")
        if tones and all(t == "ok" for t in tones):
            return StatusView(_("Đã có trên KiotViet"), "ok")
        if "ok" in tones:
            return StatusView(_("Đã chuyển một phần"), "info")
        if tones and all(line.row.state == RowState.NOT_APPLICABLE for line in self.lines):
            return StatusView(_("Không cần chuyển"), "off")
        return StatusView(_("Chưa có trên KiotViet"), "off")


def hv_products(tenant: Tenant, product_ids: list[int], q: str, status: str) -> list[HvProductView]:
    rows = list(
        hv_rows_matching(tenant, q, status).filter(hv_product_id__in=product_ids).order_by("hv_variant_id")
    )
    counts = dict(
        HvVariantRow.objects.filter(tenant=tenant, deleted=False, hv_product_id__in=product_ids)
        .values("hv_product_id")
        .annotate(n=Count("id"))
        .values_list("hv_product_id", "n")
    )
    by_product: dict[int, list[HvVariantRow]] = defaultdict(list)
    for row in rows:
        by_product[row.hv_product_id].append(row)
    out = []
    for pid in product_ids:
        members = sorted(
            by_product.get(pid, []),
            key=lambda r: ((r.product_data or {}).get("variant", {}).get("position", 0), r.hv_variant_id),
        )
        if not members:
            continue
        first = members[0]
        out.append(
            HvProductView(
                pid,
                first.product_title,
                first.product_type,
                first.published,
                counts.get(pid, len(members)),
                [HvLine(r, hv_status(r, bool(getattr(r, "linked", False)))) for r in members],
            )
        )
    return out


def hv_counts(tenant: Tenant) -> dict[str, int]:
    rows = HvVariantRow.objects.filter(tenant=tenant, deleted=False).annotate(linked=hv_linked())
    problem = Q(state__in=[RowState.ERROR, RowState.NEEDS_ATTENTION])
    return rows.aggregate(
        products=Count("hv_product_id", distinct=True),
        total=Count("id"),
        on_kiotviet=Count("id", filter=_on_kiotviet() & ~problem),
        attention=Count("id", filter=Q(state=RowState.NEEDS_ATTENTION)),
        errors=Count("id", filter=Q(state=RowState.ERROR)),
    )


def resync_outcome(tenant: Tenant, kv_id: int, since: datetime) -> ResyncOutcome:
    """The outcome of a "Đồng bộ lại" asked at ``since``: done once a product sync has finished
    since then (the products stream records every run, ok or not), with the group's attempts
    since then — none means Haravan already matched."""
    from kiotsync.bookkeeping.models import StreamState

    state = StreamState.objects.filter(tenant=tenant, stream=StreamState.Stream.PRODUCTS_KV_TO_HV).first()
    done = state is not None and any(
        t is not None and t >= since for t in (state.last_success_at, state.last_error_at)
    )
    ids = set(inputs.expand_groups(tenant, {kv_id}))
    products = set(
        VariantLinkRecord.objects.filter(tenant=tenant, kv_id__in=ids).values_list("hv_product_id", flat=True)
    ) | set(
        ProductLinkRecord.objects.filter(tenant=tenant, kv_group_id__in=ids).values_list(
            "hv_product_id", flat=True
        )
    )
    events = (
        SyncEvent.objects.filter(tenant=tenant, created_at__gte=since)
        .filter(Q(kv_id__in=ids) | Q(hv_product_id__in=products))
        .order_by("-created_at", "-id")[:20]
    )
    row = KvRow.objects.get(tenant=tenant, kv_id=kv_id)
    linked = on_haravan(
        row, VariantLinkRecord.objects.filter(tenant=tenant, kv_id=kv_id).values_list("kv_id", flat=True)
    )
    status = kv_status(row, linked, pending_of(tenant, [row], settings_of(tenant))[kv_id])
    return resync_words(done, list(events), status)
