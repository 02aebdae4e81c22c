"""Haravan login and install (digest §1.6: login scopes → owner check → install scopes).

``begin`` stores ``state`` (CSRF) and ``nonce`` in the session and returns the authorize URL;
``complete_login`` / ``complete_install`` check them, exchange the code, verify the id_token
and either sign the owner in or send them on to the install consent.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiotsync.haravan.oauth import TokenSet
from kiotsync.httpkit.dates import parse_haravan_datetime
from kiotsync.httpkit.errors import AuthError, PlatformError
from kiotsync.logs import tenant_context
from kiotsync.ports import Ports
from kiotsync.tenants.models import HaravanInstallation, SyncSettings, Tenant

from .errors import UserFacingError

log = logging.getLogger(__name__)

LOGIN_SCOPES = ("openid", "profile", "email", "org", "userinfo")
INSTALL_SCOPES = (
    *LOGIN_SCOPES,
    "grant_service",
    "offline_access",
    "wh_api",
    "com.read_shop",
    "com.write_products",
    "com.write_orders",
    "com.write_inventories",
    "com.write_customers",
)
SESSION_KEY = "kiotsync_oauth"


@dataclass(frozen=True)
class SignedIn:
    tenant: Tenant
    user_sub: str
    # A re-install of a shop whose Auto-sync was on: it goes on where it stopped.
    resumed_auto_sync: bool = False


@dataclass(frozen=True)
class GoInstall:
    url: str


def _redirect_uri(kind: str, ports: Ports) -> str:
    name = "auth_callback" if kind == "login" else "install_callback"
    return ports.config.public_url + reverse(name)


def begin(session: Any, kind: str, ports: Ports, orgid: str | None = None) -> str:
    """Start an authorize round trip (``kind`` is ``login`` or ``install``)."""
    state = secrets.token_urlsafe(24)
    nonce = secrets.token_urlsafe(24)
    session[SESSION_KEY] = {"state": state, "nonce": nonce, "kind": kind}
    scopes = LOGIN_SCOPES if kind == "login" else INSTALL_SCOPES
    return ports.haravan_oauth().authorize_url(
        scopes=scopes, redirect_uri=_redirect_uri(kind, ports), state=state, nonce=nonce, orgid=orgid
    )


def _finish(session: Any, kind: str, params: Any, ports: Ports) -> tuple[TokenSet, Any]:
    pending = session.pop(SESSION_KEY, None)
    if params.get("error"):
        if params.get("error") == "access_denied":
            raise UserFacingError(_("Bạn đã không đồng ý cấp quyền cho ứng dụng trên Haravan."))
        raise UserFacingError(_("Haravan báo lỗi khi đăng nhập: %(error)s") % {"error": params.get("error")})
    # Compared as bytes: a state that is not ASCII (anyone can send one) is a mismatch, not an error.
    if (
        not pending
        or pending.get("kind") != kind
        or not secrets.compare_digest(
            str(pending.get("state", "")).encode(), str(params.get("state", "")).encode()
        )
    ):
        raise UserFacingError(_("Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại."))
    code = params.get("code")
    if not code:
        raise UserFacingError(_("Haravan không trả về mã xác thực. Vui lòng đăng nhập lại."))
    oauth = ports.haravan_oauth()
    try:
        tokens = oauth.exchange_code(code, redirect_uri=_redirect_uri(kind, ports))
        claims = oauth.verify_id_token(tokens.id_token or "", nonce=pending["nonce"])
    except PlatformError as exc:
        log.warning("haravan %s failed: %s", kind, exc)
        raise UserFacingError(_("Không xác thực được với Haravan. Vui lòng đăng nhập lại.")) from exc
    if not claims.is_owner:
        raise UserFacingError(
            _("Chỉ chủ cửa hàng (tài khoản Admin Haravan) mới cài đặt và sử dụng được ứng dụng này.")
        )
    return tokens, claims


def complete_login(session: Any, params: Any, ports: Ports) -> SignedIn | GoInstall:
    _tokens, claims = _finish(session, "login", params, ports)
    tenant = Tenant.objects.filter(orgid=claims.orgid).first()
    installed = (
        tenant is not None
        and tenant.status == Tenant.Status.ACTIVE
        and HaravanInstallation.objects.filter(tenant=tenant).exists()
    )
    if tenant is not None and installed:
        with tenant_context(tenant):
            log.info("owner signed in")
        return SignedIn(tenant, claims.sub)
    return GoInstall(begin(session, "install", ports, orgid=claims.orgid))


def complete_install(session: Any, params: Any, ports: Ports) -> SignedIn:
    tokens, claims = _finish(session, "install", params, ports)
    now = timezone.now()
    with transaction.atomic():
        tenant, _created = Tenant.objects.select_for_update().get_or_create(orgid=claims.orgid)
        was_away = tenant.status != Tenant.Status.ACTIVE
        tenant.name = claims.orgname or tenant.name
        tenant.orgsub = claims.orgsub or tenant.orgsub
        tenant.status = Tenant.Status.ACTIVE
        tenant.status_reason = ""
        tenant.installed_at = now
        tenant.uninstalled_at = None
        tenant.save()
        HaravanInstallation.objects.update_or_create(
            tenant=tenant,
            defaults={
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token or "",
                "expires_at": now + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None,
                "scopes": tokens.scope or " ".join(INSTALL_SCOPES),
                "owner_sub": claims.sub,
                "owner_email": claims.email or "",
                "refreshed_at": now,
            },
        )
        settings, _ = SyncSettings.objects.get_or_create(tenant=tenant)
    with tenant_context(tenant):
        log.info("app installed")
        _after_install(tenant, ports)
    # Auto-sync stays as the merchant left it; the next poll catches up what changed meanwhile.
    return SignedIn(tenant, claims.sub, resumed_auto_sync=was_away and settings.auto_sync_enabled)


def _after_install(tenant: Tenant, ports: Ports) -> None:
    """Read the shop record and subscribe webhooks; failures are shown, not fatal."""
    client = ports.haravan(tenant)
    install = tenant.haravan
    try:
        shop = client.get_shop()
        if shop.name:
            tenant.name = shop.name
            tenant.save(update_fields=["name", "updated_at"])
    except PlatformError as exc:
        log.warning("reading shop.json failed: %s", exc)
    try:
        client.subscribe_webhooks()
        install.webhooks_subscribed_at = timezone.now()
        install.webhooks_error = ""
    except PlatformError as exc:
        log.warning("webhook subscription failed: %s", exc)
        install.webhooks_error = str(exc.message)[:500]
    install.save(update_fields=["webhooks_subscribed_at", "webhooks_error", "updated_at"])


def on_uninstalled(tenant: Tenant, payload: Any, received_at: datetime, ports: Ports) -> str:
    """``app/uninstalled`` (stored, de-duplicated, then handled here): deactivate the shop only
    when the delivery is newer than its current installation and the shop's own token confirms
    the app is gone. Returns what was decided (kept on the inbox row)."""
    tenant.refresh_from_db()
    if tenant.status == Tenant.Status.UNINSTALLED:
        return "already uninstalled"
    installed_at = tenant.installed_at
    said = parse_haravan_datetime(payload.get("uninstalled_at")) if isinstance(payload, dict) else None
    if installed_at is not None and (
        received_at < installed_at or (said is not None and said <= installed_at)
    ):
        log.info("app/uninstalled older than the current installation: ignored")
        return "older than the current installation"
    if HaravanInstallation.objects.filter(tenant=tenant).exists():
        try:
            ports.haravan(tenant).get_shop()
        except AuthError:
            pass  # the token is refused: the app is really gone
        else:
            log.warning("app/uninstalled but the shop token still works: ignored")
            return "the shop's token still works"
    mark_uninstalled(tenant)
    return "uninstalled"


def mark_uninstalled(tenant: Tenant) -> None:
    """``app/uninstalled``: deactivate the tenant; its jobs see the status and stop. Settings
    (Auto-sync included) stay for a re-install."""
    now = timezone.now()
    Tenant.objects.filter(pk=tenant.pk).update(
        status=Tenant.Status.UNINSTALLED, uninstalled_at=now, updated_at=now
    )
    HaravanInstallation.objects.filter(tenant=tenant).delete()
    with tenant_context(tenant):
        log.info("app uninstalled: tenant deactivated")
