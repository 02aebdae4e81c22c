"""Switching the shop to another KiotViet retailer, in a real browser (issue 10, fix 3): after a
disconnect, a KiotViet login with another retailer's credentials is refused with a warning that
names both retailers and offers the switch; ticking "Chuyển cửa hàng sang gian hàng …" switches,
the settings are asked again, and the connection screen says what happened. Each screen in
Vietnamese and English at 1280 px and 375 px, saved to
``test-output/screenshots/switch-<lang>-<width>-<screen>.png`` and checked for raw codes and the
other language's words."""

from __future__ import annotations

from typing import Any

import pytest

from kiotsync.catalog import usecases as catalog
from kiotsync.catalog.models import SyncJob, VariantLinkRecord
from kiotsync.tenants.models import RetailerSwitch, Tenant
from kiotsync.wiring import get_wiring

from .conftest import Live
from .test_products_screens import _install_and_connect
from .test_screens_words import EN_WORDS as STATUS_EN
from .test_screens_words import LANGS, RAW, WIDTHS, check_words, set_language
from .test_screens_words import VI_WORDS as STATUS_VI

pytestmark = pytest.mark.browser

OTHER = "shopthuhai"
VI_WORDS = (*STATUS_VI, "Đây là gian hàng KiotViet khác", "Chuyển cửa hàng sang gian hàng", "Đổi gian hàng")
EN_WORDS = (
    *STATUS_EN,
    "This is another KiotViet retailer",
    "Switch the shop to the retailer",
    "Retailer switch",
)


def _check(page: Any, name: str, lang: str, width: int) -> None:
    check_words(page, name, lang, width, raw=RAW, vi_words=VI_WORDS, en_words=EN_WORDS)


def _login(page: Any, live: Live, creds: dict[str, Any], *, switch: bool = False) -> None:
    page.goto(live.app_url + "/kiotviet/login")
    page.fill("[data-testid=retailer]", creds["retailer"])
    page.fill("[data-testid=client-id]", creds["client_id"])
    page.fill("[data-testid=client-secret]", creds["client_secret"])
    if switch:
        page.check("[data-testid=switch-retailer]")
    page.click("[data-testid=kiotviet-submit]")


def _warning_screens(page: Any, live: Live, other: dict[str, Any]) -> None:
    """The refused login, in each language at each width (nothing changes on a refusal)."""
    for lang in LANGS:
        set_language(page, live, lang)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            _login(page, live, other)
            page.wait_for_selector("[data-testid=other-retailer]")
            warning = page.locator("[data-testid=other-retailer]").inner_text()
            assert OTHER in warning and live.kv_creds["retailer"] in warning
            live.shot(page, f"switch-{lang}-{width}-warning")
            _check(page, "warning", lang, width)


def test_switching_to_another_retailer_in_both_languages(page: Any, live: Live) -> None:
    _install_and_connect(page, live)
    tenant = Tenant.objects.get()
    job = catalog.start_sync_now(tenant, get_wiring())
    job.refresh_from_db()
    assert job.state == SyncJob.State.DONE, job.message
    links = VariantLinkRecord.objects.filter(tenant=tenant).count()
    assert links > 40

    # Disconnect (the confirmation modal), then another retailer's credentials.
    page.goto(live.app_url + "/connection")
    page.click("[data-testid=disconnect]")
    page.wait_for_selector("[data-testid=disconnect-modal]")
    page.click("[data-testid=disconnect-confirm]")
    page.wait_for_selector("[data-testid=kiotviet-login]")
    other = live.kv.control_seed({"preset": "demo", "seed": 2, "retailer": OTHER, "base_url": live.kv_url})
    _warning_screens(page, live, other)
    tenant.refresh_from_db()
    assert tenant.data_retailer == live.kv_creds["retailer"]  # nothing switched on a refusal
    assert VariantLinkRecord.objects.filter(tenant=tenant).count() == links

    # Ticked: the shop switches, and the settings are asked again.
    set_language(page, live, "vi")
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, live, other)
    page.wait_for_selector("[data-testid=switch-retailer]")
    page.check("[data-testid=switch-retailer]")
    page.fill("[data-testid=retailer]", other["retailer"])
    page.fill("[data-testid=client-id]", other["client_id"])
    page.fill("[data-testid=client-secret]", other["client_secret"])
    live.shot(page, "switch-vi-1280-warning-ticked")
    page.click("[data-testid=kiotviet-submit]")
    page.wait_for_selector("[data-testid=settings-form]")
    live.shot(page, "switch-vi-1280-settings-again")
    _check(page, "settings-again", "vi", 1280)
    tenant.refresh_from_db()
    assert tenant.data_retailer == OTHER
    assert RetailerSwitch.objects.get(tenant=tenant).retired["variant_links"] == links
    page.click("[data-testid=settings-save]")
    page.wait_for_selector("[data-testid=connection-card]")

    # The connection screen says what happened, in both languages at both widths.
    for lang in LANGS:
        set_language(page, live, lang)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live.app_url + "/connection")
            page.wait_for_selector("[data-testid=retailer-switch]")
            line = page.locator("[data-testid=retailer-switch]").inner_text()
            assert OTHER in line and live.kv_creds["retailer"] in line and str(links) in line
            live.shot(page, f"switch-{lang}-{width}-connection")
            _check(page, "connection", lang, width)
