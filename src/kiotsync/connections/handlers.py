"""Webhook handlers of the connection (registered in :class:`.apps.ConnectionsConfig`)."""

from __future__ import annotations

from kiotsync.inbox.models import InboundEvent
from kiotsync.ports import Ports

from .install import on_uninstalled


def on_app_uninstalled(event: InboundEvent, ports: Ports) -> str:
    return on_uninstalled(event.tenant, event.payload, event.received_at, ports)
