"""Attach the signed-in shop (tenant) to each request and to every log line."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kiotsync.logs import current_tenant
from kiotsync.pages.session import SESSION_TENANT
from kiotsync.tenants.models import Tenant


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = None
        tenant_id = request.session.get(SESSION_TENANT)
        if tenant_id is not None:
            tenant = Tenant.objects.filter(pk=tenant_id).exclude(status=Tenant.Status.UNINSTALLED).first()
            if tenant is None:
                request.session.flush()
        request.tenant = tenant  # type: ignore[attr-defined]
        token = current_tenant.set(tenant.orgid if tenant else "-")
        try:
            return self.get_response(request)
        finally:
            current_tenant.reset(token)


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy built from the configuration (``kiotsync.security``);
    when the app may be framed by the origins configured, no ``X-Frame-Options`` (the policy's
    ``frame-ancestors`` says who may)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.policy: str = getattr(settings, "KIOTSYNC_CSP", "")
        self.framed: bool = getattr(settings, "KIOTSYNC_FRAMED", False)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        if self.framed:
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response
