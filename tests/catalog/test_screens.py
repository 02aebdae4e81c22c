"""Product screens over mirror rows written directly: grouping, statuses with reasons, search,
filters, paging, detail pages, job panel and tenant isolation (no emulators needed: the screens
only read the mirrors)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from kiotsync.catalog.models import (
    HvVariantRow,
    KvRow,
    KvStock,
    ProductLinkRecord,
    RowState,
    SyncEvent,
    SyncJob,
    VariantLinkRecord,
)
from kiotsync.core.catalog.links import fingerprint
from kiotsync.core.catalog.reasons import Reason, ReasonCode
from kiotsync.pages.session import SESSION_TENANT
from kiotsync.tenants.models import KiotVietConnection, SyncSettings, Tenant

pytestmark = pytest.mark.django_db


def make_shop(orgid: str) -> Tenant:
    tenant = Tenant.objects.create(orgid=orgid, name=f"Shop {orgid}")
    KiotVietConnection.objects.create(
        tenant=tenant, retailer=f"r{orgid}", client_id="cid", client_secret="secret", webhook_secret="wh"
    )
    SyncSettings.objects.create(
        tenant=tenant,
        configured_at=timezone.now(),
        order_branch_id=1,
        order_branch_name="Chi nhánh trung tâm",
    )
    return tenant


def sign_in(client: Client, tenant: Tenant) -> Client:
    session = client.session
    session[SESSION_TENANT] = tenant.pk
    session.save()
    return client


def kv(tenant: Tenant, kv_id: int, name: str, code: str, **kw: Any) -> KvRow:
    return KvRow.objects.create(
        tenant=tenant, kv_id=kv_id, name=name, full_name=kw.pop("full_name", name), code=code, **kw
    )


@pytest.fixture
def shop(client: Client) -> Tenant:
    tenant = make_shop("1001")
    sign_in(client, tenant)
    return tenant


def page_text(resp: Any) -> str:
    assert resp.status_code == 200, resp.content[:500]
    return resp.content.decode()


# -- KiotViet list ----------------------------------------------------------------------------


def test_kiotviet_list_groups_variants_and_shows_each_rows_status(client: Client, shop: Tenant) -> None:
    now = timezone.now()
    kv(
        shop,
        100,
        "Áo thun",
        "AT",
        state=RowState.LINKED,
        base_price=Decimal("150000"),
        last_synced_at=now,
        data={"attributes": [["Màu", "Đỏ"]]},
    )
    kv(
        shop,
        101,
        "Áo thun",
        "AT-XANH",
        full_name="Áo thun - Xanh",
        master_product_id=100,
        state=RowState.NEEDS_ATTENTION,
        reason_code=ReasonCode.DUPLICATE_KEY_KIOTVIET,
        reason_params={"field": "code", "key": "AT-XANH", "codes": "AT-XANH, AT-XANH2"},
        data={"attributes": [["Màu", "Xanh"]]},
    )
    kv(
        shop,
        102,
        "Áo thun (hộp)",
        "AT-HOP",
        master_unit_id=100,
        state=RowState.ERROR,
        last_error="Haravan từ chối: giá không hợp lệ",
        data={"unit": "Hộp"},
    )
    kv(shop, 200, "Nón lá", "NON", barcode="8930001", state=RowState.PENDING, base_price=Decimal("45500.50"))
    KvStock.objects.create(tenant=shop, kv_id=100, branch_id=1, on_hand=Decimal("5"))
    KvStock.objects.create(tenant=shop, kv_id=100, branch_id=2, on_hand=Decimal("2.5"))

    html = page_text(client.get("/products/kiotviet"))
    # The three rows of the group sit under one group line, master first; the simple row alone.
    group = html[
        html.index('data-testid="group-100"') : html.index("</tbody>", html.index('data-testid="group-100"'))
    ]
    assert group.index("kv-row-100") < group.index("kv-row-101") < group.index("kv-row-102")
    assert "3 hàng hóa cùng loại" in group and "Màu: Xanh" in group and "Đơn vị: Hộp" in group
    assert 'data-testid="group-200"' in html
    # Status badges with the reason in words and what to do; the error in words.
    reason = Reason.of(
        ReasonCode.DUPLICATE_KEY_KIOTVIET, field="code", key="AT-XANH", codes="AT-XANH, AT-XANH2"
    )
    assert "Đã có trên Haravan" in group and "Cần xử lý" in group and "Lỗi" in group
    assert reason.message("vi") in group and reason.fix("vi") in group
    assert "Haravan từ chối: giá không hợp lệ" in group
    assert "Chưa đồng bộ" in html
    # Price, stock summed over branches, last sync time.
    assert "150.000 ₫" in group and "45.500,50 ₫" in html
    assert ">7,5<" in group
    assert timezone.localtime(now).strftime("%d/%m/%Y %H:%M") in group
    # Header figures and the opt-out toggle per group.
    assert 'data-testid="count-attention">1<' in html and 'data-testid="count-errors">1<' in html
    assert 'data-testid="opt-out-100"' in html and 'data-testid="opt-out-200"' in html


def test_reasons_follow_the_merchants_language(client: Client, shop: Tenant) -> None:
    kv(
        shop,
        100,
        "Combo quà",
        "CB",
        type=1,
        state=RowState.NEEDS_ATTENTION,
        reason_code=ReasonCode.COMBO_CYCLE,
    )
    reason = Reason.of(ReasonCode.COMBO_CYCLE)
    assert reason.message("vi") in page_text(client.get("/products/kiotviet"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page_text(client.get("/products/kiotviet"))
    assert reason.message("en") in html and escape(reason.fix("en")) in html
    assert reason.message("vi") not in html


def test_kiotviet_list_searches_filters_and_pages(client: Client, shop: Tenant) -> None:
    for i in range(120):
        kv(shop, 1000 + i, f"Sản phẩm {i:03d}", f"SP{i:03d}", barcode=f"89300{i:03d}")
    KvRow.objects.filter(kv_id__in=[1003, 1004]).update(
        state=RowState.NEEDS_ATTENTION, reason_code="combo_cycle"
    )
    KvRow.objects.filter(kv_id=1005).update(opted_out=True, state=RowState.OPTED_OUT)
    KvRow.objects.filter(kv_id=1006).update(deleted=True)
    VariantLinkRecord.objects.bulk_create(
        VariantLinkRecord(tenant=shop, kv_id=1000 + i, hv_product_id=5000 + i, hv_variant_id=6000 + i)
        for i in range(100)
    )

    first = page_text(client.get("/products/kiotviet"))
    assert first.count('data-testid="kv-row-') == 50
    # 50 per page, sorted by name; 006 is deleted so 050 makes the fiftieth.
    assert "Sản phẩm 000" in first and "Sản phẩm 050" in first and "Sản phẩm 051" not in first
    assert "Trang 1/3" in first and "page=2" in first
    third = page_text(client.get("/products/kiotviet?page=3"))
    assert third.count('data-testid="kv-row-') == 19  # 120 rows, one deleted
    assert "Sản phẩm 119" in third and "Sản phẩm 006" not in third

    def shown(query: str) -> set[int]:
        html = page_text(client.get("/products/kiotviet?" + query))
        return {int(part.split('"')[0]) for part in html.split('data-testid="kv-row-')[1:]}

    assert shown("q=SP017") == {1017}
    assert shown("q=89300042") == {1042}
    assert shown("q=s%E1%BA%A3n+ph%E1%BA%A9m+11") == {1110 + i for i in range(10)}  # name, any case
    renamed = KvRow.objects.get(kv_id=1007)
    renamed.name = "Áo thun Đỏ"
    renamed.save()
    assert shown("q=%C3%A1o+thun+%C4%91%E1%BB%8F") == {1007}  # "áo thun đỏ" typed in lower case
    assert shown("q=AO+THUN+DO") == {1007}  # typed without accents, in capitals
    assert shown("q=ao++thun") == {1007}  # extra spaces
    assert shown("q=san+pham+01") == {1010 + i for i in range(10)}
    assert shown("status=needs_attention") == {1003, 1004}
    assert shown("status=opted_out") == {1005}
    assert shown("status=deleted") == {1006}
    assert shown("status=not_on_haravan") == {1100 + i for i in range(20)}
    assert shown("status=needs_attention&q=SP004") == {1004}
    # The pager keeps the search and the filter.
    html = page_text(client.get("/products/kiotviet?q=S%E1%BA%A3n&status=pending"))
    assert "Trang 1/3" in html
    assert 'href="?q=S%E1%BA%A3n&amp;status=pending&amp;page=2"' in html
    assert "Không tìm thấy sản phẩm phù hợp." in page_text(client.get("/products/kiotviet?q=khong-co"))


def test_paging_counts_groups_not_rows(client: Client, shop: Tenant) -> None:
    """A variant group is never split across pages."""
    for g in range(30):
        master = 10_000 + g * 10
        kv(shop, master, f"Nhóm {g:02d}", f"N{g:02d}")
        for v in range(1, 4):
            kv(shop, master + v, f"Nhóm {g:02d}", f"N{g:02d}-{v}", master_product_id=master)
    for s in range(25):
        kv(shop, 20_000 + s, f"Lẻ {s:02d}", f"L{s:02d}")
    first = page_text(client.get("/products/kiotviet"))
    second = page_text(client.get("/products/kiotviet?page=2"))
    assert first.count('data-testid="group-') == 50 and second.count('data-testid="group-') == 5
    assert first.count('data-testid="kv-row-') + second.count('data-testid="kv-row-') == 30 * 4 + 25


def test_empty_shop_explains_what_to_do(client: Client, shop: Tenant) -> None:
    html = page_text(client.get("/products/kiotviet"))
    assert "Chưa có sản phẩm KiotViet nào" in html
    assert "Chưa chạy lần nào." in html
    html = page_text(client.get("/products/haravan"))
    assert "Chưa có sản phẩm Haravan nào" in html


def test_settings_missing_warning(client: Client, shop: Tenant) -> None:
    SyncSettings.objects.filter(tenant=shop).update(configured_at=None)
    assert 'data-testid="settings-missing"' in page_text(client.get("/products/kiotviet"))


# -- Haravan list -----------------------------------------------------------------------------


def hv(tenant: Tenant, product: int, variant: int, title: str, sku: str, **kw: Any) -> HvVariantRow:
    return HvVariantRow.objects.create(
        tenant=tenant, hv_product_id=product, hv_variant_id=variant, product_title=title, sku=sku, **kw
    )


def test_haravan_list_one_line_per_product_with_variants_and_statuses(client: Client, shop: Tenant) -> None:
    hv(
        shop,
        1,
        11,
        "Váy hoa",
        "VH-S",
        variant_title="S",
        state=RowState.LINKED,
        kv_id=501,
        price=Decimal("300000"),
    )
    hv(shop, 1, 12, "Váy hoa", "VH-M", variant_title="M", state=RowState.PENDING)
    hv(
        shop,
        2,
        21,
        "Túi xách",
        "",
        variant_title="Default Title",
        state=RowState.NEEDS_ATTENTION,
        reason_code=ReasonCode.EMPTY_KEY,
        reason_params={"name": "Túi xách", "field": "sku"},
    )
    hv(shop, 3, 31, "Ví da", "VD", state=RowState.ERROR, last_error="KiotViet: Mã hàng đã tồn tại")
    hv(shop, 4, 41, "Dép", "DEP", state=RowState.PENDING)
    VariantLinkRecord.objects.create(tenant=shop, kv_id=777, hv_product_id=4, hv_variant_id=41)
    hv(shop, 5, 51, "Đã xóa", "DX", deleted=True)

    html = page_text(client.get("/products/haravan"))
    assert html.count('data-testid="hv-product-') == 4
    product1 = html[
        html.index('data-testid="hv-product-1"') : html.index(
            "</tr>", html.index('data-testid="hv-product-1"')
        )
    ]
    assert "hv-variant-11" in product1 and "hv-variant-12" in product1
    assert "Đã có trên KiotViet" in product1 and "Chưa có trên KiotViet" in product1
    assert "1/2 phiên bản đã có trên KiotViet" in product1 and "Đã chuyển một phần" in product1
    assert "300.000 ₫" in product1
    assert Reason.of(ReasonCode.EMPTY_KEY, name="Túi xách", field="sku").message("vi") in html
    assert "KiotViet: Mã hàng đã tồn tại" in html
    # A variant linked by the KiotViet → Haravan flow counts as on KiotViet.
    assert 'data-testid="product-status-4">Đã có trên KiotViet<' in html
    assert "Mặc định" in html  # Haravan's "Default Title" in words

    def shown(query: str) -> set[int]:
        text = page_text(client.get("/products/haravan?" + query))
        return {int(part.split('"')[0]) for part in text.split('data-testid="hv-product-')[1:]}

    assert shown("status=on_kiotviet") == {1, 4}
    assert shown("status=not_on_kiotviet") == {1, 2, 3}
    assert shown("status=needs_attention") == {2}
    assert shown("status=error") == {3}
    assert shown("q=vh-m") == {1}
    assert shown("q=t%C3%BAi") == {2}
    assert shown("q=TUI+XACH") == {2}  # no accents, capitals
    assert shown("q=vi+da") == {3}


def test_haravan_list_pages_by_product(client: Client, shop: Tenant) -> None:
    HvVariantRow.objects.bulk_create(
        HvVariantRow(
            tenant=shop,
            hv_product_id=p,
            hv_variant_id=p * 10 + v,
            product_title=f"SP {p:03d}",
            sku=f"S{p}-{v}",
        )
        for p in range(1, 61)
        for v in range(2)
    )
    first = page_text(client.get("/products/haravan"))
    second = page_text(client.get("/products/haravan?page=2"))
    assert first.count('data-testid="hv-product-') == 50 and second.count('data-testid="hv-product-') == 10
    assert second.count('data-testid="hv-variant-') == 20


# -- detail pages -----------------------------------------------------------------------------


def test_kiotviet_detail_shows_links_pushed_values_stock_and_timeline(client: Client, shop: Tenant) -> None:
    kv(
        shop,
        100,
        "Áo thun",
        "AT",
        base_price=Decimal("150000"),
        state=RowState.LINKED,
        data={"weight": "200"},
    )
    kv(
        shop,
        101,
        "Áo thun",
        "AT-XL",
        master_product_id=100,
        base_price=Decimal("160000"),
        state=RowState.PLANNED,
    )
    ProductLinkRecord.objects.create(
        tenant=shop, kv_group_id=100, hv_product_id=9, pushed={"title": fingerprint("Áo thun")}
    )
    VariantLinkRecord.objects.create(
        tenant=shop,
        kv_id=100,
        kv_code="AT",
        hv_product_id=9,
        hv_variant_id=91,
        stock_target=7,
        pushed={
            "price": fingerprint(Decimal("150000")),
            "barcode": fingerprint("OLD"),
            "sku": fingerprint("AT"),
        },
    )
    hv(
        shop,
        9,
        91,
        "Áo thun",
        "AT",
        price=Decimal("150000"),
        barcode="EDITED-IN-HARAVAN",
        product_data={"title": "Áo thun", "variant": {"grams": "200"}},
    )
    KvStock.objects.create(tenant=shop, kv_id=100, branch_id=1, on_hand=Decimal("4"), reserved=Decimal("1"))
    KvStock.objects.create(tenant=shop, kv_id=100, branch_id=2, on_hand=Decimal("3"))
    SyncEvent.objects.create(
        tenant=shop,
        kv_id=100,
        hv_product_id=9,
        action="create",
        call="POST /com/products.json",
        changes={"title": "Áo thun", "price": "150000", "option_values": ["Đỏ", "M"]},
    )
    SyncEvent.objects.create(
        tenant=shop,
        kv_id=101,
        action="add_variant",
        call="POST /com/products/9/variants.json",
        ok=False,
        error="Haravan không phản hồi, sẽ thử lại.",
    )
    SyncEvent.objects.create(
        tenant=shop, hv_product_id=9, action="hide", changes={"published": False, "reason": "inactive"}
    )
    SyncEvent.objects.create(tenant=shop, kv_id=555, action="create")  # another product: not shown

    # Opening any row of the group shows the whole group.
    html = page_text(client.get("/products/kiotviet/101"))
    assert 'data-testid="kv-detail-row-100"' in html and 'data-testid="kv-detail-row-101"' in html
    assert 'href="/products/haravan/9"' in html
    # Last pushed values: price still as written, barcode edited on Haravan since.
    pushed = html[
        html.index('data-testid="pushed-100"') : html.index(
            "</table>", html.index('data-testid="pushed-100"')
        )
    ]
    price_row = pushed[pushed.index("Giá bán") : pushed.index("</tr>", pushed.index("Giá bán"))]
    assert "150.000 ₫" in price_row and "Haravan giữ nguyên" in price_row
    barcode_row = pushed[pushed.index("Mã vạch") : pushed.index("</tr>", pushed.index("Mã vạch"))]
    assert "EDITED-IN-HARAVAN" in barcode_row and "Đã khác" in barcode_row
    assert 'data-testid="pushed-product"' in html
    # Stock per branch (the order branch by name), what was written to Haravan.
    stock = html[
        html.index('data-testid="stock-100"') : html.index("</table>", html.index('data-testid="stock-100"'))
    ]
    assert "Chi nhánh trung tâm" in stock and "Chi nhánh 2" in stock
    assert "Tồn kho đã ghi lên Haravan" in html
    # Timeline newest first, in words, with the call and the error.
    timeline = html[html.index('data-testid="timeline"') :]
    assert timeline.count('data-testid="event"') == 3
    hide, add, create = (
        timeline.index(t)
        for t in ("Ẩn sản phẩm trên Haravan", "Thêm phiên bản trên Haravan", "Tạo sản phẩm trên Haravan")
    )
    assert hide < add < create
    assert (
        "Haravan không phản hồi, sẽ thử lại." in timeline and "POST /com/products/9/variants.json" in timeline
    )
    assert "Đỏ, M" in timeline
    assert Reason.of(ReasonCode.INACTIVE).message("vi") in timeline
    # The resync and opt-out controls are there.
    assert 'data-testid="resync"' in html and 'data-testid="opt-out-100"' in html


def test_haravan_detail_shows_variants_and_their_kiotviet_rows(client: Client, shop: Tenant) -> None:
    kv(shop, 501, "Váy hoa S", "VH-S")
    hv(
        shop,
        1,
        11,
        "Váy hoa",
        "VH-S",
        variant_title="S",
        state=RowState.LINKED,
        kv_id=501,
        product_data={"options": ["Size"], "variant": {"position": 2}},
    )
    hv(
        shop,
        1,
        12,
        "Váy hoa",
        "VH-M",
        variant_title="M",
        state=RowState.ERROR,
        last_error="Lỗi mạng",
        product_data={"options": ["Size"], "variant": {"position": 1}},
    )
    SyncEvent.objects.create(
        tenant=shop,
        kv_id=501,
        hv_product_id=1,
        hv_variant_id=11,
        action="transfer",
        call="POST /products",
        changes={"code": "VH-S", "name": "Váy hoa S"},
    )
    html = page_text(client.get("/products/haravan/1"))
    assert html.index("hv-variant-12") < html.index("hv-variant-11")  # Haravan's variant order
    assert 'href="/products/kiotviet/501"' in html and "Lỗi mạng" in html
    assert 'data-testid="product-status">Lỗi<' in html
    assert "Tạo hàng hóa trên KiotViet" in html and "VH-S" in html


# -- job panel --------------------------------------------------------------------------------


def test_job_panel_polls_while_running_and_asks_for_a_refresh_when_done(client: Client, shop: Tenant) -> None:
    job = SyncJob.objects.create(
        tenant=shop, kind=SyncJob.Kind.TRANSFER_HV_TO_KV, state=SyncJob.State.RUNNING, total=8, done=2
    )
    html = page_text(client.get("/products/haravan"))
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="25"' in html and "25 %" in html
    resp = client.get(f"/products/jobs/{job.kind}?poll=1", HTTP_HX_REQUEST="true")
    assert "HX-Trigger" not in resp and 'hx-trigger="every 1s"' in page_text(resp)
    SyncJob.objects.filter(pk=job.pk).update(
        state=SyncJob.State.DONE, done=8, message="created=5 linked=3 skus=0 failed=0"
    )
    resp = client.get(f"/products/jobs/{job.kind}?poll=1", HTTP_HX_REQUEST="true")
    html = page_text(resp)
    assert resp["HX-Trigger"] == "catalog-refresh"
    assert "every 1s" not in html and "100 %" in html and "Hoàn tất" in html
    assert "tạo mới <b>5</b>" in html and "liên kết <b>3</b>" in html and "ghi SKU" not in html
    failed = SyncJob.objects.create(
        tenant=shop,
        kind=SyncJob.Kind.SYNC_KV_TO_HV,
        state=SyncJob.State.FAILED,
        message="Vui lòng lưu cấu hình đồng bộ (chọn kho Haravan) trước khi đồng bộ.",
    )
    html = page_text(client.get(f"/products/jobs/{failed.kind}"))
    assert "Vui lòng lưu cấu hình đồng bộ" in html and "alert error" in html
    assert client.get("/products/jobs/nope").status_code == 404


@pytest.mark.django_db(transaction=True)  # the job starts on commit
def test_sync_and_transfer_without_javascript_show_the_jobs_outcome(client: Client, shop: Tenant) -> None:
    """Plain form posts redirect back; a job that cannot run says why in the panel (no Haravan
    location chosen in this shop's settings)."""
    resp = client.post("/products/kiotviet/sync")
    assert resp.status_code == 302 and resp["Location"] == "/products/kiotviet"
    html = page_text(client.get(resp["Location"]))
    assert 'data-state="failed"' in html and "Vui lòng lưu cấu hình đồng bộ" in html
    resp = client.post("/products/haravan/transfer")
    assert resp.status_code == 302 and resp["Location"] == "/products/haravan"
    assert 'data-state="failed"' in page_text(client.get(resp["Location"]))


# -- access -----------------------------------------------------------------------------------


def test_another_shops_products_are_invisible(client: Client, shop: Tenant) -> None:
    other = make_shop("2002")
    kv(other, 900, "Hàng của shop khác", "KHAC")
    hv(other, 90, 901, "Sản phẩm shop khác", "KHAC")
    SyncJob.objects.create(
        tenant=other, kind=SyncJob.Kind.SYNC_KV_TO_HV, state=SyncJob.State.RUNNING, total=10, done=5
    )
    kv(shop, 100, "Hàng của tôi", "CUA-TOI")

    assert client.get("/products/kiotviet/900").status_code == 404
    assert client.get("/products/haravan/90").status_code == 404
    assert client.post("/products/kiotviet/900/opt-out", {"opted_out": "1"}).status_code == 404
    assert client.post("/products/kiotviet/900/resync").status_code == 404
    assert not KvRow.objects.get(kv_id=900).opted_out
    listing = page_text(client.get("/products/kiotviet"))
    assert "Hàng của tôi" in listing and "Hàng của shop khác" not in listing and "every 1s" not in listing
    assert "Sản phẩm shop khác" not in page_text(client.get("/products/haravan"))
    assert client.get("/products/kiotviet?status=deleted&q=KHAC").content.count(b"kv-row-") == 0


def test_screens_need_a_signed_in_connected_shop(client: Client) -> None:
    assert client.get("/products/kiotviet")["Location"] == "/"
    tenant = Tenant.objects.create(orgid="3003")
    sign_in(client, tenant)
    assert client.get("/products/haravan")["Location"] == "/kiotviet/login"
    make_shop("4004")
    assert client.get("/products/kiotviet/1")["Location"] == "/kiotviet/login"


def test_actions_are_post_only(client: Client, shop: Tenant) -> None:
    kv(shop, 100, "A", "A")
    for url in (
        "/products/kiotviet/sync",
        "/products/kiotviet/auto-sync",
        "/products/kiotviet/100/opt-out",
        "/products/kiotviet/100/resync",
        "/products/haravan/transfer",
    ):
        assert client.get(url).status_code == 405, url
