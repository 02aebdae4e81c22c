"""Access rules for the merchant's pages: a signed-in shop, and a KiotViet connection."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kiotsync.tenants.models import KiotVietConnection

View = Callable[..., HttpResponse]


def tenant_required(connected: bool = False) -> Callable[[View], View]:
    """Signed-in shop required; with ``connected`` also a KiotViet connection."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            tenant = getattr(request, "tenant", None)
            if tenant is None:
                return redirect("home")
            if connected and not KiotVietConnection.objects.filter(tenant=tenant).exists():
                return redirect("kiotviet_login")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
