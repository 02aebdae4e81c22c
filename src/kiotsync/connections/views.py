"""Merchant pages of the connection: install, KiotViet login, settings, connection, disconnect."""

from __future__ import annotations

import logging
import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kiotsync.bookkeeping.models import StreamState
from kiotsync.crypto import mask
from kiotsync.inbox.dispatch import haravan_topics
from kiotsync.pages.access import tenant_required
from kiotsync.pages.session import sign_in, sign_out
from kiotsync.tenants.models import KiotVietConnection, RetailerSwitch, SyncSettings, Tenant
from kiotsync.wiring import get_wiring

from . import install as haravan_install
from . import kiotviet as kiotviet_connection
from . import sync_settings
from .errors import UserFacingError
from .forms import KiotVietLoginForm, SettingsForm
from .registrations import check_tenant
from .switch import OtherRetailer

log = logging.getLogger(__name__)

#: What an ``orgid`` passed to /install can look like (Haravan's are digits); anything else is
#: ignored: the owner picks the shop on Haravan (a 100 000-character one made the authorize URL
#: too long to redirect to, a 400).
_ORGID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def home(request: HttpRequest) -> HttpResponse:
    tenant: Tenant | None = getattr(request, "tenant", None)
    if tenant is None:
        return render(request, "kiotsync/landing.html")
    if not KiotVietConnection.objects.filter(tenant=tenant).exists():
        return redirect("kiotviet_login")
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    if settings is None or settings.configured_at is None:
        return redirect("settings")
    return redirect("connection")


def install(request: HttpRequest) -> HttpResponse:
    """Entry from the Haravan app store (and the landing button): sign in with Haravan first."""
    orgid = request.GET.get("orgid") or None
    if orgid is not None and not _ORGID_RE.fullmatch(orgid):
        orgid = None
    return redirect(haravan_install.begin(request.session, "login", get_wiring(), orgid=orgid))


def _oauth_failed(request: HttpRequest, err: UserFacingError) -> HttpResponse:
    return render(request, "kiotsync/landing.html", {"error": err.message}, status=400)


@csrf_exempt  # the OAuth `state` (checked against the session) protects this round trip
@require_http_methods(["GET", "POST"])
def auth_callback(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    try:
        outcome = haravan_install.complete_login(request.session, params, get_wiring())
    except UserFacingError as err:
        return _oauth_failed(request, err)
    if isinstance(outcome, haravan_install.GoInstall):
        return redirect(outcome.url)
    sign_in(request, outcome.tenant, outcome.user_sub)
    return redirect("home")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def install_callback(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    try:
        outcome = haravan_install.complete_install(request.session, params, get_wiring())
    except UserFacingError as err:
        return _oauth_failed(request, err)
    sign_in(request, outcome.tenant, outcome.user_sub)
    messages.success(request, _("Đã cài đặt ứng dụng cho cửa hàng %(name)s.") % {"name": outcome.tenant.name})
    if outcome.resumed_auto_sync:
        messages.info(
            request,
            _(
                "Tự đồng bộ vẫn đang bật: những thay đổi trong thời gian gỡ ứng dụng sẽ được đồng bộ trong vài phút."
            ),
        )
    return redirect("home")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    return redirect("home")


@tenant_required()
@require_http_methods(["GET", "POST"])
def kiotviet_login(request: HttpRequest) -> HttpResponse:
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    if KiotVietConnection.objects.filter(tenant=tenant).exists():
        return redirect("connection")
    form = KiotVietLoginForm(request.POST if request.method == "POST" else None)
    other_retailer: OtherRetailer | None = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        switch = bool(data.pop("switch_retailer", False))
        creds = kiotviet_connection.Credentials(**data)
        try:
            kiotviet_connection.connect(tenant, creds, get_wiring(), switch=switch)
        except OtherRetailer as err:
            other_retailer = err  # said above the form, with the switch to confirm
        except UserFacingError as err:
            form.add_error(err.field if err.field in form.fields else None, str(err.message))
        else:
            messages.success(request, _("Đã kết nối KiotViet gian hàng %(r)s.") % {"r": creds.retailer})
            if switch:
                messages.warning(
                    request,
                    _(
                        "Đã chuyển sang gian hàng %(r)s. Hãy chọn lại chi nhánh nhận đơn và bảng giá, rồi bấm "
                        "Đồng bộ để liên kết lại sản phẩm theo mã hàng."
                    )
                    % {"r": creds.retailer},
                )
            return redirect("settings")
    context = {"form": form, "other_retailer": other_retailer}
    failed = bool(form.errors) or other_retailer is not None
    return render(request, "kiotsync/kiotviet_login.html", context, status=400 if failed else 200)


@tenant_required(connected=True)
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    current, _created = SyncSettings.objects.get_or_create(tenant=tenant)
    ports = get_wiring()
    choices = sync_settings.load_choices(tenant, ports)
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial=sync_settings.initial(current, choices),
        branches=choices.branches,
        locations=choices.locations,
        price_books=choices.price_books,
    )
    if request.method == "POST" and form.is_valid():
        first_time = current.configured_at is None
        saved = sync_settings.save(tenant, form.cleaned_data, choices)
        if first_time:
            # Fill the product lists right away (reads only; nothing is pushed until asked).
            sync_settings.first_saved.send(sender=SyncSettings, tenant=tenant, ports=ports)
        else:
            sync_settings.changed.send(
                sender=SyncSettings, tenant=tenant, before=current, after=saved, ports=ports
            )
        messages.success(request, _("Đã lưu cấu hình đồng bộ."))
        # Another Haravan location: the new one gets the stock; ask about the old one.
        switch = sync_settings.switch_location(tenant, current, saved, ports)
        if switch is not None and switch.selling:
            request.session[LOCATION_SWITCH_KEY] = switch.as_json()
            return redirect("location_switch")
        return redirect("connection")
    context = {
        "form": form,
        "field_flags": form.flag_fields(),
        "load_errors": choices.errors,
        "stock_explain": sync_settings.STOCK_EXPLAIN,
        "order_explain": sync_settings.ORDER_EXPLAIN,
    }
    return render(request, "kiotsync/settings.html", context, status=400 if form.errors else 200)


#: The stock location change waiting for the merchant's answer (session key).
LOCATION_SWITCH_KEY = "kiotsync_location_switch"


@tenant_required(connected=True)
@require_http_methods(["GET", "POST"])
def location_switch(request: HttpRequest) -> HttpResponse:
    """After moving the stock to another Haravan location: zero the old one? (Yes/No)."""
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    switch = sync_settings.LocationSwitch.from_json(request.session.get(LOCATION_SWITCH_KEY))
    if switch is None:
        return redirect("connection")
    if request.method == "GET":
        return render(request, "kiotsync/location_switch.html", {"switch": switch})
    if request.POST.get("answer") != "yes":
        request.session.pop(LOCATION_SWITCH_KEY, None)
        messages.info(
            request,
            _("Kho cũ %(name)s giữ nguyên tồn kho; KiotSync không ghi vào kho đó nữa.")
            % {"name": switch.old_location_name},
        )
        return redirect("connection")
    count, error = sync_settings.zero_old_location(tenant, switch, get_wiring())
    if error:
        messages.error(
            request,
            _("Chưa đặt được tồn kho ở kho cũ %(name)s về 0: %(error)s")
            % {"name": switch.old_location_name, "error": error},
        )
        return redirect("location_switch")  # asked again: the merchant may try once more
    request.session.pop(LOCATION_SWITCH_KEY, None)
    messages.success(
        request,
        _("Đã đặt tồn kho ở kho cũ %(name)s về 0 (%(count)s sản phẩm).")
        % {"name": switch.old_location_name, "count": count},
    )
    return redirect("connection")


@tenant_required(connected=True)
def connection(request: HttpRequest) -> HttpResponse:
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    conn = tenant.kiotviet
    settings, _created = SyncSettings.objects.get_or_create(tenant=tenant)
    kv_ok, kv_text = kiotviet_connection.webhook_state(tenant, get_wiring())
    if conn.webhooks_error and kv_ok:
        kv_text = kv_text + " · " + conn.webhooks_error
    install_row = getattr(tenant, "haravan", None)
    hv_ok = bool(install_row and install_row.webhooks_subscribed_at and not install_row.webhooks_error)
    hv_text = (install_row.webhooks_error if install_row else "") or (
        _("Đăng ký lúc %(t)s")
        % {"t": timezone.localtime(install_row.webhooks_subscribed_at).strftime("%d/%m/%Y %H:%M")}
        if install_row and install_row.webhooks_subscribed_at
        else _("Chưa đăng ký")
    )
    if install_row and install_row.webhooks_missing:
        hv_ok = False
        hv_text = _("Thiếu trong trang đối tác Haravan: %(topics)s") % {
            "topics": install_row.webhooks_missing
        }
    states = {s.stream: s for s in StreamState.objects.filter(tenant=tenant)}
    streams = [
        (
            label,
            states[value].last_success_at if value in states else None,
            states[value].last_error if value in states else "",
        )
        for value, label in StreamState.Stream.choices
    ]
    context = {
        "conn": conn,
        "masked_secret": mask(conn.client_secret),
        "kv_webhooks": {"ok": kv_ok, "text": kv_text},
        "hv_webhooks": {"ok": hv_ok, "text": hv_text},
        "hv_install": install_row,
        "settings_words": sync_settings.describe(settings),
        "last_switch": RetailerSwitch.objects.filter(tenant=tenant).first(),
        "streams": streams,
    }
    return render(request, "kiotsync/connection.html", context)


@tenant_required(connected=True)
@require_http_methods(["GET", "POST"])
def disconnect(request: HttpRequest) -> HttpResponse:
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    if request.method == "GET":
        template = (
            "kiotsync/_disconnect_confirm.html"
            if request.headers.get("HX-Request")
            else "kiotsync/disconnect.html"
        )
        return render(request, template, {"conn": tenant.kiotviet})
    retailer = tenant.kiotviet.retailer
    kiotviet_connection.disconnect(tenant, get_wiring())
    messages.success(request, _("Đã ngắt kết nối với gian hàng KiotViet %(r)s.") % {"r": retailer})
    return redirect("kiotviet_login")


@tenant_required(connected=True)
@require_POST
def check_webhooks(request: HttpRequest) -> HttpResponse:
    """ "Kiểm tra webhook": the periodic registration check, now."""
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    haravan, kiotviet = check_tenant(tenant, get_wiring(), haravan_topics())
    repaired = [*kiotviet.repaired, *(["Haravan"] if haravan.repaired else [])]
    if haravan.error or kiotviet.error:
        messages.error(
            request, _("Không kiểm tra hết được webhook: %(m)s") % {"m": kiotviet.error or haravan.error}
        )
    elif repaired:
        messages.success(request, _("Đã đăng ký lại webhook: %(names)s.") % {"names": ", ".join(repaired)})
    else:
        messages.success(request, _("Webhook trên cả hai nền tảng đều đang hoạt động."))
    return redirect("connection")
