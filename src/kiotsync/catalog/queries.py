"""The product screens' reads from the local mirrors: search, filters, counts, grouped rows
(no API budget spent; every query filtered by the shop)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiotsync.connections.branches import branch_names
from kiotsync.search import matching
from kiotsync.tenants.models import SyncSettings, Tenant

from .display import BranchStock, PushedField, StatusView, hv_status, kv_status
from .models import (
    HvVariantRow,
    KvRow,
    KvStock,
    RowState,
    VariantLinkRecord,
)


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


KV_FILTERS: tuple[tuple[str, Any], ...] = (
    (RowState.LINKED, RowState.LINKED.label),
    (RowState.PLANNED, RowState.PLANNED.label),
    (RowState.PENDING, RowState.PENDING.label),
    (RowState.NEEDS_ATTENTION, RowState.NEEDS_ATTENTION.label),
    (RowState.ERROR, RowState.ERROR.label),
    (RowState.NOT_APPLICABLE, RowState.NOT_APPLICABLE.label),
    ("not_on_haravan", gettext_lazy("Chưa có trên Haravan")),
    ("opted_out", gettext_lazy("Đã tắt đồng bộ")),
    ("deleted", gettext_lazy("Đã xóa trên KiotViet")),
)


def search(q: str) -> Q:
    """Accent- and case-free "contains" over the row's folded ``search_text`` (name, code,
    barcode…): "ao thun den" finds "Áo thun ĐEN", on SQLite as on PostgreSQL."""
    return matching(q)


def kv_rows_matching(tenant: Tenant, q: str, status: str) -> QuerySet[KvRow]:
    """Rows of the shop that match the search box and the status filter."""
    rows = KvRow.objects.filter(tenant=tenant, deleted=(status == "deleted"))
    if q:
        rows = rows.filter(search(q))
    if status == "not_on_haravan":
        rows = rows.filter(~_variant_linked())
    elif status == "opted_out":
        rows = rows.filter(opted_out=True)
    elif status in RowState.values:
        rows = rows.filter(state=status)
    return rows


@dataclass
class KvLine:
    row: KvRow
    status: StatusView
    stock: Decimal | None
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


def kv_groups(tenant: Tenant, group_keys: list[int], q: str, status: str) -> list[KvGroupView]:
    """The page's groups, in page order, each with its matching rows (head first) and data."""
    rows = list(
        kv_rows_matching(tenant, q, status)
        .annotate(group_key=kv_group_key())
        .filter(group_key__in=group_keys)
        .order_by("kv_id")
    )
    ids = [r.kv_id for r in rows]
    stock = sum_stock(tenant, ids)
    links = dict(
        VariantLinkRecord.objects.filter(tenant=tenant, kv_id__in=ids).values_list("kv_id", "hv_product_id")
    )
    whole = (
        KvRow.objects.filter(tenant=tenant, deleted=(status == "deleted"))
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
        groups.append(
            KvGroupView(
                key=key,
                title=heads.get(key) or members[0].name,
                size=size,
                lines=[KvLine(r, kv_status(r), stock.get(r.kv_id), links.get(r.kv_id)) for r in members],
                opted_out=kept == 0,
            )
        )
    return groups


def kv_counts(tenant: Tenant) -> dict[str, int]:
    """Header figures: products in the shop and how many need the merchant."""
    return KvRow.objects.filter(tenant=tenant, deleted=False).aggregate(
        total=Count("id"),
        linked=Count("id", filter=Q(state=RowState.LINKED)),
        attention=Count("id", filter=Q(state=RowState.NEEDS_ATTENTION)),
        errors=Count("id", filter=Q(state=RowState.ERROR)),
        opted_out=Count("id", filter=Q(opted_out=True)),
    )


@dataclass
class KvDetailRow:
    row: KvRow
    status: StatusView
    link: VariantLinkRecord | None
    pushed: list[PushedField]
    stock: list[BranchStock]


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
