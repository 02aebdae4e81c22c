"""Each field toggle of the settings screen, end to end: a ticked field follows KiotViet on every
change; an unticked one keeps what Haravan has after the product was created."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kiotsync.catalog.models import KvRow, VariantLinkRecord
from kiotsync.tenants.models import SyncSettings
from kiotsync.wiring import get_wiring
from tests.web.conftest import Platforms

from .test_sync import run_sync, tenant

Reader = Callable[[Any, Any], object]

# flag, KiotViet admin edit (JSON for PUT /_emulator/products/<id>), reader of the Haravan value
CASES: list[tuple[str, dict[str, Any], Reader]] = [
    ("sync_name", {"name": "Tên đổi trong KiotViet"}, lambda p, v: p.title),
    ("sync_description", {"description": "<p>Mô tả đổi</p>"}, lambda p, v: p.body_html),
    ("sync_price", {"basePrice": 777000}, lambda p, v: int(v.price or 0)),
    ("sync_images", {"images": ["https://cdn.example.vn/anh-moi.jpg"]}, lambda p, v: len(p.images)),
    ("sync_category", {"categoryName": None}, lambda p, v: p.product_type),
    ("sync_weight", {"weight": 1234}, lambda p, v: int(v.grams or 0)),
    ("sync_barcode", {"barCode": "8930000999999"}, lambda p, v: v.barcode),
    ("sync_status", {"isActive": False}, lambda p, v: p.published),
]


def _row() -> KvRow:
    unit_bases = set(
        KvRow.objects.filter(tenant=tenant(), master_unit_id__isnull=False).values_list(
            "master_unit_id", flat=True
        )
    )
    for row in KvRow.objects.filter(
        tenant=tenant(),
        type=2,
        is_active=True,
        deleted=False,
        master_product_id__isnull=True,
        master_unit_id__isnull=True,
    ).order_by("kv_id"):
        if not row.data.get("attributes") and row.kv_id not in unit_bases:
            return row
    raise AssertionError("no simple product in the demo shop")


def _haravan(row: KvRow) -> tuple[Any, Any]:
    link = VariantLinkRecord.objects.get(tenant=tenant(), kv_id=row.kv_id)
    product = get_wiring().haravan(tenant()).get_product(link.hv_product_id)
    variant = next(v for v in product.variants if v.id == link.hv_variant_id)
    return product, variant


def _edit(p: Platforms, row: KvRow, change: dict[str, Any]) -> None:
    if "categoryName" in change:
        other = next(
            c
            for c in get_wiring().kiotviet(tenant()).list_categories()
            if c.name and c.name != row.category_name
        )
        change = {"categoryId": other.id}
    p.kv_control("PUT", f"/products/{row.kv_id}", json=change)


@pytest.mark.parametrize(("flag", "change", "read"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("ticked", [True, False], ids=["ticked", "unticked"])
def test_field_toggle(shop: Platforms, flag: str, change: dict[str, Any], read: Reader, ticked: bool) -> None:
    settings = SyncSettings.objects.get()
    setattr(settings, flag, ticked)
    settings.save()
    run_sync()
    row = _row()
    before = read(*_haravan(row))
    _edit(shop, row, dict(change))
    run_sync()
    after = read(*_haravan(row))
    if ticked:
        assert after != before, f"{flag} ticked: Haravan should follow KiotViet"
    else:
        assert after == before, f"{flag} unticked: Haravan should keep its value"
