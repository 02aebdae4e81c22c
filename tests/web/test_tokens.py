"""Haravan token lifecycle: refresh before expiry; a revoked install is said on screen."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from kiotsync.connections.tokens import refresh_if_needed
from kiotsync.tenants.models import HaravanInstallation, Tenant
from kiotsync.wiring import get_wiring

from .conftest import Platforms


def test_token_is_refreshed_before_it_expires(installed: Platforms, client: Client) -> None:
    install = HaravanInstallation.objects.get()
    old_access, old_refresh = install.access_token, install.refresh_token
    # Haravan time moves to 30 minutes before expiry: inside the refresh margin.
    assert install.expires_at is not None
    from datetime import timedelta

    from django.utils import timezone

    install.expires_at = timezone.now() + timedelta(minutes=30)
    install.save()
    assert refresh_if_needed(install.tenant, get_wiring().haravan_oauth())
    install.refresh_from_db()
    assert install.access_token != old_access
    assert install.refresh_token and install.refresh_token != old_refresh
    assert install.expires_at > timezone.now() + timedelta(hours=2)
    # The new token works.
    assert client.get("/kiotviet/login").status_code == 200


def test_revoked_refresh_token_marks_the_shop_for_reinstall(installed: Platforms, client: Client) -> None:
    # 31 days later on Haravan's clock, the (30-day) refresh token is dead.
    installed.hv_control("POST", "/clock", json={"advance_s": 31 * 86400})
    tenant = Tenant.objects.get()
    assert refresh_if_needed(tenant, get_wiring().haravan_oauth(), force=True) is False
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.NEEDS_REINSTALL
    page = client.get("/kiotviet/login").content.decode()
    assert "Vui lòng cài đặt lại ứng dụng" in page
    assert f"/install?orgid={tenant.orgid}" in page


@pytest.mark.parametrize("level", [logging.DEBUG])
def test_secrets_never_reach_the_logs(
    platforms: Platforms, client: Client, caplog: pytest.LogCaptureFixture, level: int
) -> None:
    from .conftest import auto_approve, follow_oauth

    caplog.set_level(level)
    auto_approve(platforms)
    follow_oauth(client, platforms.hv_http, "/install")
    creds = platforms.kv_creds
    client.post(
        "/kiotviet/login",
        {
            "retailer": creds["retailer"],
            "client_id": creds["client_id"],
            "client_secret": "sai-" + creds["client_secret"][4:],
        },
    )
    client.post(
        "/kiotviet/login", dict(creds, client_secret=creds["client_secret"]) | {"retailer": creds["retailer"]}
    )
    install = HaravanInstallation.objects.get()
    from kiotsync.tenants.models import KiotVietConnection

    conn = KiotVietConnection.objects.get()
    text = "\n".join(r.getMessage() + " " + repr(r.__dict__.get("args")) for r in caplog.records)
    assert caplog.records, "expected some log lines"
    for secret in (
        creds["client_secret"],
        conn.webhook_secret,
        conn.access_token,
        install.access_token,
        install.refresh_token,
        platforms.hv_creds["client_secret"],
    ):
        assert secret and secret not in text


def test_one_shared_client_per_shop_reads_the_token_once(installed: Platforms) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiotsync.wiring import get_wiring

    tenant = Tenant.objects.get()
    hv = get_wiring().haravan(tenant)
    assert get_wiring().haravan(Tenant.objects.get()) is hv
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            hv.list_locations()
    token_reads = [q for q in queries.captured_queries if "tenants_haravaninstallation" in q["sql"]]
    assert len(token_reads) <= 2, token_reads  # once (plus its refresh check), not per call


def test_a_rejected_token_is_renewed_once_and_the_call_goes_through(installed: Platforms) -> None:
    from kiotsync.wiring import get_wiring

    tenant = Tenant.objects.get()
    hv = get_wiring().haravan(tenant)
    hv.list_locations()  # the token is now held in memory
    before = HaravanInstallation.objects.get().access_token
    installed.hv_control("POST", "/faults", json={"status": 401, "path": "/com/locations.json", "count": 1})
    assert hv.list_locations()  # 401 → renewed → retried
    renewed = HaravanInstallation.objects.get().access_token
    assert renewed != before
    # Another worker renews the token meanwhile; this client still holds the previous one. When
    # Haravan rejects it, the client takes the renewed token from the database — no second renewal.
    assert refresh_if_needed(tenant, get_wiring().haravan_oauth(), force=True)
    elsewhere = HaravanInstallation.objects.get().access_token
    installed.hv_control("POST", "/faults", json={"status": 401, "path": "/com/locations.json", "count": 1})
    assert hv.list_locations()
    assert HaravanInstallation.objects.get().access_token == elsewhere


def test_kiotviet_token_is_held_in_memory_and_renewed_when_rejected(connected: Platforms) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiotsync.tenants.models import KiotVietConnection
    from kiotsync.wiring import get_wiring

    tenant = Tenant.objects.get()
    kv = get_wiring().kiotviet(tenant)
    assert get_wiring().kiotviet(Tenant.objects.get()) is kv
    kv.list_branches()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            kv.list_branches()
    assert not [q for q in queries.captured_queries if "tenants_kiotvietconnection" in q["sql"]]
    before = KiotVietConnection.objects.get().access_token
    connected.kv_control("POST", "/faults", json={"status": 401, "path": "/branches", "count": 1})
    assert kv.list_branches().items  # 401 → a new token → retried
    after = KiotVietConnection.objects.get().access_token
    assert after and after != before


def test_simultaneous_rejections_renew_once_and_never_ask_for_a_reinstall(installed: Platforms) -> None:
    """Two workers (separate providers, as in two processes) get a 401 for the same token at the
    same moment: one renews, the other takes the renewed token — the spent refresh token is never
    sent again, so the shop is not wrongly marked for re-install."""
    import threading

    from django.db import close_old_connections

    from kiotsync.connections.tokens import HaravanTokenProvider

    tenant = Tenant.objects.get()
    mark = installed.hv_control("GET", "/requests", params={"limit": 1})["last_seq"]
    oauth = get_wiring().haravan_oauth
    providers = [HaravanTokenProvider(tenant.pk, oauth), HaravanTokenProvider(tenant.pk, oauth)]
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def worker(provider: HaravanTokenProvider) -> None:
        try:
            provider.access_token()
            barrier.wait(5)
            outcomes.append(provider.refresh())
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(p,)) for p in providers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes == [True, True]
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE
    log = installed.hv_control("GET", "/requests", params={"since": mark})["requests"]
    assert len([r for r in log if r["method"] == "POST" and r["path"] == "/connect/token"]) == 1
    assert {p.access_token() for p in providers} == {HaravanInstallation.objects.get().access_token}
