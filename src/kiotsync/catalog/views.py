"""Product screens: "Sản phẩm KiotViet" (KiotViet → Haravan), "Sản phẩm Haravan" (Haravan →
KiotViet) and the detail page of a product with its link, last pushed values and timeline.

Reads come straight from the local mirrors, so search, filters and paging cost no API budget and
stay fast on large catalogues. Every change (Sync now, auto-sync, opt-out, Transfer all, resync)
goes through :mod:`kiotsync.catalog.services`, imported inside the views so this module does not
depend on the sync machinery at import time.

Clicks use htmx: each action answers with the fragment it changed and fires the
``catalog-refresh`` event, on which the list/detail body reloads itself; without JavaScript the
same forms post and redirect back. Every query is filtered by the signed-in shop, so another
shop's id answers 404.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField, Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import strip_tags
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiotsync.core.links import FieldValue, fingerprint
from kiotsync.core.reasons import Reason, ReasonCode
from kiotsync.httpkit.errors import PlatformError
from kiotsync.search import matching, search_query
from kiotsync.services.errors import UserFacingError
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.web.decorators import redirect_back, tenant_required

from .branches import branch_names
from .models import (
    HvVariantRow,
    KvRow,
    KvStock,
    ProductLinkRecord,
    RowState,
    SyncEvent,
    SyncJob,
    VariantLinkRecord,
)
from .templatetags.catalog_format import money

PER_PAGE = 50
TIMELINE_LIMIT = 200
REFRESH_EVENT = "catalog-refresh"

# -- presentation helpers -------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusView:
    """A status badge: words, colour (app.css badge class) and, when there is one, the reason in
    the merchant's words with what to do about it."""

    label: str
    tone: str
    reason: str = ""
    fix: str = ""
    error: str = ""

    @property
    def explained(self) -> bool:
        return bool(self.reason or self.error)


KV_TONES: Mapping[str, str] = {
    RowState.LINKED: "ok",
    RowState.PLANNED: "info",
    RowState.PENDING: "off",
    RowState.OPTED_OUT: "off",
    RowState.NOT_APPLICABLE: "off",
    RowState.NEEDS_ATTENTION: "warn",
    RowState.ERROR: "bad",
}


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def reason_texts(code: str, params: Mapping[str, Any] | None) -> tuple[str, str]:
    """(message, fix) for a stored reason, in the active language; ("", "") if none/unknown."""
    if not code:
        return "", ""
    try:
        reason = Reason.of(ReasonCode(code), **dict(params or {}))
    except ValueError:
        return code, ""
    lang = _lang()
    return reason.message(lang), reason.fix(lang)


def _state_label(state: str) -> str:
    try:
        return str(RowState(state).label)
    except ValueError:
        return state


def kv_status(row: KvRow) -> StatusView:
    message, fix = reason_texts(row.reason_code, row.reason_params)
    error = row.last_error if row.state == RowState.ERROR else ""
    return StatusView(_state_label(row.state), KV_TONES.get(row.state, "off"), message, fix, error)


def hv_status(row: HvVariantRow, linked: bool) -> StatusView:
    """Haravan → KiotViet status of one variant. "On KiotViet" is known from the transfer's own
    record (``kv_id``/state) or from a link made by the KiotViet → Haravan flow."""
    message, fix = reason_texts(row.reason_code, row.reason_params)
    if row.state == RowState.ERROR:
        return StatusView(_("Lỗi"), "bad", message, fix, row.last_error)
    if row.state == RowState.NEEDS_ATTENTION:
        return StatusView(_("Cần xử lý"), "warn", message, fix)
    if linked or row.kv_id is not None or row.state == RowState.LINKED:
        return StatusView(_("Đã có trên KiotViet"), "ok")
    if row.state == RowState.PLANNED:
        return StatusView(_("Đang chờ chuyển"), "info", message, fix)
    if row.state == RowState.NOT_APPLICABLE:
        return StatusView(_("Không cần chuyển"), "off", message, fix)
    if row.state == RowState.OPTED_OUT:
        return StatusView(_("Không chuyển"), "off", message, fix)
    return StatusView(_("Chưa có trên KiotViet"), "off", message, fix)


def _tenant(request: HttpRequest) -> Tenant:
    return request.tenant  # type: ignore[attr-defined,no-any-return]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _refreshing(response: HttpResponse) -> HttpResponse:
    """Ask the page to reload its list/detail body (htmx ``HX-Trigger``)."""
    response["HX-Trigger"] = REFRESH_EVENT
    return response


def _back(request: HttpRequest, fallback: str, **kwargs: Any) -> HttpResponse:
    """Non-JS fallback: back to the page the form was on (a path on this site), else ``fallback``."""
    return redirect_back(request, fallback, **kwargs)


def _query_without_page(request: HttpRequest) -> str:
    params = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values if v]
    return urlencode(params)


def _pager(request: HttpRequest, items: Any) -> Page:
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def _sum_stock(tenant: Tenant, kv_ids: Iterable[int]) -> dict[int, Decimal]:
    rows = (
        KvStock.objects.filter(tenant=tenant, kv_id__in=list(kv_ids))
        .values("kv_id")
        .annotate(total=Sum("on_hand"))
    )
    return {r["kv_id"]: r["total"] for r in rows}


# -- jobs -----------------------------------------------------------------------------------------


def _latest_job(tenant: Tenant, kind: str) -> SyncJob | None:
    from kiotsync.catalog import services

    return services.latest_job(tenant, kind)


JOB_FIGURES: Mapping[str, Any] = {
    "created": gettext_lazy("tạo mới"),
    "updated": gettext_lazy("cập nhật"),
    "linked": gettext_lazy("liên kết"),
    "hidden": gettext_lazy("ẩn"),
    "skus": gettext_lazy("ghi SKU"),
    "stock_lines": gettext_lazy("dòng tồn kho"),
    "failed": gettext_lazy("lỗi"),
}


def job_summary(job: SyncJob | None) -> tuple[list[tuple[str, str]], str]:
    """A finished job's figures in words, from its ``key=value`` message; anything else in the
    message (a failure explained) is returned as text."""
    if job is None or not job.message:
        return [], ""
    pairs = [part.split("=", 1) for part in job.message.split()]
    if not all(len(p) == 2 and p[0] in JOB_FIGURES and p[1].isdigit() for p in pairs):
        return [], job.message
    return [(str(JOB_FIGURES[k]), v) for k, v in pairs if v != "0"], ""


def _job_context(tenant: Tenant, kind: str, error: str = "") -> dict[str, Any]:
    job = _latest_job(tenant, kind)
    running = job is not None and job.state in (SyncJob.State.QUEUED, SyncJob.State.RUNNING)
    figures, text = job_summary(job)
    return {
        "job": job,
        "kind": kind,
        "running": running,
        "job_error": error,
        "job_figures": figures,
        "job_text": text,
    }


JOB_KINDS = {SyncJob.Kind.SYNC_KV_TO_HV.value, SyncJob.Kind.TRANSFER_HV_TO_KV.value}


@tenant_required(connected=True)
@require_GET
def job_panel(request: HttpRequest, kind: str) -> HttpResponse:
    """The progress panel of the latest job of a kind; polled every second while it runs. When a
    polled job has finished, the page is told to reload its list (statuses changed)."""
    if kind not in JOB_KINDS:
        raise Http404
    context = _job_context(_tenant(request), kind)
    response = render(request, "catalog/_job_panel.html", context)
    if request.GET.get("poll") and not context["running"]:
        _refreshing(response)
    return response


def _start_job(request: HttpRequest, kind: str, fallback: str) -> HttpResponse:
    from kiotsync.catalog import services

    tenant = _tenant(request)
    error = ""
    try:
        if kind == SyncJob.Kind.SYNC_KV_TO_HV:
            services.start_sync_now(tenant)
        else:
            services.start_transfer_all(tenant)
    except (UserFacingError, PlatformError) as exc:
        error = str(exc.message)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(fallback)
    context = _job_context(tenant, kind, error)
    response = render(request, "catalog/_job_panel.html", context)
    return response if context["running"] else _refreshing(response)


# -- KiotViet → Haravan list ----------------------------------------------------------------------


def kv_group_key() -> Coalesce:
    """SQL form of :func:`kiotsync.core.grouping.group_id_of`: the master row of a variant group,
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
    stock = _sum_stock(tenant, ids)
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


def _settings_of(tenant: Tenant) -> SyncSettings | None:
    return SyncSettings.objects.filter(tenant=tenant).first()


@tenant_required(connected=True)
@require_GET
def kiotviet_list(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    q = search_query(request.GET.get("q", ""))
    status = request.GET.get("status", "")
    keys = (
        kv_rows_matching(tenant, q, status)
        .annotate(group_key=kv_group_key())
        .values("group_key")
        .annotate(sort_name=Min("name"))
        .order_by("sort_name", "group_key")
    )
    page = _pager(request, keys)
    group_keys = [g["group_key"] for g in page.object_list]
    settings = _settings_of(tenant)
    context = {
        "groups": kv_groups(tenant, group_keys, q, status),
        "page": page,
        "q": q,
        "status": status,
        "filters": KV_FILTERS,
        "base_query": _query_without_page(request),
        "counts": kv_counts(tenant),
        "settings": settings,
        "job_kind": SyncJob.Kind.SYNC_KV_TO_HV.value,
        **_job_context(tenant, SyncJob.Kind.SYNC_KV_TO_HV),
    }
    return render(request, "catalog/kiotviet_list.html", context)


@tenant_required(connected=True)
@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    return _start_job(request, SyncJob.Kind.SYNC_KV_TO_HV, "catalog_kiotviet")


@tenant_required(connected=True)
@require_POST
def auto_sync(request: HttpRequest) -> HttpResponse:
    from kiotsync.catalog import services

    tenant = _tenant(request)
    enabled = request.POST.get("enabled") == "1"
    error = ""
    try:
        services.set_auto_sync(tenant, enabled)
    except (UserFacingError, PlatformError) as exc:
        error = str(exc.message)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        elif enabled:
            messages.success(request, _("Đã bật tự đồng bộ."))
        else:
            messages.success(request, _("Đã tắt tự đồng bộ."))
        return _back(request, "catalog_kiotviet")
    context = {"settings": _settings_of(tenant), "auto_error": error}
    response = render(request, "catalog/_auto_sync.html", context)
    return _refreshing(response) if enabled and not error else response


@tenant_required(connected=True)
@require_POST
def opt_out(request: HttpRequest, kv_id: int) -> HttpResponse:
    """Turn sync off (``opted_out=1``) or back on for the row's whole variant group."""
    from kiotsync.catalog import services

    tenant = _tenant(request)
    row = get_object_or_404(KvRow, tenant=tenant, kv_id=kv_id)
    wanted = request.POST.get("opted_out") == "1"
    error = ""
    try:
        services.set_opt_out(tenant, row.kv_id, wanted)
    except (UserFacingError, PlatformError) as exc:
        error = str(exc.message)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return _back(request, "catalog_kv_detail", kv_id=row.kv_id)
    row.refresh_from_db()
    context = {"kv_id": row.kv_id, "opted_out": row.opted_out, "opt_error": error, "next": ""}
    return _refreshing(render(request, "catalog/_opt_out.html", context))


# -- KiotViet product detail ----------------------------------------------------------------------

VARIANT_FIELD_LABELS: Mapping[str, Any] = {
    "sku": gettext_lazy("SKU"),
    "barcode": gettext_lazy("Mã vạch"),
    "price": gettext_lazy("Giá bán"),
    "grams": gettext_lazy("Khối lượng (g)"),
    "option_values": gettext_lazy("Giá trị thuộc tính"),
    "tracked": gettext_lazy("Quản lý tồn kho"),
}
PRODUCT_FIELD_LABELS: Mapping[str, Any] = {
    "title": gettext_lazy("Tên sản phẩm"),
    "body_html": gettext_lazy("Mô tả"),
    "product_type": gettext_lazy("Loại sản phẩm"),
    "images": gettext_lazy("Hình ảnh"),
    "published": gettext_lazy("Hiển thị"),
    "options": gettext_lazy("Thuộc tính"),
}


@dataclass(frozen=True)
class PushedField:
    """One field of the last push: KiotViet's current value, Haravan's current value, and whether
    Haravan still shows exactly what the app wrote (the stored fingerprint matches it)."""

    label: str
    kiotviet: str
    haravan: str
    unchanged: bool | None


def _words(value: FieldValue | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, tuple):
        text = ", ".join(value) if value else "—"
    elif isinstance(value, Decimal):
        text = format(value.normalize(), "f")
    else:
        text = str(value)
    return text if len(text) <= 160 else text[:157] + "…"


def _dec(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return None


def haravan_variant_values(row: HvVariantRow) -> dict[str, FieldValue | None]:
    """Haravan's current variant values, typed as the planner fingerprints them."""
    variant = (row.product_data or {}).get("variant", {})
    return {
        "sku": row.sku,
        "barcode": row.barcode,
        "price": row.price,
        "grams": _dec(variant.get("grams")),
        "option_values": tuple(variant.get("option_values", [])),
        "tracked": variant.get("tracked"),
    }


def haravan_product_values(row: HvVariantRow) -> dict[str, FieldValue | None]:
    data = row.product_data or {}
    return {
        "title": data.get("title", row.product_title),
        "body_html": data.get("body_html"),
        "product_type": data.get("product_type", row.product_type),
        "images": tuple(data.get("images", [])),
        "published": data.get("published", row.published),
        "options": tuple(data.get("options", [])),
    }


def kiotviet_variant_values(row: KvRow) -> dict[str, FieldValue | None]:
    """KiotViet's current values under the Haravan field names (price: basePrice; a price book,
    when chosen in the settings, may give the pushed price instead)."""
    data = row.data or {}
    return {
        "sku": row.code,
        "barcode": row.barcode,
        "price": row.base_price,
        "grams": _dec(data.get("weight")),
        "option_values": tuple(v for _n, v in data.get("attributes", [])),
        "tracked": row.type != 3,
    }


def kiotviet_product_values(head: KvRow) -> dict[str, FieldValue | None]:
    data = head.data or {}
    return {
        "title": head.name,
        "body_html": data.get("description"),
        "product_type": head.category_name,
        "images": tuple(data.get("images", [])),
        "published": head.is_active,
        "options": None,
    }


def pushed_fields(
    pushed: Mapping[str, str],
    labels: Mapping[str, Any],
    kiotviet: Mapping[str, FieldValue | None],
    haravan: Mapping[str, FieldValue | None] | None,
) -> list[PushedField]:
    out = []
    for name in [n for n in labels if n in pushed] + sorted(n for n in pushed if n not in labels):
        current = haravan.get(name) if haravan is not None else None
        unchanged = None if current is None else fingerprint(current) == pushed[name]
        kv_text, hv_text = _field_words(name, kiotviet.get(name)), _field_words(name, current)
        out.append(PushedField(str(labels.get(name, name)), kv_text, hv_text, unchanged))
    return out


def _field_words(name: str, value: FieldValue | None) -> str:
    """Images as a count (URLs differ once Haravan re-hosts them), descriptions without tags."""
    if name == "price" and isinstance(value, Decimal):
        return money(value)
    if name == "images" and isinstance(value, tuple):
        return ngettext("%(n)d ảnh", "%(n)d ảnh", len(value)) % {"n": len(value)}
    if name == "body_html" and isinstance(value, str):
        return _words(" ".join(strip_tags(value).split()))
    return _words(value)


ACTION_LABELS: Mapping[str, Any] = {
    "create": gettext_lazy("Tạo sản phẩm trên Haravan"),
    "add_variant": gettext_lazy("Thêm phiên bản trên Haravan"),
    "update": gettext_lazy("Cập nhật sản phẩm trên Haravan"),
    "update_variant": gettext_lazy("Cập nhật phiên bản trên Haravan"),
    "hide": gettext_lazy("Ẩn sản phẩm trên Haravan"),
    "link": gettext_lazy("Liên kết với sản phẩm có sẵn"),
    "adopt": gettext_lazy("Nhận lại sản phẩm đã tạo"),
    "stock": gettext_lazy("Cập nhật tồn kho trên Haravan"),
    "transfer": gettext_lazy("Tạo hàng hóa trên KiotViet"),
    "create_category": gettext_lazy("Tạo nhóm hàng trên KiotViet"),
    "write_back_sku": gettext_lazy("Ghi mã hàng vào SKU Haravan"),
}

CHANGE_LABELS: Mapping[str, Any] = {
    **VARIANT_FIELD_LABELS,
    **PRODUCT_FIELD_LABELS,
    "variants": gettext_lazy("Số phiên bản"),
    "available": gettext_lazy("Tồn kho có thể bán"),
    "on_hand_set": gettext_lazy("Tồn kho ghi lên Haravan"),
    "lines": gettext_lazy("Số dòng tồn kho"),
    "code": gettext_lazy("Mã hàng"),
    "name": gettext_lazy("Tên"),
    "reason": gettext_lazy("Lý do"),
}


@dataclass(frozen=True)
class TimelineEntry:
    event: SyncEvent
    label: str
    changes: list[tuple[str, str]]


def _change_text(name: str, value: Any) -> str:
    """A changed field's new value in words (events store field → value written)."""
    if name == "reason" and isinstance(value, str):
        return reason_texts(value, {})[0] or value
    if name == "price" and (amount := _dec(value)) is not None:
        return money(amount)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, (list, tuple)):
        return _field_words(name, tuple(str(v) for v in value))
    if value is None or isinstance(value, bool):
        return _words(value)
    return _field_words(name, str(value))


def timeline(events: Iterable[SyncEvent]) -> list[TimelineEntry]:
    """Attempts newest first, with the action and each changed field in words."""
    out = []
    for event in events:
        changes = event.changes if isinstance(event.changes, Mapping) else {"": event.changes}
        items = [(str(CHANGE_LABELS.get(k, k)), _change_text(k, v)) for k, v in changes.items()]
        out.append(TimelineEntry(event, str(ACTION_LABELS.get(event.action, event.action)), items))
    return out


@dataclass(frozen=True)
class BranchStock:
    branch: str
    on_hand: Decimal
    reserved: Decimal


@dataclass
class KvDetailRow:
    row: KvRow
    status: StatusView
    link: VariantLinkRecord | None
    pushed: list[PushedField]
    stock: list[BranchStock]


def _branch_label(names: dict[int, str], branch_id: int) -> str:
    return names.get(branch_id) or _("Chi nhánh %(id)s") % {"id": branch_id}


def _branch_names(tenant: Tenant) -> dict[int, str]:
    """Names remembered from KiotViet; the order branch's name from the settings as a fallback."""
    names = branch_names(tenant)
    settings = _settings_of(tenant)
    if settings is not None and settings.order_branch_id and settings.order_branch_name:
        names.setdefault(settings.order_branch_id, settings.order_branch_name)
    return names


@tenant_required(connected=True)
@require_GET
def kiotviet_detail(request: HttpRequest, kv_id: int) -> HttpResponse:
    """One KiotViet product (its whole variant group): links, last pushed values, stock per
    branch and the timeline of attempts."""
    tenant = _tenant(request)
    row = get_object_or_404(KvRow.objects.annotate(group_key=kv_group_key()), tenant=tenant, kv_id=kv_id)
    key: int = row.group_key  # type: ignore[attr-defined]
    rows = sorted(
        KvRow.objects.filter(tenant=tenant).annotate(group_key=kv_group_key()).filter(group_key=key),
        key=lambda r: (r.kv_id != key, r.master_unit_id is not None, r.kv_id),
    )
    ids = [r.kv_id for r in rows]
    head = rows[0]
    links = {v.kv_id: v for v in VariantLinkRecord.objects.filter(tenant=tenant, kv_id__in=ids)}
    product_link = ProductLinkRecord.objects.filter(tenant=tenant, kv_group_id=key).first()
    hv_ids = {v.hv_variant_id for v in links.values()}
    hv_rows = {
        h.hv_variant_id: h for h in HvVariantRow.objects.filter(tenant=tenant, hv_variant_id__in=hv_ids)
    }
    hv_product_id = (
        product_link.hv_product_id if product_link else next((v.hv_product_id for v in links.values()), None)
    )
    names = _branch_names(tenant)
    stock: dict[int, list[BranchStock]] = defaultdict(list)
    for s in KvStock.objects.filter(tenant=tenant, kv_id__in=ids).order_by("branch_id"):
        stock[s.kv_id].append(BranchStock(_branch_label(names, s.branch_id), s.on_hand, s.reserved))
    details = []
    for r in rows:
        link = links.get(r.kv_id)
        hv_row = hv_rows.get(link.hv_variant_id) if link else None
        pushed = (
            pushed_fields(
                link.pushed or {},
                VARIANT_FIELD_LABELS,
                kiotviet_variant_values(r),
                haravan_variant_values(hv_row) if hv_row else None,
            )
            if link
            else []
        )
        details.append(KvDetailRow(r, kv_status(r), link, pushed, stock.get(r.kv_id, [])))
    any_hv_row = next(iter(hv_rows.values()), None)
    product_pushed = (
        pushed_fields(
            product_link.pushed or {},
            PRODUCT_FIELD_LABELS,
            kiotviet_product_values(head),
            haravan_product_values(any_hv_row) if any_hv_row else None,
        )
        if product_link
        else []
    )
    event_filter = Q(kv_id__in=ids)
    if hv_product_id is not None:
        event_filter |= Q(hv_product_id=hv_product_id)
    events = SyncEvent.objects.filter(tenant=tenant).filter(event_filter).order_by("-created_at", "-id")
    context = {
        "head": head,
        "focus": row.kv_id,
        "group_key": key,
        "rows": details,
        "product_link": product_link,
        "hv_product_id": hv_product_id,
        "hv_known": hv_product_id is not None
        and HvVariantRow.objects.filter(tenant=tenant, hv_product_id=hv_product_id).exists(),
        "product_pushed": product_pushed,
        "timeline": timeline(events[:TIMELINE_LIMIT]),
        "opted_out": all(r.opted_out for r in rows),
        "stock_total": _sum_stock(tenant, ids),
    }
    return render(request, "catalog/kiotviet_detail.html", context)


@tenant_required(connected=True)
@require_POST
def resync(request: HttpRequest, kv_id: int) -> HttpResponse:
    """Đồng bộ lại: plan and push this one product group now."""
    from kiotsync.catalog import services

    tenant = _tenant(request)
    row = get_object_or_404(KvRow, tenant=tenant, kv_id=kv_id)
    error = ""
    try:
        services.resync_product(tenant, row.kv_id)
    except (UserFacingError, PlatformError) as exc:
        error = str(exc.message)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Đã yêu cầu đồng bộ lại sản phẩm."))
        return redirect("catalog_kv_detail", kv_id=row.kv_id)
    row.refresh_from_db()
    context = {"error": error, "status": kv_status(row)}
    return _refreshing(render(request, "catalog/_resync_result.html", context))


# -- Haravan → KiotViet list ----------------------------------------------------------------------


def _hv_linked() -> Exists:
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
    rows = HvVariantRow.objects.filter(tenant=tenant, deleted=False).annotate(linked=_hv_linked())
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
    rows = HvVariantRow.objects.filter(tenant=tenant, deleted=False).annotate(linked=_hv_linked())
    problem = Q(state__in=[RowState.ERROR, RowState.NEEDS_ATTENTION])
    return rows.aggregate(
        products=Count("hv_product_id", distinct=True),
        total=Count("id"),
        on_kiotviet=Count("id", filter=_on_kiotviet() & ~problem),
        attention=Count("id", filter=Q(state=RowState.NEEDS_ATTENTION)),
        errors=Count("id", filter=Q(state=RowState.ERROR)),
    )


@tenant_required(connected=True)
@require_GET
def haravan_list(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    q = search_query(request.GET.get("q", ""))
    status = request.GET.get("status", "")
    keys = (
        hv_rows_matching(tenant, q, status)
        .values("hv_product_id")
        .annotate(sort_name=Min("product_title"))
        .order_by("sort_name", "hv_product_id")
    )
    page = _pager(request, keys)
    product_ids = [g["hv_product_id"] for g in page.object_list]
    context = {
        "products": hv_products(tenant, product_ids, q, status),
        "page": page,
        "q": q,
        "status": status,
        "filters": HV_FILTERS,
        "base_query": _query_without_page(request),
        "counts": hv_counts(tenant),
        "job_kind": SyncJob.Kind.TRANSFER_HV_TO_KV.value,
        **_job_context(tenant, SyncJob.Kind.TRANSFER_HV_TO_KV),
    }
    return render(request, "catalog/haravan_list.html", context)


@tenant_required(connected=True)
@require_POST
def transfer_all(request: HttpRequest) -> HttpResponse:
    return _start_job(request, SyncJob.Kind.TRANSFER_HV_TO_KV, "catalog_haravan")


@tenant_required(connected=True)
@require_GET
def haravan_detail(request: HttpRequest, hv_product_id: int) -> HttpResponse:
    """One Haravan product: its variants with their KiotViet counterparts and the timeline."""
    tenant = _tenant(request)
    rows = list(
        HvVariantRow.objects.filter(tenant=tenant, hv_product_id=hv_product_id)
        .annotate(linked=_hv_linked())
        .order_by("hv_variant_id")
    )
    if not rows:
        raise Http404
    rows.sort(key=lambda r: ((r.product_data or {}).get("variant", {}).get("position", 0), r.hv_variant_id))
    variant_ids = [r.hv_variant_id for r in rows]
    links = {
        v.hv_variant_id: v
        for v in VariantLinkRecord.objects.filter(tenant=tenant, hv_variant_id__in=variant_ids)
    }
    kv_ids = {r.kv_id for r in rows if r.kv_id is not None} | {v.kv_id for v in links.values()}
    kv_rows = {k.kv_id: k for k in KvRow.objects.filter(tenant=tenant, kv_id__in=kv_ids)}
    lines = []
    for r in rows:
        link = links.get(r.hv_variant_id)
        kv_id = r.kv_id if r.kv_id is not None else (link.kv_id if link else None)
        status = hv_status(r, bool(getattr(r, "linked", False)))
        lines.append(HvLine(r, status, kv_id, kv_rows.get(kv_id) if kv_id is not None else None))
    product_link = ProductLinkRecord.objects.filter(tenant=tenant, hv_product_id=hv_product_id).first()
    events = (
        SyncEvent.objects.filter(tenant=tenant)
        .filter(Q(hv_product_id=hv_product_id) | Q(hv_variant_id__in=variant_ids))
        .order_by("-created_at", "-id")
    )
    first = rows[0]
    live = [r for r in rows if not r.deleted]
    context = {
        "product": first,
        "product_values": haravan_product_values(first),
        "lines": lines,
        "product_link": product_link,
        "kv_group_known": product_link is not None
        and KvRow.objects.filter(tenant=tenant, kv_id=product_link.kv_group_id).exists(),
        "timeline": timeline(events[:TIMELINE_LIMIT]),
        "deleted": not live,
        "summary": HvProductView(
            hv_product_id,
            first.product_title,
            first.product_type,
            first.published,
            len(live),
            [line for line in lines if not line.row.deleted],
        ).status,
    }
    return render(request, "catalog/haravan_detail.html", context)
