"""The product screens driving the real services against the demo-seeded emulators: Sync now,
auto-sync, opt-out, resync and Transfer all, through the same requests the pages send (htmx and
plain form posts)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kiotsync.catalog.models import HvVariantRow, KvRow, RowState, SyncEvent, SyncJob, VariantLinkRecord
from kiotsync.tenants.models import SyncSettings, Tenant
from tests.web.conftest import Platforms, connected, installed, platforms  # noqa: F401

HTMX = {"HX-Request": "true"}


@pytest.fixture
def shop(connected: Platforms, client: Client) -> Platforms:  # noqa: F811
    """Connected, settings saved (all branches, first Haravan location, every field ticked)."""
    form = client.get("/settings").context["form"]
    data = {
        "order_branch": next(c for c, _ in form.fields["order_branch"].choices if c != ""),
        "stock_mode": "all",
        "haravan_location": next(c for c, _ in form.fields["haravan_location"].choices if c != ""),
        "order_side": "kiotviet",
        "price_source": "base",
        "link_key": "code",
        "auto_sync_interval_minutes": "15",
    } | {flag: "on" for flag in SyncSettings.FIELD_FLAGS}
    assert client.post("/settings", data).status_code == 302
    return connected


def text(resp: Any) -> str:
    assert resp.status_code == 200, resp.content[:800]
    return resp.content.decode()


def tenant() -> Tenant:
    return Tenant.objects.get()


def sync_now(client: Client) -> str:
    resp = client.post("/products/kiotviet/sync", headers=HTMX)
    html = text(resp)
    job = SyncJob.objects.filter(kind=SyncJob.Kind.SYNC_KV_TO_HV).latest("pk")
    assert job.state == SyncJob.State.DONE, job.message
    assert resp["HX-Trigger"] == "catalog-refresh"  # the list reloads: statuses changed
    return html


def test_sync_now_then_the_list_shows_products_on_haravan(shop: Platforms, client: Client) -> None:
    before = text(client.get("/products/kiotviet"))
    assert 'href="/products/kiotviet" class="on"' in before  # the nav tab
    assert 'data-testid="count-linked">0<' in before and "Chưa chạy lần nào." in before

    panel = sync_now(client)
    assert 'data-testid="job-panel"' in panel and "100 %" in panel and "every 1s" not in panel
    assert "tạo mới" in panel

    listing = text(client.get("/products/kiotviet"))
    rows = KvRow.objects.filter(tenant=tenant(), deleted=False)
    linked = rows.filter(state=RowState.LINKED)
    assert linked.count() >= 50
    assert f'data-testid="count-linked">{linked.count()}<' in listing
    first_page_linked = [r for r in linked if f'data-testid="kv-row-{r.kv_id}"' in listing]
    assert first_page_linked
    for row in first_page_linked[:5]:
        chunk = listing[listing.index(f'data-testid="kv-row-{row.kv_id}"') :]
        chunk = chunk[: chunk.index("</tr>")]
        assert f'data-testid="status-{row.kv_id}">Đã có trên Haravan<' in chunk
    # Rows stored by the sync (bulk ingest, both mirrors) are found without accents.
    found_kv = text(client.get("/products/kiotviet", {"q": "AO THUN COTTON"}))
    assert "Áo thun cotton basic" in found_kv and "Bia Tiger" not in found_kv
    found_hv = text(client.get("/products/haravan", {"q": "ao thun cotton"}))
    assert "Áo thun cotton basic" in found_hv and "Bia Tiger" not in found_hv
    # Filters agree with the database.
    on_page = text(client.get("/products/kiotviet?status=linked"))
    assert on_page.count('data-testid="kv-row-') == min(linked.count(), on_page.count('data-testid="kv-row-'))
    missing = text(client.get("/products/kiotviet?status=not_on_haravan"))
    for row in rows.exclude(kv_id__in=VariantLinkRecord.objects.values("kv_id"))[:10]:
        assert f'data-testid="kv-row-{row.kv_id}"' in missing


def test_detail_after_sync_shows_link_pushed_values_and_timeline(shop: Platforms, client: Client) -> None:
    sync_now(client)
    # Haravan's products/* webhooks about our own writes update the mirror asynchronously.
    shop.hv.webhooks.drain(10)
    row = KvRow.objects.filter(
        tenant=tenant(), master_product_id__isnull=False, state=RowState.LINKED
    ).first()
    assert row is not None
    link = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=row.kv_id)
    html = text(client.get(f"/products/kiotviet/{row.kv_id}"))
    assert f'href="/products/haravan/{link.hv_product_id}"' in html
    assert f"ID {link.hv_variant_id}" in html
    pushed = html[html.index(f'data-testid="pushed-{row.kv_id}"') :]
    pushed = pushed[: pushed.index("</table>")]
    assert "Giá bán" in pushed and "Haravan giữ nguyên" in pushed and "Đã khác" not in pushed
    assert 'data-testid="pushed-product"' in html
    timeline = html[html.index('data-testid="timeline"') :]
    assert "Tạo sản phẩm trên Haravan" in timeline or "Liên kết với sản phẩm có sẵn" in timeline
    assert "/com/" in timeline and "Thành công" in timeline
    assert SyncEvent.objects.filter(tenant=tenant(), hv_product_id=link.hv_product_id).exists()
    # The Haravan side of the same product links back.
    hv_html = text(client.get(f"/products/haravan/{link.hv_product_id}"))
    assert f'href="/products/kiotviet/{row.kv_id}"' in hv_html


def test_auto_sync_toggle_shows_its_state(shop: Platforms, client: Client) -> None:
    html = text(client.get("/products/kiotviet"))
    assert 'data-testid="auto-sync-state">Đang tắt<' in html and "Kích hoạt tự đồng bộ" in html
    resp = client.post("/products/kiotviet/auto-sync", {"enabled": "1"}, headers=HTMX)
    fragment = text(resp)
    assert 'data-testid="auto-sync-state">Đang bật<' in fragment and "Tắt tự đồng bộ" in fragment
    assert "mỗi 15 phút" in fragment and resp["HX-Trigger"] == "catalog-refresh"
    assert SyncSettings.objects.get().auto_sync_enabled
    # Turning it on also syncs once now.
    assert SyncJob.objects.filter(kind=SyncJob.Kind.SYNC_KV_TO_HV, state=SyncJob.State.DONE).exists()
    resp = client.post("/products/kiotviet/auto-sync", {"enabled": "0", "next": "/products/kiotviet?page=1"})
    assert resp.status_code == 302 and resp["Location"] == "/products/kiotviet?page=1"
    assert not SyncSettings.objects.get().auto_sync_enabled
    # An outside address is not followed.
    resp = client.post("/products/kiotviet/auto-sync", {"enabled": "0", "next": "https://evil.example/"})
    assert resp["Location"] == "/products/kiotviet"
    assert 'data-testid="auto-sync-state">Đang tắt<' in text(client.get("/products/kiotviet"))


def test_opt_out_applies_to_the_whole_group_and_back(shop: Platforms, client: Client) -> None:
    sync_now(client)
    member = KvRow.objects.filter(tenant=tenant(), master_product_id__isnull=False).first()
    assert member is not None and member.master_product_id is not None
    master_id = member.master_product_id

    def group() -> list[KvRow]:
        return list(KvRow.objects.filter(tenant=tenant(), master_product_id=master_id))

    resp = client.post(f"/products/kiotviet/{member.kv_id}/opt-out", {"opted_out": "1"}, headers=HTMX)
    assert "Bật đồng bộ" in text(resp) and resp["HX-Trigger"] == "catalog-refresh"
    assert all(r.opted_out for r in group()) and KvRow.objects.get(kv_id=master_id).opted_out
    listing = text(client.get("/products/kiotviet?status=opted_out"))
    for r in group():
        assert f'data-testid="kv-row-{r.kv_id}"' in listing
    # A later sync marks the group "not synced by your choice".
    sync_now(client)
    assert {r.state for r in group()} == {RowState.OPTED_OUT}
    assert "Không đồng bộ theo lựa chọn của bạn." in text(client.get(f"/products/kiotviet/{member.kv_id}"))
    # Back on, without JavaScript.
    resp = client.post(f"/products/kiotviet/{member.kv_id}/opt-out", {"opted_out": "0"})
    assert resp.status_code == 302 and resp["Location"] == f"/products/kiotviet/{member.kv_id}"
    assert not any(r.opted_out for r in group())


def test_resync_one_product(shop: Platforms, client: Client) -> None:
    sync_now(client)
    row = KvRow.objects.filter(tenant=tenant(), state=RowState.LINKED, master_product_id__isnull=True).first()
    assert row is not None
    resp = client.post(f"/products/kiotviet/{row.kv_id}/resync", headers=HTMX)
    html = text(resp)
    assert 'data-testid="resync-result"' in html and "Đã có trên Haravan" in html
    assert resp["HX-Trigger"] == "catalog-refresh"
    resp = client.post(f"/products/kiotviet/{row.kv_id}/resync")
    assert resp.status_code == 302 and resp["Location"] == f"/products/kiotviet/{row.kv_id}"


def test_transfer_all_creates_kiotviet_products_and_shows_them(shop: Platforms, client: Client) -> None:
    resp = client.post("/products/haravan/transfer", headers=HTMX)
    panel = text(resp)
    job = SyncJob.objects.get(kind=SyncJob.Kind.TRANSFER_HV_TO_KV)
    assert job.state == SyncJob.State.DONE, job.message
    assert "100 %" in panel and 'aria-valuenow="100"' in panel and resp["HX-Trigger"] == "catalog-refresh"

    listing = text(client.get("/products/haravan"))
    variants = HvVariantRow.objects.filter(tenant=tenant(), deleted=False)
    on_kv = variants.filter(kv_id__isnull=False)
    assert on_kv.exists()
    shown = [v for v in on_kv if f'data-testid="hv-variant-{v.hv_variant_id}"' in listing]
    assert shown
    for v in shown[:5]:
        assert f'data-testid="status-{v.hv_variant_id}">Đã có trên KiotViet<' in listing
    settled = on_kv.exclude(state__in=[RowState.ERROR, RowState.NEEDS_ATTENTION]).count()
    assert f'data-testid="count-on-kiotviet">{settled}<' in listing
    # Whatever was not transferred says why.
    for v in variants.filter(state=RowState.NEEDS_ATTENTION)[:3]:
        assert f'data-testid="why-{v.hv_variant_id}"' in text(
            client.get(f"/products/haravan/{v.hv_product_id}")
        )
    # A transferred variant's detail links to its new KiotViet row, and the timeline says so.
    moved = on_kv.first()
    assert moved is not None
    detail = text(client.get(f"/products/haravan/{moved.hv_product_id}"))
    assert f'href="/products/kiotviet/{moved.kv_id}"' in detail
    assert "Tạo hàng hóa trên KiotViet" in detail or "Liên kết với sản phẩm có sẵn" in detail
