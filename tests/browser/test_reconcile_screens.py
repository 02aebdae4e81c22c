"""The "Đối soát" screen in a real browser (issue 10, part 4): before any run, then with drifts of
each kind present — a stock and a product title edited by hand on Haravan, an order whose webhook
was lost — in Vietnamese and English at 1280 px and 375 px; "Đối soát ngay" and a one-click fix.
Screenshots go to ``test-output/screenshots/reconcile-<lang>-<width>-<screen>.png``; each page is
checked for raw codes, for the other language's words, and for sideways scrolling at 375 px."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from kiotsync.catalog import usecases as catalog
from kiotsync.catalog.models import KvRow, SyncJob, VariantLinkRecord
from kiotsync.reconcile.models import Drift, ReconcileRun
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.wiring import get_wiring

from .conftest import Live
from .test_products_screens import _install_and_connect
from .test_screens_words import LANGS, RAW, WIDTHS, check_words, set_language

pytestmark = pytest.mark.browser


#: Codes of the reconciliation that must never reach a merchant.
RECONCILE_RAW = [
    re.compile(p)
    for p in (
        r"\b(stock_edit|stock_webhook|haravan_edit|missed_webhook|kiotviet_changed|write_failed)\b",
        r"\b(not_synced|order_not_in_kv|order_missing|order_duplicate|product_missing|product_fields)\b",
        r"\b(body_html|product_type|option_values|grams|tracked|published)\b",
        r"\bTrue\b|\bFalse\b",
        r"\{'|\['",  # a dict or a list printed as is
    )
]
#: The screen's Vietnamese words (never on the English page).
VI_WORDS = (
    "Đối soát ngay",
    "Tồn kho lệch",
    "Thông tin sản phẩm lệch",
    "Đơn chưa sang KiotViet",
    "Tồn kho trên Haravan bị sửa tay",
    "Haravan bị sửa tay",
    "Thông báo (webhook) bị lỡ",
    "Sửa ngay",
    "Tên sản phẩm",
    "Có thể bán",
    "Haravan đang bán",
    "Chưa đối soát lần nào",
    "Đã gửi yêu cầu sửa",
    "Chờ bạn",
)
#: Its English words (never on the Vietnamese page).
EN_WORDS = (
    "Reconcile now",
    "Stock differs",
    "Edited by hand",
    "Fix now",
    "Product name",
    "Not reconciled yet",
)


def _check(page: Any, name: str, lang: str, width: int) -> None:
    check_words(page, name, lang, width, raw=(*RAW, *RECONCILE_RAW), vi_words=VI_WORDS, en_words=EN_WORDS)


def _screens(page: Any, live: Live, name: str) -> None:
    """The screen in each language at each width: saved and checked."""
    for lang in LANGS:
        set_language(page, live, lang)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(live.app_url + "/reconcile/")
            assert response is not None and response.status == 200
            page.wait_for_load_state("networkidle")
            live.shot(page, f"reconcile-{lang}-{width}-{name}")
            _check(page, name, lang, width)


def _drain(live: Live) -> None:
    live.kv.webhooks.drain(10)
    live.hv.webhooks.drain(10)


def _available(code: str) -> int:
    tenant = Tenant.objects.get()
    link = VariantLinkRecord.objects.get(tenant=tenant, kv_code=code)
    location = SyncSettings.objects.get(tenant=tenant).haravan_location_id
    (level,) = get_wiring().haravan(tenant).inventory_locations([link.hv_variant_id], [location])
    return int(level.qty_onhand - level.qty_committed)


def _make_drifts(live: Live) -> tuple[KvRow, int]:
    """A stock and a title edited by hand in Haravan's admin, and an order whose webhook is lost
    (Auto-sync off: nothing heals them on its own). Returns the row whose stock was edited and
    the stock it should show."""
    tenant = Tenant.objects.get()
    orgid = live.hv_creds["orgid"]
    location = SyncSettings.objects.get(tenant=tenant).haravan_location_id
    links = VariantLinkRecord.objects.filter(tenant=tenant).order_by("kv_id")
    plain = KvRow.objects.filter(
        tenant=tenant, type=2, master_unit_id__isnull=True, kv_id__in=links.values("kv_id")
    ).order_by("kv_id")
    stock_row, title_row = plain[0], plain[1]
    target = _available(stock_row.code)
    httpx.post(
        f"{live.hv_url}/_emulator/shops/{orgid}/inventory",
        json={
            "location_id": location,
            "type": "set",
            "line_items": [{"sku": stock_row.code, "quantity": target + 9}],
        },
    ).raise_for_status()
    product_id = links.get(kv_id=title_row.kv_id).hv_product_id
    httpx.put(
        f"{live.hv_url}/_emulator/shops/{orgid}/com/products/{product_id}.json",
        json={"product": {"id": product_id, "title": "Áo sửa tay trên Haravan"}},
    ).raise_for_status()
    live.hv.webhooks.pause()
    httpx.post(
        f"{live.hv_url}/_emulator/shops/{orgid}/web_orders",
        json={
            "line_items": [{"sku": plain[2].code, "quantity": 1}],
            "customer": {"first_name": "Hoa", "last_name": "Nguyễn Thị", "phone": "0904111222"},
            "shipping_address": {
                "name": "Nguyễn Thị Hoa",
                "phone": "0904111222",
                "address1": "9 Hai Bà Trưng",
                "province": "Hà Nội",
            },
        },
    ).raise_for_status()
    live.hv.webhooks.clear()
    live.hv.webhooks.resume()
    _drain(live)
    return stock_row, target


def test_reconcile_screen_with_drifts_in_both_languages(page: Any, live: Live) -> None:
    _install_and_connect(page, live)
    tenant = Tenant.objects.get()
    job = catalog.start_sync_now(tenant, get_wiring())
    job.refresh_from_db()
    assert job.state == SyncJob.State.DONE, job.message
    _drain(live)

    # Never run yet: the screen says so.
    _screens(page, live, "never")
    assert page.locator("[data-testid=reconcile-never]").count() == 1

    stock_row, target = _make_drifts(live)

    # "Đối soát ngay" from the tab (the run goes inline here: the queue is immediate in tests).
    set_language(page, live, "vi")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live.app_url + "/connection")
    page.click("nav.tabs >> text=Đối soát")
    page.wait_for_selector("[data-testid=reconcile-now]")
    page.click("[data-testid=reconcile-now]")
    page.wait_for_selector("[data-testid=drift-table]")
    live.shot(page, "reconcile-vi-1280-after-run-now")
    run = ReconcileRun.objects.get(tenant=tenant)
    assert run.state == ReconcileRun.State.DONE, run.error
    kinds = {(d.kind, d.cause) for d in run.drifts.all()}
    assert (Drift.Kind.STOCK, Drift.Cause.STOCK_EDIT) in kinds
    assert (Drift.Kind.PRODUCT_FIELDS, Drift.Cause.HARAVAN_EDIT) in kinds
    assert (Drift.Kind.ORDER_MISSING, Drift.Cause.MISSED_WEBHOOK) in kinds
    body = page.inner_text("body")
    for words in (
        "Tồn kho trên Haravan bị sửa tay",
        "Haravan bị sửa tay: Tên sản phẩm",
        "Áo sửa tay trên Haravan",
    ):
        assert words in body, words
    for kind in ("stock", "product_fields", "order_missing"):
        assert page.locator(f"[data-testid=kind-{kind}]").count() == 1

    _screens(page, live, "drifts")
    set_language(page, live, "en")
    page.goto(live.app_url + "/reconcile/")
    english = page.inner_text("body")
    assert (
        "Stock on Haravan edited by hand" in english and "Edited by hand on Haravan: Product name" in english
    )

    # One click fixes the stock: written back through the flush.
    stock = run.drifts.get(kind=Drift.Kind.STOCK, kv_id=stock_row.kv_id)
    assert _available(stock_row.code) == target + 9
    set_language(page, live, "vi")
    page.goto(live.app_url + "/reconcile/")
    page.click(f"[data-testid=fix-{stock.pk}]")
    page.wait_for_selector(".alert.success")
    live.shot(page, "reconcile-vi-1280-after-fix")
    assert _available(stock_row.code) == target
    stock.refresh_from_db()
    assert stock.fixed_at is not None
    assert page.locator(f"[data-testid=fix-{stock.pk}]").count() == 0
    _screens(page, live, "after-fix")
