"""``GET /metrics``: Prometheus' text format (or OpenMetrics when the scraper asks for it).

Per-shop figures are not for the world: with ``KIOTSYNC_METRICS_TOKEN`` set, the scraper sends
``Authorization: Bearer <token>``; unset, only a caller on this machine (loopback) that did not
come through a proxy (no ``X-Forwarded-*``/``Forwarded`` header: the proxy of docs/deploy.md
sets ``X-Forwarded-Proto``) is answered.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from . import facts, store

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")


class _Figures(Collector):
    """The figures read for one scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def _loopback(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "").split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback and not any(request.META.get(h) for h in _PROXY_HEADERS)


def allowed(request: HttpRequest) -> int:
    """0 when the caller may read the figures, else the status to answer (401, 403)."""
    token = settings.KIOTSYNC_METRICS_TOKEN
    if not token:
        return 0 if _loopback(request) else 403
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return 0
    return 401


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    refused = allowed(request)
    if refused == 401:
        response = HttpResponse("Bearer token required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="kiotsync metrics"'
        return response
    if refused:
        return HttpResponse(
            "Forbidden: set KIOTSYNC_METRICS_TOKEN to scrape from elsewhere\n",
            status=403,
            content_type="text/plain",
        )
    try:
        store.flush()  # this process's own platform calls (the workers add theirs on each beat)
    except Exception:
        facts.log.exception("metrics: adding this process's call counts failed")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(facts.collect()))
    encode, content_type = choose_encoder(request.META.get("HTTP_ACCEPT", ""))
    response = HttpResponse(encode(registry), content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
