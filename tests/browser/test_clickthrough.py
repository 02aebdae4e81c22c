"""The merchant's first ten minutes, in a real browser, in Vietnamese."""

from __future__ import annotations

from typing import Any

import pytest

from kiotsync.tenants.models import KiotVietConnection, SyncSettings

from .conftest import Live

pytestmark = pytest.mark.browser


def _haravan_login_and_allow(page: Any, live: Live) -> None:
    page.fill("#email", live.hv_creds["owner"]["email"])
    page.fill("#password", live.hv_creds["owner"]["password"])
    page.click("#login")
    page.click("#allow")  # login scopes


def _kiotviet_login(page: Any, live: Live, secret: str | None = None) -> None:
    page.fill("[data-testid=retailer]", live.kv_creds["retailer"])
    page.fill("[data-testid=client-id]", live.kv_creds["client_id"])
    page.fill("[data-testid=client-secret]", secret or live.kv_creds["client_secret"])
    page.click("[data-testid=kiotviet-submit]")


def test_install_login_settings_connection_disconnect_reconnect(page: Any, live: Live) -> None:
    page.goto(live.app_url + "/")
    assert page.locator("text=Đồng bộ KiotViet – Haravan").first.is_visible()
    live.shot(page, "01-landing")
    page.click("[data-testid=install]")

    # Haravan: sign in, allow the login scopes, then the install scopes.
    page.wait_for_selector("#email")
    live.shot(page, "02-haravan-login")
    _haravan_login_and_allow(page, live)
    page.wait_for_selector("#allow")
    assert "grant_service" in page.content() or "Cho phép" in page.content()
    live.shot(page, "03-haravan-install-consent")
    page.click("#allow")

    # KiotViet login: a wrong secret first.
    page.wait_for_selector("[data-testid=kiotviet-login]")
    assert page.locator("[data-testid=demo-banner]").count() == 0  # no banner outside the demo
    live.shot(page, "04-kiotviet-login")
    _kiotviet_login(page, live, secret="sai-ma-bao-mat-123")
    error = page.locator("[data-testid=login-error]")
    error.wait_for()
    assert "Client ID hoặc mã bảo mật không đúng" in error.inner_text()
    assert page.input_value("[data-testid=retailer]") == live.kv_creds["retailer"]
    assert page.input_value("[data-testid=client-secret]") == "sai-ma-bao-mat-123"
    live.shot(page, "05-kiotviet-login-wrong-secret")
    assert not KiotVietConnection.objects.exists()

    # Then the right one.
    page.fill("[data-testid=client-secret]", live.kv_creds["client_secret"])
    page.click("[data-testid=kiotviet-submit]")
    page.wait_for_selector("[data-testid=settings-form]")
    assert "Đã kết nối KiotViet" in page.content()
    live.shot(page, "06-settings")
    options = page.locator("select[name=order_branch] option").all_inner_texts()
    page.select_option("select[name=order_branch]", label=options[2])
    page.check("input[name=stock_mode][value=branch]")
    page.uncheck("input[name=sync_description]")
    page.click("[data-testid=settings-save]")

    page.wait_for_selector("[data-testid=connection-card]")
    summary = page.locator("[data-testid=settings-summary]").inner_text()
    assert options[2] in summary
    assert "Chỉ tồn kho của chi nhánh đã chọn" in summary
    assert page.locator("[data-testid=retailer]").inner_text() == live.kv_creds["retailer"]
    assert live.kv_creds["client_secret"] not in page.content()
    live.shot(page, "07-connection")
    settings = SyncSettings.objects.get()
    assert settings.stock_mode == "branch" and not settings.sync_description

    # Disconnect, with a confirmation (htmx modal).
    page.click("[data-testid=disconnect]")
    page.wait_for_selector("[data-testid=disconnect-modal]")
    live.shot(page, "08-disconnect-confirm")
    page.click("[data-testid=disconnect-confirm]")
    page.wait_for_selector("[data-testid=kiotviet-login]")
    assert "Đã ngắt kết nối" in page.content()
    assert not KiotVietConnection.objects.exists()
    live.shot(page, "09-after-disconnect")

    # Reconnect: settings are kept.
    _kiotviet_login(page, live)
    page.wait_for_selector("[data-testid=settings-form]")
    assert page.locator("input[name=stock_mode][value=branch]").is_checked()
    page.click("[data-testid=settings-save]")
    page.wait_for_selector("[data-testid=connection-card]")

    # English on demand.
    page.click("[data-testid=lang-en]")
    page.wait_for_selector("[data-testid=connection-card]")
    assert "Connection" in page.content()
    live.shot(page, "10-connection-english")
