"""Connect a tenant to a KiotViet retailer, and disconnect it.

Connecting verifies the credentials live (token + ``/branches``), stores them encrypted and
registers KiotViet webhooks (one registration per event type) with a per-tenant secret at
``KIOTSYNC_PUBLIC_URL``. Disconnecting unregisters them and forgets the credentials; links
and history stay for a reconnection to the same retailer.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiotsync.httpkit.errors import (
    AuthError,
    ForbiddenError,
    NotFoundError,
    PlatformError,
    RateLimitedError,
    TransientError,
)
from kiotsync.logs import tenant_context
from kiotsync.ports import Ports
from kiotsync.tenants.models import KiotVietConnection, KiotVietWebhook, SyncSettings, Tenant

from .branches import remember_branches
from .errors import UserFacingError
from .switch import OtherRetailer, remember_retailer, same_retailer, switch_retailer

log = logging.getLogger(__name__)

WEBHOOK_TYPES = (
    "product.update",
    "product.delete",
    "stock.update",
    "order.update",
    "invoice.update",
    # Price-book edits move no product's modifiedDate: without these a book price never follows.
    "pricebookdetail.update",
    "pricebookdetail.delete",
)


@dataclass(frozen=True)
class Credentials:
    retailer: str
    client_id: str
    client_secret: str


def webhook_url(tenant: Tenant, ports: Ports) -> str:
    path = reverse("kiotviet_webhook", kwargs={"public_id": tenant.public_id})
    return ports.config.public_url + path


def _explain(exc: PlatformError) -> UserFacingError:
    """Turn a platform failure at login into a sentence the owner can act on."""
    if isinstance(exc, AuthError):
        if exc.code == "invalid_client" or exc.status == 400:
            return UserFacingError(
                _(
                    "Client ID hoặc mã bảo mật không đúng. Hãy sao chép lại trong KiotViet: Thiết lập cửa hàng → Thiết lập kết nối API."
                ),
                code="invalid_client",
            )
        return UserFacingError(
            _(
                "Tên gian hàng không khớp với Client ID này. Kiểm tra lại tên gian hàng (phần đầu địa chỉ đăng nhập KiotViet)."
            ),
            field="retailer",
            code="retailer_mismatch",
        )
    if isinstance(exc, ForbiddenError):
        return UserFacingError(
            _("Tài khoản KiotViet này chưa được phép dùng kết nối API (gói dịch vụ?)."), code="forbidden"
        )
    if isinstance(exc, RateLimitedError):
        return UserFacingError(
            _("KiotViet đang giới hạn số lần gọi. Vui lòng thử lại sau ít phút."), code="rate_limited"
        )
    if isinstance(exc, TransientError):
        return UserFacingError(
            _("Không kết nối được KiotViet lúc này. Vui lòng thử lại sau ít phút."), code="unavailable"
        )
    if isinstance(exc, NotFoundError):
        return UserFacingError(
            _("Không tìm thấy gian hàng KiotViet này. Kiểm tra lại tên gian hàng."),
            field="retailer",
            code="not_found",
        )
    return UserFacingError(
        _("KiotViet từ chối đăng nhập: %(message)s") % {"message": exc.message}, code="rejected"
    )


def connect(tenant: Tenant, creds: Credentials, ports: Ports, *, switch: bool = False) -> KiotVietConnection:
    """Verify, store and subscribe. Raises :class:`UserFacingError` with the reason, and
    :class:`~.switch.OtherRetailer` for another retailer than the shop's data belongs to unless
    ``switch`` (the merchant confirmed)."""
    client = ports.kiotviet_for_credentials(creds.retailer, creds.client_id, creds.client_secret)
    try:
        branches = client.verify_credentials()
    except PlatformError as exc:
        with tenant_context(tenant):
            log.info("kiotviet login refused: %s", exc)
        raise _explain(exc) from exc
    if not branches:
        raise UserFacingError(_("Gian hàng KiotViet này chưa có chi nhánh nào đang hoạt động."))
    retailer_id = next((b.retailer_id for b in branches if b.retailer_id), None)
    if not same_retailer(tenant, creds.retailer, retailer_id):
        if not switch:
            raise OtherRetailer(tenant.data_retailer, creds.retailer)
        switch_retailer(tenant, creds.retailer, retailer_id)
    # The client registers it Base64-encoded, as KiotViet's documentation asks.
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        conn, _created = KiotVietConnection.objects.update_or_create(
            tenant=tenant,
            defaults={
                "retailer": creds.retailer,
                "retailer_id": retailer_id,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "webhook_secret": secret,
                "access_token": "",
                "token_expires_at": None,
                "connected_at": timezone.now(),
                "webhooks_error": "",
            },
        )
        SyncSettings.objects.get_or_create(tenant=tenant)
        remember_retailer(tenant, creds.retailer, retailer_id)
    remember_branches(tenant, branches)
    with tenant_context(tenant):
        log.info("kiotviet connected: retailer=%s", creds.retailer)
        register_webhooks(tenant, ports)
    conn.refresh_from_db()
    return conn


def register_webhooks(tenant: Tenant, ports: Ports) -> None:
    """(Re-)register our webhook types; replaces earlier registrations that point at us."""
    conn = tenant.kiotviet
    client = ports.kiotviet(tenant)
    url = webhook_url(tenant, ports)
    errors: list[str] = []
    try:
        for hook in client.list_webhooks():
            if hook.url and hook.url.split("?")[0] == url and hook.id is not None:
                client.delete_webhook(hook.id)
    except PlatformError as exc:
        errors.append(str(exc.message))
    KiotVietWebhook.objects.filter(tenant=tenant).delete()
    for kind in WEBHOOK_TYPES:
        try:
            hook = client.register_webhook(kind, url, secret=conn.webhook_secret, description="KiotSync")
        except PlatformError as exc:
            errors.append(f"{kind}: {exc.message}")
            continue
        KiotVietWebhook.objects.create(
            tenant=tenant, kiotviet_id=hook.id or 0, type=kind, url=url, is_active=hook.is_active is not False
        )
    conn.webhooks_error = "; ".join(errors)[:500]
    conn.save(update_fields=["webhooks_error", "updated_at"])
    if errors:
        log.warning("kiotviet webhook registration incomplete: %s", conn.webhooks_error)


def disconnect(tenant: Tenant, ports: Ports) -> None:
    """Unregister webhooks, forget credentials. Links, history and the merchant's settings (Auto-sync
    included: nothing runs without a connection) stay for a reconnection."""
    conn = KiotVietConnection.objects.filter(tenant=tenant).first()
    if conn is None:
        return
    client = ports.kiotviet(tenant)
    url = webhook_url(tenant, ports)
    with tenant_context(tenant):
        try:
            ids = {h.kiotviet_id for h in KiotVietWebhook.objects.filter(tenant=tenant)}
            for hook in client.list_webhooks():
                if hook.id is not None and hook.url and hook.url.split("?")[0] == url:
                    ids.add(hook.id)
            for hook_id in ids:
                with contextlib.suppress(NotFoundError):
                    client.delete_webhook(hook_id)
        except PlatformError as exc:
            # The credentials may already be revoked: forgetting them is still right.
            log.warning("could not unregister kiotviet webhooks: %s", exc)
        with transaction.atomic():
            KiotVietWebhook.objects.filter(tenant=tenant).delete()
            retailer = conn.retailer
            conn.delete()
        log.info("kiotviet disconnected: retailer=%s", retailer)


def webhook_state(tenant: Tenant, ports: Ports) -> tuple[bool, str]:
    """Live state of our KiotViet registrations, for the connection screen."""
    try:
        hooks = ports.kiotviet(tenant).list_webhooks()
    except PlatformError as exc:
        return False, str(_("Không đọc được từ KiotViet: %(m)s") % {"m": exc.message})
    url = webhook_url(tenant, ports)
    ours = {h.type: h for h in hooks if h.url and h.url.split("?")[0] == url}
    active = sorted(t for t, h in ours.items() if h.is_active is not False and t in WEBHOOK_TYPES)
    missing = sorted(set(WEBHOOK_TYPES) - set(active))
    if not missing:
        return True, ", ".join(active)
    return False, str(_("Thiếu: %(types)s") % {"types": ", ".join(missing)})
