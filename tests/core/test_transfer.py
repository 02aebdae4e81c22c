"""Example tests for the Haravan → KiotViet transfer ("Chuyển dữ liệu")."""

from __future__ import annotations

from decimal import Decimal

from kiotsync.core.catalog import (
    CreateKvCategory,
    CreateKvProducts,
    KvAttribute,
    KvCategory,
    LinkKey,
    LinkVariant,
    ReasonCode,
    RowState,
    SyncSettings,
    TransferPlan,
    VariantLink,
    WriteBackSku,
    plan_haravan_to_kiotviet,
)
from tests.core.builders import SETTINGS, hv_product, hv_variant, kv, of_type
from tests.core.simulate import World, apply_transfer_plan


def transfer(products, rows=(), links=(), categories=(), settings=SETTINGS, opt_outs=()) -> TransferPlan:  # type: ignore[no-untyped-def]
    return plan_haravan_to_kiotviet(products, rows, links, categories, settings, opt_outs)


SIMPLE = hv_product(
    500,
    "Túi vải",
    [hv_variant(501, 500, "TUI01", barcode="893111", price=149000, grams=300)],
    body_html="<p>Túi</p>",
    product_type="Túi xách",
    images=("https://hv/t.jpg",),
)


def test_simple_product_becomes_one_row_with_category() -> None:
    result = transfer([SIMPLE], categories=[KvCategory(1, "túi XÁCH")])
    [create] = result.actions
    assert isinstance(create, CreateKvProducts)
    assert (create.master_product_id, create.has_variants, create.category_name) == (None, False, "Túi xách")
    [row] = create.rows
    assert (row.code, row.name, row.barcode, row.base_price, row.weight) == (
        "TUI01",
        "Túi vải",
        "893111",
        Decimal(149000),
        Decimal(300),
    )
    assert row.images == ("https://hv/t.jpg",) and row.attributes == () and row.description == "<p>Túi</p>"


def test_variants_become_a_group_with_attributes_master_first() -> None:
    product = hv_product(
        600,
        "Áo",
        [
            hv_variant(602, 600, "AO-X-L", option_values=("Xanh", "L"), position=2),
            hv_variant(601, 600, "AO-D-L", option_values=("Đỏ", "L"), position=1),
        ],
        options=("Màu", "Size"),
    )
    [category, create] = transfer([product]).actions
    assert category == CreateKvCategory("Khác")
    assert isinstance(create, CreateKvProducts) and create.has_variants and create.master_product_id is None
    assert [r.code for r in create.rows] == ["AO-D-L", "AO-X-L"]
    assert create.rows[1].attributes == (KvAttribute("Màu", "Xanh"), KvAttribute("Size", "L"))


def test_empty_sku_lets_kiotviet_assign_a_code_then_writes_it_back() -> None:
    product = hv_product(700, "Nón", [hv_variant(701, 700, "")])
    result = transfer([product])
    assert WriteBackSku(700, 701, None) in result.actions
    assert of_type(result.actions, CreateKvProducts)[0].rows[0].code is None
    world = apply_transfer_plan(World(hv_products=(product,)), result)
    [row] = world.kv_rows
    assert row.code.startswith("SP") and world.hv_products[0].variants[0].sku == row.code
    assert transfer(world.hv_products, world.kv_rows, world.links, world.kv_categories).actions == ()


def test_existing_kiotviet_row_with_the_code_is_linked_not_created() -> None:
    result = transfer([SIMPLE], rows=[kv(9, "tui01")])
    assert result.actions == (LinkVariant(9, 500, 501, result.actions[0].pushed),)  # type: ignore[union-attr]


def test_new_variants_join_the_linked_kiotviet_group() -> None:
    product = hv_product(
        600,
        "Áo",
        [
            hv_variant(601, 600, "A", option_values=("Đỏ",)),
            hv_variant(602, 600, "B", option_values=("Xanh",)),
        ],
        options=("Màu",),
    )
    rows = [kv(10, "A", attrs={"Màu": "Đỏ"})]
    [create] = of_type(transfer([product], rows, [VariantLink(10, 600, 601)]).actions, CreateKvProducts)
    assert create.master_product_id == 10 and [r.hv_variant_id for r in create.rows] == [602]
    world = apply_transfer_plan(
        World(hv_products=(product,), kv_rows=tuple(rows), links=(VariantLink(10, 600, 601),)),
        transfer([product], rows, [VariantLink(10, 600, 601)]),
    )
    assert {r.master_product_id for r in world.kv_rows if r.id != 10} == {10}


def test_linked_variant_with_empty_sku_gets_the_kiotviet_code() -> None:
    product = hv_product(700, "Nón", [hv_variant(701, 700, "")])
    result = transfer([product], [kv(9, "SP000009")], [VariantLink(9, 700, 701)])
    assert result.actions == (WriteBackSku(700, 701, "SP000009"),)


def test_problems_need_attention() -> None:
    products = [
        hv_product(800, "Dup 1", [hv_variant(801, 800, "DUP")]),
        hv_product(810, "Dup 2", [hv_variant(811, 810, "dup")]),
        hv_product(820, "Long", [hv_variant(821, 820, "LONG", barcode="12345678901234567")]),
        hv_product(830, "Barcode taken", [hv_variant(831, 830, "NEW", barcode="893")]),
        hv_product(840, "Code taken", [hv_variant(841, 840, "SP01")]),
    ]
    rows = [kv(1, "X", barcode="893"), kv(2, "SP01")]
    result = transfer(products, rows, [VariantLink(2, 999, 998)])
    reasons = {s.hv_variant_id: s.reason.code for s in result.needs_attention if s.reason}
    assert reasons == {
        801: ReasonCode.DUPLICATE_KEY_HARAVAN,
        811: ReasonCode.DUPLICATE_KEY_HARAVAN,
        821: ReasonCode.BARCODE_TOO_LONG,
        831: ReasonCode.DUPLICATE_KEY_KIOTVIET,
        841: ReasonCode.KEY_LINKED_ELSEWHERE,
    }
    assert not of_type(result.actions, CreateKvProducts)


def test_barcode_key_links_by_barcode_and_guards_codes() -> None:
    settings = SyncSettings(link_key=LinkKey.BARCODE)
    products = [
        hv_product(900, "A", [hv_variant(901, 900, "ANY", barcode="893")]),
        hv_product(910, "B", [hv_variant(911, 910, "SP01", barcode="894")]),
    ]
    result = transfer(products, [kv(1, "X", barcode="893"), kv(2, "SP01")], settings=settings)
    assert of_type(result.actions, LinkVariant)[0].kv_product_id == 1
    assert {s.hv_variant_id: s.reason.code for s in result.needs_attention if s.reason} == {
        911: ReasonCode.DUPLICATE_KEY_KIOTVIET
    }


def test_opted_out_product_is_left_alone() -> None:
    result = transfer([SIMPLE], opt_outs={500})
    assert result.actions == () and result.statuses[0].state is RowState.OPTED_OUT
