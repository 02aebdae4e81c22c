"""Example tests for KiotViet → Haravan product planning: one rule per test."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from kiotsync.core.catalog import (
    AddVariant,
    CreateProduct,
    HideProduct,
    KvComponent,
    KvPriceBookPrice,
    KvProductType,
    LinkKey,
    LinkProduct,
    LinkVariant,
    ReasonCode,
    RowState,
    SyncField,
    SyncSettings,
    UpdateProduct,
    UpdateVariant,
    VariantLink,
)
from kiotsync.core.catalog.fields import resolve_price
from tests.core.builders import NOW, SETTINGS, hv_product, hv_variant, kv, of_type, plan
from tests.core.simulate import World, apply_product_plan


def synced(world: World, settings: SyncSettings = SETTINGS, deleted: tuple[int, ...] = ()) -> World:
    """Plan and apply once (the state a service reaches after one successful run)."""
    return apply_product_plan(
        world, plan(world.kv_rows, world.hv_products, world.links, settings=settings, deleted=deleted)
    )


def replan(world: World, settings: SyncSettings = SETTINGS, **kw: object):  # type: ignore[no-untyped-def]
    return plan(world.kv_rows, world.hv_products, world.links, settings=settings, **kw)  # type: ignore[arg-type]


def with_rows(world: World, *rows) -> World:  # type: ignore[no-untyped-def]
    by_id = {r.id: r for r in world.kv_rows}
    by_id.update({r.id: r for r in rows})
    return dataclasses.replace(world, kv_rows=tuple(by_id.values()))


# --- linking and structure ------------------------------------------------------------------


def test_simple_product_becomes_single_variant_product() -> None:
    row = kv(
        1, "SP01", "Áo thun", barcode="893001", weight=250, category_name="Áo", images=("https://kv/a.jpg",)
    )
    result = plan([row])
    [create] = result.actions
    assert isinstance(create, CreateProduct)
    fields = create.product.fields
    assert (fields.title, fields.product_type, fields.options, fields.images) == (
        "Áo thun",
        "Áo",
        ("Title",),
        ("https://kv/a.jpg",),
    )
    [variant] = create.product.variants
    assert variant.kv_product_id == 1
    assert variant.fields.sku == "SP01" and variant.fields.barcode == "893001"
    assert variant.fields.option_values == ("Default Title",)
    assert variant.fields.price == Decimal(100000) and variant.fields.grams == Decimal(250)
    assert variant.fields.tracked is True
    assert result.status_of(1).state is RowState.PLANNED  # type: ignore[union-attr]


def test_variant_group_becomes_one_product_with_one_variant_per_row() -> None:
    rows = [
        kv(12, "AT-XL-D", attrs={"Màu sắc": "Đỏ", "Size": "XL"}, master_product_id=10),
        kv(10, "AT-L-D", attrs={"Màu sắc": "Đỏ", "Size": "L"}),
        kv(11, "AT-L-X", attrs={"Màu sắc": "Xanh", "Size": "L"}, master_product_id=10),
    ]
    [create] = plan(rows).actions
    assert isinstance(create, CreateProduct) and create.kv_group_id == 10
    assert create.product.fields.options == ("Màu sắc", "Size")
    assert [(d.kv_product_id, d.fields.option_values) for d in create.product.variants] == [
        (10, ("Đỏ", "L")),
        (11, ("Xanh", "L")),
        (12, ("Đỏ", "XL")),
    ]


def test_units_become_variants_of_option_don_vi_with_unit_rows_of_variants() -> None:
    rows = [
        kv(20, "BIA", "Bia", unit="Lon"),
        kv(21, "BIA-T", "Bia", unit="Thùng", master_unit_id=20, conversion_value=24),
        kv(30, "NUOC-C", "Nước", unit="Chai", attrs={"Vị": "Cam"}),
        kv(31, "NUOC-D", "Nước", unit="Chai", attrs={"Vị": "Dâu"}, master_product_id=30),
        kv(32, "NUOC-D-L", "Nước", unit="Lốc", master_product_id=30, master_unit_id=31, conversion_value=6),
    ]
    creates = {a.kv_group_id: a.product for a in plan(rows).actions}
    assert creates[20].fields.options == ("Đơn vị",)
    assert [d.fields.option_values for d in creates[20].variants] == [("Lon",), ("Thùng",)]
    assert creates[30].fields.options == ("Vị", "Đơn vị")
    assert [d.fields.option_values for d in creates[30].variants] == [
        ("Cam", "Chai"),
        ("Dâu", "Chai"),
        ("Dâu", "Lốc"),
    ]


def test_combo_is_a_tracked_simple_product_and_service_is_untracked() -> None:
    rows = [
        kv(1, "A"),
        kv(2, "COMBO", type=KvProductType.COMBO, components=(KvComponent(1, Decimal(2)),)),
        kv(3, "SV", "Gói quà", type=KvProductType.SERVICE),
    ]
    creates = {a.kv_group_id: a.product.variants[0].fields for a in plan(rows).actions}
    assert creates[2].tracked is True
    assert creates[3].tracked is False


def test_existing_haravan_product_with_the_sku_is_linked_not_duplicated() -> None:
    product = hv_product(500, "Áo thun", [hv_variant(501, 500, "sp01 ", price=90000)])
    result = plan([kv(1, "SP01")], [product])
    assert not of_type(result.actions, CreateProduct)
    [link] = of_type(result.actions, LinkVariant)
    assert (link.kv_product_id, link.hv_product_id, link.hv_variant_id) == (1, 500, 501)
    [update] = of_type(result.actions, UpdateVariant)
    assert (
        update.changes.price == Decimal(100000) and update.changes.sku is None
    )  # sku matches case-insensitively


def test_barcode_link_key() -> None:
    settings = SyncSettings(link_key=LinkKey.BARCODE)
    product = hv_product(500, "Áo", [hv_variant(501, 500, "OTHER-SKU", barcode="893001", price=100000)])
    result = plan([kv(1, "SP01", "Áo", barcode="893001")], [product], settings=settings)
    assert of_type(result.actions, LinkVariant)[0].hv_variant_id == 501
    assert not of_type(result.actions, UpdateVariant)  # sku is not the key here and is set at creation only


def test_new_sibling_is_added_to_the_linked_product_and_images_follow() -> None:
    world = synced(World(kv_rows=(kv(10, "A-D", attrs={"Màu": "Đỏ"}, images=("https://kv/d.jpg",)),)))
    world = with_rows(
        world, kv(11, "A-X", attrs={"Màu": "Xanh"}, master_product_id=10, images=("https://kv/x.jpg",))
    )
    result = replan(world)
    [add] = of_type(result.actions, AddVariant)
    assert add.variant.kv_product_id == 11 and add.variant.fields.option_values == ("Xanh",)
    [update] = of_type(result.actions, UpdateProduct)
    assert update.changes.images == ("https://kv/d.jpg", "https://kv/x.jpg")
    assert not replan(apply_product_plan(world, result)).actions


def test_in_sync_product_plans_nothing() -> None:
    world = synced(World(kv_rows=(kv(1, "SP01", images=("https://kv/a.jpg",)),)))
    result = replan(world)
    assert result.actions == ()
    assert result.status_of(1).state is RowState.LINKED  # type: ignore[union-attr]


def test_inactive_unlinked_row_is_not_created() -> None:
    result = plan([kv(1, "SP01", is_active=False)])
    assert result.actions == ()
    status = result.status_of(1)
    assert status is not None and status.state is RowState.NOT_APPLICABLE
    assert status.reason is not None and status.reason.code is ReasonCode.INACTIVE


# --- field rules ----------------------------------------------------------------------------

FIELD_CASES = [
    (SyncField.NAME, {"name": "Áo mới"}, "product", "title", "Áo mới"),
    (SyncField.DESCRIPTION, {"description": "<p>mới</p>"}, "product", "body_html", "<p>mới</p>"),
    (SyncField.CATEGORY, {"category_name": "Quần"}, "product", "product_type", "Quần"),
    (SyncField.IMAGES, {"images": ("https://kv/new.jpg",)}, "product", "images", ("https://kv/new.jpg",)),
    (SyncField.PRICE, {"base_price": Decimal(120000)}, "variant", "price", Decimal(120000)),
    (SyncField.WEIGHT, {"weight": Decimal(400)}, "variant", "grams", Decimal(400)),
    (SyncField.BARCODE, {"barcode": "893999"}, "variant", "barcode", "893999"),
    (SyncField.STOCK, {"type": KvProductType.SERVICE}, "variant", "tracked", False),
]


@pytest.mark.parametrize(("toggle", "edit", "level", "attr", "expected"), FIELD_CASES)
def test_ticked_field_is_overwritten_on_change(toggle, edit, level, attr, expected) -> None:  # type: ignore[no-untyped-def]
    world = synced(World(kv_rows=(kv(1, "SP01", images=("https://kv/a.jpg",)),)))
    world = with_rows(world, dataclasses.replace(world.kv_rows[0], **edit))
    kind = UpdateProduct if level == "product" else UpdateVariant
    [update] = of_type(replan(world).actions, kind)
    assert getattr(update.changes, attr) == expected


@pytest.mark.parametrize(("toggle", "edit", "level", "attr", "expected"), FIELD_CASES)
def test_unticked_field_is_never_touched_after_creation(toggle, edit, level, attr, expected) -> None:  # type: ignore[no-untyped-def]
    settings = SyncSettings(synced_fields=frozenset(SyncField) - {toggle})
    world = synced(World(kv_rows=(kv(1, "SP01", images=("https://kv/a.jpg",)),)), settings)
    world = with_rows(world, dataclasses.replace(world.kv_rows[0], **edit))
    actions = replan(world, settings).actions
    assert not of_type(actions, UpdateProduct) and not of_type(actions, UpdateVariant)


def test_unticked_fields_are_still_set_at_creation() -> None:
    settings = SyncSettings(synced_fields=frozenset())
    [create] = plan([kv(1, "SP01", description="<b>x</b>", weight=5)], settings=settings).actions
    assert create.product.fields.body_html == "<b>x</b>"
    assert create.product.variants[0].fields.grams == Decimal(5)


def test_a_haravan_edit_to_a_ticked_field_is_drift_repaired_at_once() -> None:
    """Ticked ("KiotViet ghi đè lên Haravan") means KiotViet owns the field: a hand edit on Haravan
    is drift, written back by the next plan even though KiotViet did not change (issue 10, fix 6;
    this test used to assert the edit survived until KiotViet changed again)."""
    world = synced(World(kv_rows=(kv(1, "SP01"),)))
    product = world.hv_products[0]
    edited = dataclasses.replace(product, title="Tên do shop sửa trên Haravan")
    world = dataclasses.replace(world, hv_products=(edited,))
    [update] = replan(world).actions
    assert isinstance(update, UpdateProduct) and update.changes.title == "Áo thun"


def test_a_haravan_edit_to_an_unticked_field_is_kept() -> None:
    settings = SyncSettings(synced_fields=frozenset(SyncField) - {SyncField.NAME})
    world = synced(World(kv_rows=(kv(1, "SP01"),)), settings)
    edited = dataclasses.replace(world.hv_products[0], title="Tên do shop sửa trên Haravan")
    world = dataclasses.replace(world, hv_products=(edited,))
    assert replan(world, settings).actions == ()


def test_clearing_pushed_fingerprints_forces_overwrite_from_kiotviet() -> None:
    world = synced(World(kv_rows=(kv(1, "SP01"),)))
    world = dataclasses.replace(
        world,
        hv_products=(dataclasses.replace(world.hv_products[0], title="Sửa tay"),),
        links=tuple(dataclasses.replace(link, pushed=type(link.pushed)()) for link in world.links),
    )
    assert of_type(replan(world).actions, UpdateProduct)[0].changes.title == "Áo thun"


def test_rehosted_images_do_not_look_changed() -> None:
    world = synced(World(kv_rows=(kv(1, "SP01", images=("https://kv/a.jpg",)),)))
    assert world.hv_products[0].images != ("https://kv/a.jpg",)  # Haravan re-hosts on its CDN
    assert replan(world).actions == ()


def test_empty_kiotviet_images_never_wipe_haravan_images() -> None:
    product = hv_product(500, "Áo thun", [hv_variant(501, 500, "SP01")], images=("https://hv/x.jpg",))
    updates = of_type(plan([kv(1, "SP01")], [product]).actions, UpdateProduct)
    assert updates and all(u.changes.images is None for u in updates)


# --- price ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (KvPriceBookPrice(7, Decimal(90000)), Decimal(90000)),
        (KvPriceBookPrice(7, Decimal(90000), is_active=False), Decimal(100000)),
        (KvPriceBookPrice(7, Decimal(90000), end=NOW.replace(month=4)), Decimal(100000)),
        (KvPriceBookPrice(7, Decimal(90000), end=NOW), Decimal(100000)),
        (KvPriceBookPrice(7, Decimal(90000), start=NOW.replace(month=6)), Decimal(100000)),
        (KvPriceBookPrice(8, Decimal(90000)), Decimal(100000)),
        (
            KvPriceBookPrice(7, Decimal(90000), start=NOW.replace(month=4), end=NOW.replace(month=6)),
            Decimal(90000),
        ),
    ],
    ids=["in-book", "inactive-book", "expired", "ends-now", "not-started", "other-book", "in-window"],
)
def test_price_book_with_fallback_to_base_price(entry: KvPriceBookPrice, expected: Decimal) -> None:
    settings = SyncSettings(price_book_id=7)
    row = kv(1, "SP01", base_price=100000, price_books=(entry,))
    assert resolve_price(row, settings, NOW) == expected
    [create] = plan([row], settings=settings).actions
    assert create.product.variants[0].fields.price == expected


def test_naive_price_book_dates_are_vietnam_time() -> None:
    naive_end = NOW.replace(tzinfo=None, hour=12, minute=30)  # 12:30 local, NOW is 12:00 local
    row = kv(1, base_price=100000, price_books=(KvPriceBookPrice(7, Decimal(1), end=naive_end),))
    assert resolve_price(row, SyncSettings(price_book_id=7), NOW) == Decimal(1)


# --- hide, never delete -----------------------------------------------------------------------


def test_deleted_in_kiotviet_hides_the_product() -> None:
    world = synced(World(kv_rows=(kv(1, "SP01"),)))
    world = dataclasses.replace(world, kv_rows=())
    [hide] = replan(world, deleted=[1]).actions
    assert isinstance(hide, HideProduct) and hide.reason is ReasonCode.DELETED_IN_KIOTVIET
    world = apply_product_plan(world, replan(world, deleted=[1]))
    assert world.hv_products[0].published is False and len(world.hv_products) == 1
    assert replan(world, deleted=[1]).actions == ()


def test_absent_row_is_out_of_scope_not_deleted() -> None:
    world = synced(World(kv_rows=(kv(1, "SP01"),)))
    assert replan(dataclasses.replace(world, kv_rows=())).actions == ()


def test_deactivated_product_is_hidden_and_reactivated_published() -> None:
    world = synced(World(kv_rows=(kv(1, "SP01"),)))
    world = with_rows(world, dataclasses.replace(world.kv_rows[0], is_active=False))
    [hide] = replan(world).actions
    assert isinstance(hide, HideProduct) and hide.reason is ReasonCode.INACTIVE
    world = apply_product_plan(world, replan(world))
    world = with_rows(world, dataclasses.replace(world.kv_rows[0], is_active=True))
    [publish] = replan(world).actions
    assert isinstance(publish, UpdateProduct) and publish.changes.published is True


def test_deactivation_leaves_published_alone_when_active_is_unticked() -> None:
    settings = SyncSettings(synced_fields=frozenset(SyncField) - {SyncField.ACTIVE})
    world = synced(World(kv_rows=(kv(1, "SP01"),)), settings)
    world = with_rows(world, dataclasses.replace(world.kv_rows[0], is_active=False))
    assert not of_type(replan(world, settings).actions, HideProduct)


def test_deleted_row_recreated_with_same_code_relinks_instead_of_hiding() -> None:
    world = synced(World(kv_rows=(kv(1, "SP01"),)))
    world = dataclasses.replace(world, kv_rows=(kv(2, "SP01"),))
    result = replan(world, deleted=[1])
    assert not of_type(result.actions, HideProduct) and not of_type(result.actions, CreateProduct)
    assert of_type(result.actions, LinkVariant)[0].kv_product_id == 2
    world = apply_product_plan(world, result)
    assert {link.kv_product_id for link in world.links if isinstance(link, VariantLink)} == {2}


# --- opt-outs -------------------------------------------------------------------------------


def test_opted_out_group_produces_nothing() -> None:
    rows = [kv(10, "A", attrs={"Màu": "Đỏ"}), kv(11, "B", attrs={"Màu": "Xanh"}, master_product_id=10)]
    result = plan(rows, opt_outs={10})
    assert result.actions == ()
    assert {s.state for s in result.statuses} == {RowState.OPTED_OUT}


def test_opted_out_deleted_product_is_not_hidden() -> None:
    world = synced(World(kv_rows=(kv(1, "SP01"),)))
    world = dataclasses.replace(world, kv_rows=())
    assert replan(world, deleted=[1], opt_outs={1}).actions == ()


def test_link_product_records_product_link_for_linked_existing_products() -> None:
    product = hv_product(500, "Áo thun", [hv_variant(501, 500, "SP01", price=100000)], product_type="Khác")
    result = plan([kv(1, "SP01")], [product])
    assert of_type(result.actions, LinkProduct)[0].hv_product_id == 500
