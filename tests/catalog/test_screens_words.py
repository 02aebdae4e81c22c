"""The product screens in the merchant's words (issue 12), over mirror rows written directly:
each product's standing (on Haravan and up to date / with changes waiting, since when / not on
Haravan, why / needs attention, what to do), stock in sellable whole units with the base
quantity alongside, the detail page without Haravan's or KiotViet's codes, the job panel in
each state and the English pages without Vietnamese status words."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from kiotsync.catalog.models import (
    HvVariantRow,
    KvRow,
    KvStock,
    ProductLinkRecord,
    RowState,
    SyncJob,
    VariantLinkRecord,
)
from kiotsync.core.catalog.links import fingerprint
from kiotsync.core.numbers import version_from_datetime
from kiotsync.tenants.models import SyncSettings, Tenant

from .test_screens import hv, kv, make_shop, page_text, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(client: Client) -> Tenant:
    tenant = make_shop("3003")
    SyncSettings.objects.filter(tenant=tenant).update(haravan_location_id=900001, sync_stock=True)
    sign_in(client, tenant)
    return tenant


def _link(shop: Tenant, kv_id: int, target: int | None = None) -> None:
    VariantLinkRecord.objects.create(
        tenant=shop, kv_id=kv_id, hv_product_id=kv_id * 10, hv_variant_id=kv_id * 100, stock_target=target
    )


def _stock(shop: Tenant, kv_id: int, on_hand: str, reserved: str = "0", dirty: bool = False) -> None:
    KvStock.objects.create(
        tenant=shop,
        kv_id=kv_id,
        branch_id=1,
        on_hand=Decimal(on_hand),
        reserved=Decimal(reserved),
        dirty=dirty,
        version=version_from_datetime(timezone.now()),
    )


def _beer(shop: Tenant, dirty: bool = False) -> tuple[KvRow, KvRow]:
    """Bia Tiger: a can (base unit) and a case of 24, as KiotViet stores them (the case's stock
    is the cans' divided by 24: a fraction)."""
    can = kv(
        shop,
        1,
        "Bia Tiger lon 330ml",
        "SP000001",
        full_name="Bia Tiger lon 330ml - Lon",
        state=RowState.LINKED,
        category_name="Bia",
        data={"unit": "Lon", "conversion_value": "1"},
        last_synced_at=timezone.now(),
    )
    case = kv(
        shop,
        2,
        "Bia Tiger lon 330ml",
        "SP000002",
        full_name="Bia Tiger lon 330ml - Thùng",
        master_unit_id=1,
        state=RowState.LINKED,
        category_name="Bia",
        data={"unit": "Thùng", "conversion_value": "24"},
        last_synced_at=timezone.now(),
    )
    _stock(shop, 1, "698", "24", dirty=dirty)
    _stock(shop, 2, "29.084")
    _link(shop, 1, 674)
    _link(shop, 2, 28)
    return can, case


def _row(html: str, kv_id: int) -> str:
    start = html.index(f'data-testid="kv-row-{kv_id}"')
    return html[start : html.index("</tr>", start)]


def test_alternative_units_show_whole_sellable_units_with_the_base_quantity(
    client: Client, shop: Tenant
) -> None:
    _beer(shop)
    html = page_text(client.get("/products/kiotviet"))
    can, case = _row(html, 1), _row(html, 2)
    # What Haravan sells: on hand − ordered (674 cans), 28 whole cases from those cans.
    assert "<b>674</b>" in can and "698" in can and "24" in can
    assert "<b>28</b>" in case and "Thùng" in case and "từ 674 Lon" in case
    assert "29,084" not in html and "29.084" not in html
    detail = page_text(client.get("/products/kiotviet/2"))
    assert "29,084" not in detail and "5,667" not in detail
    branch = detail[detail.index('data-testid="stock-2"') :]
    assert "<b>29</b> Thùng" in branch and "từ 698 Lon" in branch  # whole cases in the branch


def test_a_change_waiting_for_haravan_is_never_up_to_date(client: Client, shop: Tenant) -> None:
    """Auto-sync off: KiotViet's stock moved (the row is dirty) and another product was edited
    after its last sync. Neither says "Đã có trên Haravan"; each says what waits, since when."""
    _beer(shop, dirty=True)
    edited = kv(shop, 3, "Áo khoác bomber", "SP000008", state=RowState.LINKED)
    KvRow.objects.filter(pk=edited.pk).update(
        last_synced_at=timezone.now() - timedelta(hours=2), modified_at=timezone.now() - timedelta(hours=1)
    )
    _link(shop, 3, 5)
    kv(shop, 4, "Dây buộc tóc", "SP000025", state=RowState.LINKED, last_synced_at=timezone.now())
    _link(shop, 4)
    html = page_text(client.get("/products/kiotviet"))
    for kv_id, what in (
        (1, "Tồn kho đổi trên KiotViet lúc"),
        (2, "Tồn kho đổi trên KiotViet lúc"),
        (3, "Thông tin sản phẩm đổi"),
    ):
        row = _row(html, kv_id)
        assert "Chờ cập nhật lên Haravan" in row and "Đã có trên Haravan" not in row and what in row, kv_id
    assert "Đã có trên Haravan" in _row(html, 4)
    assert 'data-testid="count-pending">3<' in html and 'data-testid="count-linked">1<' in html

    def shown(query: str) -> set[int]:
        text = page_text(client.get("/products/kiotviet?" + query))
        return {int(part.split('"')[0]) for part in text.split('data-testid="kv-row-')[1:]}

    assert shown("status=changes_pending") == {1, 2, 3}
    assert shown("status=up_to_date") == {4}
    # Pushed: the rows are clean again and up to date.
    KvStock.objects.filter(tenant=shop).update(dirty=False)
    KvRow.objects.filter(pk=edited.pk).update(last_synced_at=timezone.now())
    assert shown("status=up_to_date") == {1, 2, 3, 4}
    # Stock not synced (the setting): a stock change is not "waiting".
    KvStock.objects.filter(tenant=shop).update(dirty=True)
    SyncSettings.objects.filter(tenant=shop).update(sync_stock=False)
    assert shown("status=changes_pending") == set()


def test_not_on_haravan_says_why_and_needs_attention_says_what_to_do(client: Client, shop: Tenant) -> None:
    kv(shop, 10, "Nón lá", "NON")
    kv(
        shop,
        11,
        "Áo khoác gió 2023",
        "SP000042",
        is_active=False,
        state=RowState.NOT_APPLICABLE,
        reason_code="inactive",
    )
    kv(shop, 12, "Ví da", "VD", state=RowState.ERROR, last_error="Haravan từ chối: giá không hợp lệ")
    kv(shop, 13, "Kính mát", "KM", opted_out=True, state=RowState.OPTED_OUT, reason_code="opted_out")
    html = page_text(client.get("/products/kiotviet"))
    assert "Chưa có trên Haravan" in _row(html, 10) and "Chưa đồng bộ lần nào." in _row(html, 10)
    assert "Bấm [Đồng bộ] để tạo sản phẩm trên Haravan." in _row(html, 10)
    assert "Hàng hóa ngừng kinh doanh trên KiotViet." in _row(html, 11)
    error = _row(html, 12)
    assert "Cần xử lý" in error and "Haravan từ chối" in error and "Đồng bộ lại" in error
    assert "Đã tắt đồng bộ" in _row(html, 13) and "Không đồng bộ theo lựa chọn của bạn." in _row(html, 13)
    assert 'data-testid="count-needs">1<' in html and 'data-testid="count-not-on-haravan">2<' in html
    # The status filter asks the merchant's one question (plus the rows set aside).
    options = html[html.index('data-testid="status-filter"') : html.index("</select>")]
    assert options.count("<option") == 7  # "all" + four standings + sync off + deleted


def test_the_detail_page_speaks_words_not_codes(client: Client, shop: Tenant) -> None:
    kv(
        shop,
        100,
        "Balo laptop 15 inch",
        "SP000013",
        state=RowState.LINKED,
        category_name="Túi xách",
        data={"weight": "300.0"},
        last_synced_at=timezone.now(),
    )
    ProductLinkRecord.objects.create(
        tenant=shop, kv_group_id=100, hv_product_id=9, pushed={"options": fingerprint(("Title",))}
    )
    VariantLinkRecord.objects.create(
        tenant=shop,
        kv_id=100,
        hv_product_id=9,
        hv_variant_id=91,
        pushed={"grams": fingerprint(Decimal("300")), "option_values": fingerprint(("Default Title",))},
    )
    hv(
        shop,
        9,
        91,
        "Balo laptop 15 inch",
        "SP000013",
        variant_title="Default Title",
        product_data={
            "options": ["Title"],
            "variant": {"grams": "300.0", "option_values": ["Default Title"]},
        },
    )
    html = page_text(client.get("/products/kiotviet/100"))
    for raw in ("Default Title", ">Title<", "300.0", "ID 100", "Khối lượng (g)", "Nhóm hàng KiotViet"):
        assert raw not in html, raw
    assert "Nhóm hàng" in html and "Túi xách" in html
    assert "300 g" in html and "Mặc định" in html and "Không có thuộc tính (một phiên bản)" in html
    assert 'data-testid="sync-switch"' in html and "Đang đồng bộ" not in html
    hv_html = page_text(client.get("/products/haravan/9"))
    assert "Default Title" not in hv_html and ">Title<" not in hv_html and "Mặc định" in hv_html


@pytest.mark.parametrize(
    ("fields", "shown", "hidden"),
    [
        ({"state": SyncJob.State.QUEUED}, "Đang chờ máy chạy nền nhận việc", ("0 %", "0/0")),
        ({"state": SyncJob.State.RUNNING, "total": 0}, "Đang đọc sản phẩm của hai bên", ("0 %", "0/0")),
        ({"state": SyncJob.State.RUNNING, "total": 80, "done": 40}, "40/80 bước", ("đã xử lý",)),
        (
            {"state": SyncJob.State.DONE, "total": 1, "done": 1, "message": "created=0 updated=0 failed=0"},
            "Không có gì thay đổi: Haravan đã khớp với KiotViet.",
            ("0/0", "1/1"),
        ),
    ],
)
def test_the_job_panel_in_each_state(
    client: Client, shop: Tenant, fields: dict[str, object], shown: str, hidden: tuple[str, ...]
) -> None:
    SyncJob.objects.create(tenant=shop, kind=SyncJob.Kind.SYNC_KV_TO_HV, **fields)
    html = page_text(client.get("/products/jobs/sync_kv_hv"))
    assert shown in html
    for text in hidden:
        assert text not in html, text


def test_english_pages_have_no_vietnamese_status_words(client: Client, shop: Tenant) -> None:
    _beer(shop, dirty=True)
    kv(shop, 10, "Nón lá", "NON")
    kv(shop, 12, "Ví da", "VD", state=RowState.ERROR, last_error="Haravan rejected the price")
    HvVariantRow.objects.all().delete()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page_text(client.get("/products/kiotviet"))
    for word in (
        "Đã có trên Haravan",
        "Chờ cập nhật",
        "Chưa có trên Haravan",
        "Cần xử lý",
        "Đồng bộ lần cuối",
        "từ 674",
    ):
        assert word not in html, word
    assert "Changes waiting for Haravan" in html and "Not on Haravan" in html and "Needs attention" in html
    assert "Sync to Haravan" in html and "Sellable" in html and "from 674 Lon" in html
