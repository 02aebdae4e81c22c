"""Haravan install and login (digest §1.6) end to end against the Haravan emulator."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from kiotsync.tenants.models import HaravanInstallation, SyncSettings, Tenant

from .conftest import Platforms, auto_approve, follow_oauth


def test_landing_page_offers_haravan_login(client: Client, db: None) -> None:
    resp = client.get("/")
    assert resp.status_code == 200
    assert "Đăng nhập bằng Haravan" in resp.content.decode()


def test_install_redirects_to_authorize_with_login_scopes_state_and_nonce(
    platforms: Platforms, client: Client
) -> None:
    resp = client.get("/install")
    assert resp.status_code == 302
    url = urlsplit(resp["Location"])
    assert url.netloc == "haravan.test" and url.path == "/connect/authorize"
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert set(q["scope"].split()) == {"openid", "profile", "email", "org", "userinfo"}
    assert q["state"] and q["nonce"] and q["response_type"] == "code"
    assert q["redirect_uri"] == "http://testserver/auth/callback"


def test_owner_installs_then_lands_on_kiotviet_login(platforms: Platforms, client: Client) -> None:
    auto_approve(platforms)
    resp = follow_oauth(client, platforms.hv_http, "/install")
    assert resp.status_code == 200
    assert resp.request["PATH_INFO"] == "/kiotviet/login"
    tenant = Tenant.objects.get(orgid=str(platforms.hv_creds["orgid"]))
    assert tenant.status == Tenant.Status.ACTIVE
    assert tenant.name
    install = HaravanInstallation.objects.get(tenant=tenant)
    assert install.access_token and install.refresh_token
    assert "grant_service" in install.scopes and "wh_api" in install.scopes
    assert install.webhooks_subscribed_at is not None, install.webhooks_error
    assert SyncSettings.objects.filter(tenant=tenant).exists()
    # The emulator saw the subscription for this shop.
    subs = platforms.hv_http.get(
        "/api/subscribe", headers={"Authorization": f"Bearer {install.access_token}"}
    )
    assert subs.status_code == 200


def test_second_login_of_installed_shop_skips_install(installed: Platforms, client: Client) -> None:
    client.post("/logout")
    resp = client.get("/install")
    first = urlsplit(resp["Location"])
    assert "grant_service" not in parse_qs(first.query)["scope"][0]
    resp = follow_oauth(client, installed.hv_http, "/install")
    assert resp.status_code == 200
    assert Tenant.objects.count() == 1


def test_staff_user_is_refused_with_a_clear_message(platforms: Platforms, client: Client) -> None:
    auto_approve(platforms, platforms.hv_creds["staff"]["email"])
    resp = follow_oauth(client, platforms.hv_http, "/install")
    assert resp.status_code == 400
    assert "Chỉ chủ cửa hàng" in resp.content.decode()
    assert not Tenant.objects.exists()


def test_forged_state_is_refused(platforms: Platforms, client: Client) -> None:
    client.get("/install")  # a real round trip is pending in the session
    resp = client.get("/auth/callback?code=abc&state=forged")
    assert resp.status_code == 400
    assert "Phiên đăng nhập đã hết hạn" in resp.content.decode()


def test_denied_consent_is_explained(platforms: Platforms, client: Client) -> None:
    client.get("/install")
    resp = client.get("/auth/callback?error=access_denied&state=x")
    assert resp.status_code == 400
    assert "không đồng ý cấp quyền" in resp.content.decode()


@pytest.mark.parametrize("path", ["/kiotviet/login", "/settings", "/connection", "/connection/disconnect"])
def test_pages_require_a_signed_in_shop(client: Client, db: None, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 302 and resp["Location"] == "/"
