"""The signed-in shop in the session: set at sign-in (after Haravan's OAuth), read by
:class:`kiotsync.web.middleware.TenantMiddleware` on every request."""

from __future__ import annotations

from django.http import HttpRequest

from kiotsync.tenants.models import Tenant

SESSION_TENANT = "kiotsync_tenant_id"


def sign_in(request: HttpRequest, tenant: Tenant, user_sub: str) -> None:
    request.session.cycle_key()
    request.session[SESSION_TENANT] = tenant.pk
    request.session["kiotsync_user_sub"] = user_sub


def sign_out(request: HttpRequest) -> None:
    request.session.flush()
