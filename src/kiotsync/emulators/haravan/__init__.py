"""Stateful emulator of the Haravan platform (accounts/OIDC, ``/com`` REST API, app webhooks).

What it serves — the three hosts' endpoints, the control plane and its config — is described in
:mod:`.guide` (also shown on the emulator's ``GET /`` page).

Modules: ``model`` + ``store`` (entities, the world and its shops), ``config``, ``context``
(what a rule gets), ``rules_*`` (business rules: ``products`` + ``images``, ``inventory``,
``orders`` with ``order_state``, ``fulfillments``, ``payments``, ``customers``), ``oauth``
(accounts rules) with ``keys``, ``serialize`` (REST shapes), ``webhooks`` (hub, dispatcher,
subscribe API), ``presets`` (seed data), ``runtime`` (what a running emulator holds), ``app``
(WSGI entry) with its HTTP modules ``http_accounts`` (+ ``pages``), ``http_com`` (+ route modules
``http_com_catalog``, ``http_com_sales``; ``http_com_base``: what they share), ``control``
(control plane), ``admin_view`` + ``admin_pages`` (back office).
"""

from __future__ import annotations

from ..common import Clock
from .app import HaravanApp


def create_app(clock: Clock | None = None) -> HaravanApp:
    return HaravanApp(clock=clock)


__all__ = ["HaravanApp", "create_app"]
