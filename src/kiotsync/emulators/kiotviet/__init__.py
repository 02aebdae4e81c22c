"""Stateful emulator of the KiotViet Retail Public API (digest: specs/kiotviet-api.md).

What it serves — the API, the control plane and its config — is described in :mod:`.guide`
(also shown on the emulator's ``GET /`` page).

Modules: ``model`` (entities + indexes), ``state`` (shops, tokens, config, tick clock),
``tokens`` (token store, GET rate limiter), ``rules_*`` (business rules: ``auth``, ``catalog``,
``products``, ``stock``, ``pricebooks``, ``customers``, ``sales`` + ``orders`` + ``invoices``,
``shop``), ``serialize`` (REST shapes), ``webhooks`` (outgoing deliveries), ``presets`` (seed
data), ``app`` (HTTP dispatch, token endpoint) with its route modules ``http_products``,
``http_sales``, ``http_shop`` (``http_base``: what they share), ``control`` (control plane),
``admin_view`` + ``admin_pages`` (back office).
"""

from __future__ import annotations

from ..common import Clock
from .app import KiotVietApp

__all__ = ["KiotVietApp", "create_app"]


def create_app(clock: Clock | None = None) -> KiotVietApp:
    return KiotVietApp(clock)
