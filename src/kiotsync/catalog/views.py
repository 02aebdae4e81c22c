"""Product screens: "Sản phẩm KiotViet" (KiotViet → Haravan), "Sản phẩm Haravan" (Haravan →
KiotViet) and the detail page of a product with its link, last pushed values and timeline.

Reads come straight from the local mirrors, so search, filters and paging cost no API budget and
stay fast on large catalogues. Every change (Sync now, auto-sync, opt-out, Transfer all, resync)
goes through :mod:`.usecases`, given the wiring the view resolves (the views are a shell); the
reads are in :mod:`.queries`, what the pages show in :mod:`.display`.

Clicks use htmx: each action answers with the fragment it changed and fires the
``catalog-refresh`` event, on which the list/detail body reloads itself; without JavaScript the
same forms post and redirect back. Every query is filtered by the signed-in shop, so another
shop's id answers 404.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiotsync.bookkeeping.models import StreamState
from kiotsync.connections.errors import UserFacingError
from kiotsync.httpkit.errors import PlatformError
from kiotsync.pages.access import tenant_required
from kiotsync.pages.back import redirect_back
from kiotsync.search import search_query, vietnamese
from kiotsync.tenants.models import Tenant
from kiotsync.wiring import get_wiring

from . import usecases
from .display import (
    PRODUCT_FIELD_LABELS,
    VARIANT_FIELD_LABELS,
    BranchStock,
    branch_label,
    haravan_product_values,
    haravan_variant_values,
    hv_status,
    job_view,
    kiotviet_product_values,
    kiotviet_variant_values,
    kv_status,
    option_names,
    pushed_fields,
    timeline,
    unit_stock,
    when,
)
from .models import (
    HvVariantRow,
    KvRow,
    KvStock,
    ProductLinkRecord,
    SyncEvent,
    SyncJob,
    VariantLinkRecord,
)
from .queries import (
    HV_FILTERS,
    KV_FILTERS,
    HvLine,
    HvProductView,
    KvDetailRow,
    hv_counts,
    hv_linked,
    hv_products,
    hv_rows_matching,
    known_branch_names,
    kv_counts,
    kv_group_key,
    kv_groups,
    kv_rows_matching,
    on_haravan,
    pending_of,
    resync_outcome,
    settings_of,
    stock_branch,
    stock_views,
    sum_stock,
)

PER_PAGE = 50


TIMELINE_LIMIT = 200


REFRESH_EVENT = "catalog-refresh"


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


def _latest_job(tenant: Tenant, kind: str) -> SyncJob | None:
    return usecases.latest_job(tenant, kind)


def _job_context(tenant: Tenant, kind: str, error: str = "") -> dict[str, Any]:
    job = _latest_job(tenant, kind)
    running = job is not None and job.state in (SyncJob.State.QUEUED, SyncJob.State.RUNNING)
    return {"job": job, "kind": kind, "running": running, "job_error": error, "jv": job_view(job)}


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


def _start_job(
    request: HttpRequest, kind: str, fallback: str, opening_stock: str = "haravan"
) -> HttpResponse:
    tenant = _tenant(request)
    error = ""
    try:
        if kind == SyncJob.Kind.SYNC_KV_TO_HV:
            usecases.start_sync_now(tenant, get_wiring())
        else:
            usecases.start_transfer_all(tenant, get_wiring(), opening_stock)
    except (UserFacingError, PlatformError) as exc:
        error = str(exc.message)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(fallback)
    context = _job_context(tenant, kind, error)
    response = render(request, "catalog/_job_panel.html", context)
    return response if context["running"] else _refreshing(response)


@tenant_required(connected=True)
@require_GET
def kiotviet_list(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    q = search_query(request.GET.get("q", ""))
    status = request.GET.get("status", "")
    settings = settings_of(tenant)
    keys = (
        kv_rows_matching(tenant, q, status, settings)
        .annotate(group_key=kv_group_key())
        .values("group_key")
        .annotate(sort_name=Min(vietnamese("name")))
        .order_by("sort_name", "group_key")
    )
    page = _pager(request, keys)
    group_keys = [g["group_key"] for g in page.object_list]
    context = {
        "groups": kv_groups(tenant, group_keys, q, status, settings),
        "page": page,
        "q": q,
        "status": status,
        "filters": KV_FILTERS,
        "base_query": _query_without_page(request),
        "counts": kv_counts(tenant, settings),
        "settings": settings,
        "background": _background(tenant),
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
    tenant = _tenant(request)
    enabled = request.POST.get("enabled") == "1"
    error = ""
    try:
        usecases.set_auto_sync(tenant, enabled, get_wiring())
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
    context = {"settings": settings_of(tenant), "auto_error": error}
    response = render(request, "catalog/_auto_sync.html", context)
    return _refreshing(response) if enabled and not error else response


@tenant_required(connected=True)
@require_POST
def opt_out(request: HttpRequest, kv_id: int) -> HttpResponse:
    """Turn sync off (``opted_out=1``) or back on for the row's whole variant group."""
    tenant = _tenant(request)
    row = get_object_or_404(KvRow, tenant=tenant, kv_id=kv_id)
    wanted = request.POST.get("opted_out") == "1"
    error = ""
    try:
        usecases.set_opt_out(tenant, row.kv_id, wanted, get_wiring())
    except (UserFacingError, PlatformError) as exc:
        error = str(exc.message)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return _back(request, "catalog_kv_detail", kv_id=row.kv_id)
    row.refresh_from_db()
    context = {"kv_id": row.kv_id, "opted_out": row.opted_out, "opt_error": error, "next": ""}
    return _refreshing(render(request, "catalog/_opt_out.html", context))


@tenant_required(connected=True)
@require_GET
def kiotviet_detail(request: HttpRequest, kv_id: int) -> HttpResponse:
    """One KiotViet product (its whole variant group): links, last pushed values, stock per
    branch and the timeline of attempts."""
    tenant = _tenant(request)
    row = get_object_or_404(KvRow.objects.annotate(group_key=kv_group_key()), tenant=tenant, kv_id=kv_id)
    if _is_htmx(request) and request.GET.get("resync_since"):
        return _resync_poll(request, tenant, row.kv_id)
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
    settings = settings_of(tenant)
    stock = _branch_stock(tenant, rows, known_branch_names(tenant))
    pending = pending_of(tenant, rows, settings)
    sellable = stock_views(tenant, rows, settings)
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
        status = kv_status(r, on_haravan(r, links), pending[r.kv_id])
        details.append(KvDetailRow(r, status, link, pushed, stock.get(r.kv_id, []), sellable.get(r.kv_id)))
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
        "stock_total": sum_stock(tenant, ids),
        "category": head.category_name,
        "stock_branch": stock_branch(settings),
        "hv_options": option_names(haravan_product_values(any_hv_row).get("options") or ())  # type: ignore[arg-type]
        if any_hv_row
        else "",
    }
    return render(request, "catalog/kiotviet_detail.html", context)


def _branch_stock(
    tenant: Tenant, rows: Sequence[KvRow], names: dict[int, str]
) -> dict[int, list[BranchStock]]:
    """Stock per branch of each row; an alternative unit in whole units of it, with the base
    row's quantity in that branch alongside (KiotViet keeps a unit row's stock as a fraction)."""
    ids = [r.kv_id for r in rows]
    bases = {r.kv_id: r.master_unit_id for r in rows if r.master_unit_id}
    found: dict[tuple[int, int], KvStock] = {
        (s.kv_id, s.branch_id): s
        for s in KvStock.objects.filter(tenant=tenant, kv_id__in=ids + list(bases.values()))
    }
    units = {
        r.kv_id: (r.data or {})
        for r in KvRow.objects.filter(tenant=tenant, kv_id__in=ids + list(bases.values()))
    }
    out: dict[int, list[BranchStock]] = defaultdict(list)
    for (kv_id, branch_id), s in sorted(found.items(), key=lambda item: item[0][1]):
        if kv_id not in ids:
            continue
        label = branch_label(names, branch_id)
        base_id = bases.get(kv_id)
        base = found.get((base_id, branch_id)) if base_id else None
        if base is None:
            out[kv_id].append(BranchStock(label, s.on_hand, s.reserved))
            continue
        data = units.get(kv_id, {})
        conversion = _decimal(data.get("conversion_value")) or Decimal(1)
        out[kv_id].append(
            BranchStock(
                label,
                s.on_hand,
                s.reserved,
                whole=unit_stock(base.on_hand, conversion),
                unit=str(data.get("unit") or ""),
                base=base.on_hand,
                base_unit=str(units.get(base_id or 0, {}).get("unit") or ""),
            )
        )
    return out


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except ArithmeticError:
        return None


#: How long the "Đồng bộ lại" result waits for the product's sync (polled every second).
RESYNC_POLLS = 30


def _resync_poll(request: HttpRequest, tenant: Tenant, kv_id: int) -> HttpResponse:
    """The "Đồng bộ lại" result, polled until the product's sync has run."""
    try:
        since = datetime.fromisoformat(request.GET["resync_since"])
        tries = int(request.GET.get("tries", "0")) + 1
    except ValueError:
        raise Http404 from None
    if since.tzinfo is None:
        raise Http404
    outcome = resync_outcome(tenant, kv_id, since)
    context = {"outcome": outcome, "kv_id": kv_id, "since": since.isoformat(), "tries": tries, "error": ""}
    if not outcome.done and tries >= RESYNC_POLLS:
        context["late"] = True
    response = render(request, "catalog/_resync_result.html", context)
    return _refreshing(response) if outcome.done else response


def _background(tenant: Tenant) -> dict[str, Any]:
    """What Auto-sync did last, in the background (changes and stock pushed without a click)."""
    states = {s.stream: s for s in StreamState.objects.filter(tenant=tenant)}
    products = states.get(StreamState.Stream.PRODUCTS_KV_TO_HV)
    stock = states.get(StreamState.Stream.STOCK)
    return {
        "products": when(products.last_success_at) if products and products.last_success_at else "",
        "stock": when(stock.last_success_at) if stock and stock.last_success_at else "",
        "error": (stock.last_error if stock and stock.last_error else "")
        or (products.last_error if products and products.last_error else ""),
    }


@tenant_required(connected=True)
@require_POST
def resync(request: HttpRequest, kv_id: int) -> HttpResponse:
    """Đồng bộ lại: plan and push this one product group now."""
    tenant = _tenant(request)
    row = get_object_or_404(KvRow, tenant=tenant, kv_id=kv_id)
    error = ""
    since = timezone.now()
    try:
        usecases.resync_product(tenant, row.kv_id, get_wiring())
    except (UserFacingError, PlatformError) as exc:
        error = str(exc.message)
    outcome = None if error else resync_outcome(tenant, row.kv_id, since)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        elif outcome is not None and outcome.done:
            messages.success(request, outcome.headline)
        else:
            messages.success(request, _("Đã yêu cầu đồng bộ lại sản phẩm."))
        return redirect("catalog_kv_detail", kv_id=row.kv_id)
    context = {"error": error, "outcome": outcome, "kv_id": row.kv_id, "since": since.isoformat(), "tries": 0}
    response = render(request, "catalog/_resync_result.html", context)
    return _refreshing(response) if outcome is None or outcome.done else response


@tenant_required(connected=True)
@require_GET
def haravan_list(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    q = search_query(request.GET.get("q", ""))
    status = request.GET.get("status", "")
    keys = (
        hv_rows_matching(tenant, q, status)
        .values("hv_product_id")
        .annotate(sort_name=Min(vietnamese("product_title")))
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
@require_GET
def transfer_confirm(request: HttpRequest) -> HttpResponse:
    """The confirmation of "Chuyển dữ liệu": what happens to stock, and the opening stock of the
    new KiotViet rows to choose."""
    tenant = _tenant(request)
    settings = settings_of(tenant)
    context = {
        "branch": settings.order_branch_name if settings else "",
        "location": settings.haravan_location_name if settings else "",
        "waiting": HvVariantRow.objects.filter(tenant=tenant, deleted=False, kv_id__isnull=True).count(),
    }
    template = "catalog/_transfer_confirm.html" if _is_htmx(request) else "catalog/transfer_confirm.html"
    return render(request, template, context)


@tenant_required(connected=True)
@require_POST
def transfer_all(request: HttpRequest) -> HttpResponse:
    opening = request.POST.get("opening_stock", "haravan")
    return _start_job(request, SyncJob.Kind.TRANSFER_HV_TO_KV, "catalog_haravan", opening_stock=opening)


@tenant_required(connected=True)
@require_GET
def haravan_detail(request: HttpRequest, hv_product_id: int) -> HttpResponse:
    """One Haravan product: its variants with their KiotViet counterparts and the timeline."""
    tenant = _tenant(request)
    rows = list(
        HvVariantRow.objects.filter(tenant=tenant, hv_product_id=hv_product_id)
        .annotate(linked=hv_linked())
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
        "options_words": option_names((first.product_data or {}).get("options") or ()),
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
