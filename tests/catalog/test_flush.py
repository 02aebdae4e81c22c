"""The stock flush ends (found by the chaos test, issue 10): stock of a row the mirror does not
know yet (its ``stock.update`` arrived before its ``product.update``, which was lost or late) has
nothing to be planned from; it must not stay dirty, or every flush finds it again and wakes the
next one for ever. The product's own sync plans its stock once the row arrives."""

from __future__ import annotations

import pytest

from kiotsync.catalog import ingest, stock_push, usecases
from kiotsync.wiring import get_wiring
from tests.web.conftest import Platforms

from .test_stock_targets import auto_sync_on
from .test_sync import run_sync, tenant


def test_stock_of_an_unknown_row_does_not_keep_the_flush_going(
    shop: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(usecases, "GATHER_S", 0.0)
    run_sync()
    auto_sync_on()
    branch = int(shop.kv_creds["branches"][0]["id"])
    fact = ingest.StockFact(987654321, branch, 5, 0, ingest.now_version())
    assert ingest.apply_stock(tenant(), [fact]) == {987654321}
    assert stock_push.dirty_rows(tenant()) == [987654321]
    usecases.flush_stock(tenant(), get_wiring())
    assert stock_push.dirty_rows(tenant()) == []
