"""Screen "Đơn hàng Haravan": every order with its sync state, search, filters (incl. "Đồng bộ
lỗi"), paging, an order's detail with its timeline, re-sync (one or all selected), and importing
past orders from a date.

Reads come from the local links (no API budget). Every query filters on the signed-in shop, so
another shop's order id is a 404. Re-sync posts work with htmx (the changed row or list comes
back) and without JavaScript (redirect back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiotsync.core import orders as core
from kiotsync.pages.access import tenant_required
from kiotsync.pages.back import redirect_back
from kiotsync.pages.ids import parse_id
from kiotsync.search import matching, search_query
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.wiring import get_wiring

from . import display, wire
from .forms import ImportForm
from .importer import start_import
from .models import OrderEvent, OrderFeed, OrderLink
from .usecases import resync

PER_PAGE = 50

#: Skipped orders a re-sync can still push (forced through): placed before syncing started.
#: A cancelled or completed one stays skipped: nothing to retry.
RESYNC_SKIPS = frozenset({core.OrderReasonCode.BEFORE_SYNC_START.value})


def _lang() -> str:
    return display.lang()


def _tenant(request: HttpRequest) -> Tenant:
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    return tenant


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@dataclass(frozen=True)
class Row:
    link: OrderLink
    tone: str
    label: str
    reason: str
    fix: str
    hv_status: str = ""
    kv_status: str = ""

    @property
    def detail_url(self) -> str:
        from django.urls import reverse

        if self.link.hv_order_id:
            return reverse("orders_detail", args=[self.link.hv_order_id])
        return reverse("orders_kv_detail", args=[self.link.kv_order_id or 0])

    @property
    def can_resync(self) -> bool:
        """Offered where pressing it can change something: an error, an order still waiting,
        a synced one with a note; a skipped one only when forcing it through makes sense."""
        link = self.link
        if link.state == OrderLink.State.SKIPPED:
            code = link.reason_code or link.skip_code
            return code in RESYNC_SKIPS and not _cancelled(link)
        return link.state != OrderLink.State.SYNCED or link.reason_code != ""


def _cancelled(link: OrderLink) -> bool:
    hv = link.hv_snapshot or {}
    return bool(hv.get("cancelled_at")) or hv.get("cancelled_status") == "cancelled"


def reason_texts(code: str, params: Mapping[str, Any] | None) -> tuple[str, str]:
    if not code:
        return "", ""
    try:
        reason = core.OrderReason.of(core.OrderReasonCode(code), **dict(params or {}))
    except ValueError:
        return _("Lý do chưa có mô tả."), ""
    lang = _lang()
    return reason.message(lang), reason.fix(lang)


def row(link: OrderLink) -> Row:
    message, fix = reason_texts(link.reason_code, link.reason_params)
    hv_status, kv_status = display.link_statuses(link, _lang())
    tone = display.TONES.get(link.state, "off")
    return Row(link, tone, display.state_label(link.state), message, fix, hv_status, kv_status)


def links_matching(tenant: Tenant, q: str, state: str) -> QuerySet[OrderLink]:
    links = OrderLink.objects.filter(tenant=tenant)
    if q:
        # Accent- and case-free: "nguyen van" finds "Nguyễn Văn An" (kiotsync.core.text).
        links = links.filter(matching(search_query(q).lstrip("#")))
    if state in OrderLink.State.values:
        links = links.filter(state=state)
    return links.order_by("-hv_created_at", "-kv_created_at", "-id")


def counts(tenant: Tenant) -> dict[str, int]:
    found = {
        r["state"]: r["n"]
        for r in OrderLink.objects.filter(tenant=tenant).values("state").annotate(n=Count("id")).order_by()
    }
    out = {state: found.get(state, 0) for state in OrderLink.State.values}
    out["total"] = sum(found.values())
    return out


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _list_context(request: HttpRequest, tenant: Tenant) -> dict[str, Any]:
    q = search_query(request.GET.get("q", ""))
    state = request.GET.get("state", "")
    page = Paginator(links_matching(tenant, q, state), PER_PAGE).get_page(request.GET.get("page"))
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    feed = OrderFeed.objects.filter(tenant=tenant).first()
    rows = [row(link) for link in page.object_list]
    return {
        "rows": rows,
        "page": page,
        "q": q,
        "state": state,
        "states": display.STATE_FILTERS,
        "counts": counts(tenant),
        "base_query": _query_without_page(request),
        "side": settings.order_side if settings else "kiotviet",
        "branch": settings.order_branch_name if settings else "",
        "feed": feed,
        "import_view": display.import_view(feed),
        "import_form": ImportForm(),
        "busy": any(r.link.state == OrderLink.State.WAITING for r in rows),
    }


@tenant_required(connected=True)
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/list.html", _list_context(request, _tenant(request)))


def _detail(request: HttpRequest, link: OrderLink) -> HttpResponse:
    hv = wire.hv_from_snapshot(link.hv_snapshot) if link.hv_snapshot else None
    kv = wire.kv_from_snapshot(link.kv_snapshot) if link.kv_snapshot else None
    lang = _lang()
    events = list(OrderEvent.objects.filter(link=link).order_by("-at", "-id")[:200])
    context = {
        "r": row(link),
        "link": link,
        "hv": hv,
        "kv": kv,
        "hv_status": display.haravan_status(hv, lang) if hv else "",
        "kv_status": display.kiotviet_status(kv, lang) if kv else "",
        "shipments": [display.fulfillment_words(f, lang) for f in hv.fulfillments] if hv else [],
        "invoices": [display.invoice_words(i, lang) for i in kv.invoices] if kv else [],
        "events": events,
    }
    return render(request, "orders/detail.html", context)


@tenant_required(connected=True)
@require_GET
def order_detail(request: HttpRequest, hv_order_id: int) -> HttpResponse:
    link = OrderLink.objects.filter(tenant=_tenant(request), hv_order_id=hv_order_id).first()
    if link is None:
        raise Http404
    return _detail(request, link)


@tenant_required(connected=True)
@require_GET
def order_kv_detail(request: HttpRequest, kv_order_id: int) -> HttpResponse:
    link = OrderLink.objects.filter(tenant=_tenant(request), kv_order_id=kv_order_id).first()
    if link is None:
        raise Http404
    return _detail(request, link)


def _back(request: HttpRequest) -> HttpResponse:
    """Non-JS fallback: back to the page the form was on (a path on this site), else the list."""
    return redirect_back(request, "orders_list")


@tenant_required(connected=True)
@require_POST
def resync_one(request: HttpRequest, link_id: int) -> HttpResponse:
    tenant = _tenant(request)
    link = OrderLink.objects.filter(tenant=tenant, pk=link_id).first()
    if link is None:
        raise Http404
    resync(tenant, [link.pk], get_wiring())
    link.refresh_from_db()
    if _is_htmx(request):
        template = (
            "orders/_detail_status.html" if request.POST.get("view") == "detail" else "orders/_row.html"
        )
        return render(request, template, {"r": row(link), "link": link})
    messages.success(
        request, _("Đã gửi yêu cầu đồng bộ đơn %(name)s.") % {"name": link.hv_name or link.kv_order_code}
    )
    return _back(request)


@tenant_required(connected=True)
@require_POST
def resync_selected(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    posted = request.POST.getlist("ids")
    # The checkboxes post the orders' ids; anything else (not an id, out of range) is left out
    # and said so. Another shop's id is simply not found (resync filters on the shop).
    ids = [i for i in map(parse_id, posted) if i is not None]
    refused = len(posted) - len(ids)
    if request.POST.get("all_errors") == "1":
        ids = list(
            OrderLink.objects.filter(tenant=tenant, state=OrderLink.State.ERROR).values_list("pk", flat=True)
        )
        refused = 0
    done = resync(tenant, ids, get_wiring()) if ids else 0
    notice = (
        _("Đã gửi yêu cầu đồng bộ %(n)s đơn hàng.") % {"n": done} if done else _("Chưa chọn đơn hàng nào.")
    )
    invalid = _("Bỏ qua %(n)s lựa chọn không hợp lệ.") % {"n": refused} if refused else ""
    if not _is_htmx(request):
        if done:
            messages.success(request, notice)
        else:
            messages.warning(request, notice)
        if invalid:
            messages.warning(request, invalid)
        return _back(request)
    context = _list_context(request, tenant)
    context["notice"] = f"{notice} {invalid}".strip()
    return render(request, "orders/_body.html", context)


@tenant_required(connected=True)
@require_POST
def import_orders(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    form = ImportForm(request.POST)
    if form.is_valid():
        start_import(tenant, form.cleaned_data["since"], get_wiring())
        if not _is_htmx(request):
            messages.success(
                request,
                _("Đang nhập đơn cũ từ ngày %(d)s trong nền.")
                % {"d": form.cleaned_data["since"].strftime("%d/%m/%Y")},
            )
            return redirect("orders_list")
        form = ImportForm()
    elif not _is_htmx(request):
        context = _list_context(request, tenant)
        context["import_form"] = form
        return render(request, "orders/list.html", context, status=400)
    feed = OrderFeed.objects.filter(tenant=tenant).first()
    context = {
        "import_form": form,
        "feed": feed,
        "import_view": display.import_view(feed),
        "just_asked": True,
    }
    return render(request, "orders/_import.html", context)
