"""Where a form may send the browser back to."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest) -> str | None:
    """The posted ``next`` (the page a non-JS form was on) when it is a path on this site, else
    None. Only ``/…`` (not ``//host``, not ``/\\host``) on this host: ``redirect()`` would take a
    bare word for a URL *name* (``next=logout`` went to /logout, others were a NoReverseMatch,
    a 500) and a relative or other-host URL elsewhere."""
    target = request.POST.get("next") or ""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return None  # also refuses anything longer than 2 048 characters
    return target


def redirect_back(request: HttpRequest, fallback: str, **kwargs: Any) -> HttpResponse:
    """Back to the safe ``next`` (:func:`safe_next`), else to the URL named ``fallback``."""
    target = safe_next(request)
    if target is not None:
        return HttpResponseRedirect(target)
    return redirect(fallback, **kwargs)
