"""The `shop` fixture: installed, connected, settings saved (all branches, every field ticked)."""

from __future__ import annotations

import pytest
from django.test import Client

from kiotsync.tenants.models import SyncSettings
from tests.web.conftest import Platforms


@pytest.fixture
def shop(connected: Platforms, client: Client) -> Platforms:
    """Connected, settings saved: all branches, first Haravan location, every field ticked."""
    form = client.get("/settings").context["form"]
    branches = [c for c, _ in form.fields["order_branch"].choices if c != ""]
    locations = [c for c, _ in form.fields["haravan_location"].choices if c != ""]
    data = {
        "order_branch": branches[0],
        "stock_mode": "all",
        "haravan_location": locations[0],
        "order_side": "kiotviet",
        "price_source": "base",
        "link_key": "code",
        "auto_sync_interval_minutes": "15",
    } | {flag: "on" for flag in SyncSettings.FIELD_FLAGS}
    assert client.post("/settings", data).status_code == 302
    return connected
