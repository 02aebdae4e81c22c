"""The two product screens in a real browser, in Vietnamese, against the demo-seeded emulators:
"Sản phẩm KiotViet" (Đồng bộ, Kích hoạt tự đồng bộ, a product's detail and timeline) and
"Sản phẩm Haravan" (Chuyển dữ liệu with its progress bar polled to 100 %)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kiotsync.catalog import usecases
from kiotsync.catalog.models import HvVariantRow, KvRow, RowState, SyncJob
from kiotsync.tenants.models import SyncSettings
from kiotsync.wiring import get_wiring

from .conftest import Live

pytestmark = pytest.mark.browser


def _install_and_connect(page: Any, live: Live) -> None:
    """Install from the landing page, sign in to KiotViet, save the proposed settings."""
    page.goto(live.app_url + "/")
    page.click("[data-testid=install]")
    page.wait_for_selector("#email")
    page.fill("#email", live.hv_creds["owner"]["email"])
    page.fill("#password", live.hv_creds["owner"]["password"])
    page.click("#login")
    page.click("#allow")  # login scopes
    page.wait_for_selector("#allow")
    page.click("#allow")  # install scopes
    page.wait_for_selector("[data-testid=kiotviet-login]")
    page.fill("[data-testid=retailer]", live.kv_creds["retailer"])
    page.fill("[data-testid=client-id]", live.kv_creds["client_id"])
    page.fill("[data-testid=client-secret]", live.kv_creds["client_secret"])
    page.click("[data-testid=kiotviet-submit]")
    page.wait_for_selector("[data-testid=settings-form]")
    page.click("[data-testid=settings-save]")
    page.wait_for_selector("[data-testid=connection-card]")


def _count(page: Any, testid: str) -> int:
    return int(page.locator(f"[data-testid={testid}]").inner_text())


def test_kiotviet_and_haravan_product_screens(page: Any, live: Live) -> None:
    _install_and_connect(page, live)

    # -- Sản phẩm KiotViet ------------------------------------------------------------------
    page.click("nav.tabs >> text=Sản phẩm KiotViet")
    page.wait_for_selector("[data-testid=kv-table]")
    assert _count(page, "count-linked") == 0
    assert page.locator("[data-testid=auto-sync-state]").inner_text() == "Đang tắt"
    live.shot(page, "products-01-kiotviet-before-sync")

    page.click("[data-testid=sync-now]")
    page.wait_for_selector("[data-testid=job-panel][data-state=done]", timeout=60_000)
    # The list reloads itself once the job is done (no page reload).
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=count-linked]').textContent) > 0", timeout=30_000
    )
    assert page.locator("[data-testid=job-percent]").inner_text() == "100 %"
    linked = KvRow.objects.filter(state=RowState.LINKED, deleted=False).count()
    assert _count(page, "count-linked") == linked >= 50
    badges = page.locator("table[data-testid=kv-table] .badge").all_inner_texts()
    assert badges.count("Đã có trên Haravan") >= 10
    live.shot(page, "products-02-kiotviet-after-sync")

    # Auto-sync on: the state is visible next to the button.
    page.click("[data-testid=auto-sync-toggle]")
    page.wait_for_selector("[data-testid=auto-sync-state]:has-text('Đang bật')")
    assert page.locator("[data-testid=auto-sync-toggle]").inner_text() == "Tắt tự đồng bộ"
    assert SyncSettings.objects.get().auto_sync_enabled
    live.shot(page, "products-03-kiotviet-auto-sync-on")

    # Opt a product out from the list: the toggle and the list update in place.
    toggle = page.locator("table[data-testid=kv-table] form[data-testid^=opt-out-]").first
    testid = toggle.get_attribute("data-testid")
    opted_id = int(testid.removeprefix("opt-out-"))
    toggle.locator("button").click()
    page.wait_for_selector(f"[data-testid={testid}] button:has-text('Bật đồng bộ')")
    page.wait_for_load_state("networkidle")  # the list has reloaded too
    assert KvRow.objects.get(kv_id=opted_id).opted_out
    page.locator(f"[data-testid={testid}] button").click()
    page.wait_for_selector(f"[data-testid={testid}] button:has-text('Tắt đồng bộ')")
    assert not KvRow.objects.get(kv_id=opted_id).opted_out

    # Products that need the merchant explain why and what to do.
    if _count(page, "count-attention"):
        page.click("[data-testid=figures] >> text=Cần xử lý")
        page.wait_for_selector("details.why")
        page.locator("details.why summary").first.click()
        assert page.locator("details.why[open] p").first.inner_text()
        live.shot(page, "products-04-kiotviet-needs-attention")

    # A variant group's detail: link, pushed values, stock and the timeline.
    member = KvRow.objects.filter(master_product_id__isnull=False, state=RowState.LINKED).first()
    assert member is not None
    page.goto(f"{live.app_url}/products/kiotviet?q={member.code}")
    page.click(f"[data-testid=kv-row-{member.kv_id}] a")
    page.wait_for_selector("[data-testid=timeline]")
    assert page.locator("[data-testid=hv-link] a").count() == 1
    assert page.locator("[data-testid=timeline] [data-testid=event]").count() >= 1
    assert "Thành công" in page.locator("[data-testid=timeline]").inner_text()
    assert page.locator(f"[data-testid=pushed-{member.kv_id}]").is_visible()
    live.shot(page, "products-05-kiotviet-detail")

    # Opt the group out from its detail page, then back in.
    page.click(f"[data-testid=opt-out-{member.master_product_id}] button")
    page.wait_for_selector(f"[data-testid=opt-out-{member.master_product_id}] button:has-text('Bật đồng bộ')")
    assert KvRow.objects.get(kv_id=member.kv_id).opted_out
    page.click(f"[data-testid=opt-out-{member.master_product_id}] button")
    page.wait_for_selector(f"[data-testid=opt-out-{member.master_product_id}] button:has-text('Tắt đồng bộ')")
    assert not KvRow.objects.get(kv_id=member.kv_id).opted_out

    # -- Sản phẩm Haravan -------------------------------------------------------------------
    page.click("nav.tabs >> text=Sản phẩm Haravan")
    page.wait_for_selector("[data-testid=hv-table]")
    live.shot(page, "products-06-haravan-before-transfer")

    # Transfer all through the real queue: the job waits, the page polls its progress bar,
    # a worker runs it, the bar reaches 100 % and the statuses reload.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    try:
        # "Chuyển dữ liệu" asks first what happens to online stock (the default keeps it).
        page.click("[data-testid=transfer-all]")
        page.wait_for_selector("[data-testid=transfer-modal]")
        assert page.locator("[data-testid=opening-haravan]").is_checked()
        live.shot(page, "products-07-haravan-transfer-confirm")
        page.click("[data-testid=transfer-confirm]")
        page.wait_for_selector("[data-testid=job-panel][data-state=queued]")
    finally:
        HUEY.immediate = True
        HUEY.flush()
    live.shot(page, "products-07b-haravan-transfer-queued")
    job = SyncJob.objects.get(kind=SyncJob.Kind.TRANSFER_HV_TO_KV)
    worker = threading.Thread(target=usecases.run_job, args=(job.pk, get_wiring()))
    worker.start()
    page.wait_for_selector("[data-testid=job-panel][data-state=done]", timeout=60_000)
    worker.join(timeout=60)
    assert page.locator("[data-testid=job-percent]").inner_text() == "100 %"
    assert page.locator("[data-testid=job-progress]").get_attribute("aria-valuenow") == "100"
    job.refresh_from_db()
    assert job.state == SyncJob.State.DONE, job.message
    on_kv = HvVariantRow.objects.filter(deleted=False, kv_id__isnull=False).exclude(
        state__in=[RowState.ERROR, RowState.NEEDS_ATTENTION]
    )
    page.wait_for_function(
        f"() => Number(document.querySelector('[data-testid=count-on-kiotviet]').textContent) === {on_kv.count()}",
        timeout=30_000,
    )
    assert "Đã có trên KiotViet" in page.locator("[data-testid=hv-table]").inner_text()
    live.shot(page, "products-08-haravan-after-transfer")

    # A Haravan product's detail links to the KiotViet row made for it.
    variant = on_kv.first()
    assert variant is not None
    page.fill("[data-testid=search]", variant.product_title)
    page.click("[data-testid=filter-submit]")
    page.click(f"[data-testid=hv-product-{variant.hv_product_id}] a")
    page.wait_for_selector("[data-testid=hv-variants]")
    kv_link = f"[data-testid=hv-variant-{variant.hv_variant_id}] a[href='/products/kiotviet/{variant.kv_id}']"
    assert page.locator(kv_link).count() == 1
    live.shot(page, "products-09-haravan-detail")
