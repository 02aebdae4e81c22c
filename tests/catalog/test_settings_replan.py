"""A settings change re-plans what it changes, with Auto-sync on (found by the chaos test, issue
10; docs/invariants.md S1 and P2 "after any stock-mode, branch, field or price-source change"):
the stock mode or the order branch → every stock row written again; a ticked field or the price
source → the catalogue synced again."""

from __future__ import annotations

from django.test import Client

from kiotsync.catalog.models import KvRow
from kiotsync.tenants.models import SyncSettings
from kiotsync.wiring import get_wiring
from tests.web.conftest import Platforms

from .test_stock_targets import _settings_data, auto_sync_on, kv_sellable, settle, shown
from .test_sync import run_sync, tenant
from .test_sync_rules import _simple_rows


def _branches(p: Platforms) -> set[int]:
    return {int(b["id"]) for b in p.kv_creds["branches"]}


def test_a_stock_mode_change_writes_the_stock_again(shop: Platforms, client: Client) -> None:
    run_sync()
    auto_sync_on()
    rows = [r for r in _simple_rows() if kv_sellable(r.code, _branches(shop)) > 0][:3]
    branch = SyncSettings.objects.get().order_branch_id
    assert [shown(r.code) for r in rows] == [kv_sellable(r.code, _branches(shop)) for r in rows]
    resp = client.post("/settings", _settings_data(client, stock_mode="branch"))
    assert resp.status_code == 302
    settle(shop)
    assert [shown(r.code) for r in rows] == [kv_sellable(r.code, {branch}) for r in rows]
    other = next(b for b in sorted(_branches(shop)) if b != branch)
    assert client.post("/settings", _settings_data(client, order_branch=other)).status_code == 302
    settle(shop)
    assert [shown(r.code) for r in rows] == [kv_sellable(r.code, {other}) for r in rows]


def test_a_price_source_change_writes_the_prices_again(shop: Platforms, client: Client) -> None:
    run_sync()
    auto_sync_on()
    row = _simple_rows()[0]
    kv = get_wiring().kiotviet(tenant())
    book = kv.list_pricebooks()[0]
    shop.kv_control(
        "POST", "/pricebooks/detail", json={"pricebookId": book.id, "productId": row.kv_id, "price": 4321000}
    )
    data = _settings_data(client, price_source="pricebook", price_book=book.id)
    assert client.post("/settings", data).status_code == 302
    settle(shop)
    assert _price(row) == 4321000
    assert client.post("/settings", _settings_data(client, price_source="base")).status_code == 302
    settle(shop)
    assert _price(row) == int(kv.get_product_by_code(row.code).base_price or 0)


def _price(row: KvRow) -> int:
    from kiotsync.catalog.models import VariantLinkRecord

    link = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=row.kv_id)
    product = get_wiring().haravan(tenant()).get_product(link.hv_product_id)
    return int(next(v for v in product.variants if v.id == link.hv_variant_id).price or 0)
