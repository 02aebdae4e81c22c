"""Field rules, deletion, opt-out, Auto-sync by webhook, Transfer all, and crash safety."""

from __future__ import annotations

import contextlib
from collections import Counter

import pytest
from django.test import Client

from kiotsync.bookkeeping.models import WriteIntent
from kiotsync.catalog import usecases
from kiotsync.catalog.models import (
    HvVariantRow,
    KvRow,
    ProductLinkRecord,
    RowState,
    SyncEvent,
    VariantLinkRecord,
)
from kiotsync.tenants.models import SyncSettings
from kiotsync.wiring import get_wiring
from tests.web.conftest import Platforms

from .test_sync import available, hv_skus, kv_available, run_sync, tenant


def _simple_rows() -> list[KvRow]:
    """Single-variant goods: no attributes, no unit family, not deleted."""
    rows = KvRow.objects.filter(
        tenant=tenant(),
        type=2,
        is_active=True,
        deleted=False,
        master_product_id__isnull=True,
        master_unit_id__isnull=True,
    ).order_by("kv_id")
    unit_bases = set(
        KvRow.objects.filter(tenant=tenant(), master_unit_id__isnull=False).values_list(
            "master_unit_id", flat=True
        )
    )
    return [r for r in rows if not r.data.get("attributes") and r.kv_id not in unit_bases]


def _simple_row() -> KvRow:
    rows = _simple_rows()
    assert rows
    return rows[0]


def _hv_product_of(row: KvRow):  # type: ignore[no-untyped-def]
    link = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=row.kv_id)
    return get_wiring().haravan(tenant()).get_product(link.hv_product_id)


def _admin_edit(p: Platforms, row: KvRow, **fields: object) -> None:
    p.kv_control("PUT", f"/products/{row.kv_id}", json=fields)


def test_ticked_fields_follow_unticked_fields_stay(shop: Platforms) -> None:
    run_sync()
    row = _simple_row()
    before = _hv_product_of(row)
    settings = SyncSettings.objects.get()
    settings.sync_description = False
    settings.save()
    _admin_edit(shop, row, name="Tên mới từ KiotViet", description="<p>Mô tả mới</p>", basePrice=123000)
    run_sync()
    after = _hv_product_of(row)
    assert after.title == "Tên mới từ KiotViet"
    assert after.body_html == before.body_html  # unticked: set at creation, never again
    assert int(after.variants[0].price) == 123000
    events = SyncEvent.objects.filter(
        tenant=tenant(), kv_id__in=[row.kv_id, row.master_product_id or row.kv_id]
    )
    assert events.filter(action__in=["update", "update_variant"], ok=True).exists()


def test_deleted_or_deactivated_products_are_hidden_not_deleted(shop: Platforms) -> None:
    run_sync()
    row = _simple_row()
    product_id = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=row.kv_id).hv_product_id
    shop.kv_control("DELETE", f"/products/{row.kv_id}")
    run_sync()
    product = get_wiring().haravan(tenant()).get_product(product_id)  # still exists
    assert product.published is False
    other = _simple_rows()[-1]
    other_product = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=other.kv_id).hv_product_id
    _admin_edit(shop, other, isActive=False)
    run_sync()
    assert get_wiring().haravan(tenant()).get_product(other_product).published is False


def test_opted_out_product_is_left_alone(shop: Platforms) -> None:
    on_haravan = hv_skus()
    row = next(r for r in _simple_rows() if r.code not in on_haravan)
    usecases.set_opt_out(
        tenant(), row.kv_id, True, get_wiring()
    )  # the list is filled once settings are saved
    run_sync()
    row.refresh_from_db()
    assert row.state == RowState.OPTED_OUT
    assert not VariantLinkRecord.objects.filter(tenant=tenant(), kv_id=row.kv_id).exists()
    assert row.code not in hv_skus()
    usecases.set_opt_out(tenant(), row.kv_id, False, get_wiring())
    row.refresh_from_db()
    assert row.state == RowState.LINKED
    assert row.code in hv_skus()


def test_auto_sync_follows_stock_and_new_products_by_webhook(shop: Platforms) -> None:
    usecases.set_auto_sync(tenant(), True, get_wiring())  # runs a first full sync
    row = _simple_row()
    link = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=row.kv_id)
    branch = SyncSettings.objects.get().order_branch_id
    shop.kv_control("POST", "/stock", json={"code": row.code, "branch_id": branch, "on_hand": 7})
    shop.kv.webhooks.drain(10)
    assert available([link.hv_variant_id])[link.hv_variant_id] == int(kv_available(row.code))
    # A product created in the KiotViet admin appears on Haravan without clicking anything.
    created = shop.kv_control(
        "POST",
        "/products",
        json={
            "code": "SP-MOI-01",
            "name": "Sản phẩm mới tinh",
            "basePrice": 55000,
            "inventories": [{"branchId": branch, "onHand": 9}],
        },
    )
    assert created
    shop.kv.webhooks.drain(10)
    assert "SP-MOI-01" in hv_skus()
    new_row = KvRow.objects.get(tenant=tenant(), code="SP-MOI-01")
    new_link = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=new_row.kv_id)
    assert available([new_link.hv_variant_id])[new_link.hv_variant_id] == 9


def test_lost_create_answer_is_adopted_not_duplicated(shop: Platforms) -> None:
    """The create reached Haravan but its answer was lost (504 after commit): the next run looks
    the product up by SKU and links it instead of creating it again."""
    shop.hv_control(
        "POST",
        "/faults",
        json={
            "method": "POST",
            "path": "/com/products.json",
            "status": 504,
            "after_commit": True,
            "count": 1,
        },
    )
    job = usecases.start_sync_now(tenant(), get_wiring())
    job.refresh_from_db()
    assert job.failed >= 1
    assert WriteIntent.objects.filter(tenant=tenant()).count() == 1
    run_sync()
    assert not WriteIntent.objects.exists()
    skus = hv_skus()
    assert all(n == 1 for n in skus.values())
    # Linked either by the SKU lookup of the intent, or because the Haravan mirror saw it.
    assert SyncEvent.objects.filter(tenant=tenant(), action__in=["adopt", "link"]).exists()
    assert not KvRow.objects.filter(tenant=tenant(), state=RowState.ERROR).exists()


def test_worker_killed_mid_sync_resumes_without_duplicates(shop: Platforms, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Simulate the worker dying after a few creates: the job stays 'running'; running it again
    (as the resume task does) finishes with no duplicate product on either side."""
    from kiotsync.catalog import execute

    real_create = execute.ProductExecutor._create
    calls = {"n": 0}

    class WorkerKilled(BaseException):
        pass

    def dying_create(self, action):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 6:
            raise WorkerKilled()
        return real_create(self, action)

    monkeypatch.setattr(execute.ProductExecutor, "_create", dying_create)
    with contextlib.suppress(WorkerKilled):
        usecases.start_sync_now(tenant(), get_wiring())
    monkeypatch.setattr(execute.ProductExecutor, "_create", real_create)
    job = usecases.latest_job(tenant(), "sync_kv_hv")
    assert job is not None and job.state == "running"
    partial = len(ProductLinkRecord.objects.filter(tenant=tenant()))
    assert partial >= 5
    # The resume task re-runs jobs whose heartbeat stopped.
    job.heartbeat_at = job.heartbeat_at - usecases.STALE_JOB * 2
    job.save()
    assert job.pk in usecases.stale_jobs()
    usecases.run_job(job.pk, get_wiring())
    job.refresh_from_db()
    assert job.state == "done", job.message
    skus = hv_skus()
    assert all(n == 1 for n in skus.values()), [s for s, n in skus.items() if n > 1]
    assert not KvRow.objects.filter(tenant=tenant(), state=RowState.ERROR).exists()


def test_transfer_all_creates_kiotviet_products_and_writes_back_codes(shop: Platforms) -> None:
    run_sync()
    job = usecases.start_transfer_all(tenant(), get_wiring())
    job.refresh_from_db()
    assert job.state == "done", job.message
    assert job.done == job.total and job.total > 0
    rows = HvVariantRow.objects.filter(tenant=tenant(), deleted=False)
    states = Counter(rows.values_list("state", flat=True))
    assert states[RowState.ERROR] == 0, list(
        rows.filter(state=RowState.ERROR).values_list("sku", "last_error")
    )
    kv = get_wiring().kiotviet(tenant())
    for variant in rows.filter(sku__startswith="HRV-"):
        assert variant.state == RowState.LINKED
        assert kv.get_product_by_code(variant.sku).id == variant.kv_id
    # Variants without SKU got the code KiotViet assigned, written back to Haravan.
    hv = get_wiring().haravan(tenant())
    for variant in rows.filter(state=RowState.LINKED):
        assert variant.sku, variant.product_title
        assert hv.get_variant(variant.hv_variant_id).sku == variant.sku
    # Running it again changes nothing.
    mark = shop.kv_control("GET", "/requests", params={"limit": 1})["last_seq"]
    job2 = usecases.start_transfer_all(tenant(), get_wiring())
    job2.refresh_from_db()
    writes = [
        r
        for r in shop.kv_control("GET", "/requests", params={"since": mark})["requests"]
        if r["method"] != "GET"
    ]
    assert writes == []


def test_a_kiotviet_description_reaches_the_storefront_without_script(shop: Platforms) -> None:
    """Descriptions are cleaned to formatting HTML before they are written to Haravan."""
    from kiotsync.catalog.models import VariantLinkRecord
    from kiotsync.wiring import get_wiring

    from .test_field_toggles import _row
    from .test_sync import run_sync, tenant

    run_sync()
    row = _row()
    evil = '<p onclick="steal()">Áo <b>đẹp</b><script>alert(document.cookie)</script><img src="x" onerror="y()"><a href="javascript:alert(1)">xem</a></p>'
    shop.kv_control("PUT", f"/products/{row.kv_id}", json={"description": evil})
    run_sync()
    link = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=row.kv_id)
    body = get_wiring().haravan(tenant()).get_product(link.hv_product_id).body_html or ""
    assert "<b>đẹp</b>" in body
    for bad in ("<script", "onclick", "onerror", "javascript:", "document.cookie"):
        assert bad not in body, body


def test_creates_lost_to_transient_failures_are_retried_and_adopted_once(shop: Platforms) -> None:
    """Haravan creates answered 502 after committing: the rows show their error, a retry is
    scheduled, and the Auto-sync poll (which also retries rows no write has reached) adopts the
    products made meanwhile instead of creating them twice (issue 10, fix 7)."""
    from kiotsync.catalog.models import KvRow, RowState, VariantLinkRecord

    from .test_sync import hv_skus, run_sync, tenant

    run_sync()
    shop.kv_control("POST", "/products/bulk", json={"products": 5, "code_prefix": "RETRY"})
    shop.hv_control(
        "POST",
        "/faults",
        json={
            "method": "POST",
            "path": "/com/products.json",
            "after_commit": True,
            "status": 502,
            "count": 5,
        },
    )
    run_sync()
    new = KvRow.objects.filter(tenant=tenant(), code__startswith="RETRY")
    assert new.count() == 5
    assert set(new.values_list("state", flat=True)) == {RowState.ERROR}
    assert sum(n for s, n in hv_skus().items() if s.startswith("RETRY")) == 5  # Haravan did create them
    usecases.poll(tenant(), get_wiring())  # no KiotViet change: only the rows behind are retried
    assert set(new.values_list("state", flat=True)) == {RowState.LINKED}
    assert VariantLinkRecord.objects.filter(tenant=tenant(), kv_code__startswith="RETRY").count() == 5
    skus = hv_skus()
    assert [n for s, n in skus.items() if s.startswith("RETRY")] == [1] * 5


def test_a_product_webhook_handled_again_after_a_failure_still_wakes_the_sync(shop: Platforms) -> None:
    """The first attempt stored the new product, then failed before waking its sync (on
    PostgreSQL: a concurrent stock row insert). The retry finds nothing new to store — and must
    still wake the sync, or the product waits for the poll (issue 10, fix 7)."""
    from kiotsync.catalog import ingest
    from kiotsync.catalog.models import KvRow, RowState
    from kiotsync.inbox.dispatch import process_event
    from kiotsync.inbox.models import InboundEvent
    from kiotsync.tenants.models import SyncSettings

    from .test_sync import hv_skus, run_sync, tenant

    run_sync()
    SyncSettings.objects.filter(tenant=tenant()).update(auto_sync_enabled=True)
    shop.kv.webhooks.pause()
    shop.kv_control("POST", "/products/bulk", json={"products": 1, "code_prefix": "AGAIN"})
    product = next(
        p for p in get_wiring().kiotviet(tenant()).list_products().items if (p.code or "").startswith("AGAIN")
    )
    ingest.upsert_kv_rows(tenant(), ingest.kv_rows_from_wire([product]))  # what the failed attempt stored
    body = {
        "Id": "retry-0001",
        "Attempt": 1,
        "Notifications": [{"Action": "product.update.1", "Data": [product.raw]}],
    }
    event = InboundEvent.objects.create(
        tenant=tenant(),
        platform="kiotviet",
        topic="product.update",
        delivery_key="kv:retry-0001",
        payload=body,
        attempts=1,
    )
    wiring = get_wiring()
    process_event(event.pk, wiring, wiring.handlers)
    assert KvRow.objects.get(tenant=tenant(), kv_id=product.id).state == RowState.LINKED
    assert hv_skus()[product.code] == 1


@pytest.mark.parametrize("webhook", ["delivered", "lost"])
def test_a_price_book_edit_reaches_haravan(shop: Platforms, client: Client, webhook: str) -> None:
    """Selling at a price book's prices: an edit in the book (which moves no product's
    modifiedDate) reaches Haravan — by its ``pricebookdetail.update`` webhook, or, when that was
    lost, by the Auto-sync poll reading the book (issue 10, fix 5)."""
    from kiotsync.catalog.models import VariantLinkRecord
    from kiotsync.tenants.models import SyncSettings

    from .test_field_toggles import _haravan, _row
    from .test_sync import run_sync, tenant

    books = [b for b in get_wiring().kiotviet(tenant()).list_pricebooks() if b.id]
    assert books, "the demo shop has price books"
    book = books[0].id
    SyncSettings.objects.filter(tenant=tenant()).update(
        price_source=SyncSettings.PriceSource.PRICE_BOOK, price_book_id=book, auto_sync_enabled=True
    )
    run_sync()
    row = _row()
    assert VariantLinkRecord.objects.filter(tenant=tenant(), kv_id=row.kv_id).exists()
    if webhook == "lost":
        shop.kv.webhooks.pause()
    shop.kv_control(
        "POST", "/pricebooks/detail", json={"pricebookId": book, "productId": row.kv_id, "price": 123456}
    )
    if webhook == "lost":
        shop.kv.webhooks.clear()
        shop.kv.webhooks.resume()
        usecases.poll(tenant(), get_wiring())
    else:
        shop.kv.webhooks.drain(10)
    _product, variant = _haravan(row)
    assert int(variant.price or 0) == 123456


def test_a_haravan_edit_to_a_ticked_field_is_repaired_by_sync_now(shop: Platforms) -> None:
    """Every field ticked: a title and a price edited by hand on Haravan are drift, written back
    by Sync now although nothing changed in KiotViet (issue 10, fix 6)."""
    from .test_field_toggles import _haravan, _row
    from .test_sync import run_sync, tenant

    run_sync()
    row = _row()
    product, variant = _haravan(row)
    hv = get_wiring().haravan(tenant())
    hv.update_product(product.id, {"title": "Sửa tay trên Haravan"})
    hv.update_variant(variant.id, {"price": 1})
    run_sync()
    product, variant = _haravan(row)
    assert product.title != "Sửa tay trên Haravan" and product.title == row.name
    assert int(variant.price or 0) == int(row.base_price)
    run_sync()  # and nothing is written again when nothing changed


def test_a_product_deleted_on_haravan_stops_syncing_and_can_be_turned_back_on(shop: Platforms) -> None:
    """Deleted on Haravan: the links go, the KiotViet group is excluded from sync with the reason
    in words (no "unlink" instruction no screen offers), Sync now does not put it back; turning
    sync on again creates it on Haravan again (issue 10, fix 4)."""
    from kiotsync.catalog.models import SyncEvent, VariantLinkRecord

    from .test_field_toggles import _row
    from .test_sync import hv_skus, run_sync, tenant

    run_sync()
    row = _row()
    link = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=row.kv_id)
    get_wiring().haravan(tenant()).delete_product(link.hv_product_id)
    shop.hv.webhooks.drain(10)
    row.refresh_from_db()
    assert not VariantLinkRecord.objects.filter(tenant=tenant(), kv_id=row.kv_id).exists()
    assert row.opted_out and row.reason_code == "deleted_on_haravan"
    assert SyncEvent.objects.filter(tenant=tenant(), action="deleted_on_haravan", kv_id=row.kv_id).exists()
    run_sync()
    assert row.code not in hv_skus()
    usecases.set_opt_out(tenant(), row.kv_id, False, get_wiring())
    assert hv_skus()[row.code] == 1


@pytest.mark.parametrize("opening", ["haravan", "zero"])
def test_transfer_all_keeps_selling_what_the_shop_holds(
    shop: Platforms, client: Client, opening: str
) -> None:
    """ "Chuyển dữ liệu" creates Haravan-only products in KiotViet with the Haravan on-hand (at
    the chosen location) as opening stock in the order branch, so the next stock write does not
    wipe online stock — unless the merchant chose 0 in the confirmation (issue 10, fix 8)."""
    from kiotsync.emulators.haravan.presets import HARAVAN_ONLY_SKUS
    from kiotsync.tenants.models import SyncSettings

    from .test_sync import available, kv_available, run_sync, tenant

    settings = SyncSettings.objects.get(tenant=tenant())
    run_sync()
    hv = get_wiring().haravan(tenant())
    variants = {v.sku: v for p in hv.iter_products() for v in p.variants if v.sku in HARAVAN_ONLY_SKUS}
    before = available([v.id for v in variants.values()])
    assert any(before.values()), before
    page = client.get("/products/haravan/transfer/confirm", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="transfer-modal"' in page and settings.order_branch_name in page
    resp = client.post("/products/haravan/transfer", {"opening_stock": opening}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    shop.kv.webhooks.drain(10)
    shop.hv.webhooks.drain(10)
    run_sync()
    after = available([v.id for v in variants.values()])
    for sku, variant in variants.items():
        kv = kv_available(sku, settings.order_branch_id)
        if opening == "haravan":
            assert kv == before[variant.id], (sku, kv, before[variant.id])
            assert after[variant.id] == before[variant.id], sku  # online stock kept
        else:
            assert kv == 0 and after[variant.id] == 0, sku


def test_sync_again_recreates_a_variant_deleted_on_haravan(shop: Platforms, client: Client) -> None:
    """A linked variant deleted on Haravan (its webhook lost): the row says so and tells to press
    "Đồng bộ lại", which reads Haravan again, drops the vanished link and adds the variant back."""
    from collections import Counter as Count

    from kiotsync.catalog.models import VariantLinkRecord

    from .test_sync import hv_skus, run_sync, tenant

    run_sync()
    per_product = Count(
        VariantLinkRecord.objects.filter(tenant=tenant()).values_list("hv_product_id", flat=True)
    )
    product_id = next(pid for pid, n in per_product.items() if n > 1)
    link = (
        VariantLinkRecord.objects.filter(tenant=tenant(), hv_product_id=product_id).order_by("kv_id").first()
    )
    shop.hv.webhooks.pause()
    get_wiring().haravan(tenant()).delete_variant(product_id, link.hv_variant_id)
    shop.hv.webhooks.clear()
    shop.hv.webhooks.resume()
    assert link.kv_code not in hv_skus()
    resp = client.post(f"/products/kiotviet/{link.kv_id}/resync")
    assert resp.status_code in (200, 302)
    assert hv_skus()[link.kv_code] == 1
    new = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=link.kv_id)
    assert new.hv_variant_id != link.hv_variant_id and new.hv_product_id == product_id
