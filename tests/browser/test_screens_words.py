"""Every screen and state, in both languages, at 1280 px and at 375 px (issue 12).

One walk through the demo shop: the product lists before and after a sync, each standing of a
product (up to date, changes waiting, not on Haravan, needs attention, sync turned off), a
search, the details (alternative unit, combo, a re-sync that changes nothing), each job's
progress and result, the Haravan list and a transfer, the orders (list, errors, a delivered
order's detail, the import of past orders: error, running, done), the connection and the
settings (an error summary, the status map), and the 404 and 500 pages. Each one is saved to
``test-output/screenshots/words-<lang>-<width>-<screen>.png`` and checked:

* no raw code or enum from :data:`RAW` in the page's text;
* at 375 px, the page does not scroll sideways;
* an English page shows none of the Vietnamese status words (:data:`VI_WORDS`), a Vietnamese
  page none of the English ones (:data:`EN_WORDS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from kiotsync.catalog.models import KvRow, RowState, SyncJob
from kiotsync.orders.models import OrderFeed, OrderLink
from kiotsync.tenants.models import Tenant
from tests.orders.linking import mirror_and_link_by_sku

from .conftest import Live
from .test_products_screens import _install_and_connect

pytestmark = pytest.mark.browser

WIDTHS = (1280, 375)
LANGS = ("vi", "en")

#: Codes and enums that must never reach a merchant (the issue's list, and their kin).
RAW = [
    re.compile(p)
    for p in (
        r"Default Title",
        r"(Thuộc tính|Options|Các thuộc tính)\s*:?\s*Title\b",
        r"Khối lượng \(g\)",
        r"\b\d+\.0\b",  # "300.0"
        r"·\s*(delivered|delivering|pending|picking|readytopick|return|cancel)\b",
        r"COD (none|codpending|codpaid|codreceipt|codnotreceipt)",
        r"\bcod(pending|paid|receipt|notreceipt)\b",
        r"HD\d+ · \d+\b",  # invoice status as a number
        r"giao hàng \d|delivery \d",
        r"\b(financial|fulfillment|confirmed|cancelled|closed)_status\b",
        r"carrier(_cod)?_status_code",
        r"\bcapture\b",
        r"\b(product|stock|order|invoice|customer|category)\.(update|delete)\b",
        r"\bpricebookdetail\.",
        r"\b(orders|products)/(create|updated?|cancelled|fulfilled|paid|deleted?)\b",
        r"app/uninstalled",
        r"\b(needs_attention|not_applicable|opted_out|up_to_date|changes_pending|not_on_haravan)\b",
        r"\b(sync_kv_hv|transfer_hv_kv|before_sync_start|sku_not_linked)\b",
        r"\b(POST|PUT|GET|DELETE) /",
        r"\.json\b",
        r"Nhóm hàng KiotViet: ID",
        r"Ki-ốt Việt|Kiot-Việt|Kiotviet",
        r"\bNone\b(?! —)",  # Python's None (not the "— None —" choice of a select)
        r"\b\d+ % \d+/\d+",  # "0 % 0/0"
        r"Cho phép kinh doanh",
    )
]
#: Status words that give a Vietnamese page away (never on an English page).
VI_WORDS = (
    "Đã có trên Haravan",
    "Chưa có trên Haravan",
    "Chờ cập nhật",
    "Cần xử lý",
    "Đã tắt đồng bộ",
    "Đã đồng bộ",
    "Đồng bộ lỗi",
    "Lỗi đồng bộ",
    "Đang chờ",
    "Bỏ qua",
    "Phiếu tạm",
    "Hoàn thành",
    "Chưa xác nhận",
    "Đã xác nhận",
    "Chưa giao hàng",
    "Đã giao hàng",
    "Chờ xử lý thanh toán",
    "Hoàn tất",
    "Đang chạy",
    "Đang bật",
    "Đang tắt",
    "Thành công",
    "Không thu hộ",
    "Giao thành công",
    "Đồng bộ lần cuối",
)
#: Status words that give an English page away (never on a Vietnamese page).
EN_WORDS = (
    "On Haravan",
    "Not on Haravan",
    "Up to date",
    "up to date",
    "Needs attention",
    "Synced",
    "Sync error",
    "Skipped",
    "Queued",
    "Waiting to",
    "Draft",
    "Completed",
    "Unconfirmed",
    "Not fulfilled",
    "Payment pending",
    "Succeeded",
    "Sync now",
    "No COD",
    "Last synced",
)
#: A stock figure with a fraction ("29,084" in Vietnamese, "29.084" in English — the decimal
#: separator; the other one groups thousands): never in a stock cell.
FRACTION = {"vi": re.compile(r"\d,\d"), "en": re.compile(r"\d\.\d")}


def check_words(
    page: Any,
    name: str,
    lang: str,
    width: int,
    *,
    raw: Sequence[re.Pattern[str]] = RAW,
    vi_words: Sequence[str] = VI_WORDS,
    en_words: Sequence[str] = EN_WORDS,
) -> None:
    """No raw code, no word of the other language, and (at phone width) no sideways scroll."""
    text = page.inner_text("body")
    for pattern in raw:
        found = pattern.search(text)
        assert found is None, f"{name} ({lang}, {width}px): raw {found.group(0)!r}"
    for word in vi_words if lang == "en" else en_words:
        assert word not in text, f"{name} ({lang}, {width}px): {word!r} on a {lang} page"
    if width < 400:
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name} ({lang}): the page is {scroll}px wide in a {inner}px screen"


def set_language(page: Any, live: Live, lang: str) -> None:
    page.context.add_cookies([{"name": "kiotsync_language", "value": lang, "url": live.app_url}])


@dataclass
class Walk:
    page: Any
    live: Live
    shots: list[str]

    def check(self, name: str, lang: str, width: int) -> None:
        page = self.page
        check_words(page, name, lang, width)
        for cell in page.locator("[data-testid^=stock-] b, [data-testid^=sellable-] b").all_inner_texts():
            assert not FRACTION[lang].search(cell), f"{name}: stock shown as a fraction {cell!r}"

    def screen(
        self,
        name: str,
        path: str,
        act: Callable[[Any, str], None] | None = None,
        widths: tuple[int, ...] = WIDTHS,
        status: int = 200,
    ) -> None:
        """Open ``path`` in each language at each width (``act`` brings it to the state to
        show), save the screenshot and check the page."""
        page = self.page
        for lang in LANGS:
            page.context.add_cookies([{"name": "kiotsync_language", "value": lang, "url": self.live.app_url}])
            for width in widths:
                page.set_viewport_size({"width": width, "height": 900})
                response = page.goto(self.live.app_url + path)
                assert response is not None and response.status == status, (
                    name,
                    response and response.status,
                )
                page.wait_for_load_state("networkidle")
                if act is not None:
                    act(page, lang)
                shot = f"words-{lang}-{width}-{name}"
                self.live.shot(page, shot)
                self.shots.append(shot)
                self.check(name, lang, width)


def _drain(live: Live) -> None:
    live.kv.webhooks.drain(10)
    live.hv.webhooks.drain(10)


def _job(kind: str, **fields: Any) -> SyncJob:
    return SyncJob.objects.create(tenant=Tenant.objects.get(), kind=kind, **fields)


def _products(walk: Walk) -> None:
    live = walk.live
    # Before anything was pushed: every product is "not on Haravan", with why.
    walk.screen("kv-list-before-sync", "/products/kiotviet")
    # Each job state: waiting for a worker, reading, running, failed — never "0 % 0/0".
    kv_kind = SyncJob.Kind.SYNC_KV_TO_HV
    queued = _job(kv_kind, state=SyncJob.State.QUEUED)
    walk.screen("job-queued", "/products/kiotviet")
    SyncJob.objects.filter(pk=queued.pk).update(state=SyncJob.State.RUNNING, total=0)
    walk.screen("job-reading", "/products/kiotviet")
    SyncJob.objects.filter(pk=queued.pk).update(total=80, done=36)
    walk.screen("job-running", "/products/kiotviet")
    SyncJob.objects.filter(pk=queued.pk).update(
        state=SyncJob.State.FAILED,
        message="Vui lòng lưu cấu hình đồng bộ (chọn kho Haravan) trước khi đồng bộ.",
    )
    walk.screen("job-failed", "/products/kiotviet")
    SyncJob.objects.filter(pk=queued.pk).delete()

    page = walk.page
    page.goto(live.app_url + "/products/kiotviet")
    page.click("[data-testid=sync-now]")
    page.wait_for_selector("[data-testid=job-panel][data-state=done]", timeout=60_000)
    walk.screen("kv-list-synced", "/products/kiotviet")
    # Sorted in Vietnamese order: the "Áo …" first, "Khẩu trang" before "Khuyên tai".
    names = page.locator("[data-testid=kv-table] td.name > a").all_inner_texts()
    assert names[0].startswith("Áo"), names[:3]
    assert names.index("Khẩu trang vải") < names.index("Khuyên tai ngọc trai")
    # A second sync with nothing changed says so.
    page.click("[data-testid=sync-now]")
    page.wait_for_selector("[data-testid=job-panel][data-state=done]", timeout=60_000)
    walk.screen("job-nothing-changed", "/products/kiotviet")

    # Auto-sync off: KiotViet stock and a name change; the rows say a change waits, and since when.
    tiger = KvRow.objects.get(code="SP000001")
    httpx.post(f"{live.kv_url}/_emulator/stock", json={"code": "SP000001", "onHand": 700}).raise_for_status()
    bomber = KvRow.objects.get(code="SP000008")
    httpx.put(
        f"{live.kv_url}/_emulator/products/{bomber.kv_id}", json={"name": "Áo khoác bomber nam"}
    ).raise_for_status()
    _drain(live)
    walk.screen("kv-filter-changes-pending", "/products/kiotviet?status=changes_pending")
    pending = page.locator(f"[data-testid=kv-row-{tiger.kv_id}]").inner_text()
    assert "Đã có trên Haravan" not in pending and "On Haravan" not in pending
    walk.screen("kv-search-tiger", "/products/kiotviet?q=bia+tiger")

    # Needs attention: a mapping problem and a failed write, each with what to do.
    attention = KvRow.objects.get(code="SP000026")
    attention.state, attention.reason_code = RowState.NEEDS_ATTENTION, "duplicate_key_kiotviet"
    attention.reason_params = {"field": "mã hàng", "key": "SP000026", "codes": "SP000026, SP000026B"}
    attention.save()
    KvRow.objects.filter(code="SP000027").update(
        state=RowState.ERROR, last_error="Haravan từ chối: giá không hợp lệ"
    )
    KvRow.objects.filter(code="SP000028").update(opted_out=True)

    def open_why(page: Any, lang: str) -> None:
        page.locator("details.why summary").first.click()

    walk.screen("kv-filter-needs-attention", "/products/kiotviet?status=needs_attention", open_why)
    walk.screen("kv-filter-up-to-date", "/products/kiotviet?status=up_to_date")
    walk.screen("kv-filter-not-on-haravan", "/products/kiotviet?status=not_on_haravan")
    walk.screen("kv-filter-opted-out", "/products/kiotviet?status=opted_out")
    # Search: every word, accents optional, any order.
    walk.screen("kv-search-ao-thun-den", "/products/kiotviet?q=den+ao+thun")
    found = page.locator("[data-testid=kv-table] td.name > a").all_inner_texts()
    assert found and all("Áo thun cotton basic - Đen" in n for n in found), found
    walk.screen("kv-search-nothing", "/products/kiotviet?q=khong+co+gi")

    # Details: an alternative unit (whole cases, the cans alongside), a combo, a re-sync.
    case = KvRow.objects.get(code="SP000002")
    walk.screen("kv-detail-unit", f"/products/kiotviet/{case.kv_id}")
    combo = KvRow.objects.filter(type=1, is_active=True).first()
    assert combo is not None
    walk.screen("kv-detail-combo", f"/products/kiotviet/{combo.kv_id}")
    simple = KvRow.objects.get(code="SP000013")

    def resync(page: Any, lang: str) -> None:
        page.click("[data-testid=resync]")
        page.wait_for_selector("[data-testid=resync-result][data-done=yes]")

    walk.screen("kv-detail-resync-nothing-changed", f"/products/kiotviet/{simple.kv_id}", resync)
    assert page.locator("[data-testid=resync-result]").inner_text()

    # Auto-sync on: the job it starts, then the background work under the switch.
    page.goto(live.app_url + "/products/kiotviet")
    page.click("[data-testid=auto-sync-toggle]")
    page.wait_for_selector("[data-testid=auto-sync-state].ok")
    _drain(live)
    walk.screen("kv-auto-sync-on", "/products/kiotviet")

    # An order for a Haravan-only product (before the transfer creates it in KiotViet): an error.
    mirror_and_link_by_sku(Tenant.objects.get())
    _checkout(live, "HRV-001")

    # Haravan products, a transfer and a product's detail.
    walk.screen("hv-list-before-transfer", "/products/haravan")
    page.goto(live.app_url + "/products/haravan")
    page.click("[data-testid=transfer-all]")
    page.click("[data-testid=transfer-confirm]")
    page.wait_for_selector("[data-testid=job-panel][data-state=done]", timeout=60_000)
    walk.screen("hv-list-after-transfer", "/products/haravan")
    walk.screen("hv-filter-needs-attention", "/products/haravan?status=needs_attention")
    page.goto(live.app_url + "/products/haravan")
    product = page.locator("[data-testid=hv-table] td.name > a").first.get_attribute("href")
    walk.screen("hv-detail", product)


def _checkout(live: Live, sku: str) -> dict[str, Any]:
    orgid = live.hv_creds["orgid"]
    order = httpx.post(
        f"{live.hv_url}/_emulator/shops/{orgid}/web_orders",
        json={
            "line_items": [{"sku": sku, "quantity": 1}],
            "customer": {"first_name": "Hoa", "last_name": "Nguyễn Thị", "phone": "0904111222"},
            "shipping_address": {
                "name": "Nguyễn Thị Hoa",
                "phone": "0904111222",
                "address1": "9 Hai Bà Trưng",
                "province": "Hà Nội",
            },
        },
    ).json()["order"]
    _drain(live)
    return order


def _orders(walk: Walk) -> None:
    live = walk.live
    tenant = Tenant.objects.get()
    mirror_and_link_by_sku(tenant)
    good = _checkout(live, "QJSF-30")
    delivered = _checkout(live, "ATCB-DEN-M")
    # An order cancelled before syncing started: skipped, and nothing to retry.
    model = OrderLink.objects.get(hv_order_id=good["id"])
    cancelled = OrderLink.objects.create(
        tenant=tenant,
        origin="haravan",
        hv_order_id=9_900_001,
        hv_name="#190001",
        hv_created_at=model.hv_created_at,
        hv_snapshot={
            **model.hv_snapshot,
            "id": 9_900_001,
            "name": "#190001",
            "cancelled_at": "2026-11-01T10:00:00+07:00",
            "cancelled_status": "cancelled",
        },
        customer_name="Trần Văn Bình",
        phone="0912000111",
        total=model.total,
        state=OrderLink.State.SKIPPED,
        reason_code="cancelled_before_sync",
        needs_sync=False,
    )
    link = OrderLink.objects.get(hv_order_id=delivered["id"])
    assert link.kv_order_id, link.state
    httpx.post(
        f"{live.kv_url}/_emulator/orders/{link.kv_order_id}/complete", json={"deliverystatus": 3}
    ).raise_for_status()
    _drain(live)
    walk.screen("orders-list", "/orders/")
    assert walk.page.locator(f"[data-testid=resync-{cancelled.pk}]").count() == 0
    assert walk.page.locator(f"[data-testid=select-{cancelled.pk}]").count() == 0
    walk.screen("orders-errors", "/orders/?state=error")
    assert walk.page.locator("[data-testid=order-row][data-state=error] [data-testid=reason]").count()
    walk.screen("orders-skipped", "/orders/?state=skipped")
    walk.screen("orders-detail-delivered", f"/orders/{delivered['id']}")
    walk.screen("orders-detail", f"/orders/{good['id']}")

    def import_error(page: Any, lang: str) -> None:
        page.locator("[data-testid=import-card] summary").click()
        page.fill("[data-testid=import-since]", "31/02/2026")
        page.click("[data-testid=import-submit]")
        page.wait_for_selector("[data-testid=import-card] .errorlist")

    walk.screen("orders-import-error", "/orders/", import_error)
    feed = OrderFeed.objects.get()
    OrderFeed.objects.filter(pk=feed.pk).update(import_state="queued", import_message="2026-11-20")
    walk.screen("orders-import-running", "/orders/")
    OrderFeed.objects.filter(pk=feed.pk).update(
        import_state="done", import_message="3|2026-11-20|2026-12-02T10:15:00+07:00"
    )

    def open_import(page: Any, lang: str) -> None:
        if not page.locator("[data-testid=import-card][open]").count():
            page.locator("[data-testid=import-card] summary").click()

    walk.screen("orders-import-done", "/orders/", open_import)


def _connection_and_settings(walk: Walk) -> None:
    walk.screen("connection", "/connection")

    def open_map(page: Any, lang: str) -> None:
        page.locator("[data-testid=status-map] summary").click()

    walk.screen("settings-status-map", "/settings", open_map)

    def bad_settings(page: Any, lang: str) -> None:
        page.evaluate(
            "() => { const s = document.querySelector('select[name=auto_sync_interval_minutes]');"
            " s.add(new Option('7', '7')); s.value = '7'; }"
        )
        page.click("[data-testid=settings-save]")
        page.wait_for_selector("[data-testid=settings-errors]")
        box = page.locator("[data-testid=settings-errors]").bounding_box()
        assert box is not None and box["y"] < 400, box  # at the top, where the merchant looks
        assert page.evaluate("document.activeElement.id") == "settings-errors"

    walk.screen("settings-error-summary", "/settings", bad_settings)


def _errors(walk: Walk, monkeypatch: pytest.MonkeyPatch) -> None:
    walk.screen("404", "/products/kiotviet/987654321", status=404)
    walk.screen("404-no-such-page", "/khong-co-trang-nay", status=404)
    from kiotsync.catalog import views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in a screen")

    monkeypatch.setattr(views, "kv_counts", broken)
    walk.screen("500", "/products/kiotviet", status=500)
    monkeypatch.undo()


def test_every_screen_in_both_languages_at_both_widths(
    page: Any, live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_and_connect(page, live)
    walk = Walk(page, live, [])
    _products(walk)
    _orders(walk)
    _connection_and_settings(walk)
    _errors(walk, monkeypatch)

    # The favicon the pages link is served.
    page.goto(live.app_url + "/connection")
    icon = page.locator("link[rel=icon]").first.get_attribute("href")
    served = httpx.get(live.app_url + icon)
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/")
    # The active tab is marked for screen readers; every tab fits at 375 px (none off-screen).
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live.app_url + "/orders/")
    assert page.locator("nav.tabs a[aria-current=page]").inner_text() in (
        "Đơn hàng Haravan",
        "Haravan orders",
    )
    for box in [t.bounding_box() for t in page.locator("nav.tabs a").all()]:
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    # The KiotViet back office says "Bật Đang kinh doanh" for an inactive product.
    page.goto(live.kv_url + "/_emulator/admin?q=SP000042")
    live.shot(page, "words-vi-1280-kiotviet-back-office")
    assert "Bật Đang kinh doanh" in page.inner_text("body")
    assert len(walk.shots) >= 100
