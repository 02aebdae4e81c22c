"""The "Đối soát" screen: the last reconciliation, its drifts by kind with their causes in
words, a one-click fix for each, and "Đối soát ngay"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiotsync.pages.access import tenant_required
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.wiring import get_wiring

from . import usecases
from .display import drift_rows, kind_counts
from .models import Drift, ReconcileRun


def _tenant(request: HttpRequest) -> Tenant:
    return request.tenant  # type: ignore[attr-defined,no-any-return]


@tenant_required(connected=True)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    last = usecases.latest(tenant)
    done = ReconcileRun.objects.filter(tenant=tenant).exclude(state=ReconcileRun.State.RUNNING).first()
    drifts = list(Drift.objects.filter(tenant=tenant, run=done)) if done else []
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    context = {
        "last": last,
        "done": done,
        "drifts": drift_rows(drifts),
        "by_kind": kind_counts(drifts),
        "running": last is not None and last.state == ReconcileRun.State.RUNNING,
        "heals": bool(settings and settings.auto_sync_enabled),
        "every_minutes": int(usecases.EVERY.total_seconds() // 60),
    }
    return render(request, "reconcile/overview.html", context)


@tenant_required(connected=True)
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    usecases.start(_tenant(request), get_wiring())
    messages.success(request, _("Đã bắt đầu đối soát. Kết quả hiện ở đây sau ít phút."))
    return redirect("reconcile")


@tenant_required(connected=True)
@require_POST
def fix(request: HttpRequest, drift_id: int) -> HttpResponse:
    if usecases.fix(_tenant(request), drift_id, get_wiring()):
        messages.success(request, _("Đã gửi yêu cầu sửa. Lần đối soát tới sẽ kiểm tra lại."))
    else:
        messages.warning(request, _("Mục này không sửa tự động được, hoặc đã được sửa."))
    return redirect("reconcile")
