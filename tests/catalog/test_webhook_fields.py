"""A ``product.update`` webhook does not carry every field of the product (KiotViet's digest
§4.4: no ``barCode``, no combo ``productFormulas``): what it does not carry is kept as last read,
never taken for "emptied" (found by the chaos test, issue 10: a rename cleared the Haravan
barcodes until the next full read, for good when that read's write was lost)."""

from __future__ import annotations

from kiotsync.catalog.models import KvRow
from kiotsync.wiring import get_wiring
from tests.web.conftest import Platforms

from .test_field_toggles import _haravan
from .test_stock_targets import auto_sync_on, com_writes, settle
from .test_sync import run_sync, tenant


def test_a_rename_by_webhook_keeps_the_barcode_and_the_combo_components(shop: Platforms) -> None:
    run_sync()
    auto_sync_on()
    rows = KvRow.objects.filter(tenant=tenant(), deleted=False, is_active=True)
    row = next(r for r in rows.order_by("kv_id") if r.barcode)
    combo = next(r for r in rows.filter(type=1).order_by("kv_id") if r.data.get("components"))
    components = combo.data["components"]
    assert _haravan(row)[1].barcode == row.barcode
    mark = shop.hv_control("GET", "/requests", params={"limit": 1})["last_seq"]
    for r in (row, combo):
        shop.kv_control("PUT", f"/products/{r.kv_id}", json={"name": f"{r.name} (mới)"})
    settle(shop)
    assert _haravan(row)[0].title.endswith("(mới)") or _haravan(row)[1].title  # the rename arrived
    assert KvRow.objects.get(pk=row.pk).barcode == row.barcode
    assert KvRow.objects.get(pk=combo.pk).data["components"] == components
    assert _haravan(row)[1].barcode == row.barcode
    assert not [w for w in com_writes(shop, mark) if "barcode" in str(w.get("body", ""))]
    assert get_wiring().kiotviet(tenant()).get_product_by_code(row.code).bar_code == row.barcode


def test_a_worker_killed_mid_update_is_taken_up_by_the_next_poll(shop: Platforms) -> None:
    """A worker dying between planning a product update and recording it (found by the chaos
    test, issue 10): the rows it was writing are left "under way", so the next Auto-sync poll
    plans them again although KiotViet reports nothing new about them."""
    import pytest

    from kiotsync.bench.chaos_tools import Killer, WorkerKilled
    from kiotsync.catalog import usecases

    run_sync()
    auto_sync_on()
    from .test_sync_rules import _simple_rows

    row = _simple_rows()[0]
    shop.kv.webhooks.pause()  # the poll finds the rename
    shop.kv_control("PUT", f"/products/{row.kv_id}", json={"name": "Tên mới sau khi chết"})
    killer = Killer()
    killer.arm("hv.update_product", after=False)
    try:
        with pytest.raises(WorkerKilled):
            usecases.poll(tenant(), get_wiring())
    finally:
        killer.disarm()
    assert "Tên mới" not in _haravan(row)[0].title
    usecases.poll(tenant(), get_wiring())
    assert "Tên mới sau khi chết" in _haravan(row)[0].title


def test_a_webhook_handled_after_a_newer_read_does_not_put_the_old_barcode_back(shop: Platforms) -> None:
    """The fields a webhook lacks are kept from the row as stored under its lock, and a webhook
    older than the stored row changes nothing: a ``product.update`` handled while Sync now's read
    stored the new barcode cannot restore the old one (the cursor has moved past the change, so
    nothing would ever read it again)."""
    from dataclasses import replace
    from datetime import timedelta

    from kiotsync.catalog import ingest

    run_sync()
    row = next(r for r in KvRow.objects.filter(tenant=tenant()).order_by("kv_id") if r.barcode)
    kv = get_wiring().kiotviet(tenant())
    shop.kv_control("PUT", f"/products/{row.kv_id}", json={"barCode": "8930000999999"})
    fresh = kv.get_product(row.kv_id)
    ingest.upsert_kv_rows(tenant(), ingest.kv_rows_from_wire([fresh]))  # the read, first
    webhook_item = replace(fresh, raw={k: v for k, v in fresh.raw.items() if k.casefold() != "barcode"})
    rows, unsent = ingest.kv_rows_from_webhook([webhook_item])
    assert "barcode" in unsent[row.kv_id]
    assert ingest.upsert_kv_rows(tenant(), rows, unsent=unsent) == set()  # the webhook, late
    assert KvRow.objects.get(pk=row.pk).barcode == "8930000999999"
    older = replace(fresh, name="Tên cũ", modified_date=fresh.modified_date - timedelta(minutes=1))
    assert ingest.upsert_kv_rows(tenant(), ingest.kv_rows_from_wire([older])) == set()
    assert KvRow.objects.get(pk=row.pk).name == row.name
