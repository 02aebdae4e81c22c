"""Wire models parse the digests' sample payloads, including every documented variant."""

from __future__ import annotations

from decimal import Decimal

from kiotsync.haravan.models import InventoryLocation
from kiotsync.haravan.models import Order as HvOrder
from kiotsync.haravan.models import Product as HvProduct
from kiotsync.kiotviet.models import (
    Category,
    Inventory,
    Order,
    Page,
    Product,
    ProductOnHand,
    Settings,
    removed_ids,
)

KV_PRODUCT = {
    "id": 51567210,
    "code": "SPO1731840875933238957",
    "name": "Túi saigon size S",
    "fullName": "Túi saigon size S - Socola",
    "categoryId": 1601068,
    "hasVariants": True,
    "isActive": True,
    "basePrice": 149000.0,
    "masterProductId": None,
    "conversionValue": 1,
    "attributes": [{"productId": 51567210, "attributeName": "Màu sắc", "attributeValue": "Socola"}],
    "units": [{"id": 0, "code": "", "unit": "Thùng", "conversionValue": 24, "basePrice": 0}],
    "images": ["https://cdn/a.jpeg", {"Image": "https://cdn/b.jpeg"}],
    "inventories": [
        {"productId": 51567210, "branchId": 233443, "onHand": 12, "reserved": 5, "minQuality": 1},
        {"productId": 51567210, "branchId": 9, "onhand": 2, "reserved": 4},
    ],
    "modifiedDate": "2026-08-12T10:57:26.0730000",
}


def test_kiotviet_product_variants() -> None:
    p = Product.from_wire(KV_PRODUCT)
    assert p.id == 51567210 and p.full_name == "Túi saigon size S - Socola"
    assert p.base_price == Decimal("149000.0")
    assert p.master_product_id is None and p.has_variants is True
    assert p.attributes[0].name == "Màu sắc" and p.attributes[0].value == "Socola"
    assert p.units[0].conversion_value == 24
    assert p.images == ("https://cdn/a.jpeg", "https://cdn/b.jpeg")
    main = p.inventory_at(233443)
    assert main is not None and main.available == 7 and main.min_quantity == 1
    other = p.inventory_at(9)
    assert other is not None and other.on_hand == 2 and other.available == 0  # floored at 0
    assert p.modified_date is not None and p.modified_date.utcoffset() is not None


def test_kiotviet_webhook_product_is_pascal_case() -> None:
    p = Product.from_wire(
        {
            "Id": 1,
            "Code": "SP1",
            "masterProductId": 7,
            "isActive": False,
            "Images": [{"Image": "https://x/1.jpg"}],
            "Inventories": [{"ProductId": 1, "BranchId": 2, "OnHand": 3, "Reserved": 1}],
        }
    )
    assert (p.id, p.code, p.master_product_id, p.is_active) == (1, "SP1", 7, False)
    assert p.images == ("https://x/1.jpg",)
    assert p.inventories[0] == Inventory(product_id=1, branch_id=2, on_hand=3.0, reserved=1.0)


def test_kiotviet_envelope_removed_id_spellings() -> None:
    assert removed_ids({"removedIds": [1, 2]}) == (1, 2)
    assert removed_ids({"removeId": [3]}) == (3,)
    assert removed_ids({"removeIds": ["4"], "removedIds": [4, 5]}) == (4, 5)
    page = Page.from_wire(
        {"total": 246, "pageSize": 100, "data": [{"id": 1}], "timestamp": "2026-10-07T14:39:10.0000000+07:00"}
    )
    assert page.total == 246 and page.page_size == 100 and len(page.items) == 1
    assert page.timestamp is not None and page.timestamp.isoformat() == "2026-10-07T14:39:10+07:00"


def test_kiotviet_category_tree_and_onhands() -> None:
    tree = Category.from_wire(
        {
            "categoryId": 1,
            "categoryName": "Áo",
            "children": [{"categoryId": 2, "parentId": 1, "categoryName": "Thun"}],
        }
    )
    assert (
        [c.id for c in tree.walk()] == [1, 2] and tree.parent_id is None and tree.children[0].parent_id == 1
    )
    poh = ProductOnHand.from_wire(
        {"id": 5, "code": "A", "inventories": [{"branchId": 1, "onhand": 3, "reserved": 1}]}
    )
    assert poh.inventories[0].product_id == 5 and poh.inventories[0].available == 2
    s = Settings.from_wire({"ManagerCustomerByBranch": True, "AllowSellWhenOutStock": False})
    assert s.manager_customer_by_branch is True and s.allow_sell_when_out_stock is False


def test_kiotviet_order_states() -> None:
    done = Order.from_wire(
        {
            "id": 1,
            "status": 3,
            "statusValue": "Hoàn thành",
            "orderDetails": [{"productId": 2, "quantity": 1.5}],
        }
    )
    assert done.state == "completed" and done.details[0].quantity == 1.5
    assert Order.from_wire({"id": 1, "status": 2, "statusValue": "Đang xử lý"}).state == "processing"
    assert Order.from_wire({"id": 1, "status": 4}).state == "cancelled"
    assert Order.from_wire({"id": 1, "status": 99}).state == "unknown"
    # orderDetails documented as an object in places
    assert len(Order.from_wire({"id": 1, "orderDetails": {"productId": 2, "quantity": 1}}).details) == 1


def test_haravan_product_and_inventory() -> None:
    p = HvProduct.from_wire(
        {
            "id": 1030000001,
            "title": "Áo thun",
            "tags": "a1, a2",
            "published_at": None,
            "options": [{"id": 1, "name": "Màu", "position": 1}],
            "variants": [
                {
                    "id": 1070000001,
                    "sku": "KV-001",
                    "price": 150000.0,
                    "option1": "Trắng",
                    "inventory_management": "Haravan",
                }
            ],
            "images": [{"id": 9, "src": "https://x", "variant_ids": [1070000001]}],
        }
    )
    assert p.tags == ("a1", "a2") and not p.published
    v = p.variant_by_sku("KV-001")
    assert v is not None and v.tracks_inventory and v.price == Decimal("150000.0") and v.options == ("Trắng",)
    inv = InventoryLocation.from_wire(
        {
            "id": 1,
            "loc_id": 900001,
            "variant_id": 1070000001,
            "qty_onhand": 5,
            "qty_commited": 7,
            "qty_available": -2,
        }
    )
    assert (inv.location_id, inv.qty_committed, inv.qty_available) == (900001, 7.0, -2.0)


def test_haravan_order_tolerance() -> None:
    o = HvOrder.from_wire(
        {
            "id": 5,
            "order_number": "#100020",
            "financial_status": "partiallypaid",
            "fulfillment_status": "notfulfilled",
            "cancelled_status": "uncancelled",
            "total_price": 600000.0,
            "shipping_lines": [{"price": 30000}],
            "line_items": [{"id": 1, "variant_id": 2, "quantity": 2, "fulfillment_status": None}],
            "transactions": [{"id": 1, "kind": "Capture", "status": "Thành công", "amount": -150000}],
        }
    )
    assert o.financial_status == "partially_paid"
    assert o.fulfillment_status is None and not o.is_cancelled
    assert o.shipping_fee == Decimal(30000) and o.total_price == Decimal("600000.0")
    assert o.transactions[0].kind == "capture" and o.transactions[0].amount == Decimal(-150000)
    assert HvOrder.from_wire({"id": 1, "fulfillment_status": None}).fulfillment_status is None
