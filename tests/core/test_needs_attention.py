"""Every mapping problem ends as "needs attention" with its reason code — never dropped."""

from __future__ import annotations

from kiotsync.core.catalog import (
    AddVariant,
    CreateProduct,
    LinkKey,
    ProductPlan,
    ReasonCode,
    RowState,
    SyncSettings,
    VariantLink,
)
from tests.core.builders import hv_product, hv_variant, kv, of_type, plan


def attention(result: ProductPlan) -> dict[int, ReasonCode]:
    return {
        s.kv_product_id: s.reason.code
        for s in result.statuses
        if s.state is RowState.NEEDS_ATTENTION and s.reason is not None
    }


def test_empty_key() -> None:
    settings = SyncSettings(link_key=LinkKey.BARCODE)
    result = plan([kv(1, "SP01", barcode="")], settings=settings)
    assert attention(result) == {1: ReasonCode.EMPTY_KEY}
    assert result.actions == ()
    reason = result.statuses[0].reason
    assert reason is not None and "mã vạch" in reason.message() and "barcode" in reason.message("en")


def test_duplicate_key_in_kiotviet_flags_both_and_creates_neither() -> None:
    settings = SyncSettings(link_key=LinkKey.BARCODE)
    result = plan(
        [kv(1, "A", barcode="893"), kv(2, "B", barcode="893"), kv(3, "C", barcode="894")], settings=settings
    )
    assert attention(result) == {1: ReasonCode.DUPLICATE_KEY_KIOTVIET, 2: ReasonCode.DUPLICATE_KEY_KIOTVIET}
    [create] = result.actions
    assert isinstance(create, CreateProduct) and create.kv_group_id == 3


def test_duplicate_key_in_haravan() -> None:
    products = [
        hv_product(500, "X", [hv_variant(501, 500, "SP01")]),
        hv_product(600, "Y", [hv_variant(601, 600, "sp01")]),
    ]
    result = plan([kv(1, "SP01")], products)
    assert attention(result) == {1: ReasonCode.DUPLICATE_KEY_HARAVAN}
    assert result.statuses[0].reason is not None and result.statuses[0].reason.param("count") == "2"


def test_key_linked_elsewhere() -> None:
    product = hv_product(500, "X", [hv_variant(501, 500, "SP01")])
    links = [VariantLink(7, 500, 501)]
    result = plan([kv(1, "SP01"), kv(7, "OLD")], [product], links)
    assert attention(result)[1] is ReasonCode.KEY_LINKED_ELSEWHERE


def test_too_many_options() -> None:
    attrs = {"Màu": "Đỏ", "Size": "L", "Chất liệu": "Cotton", "Kiểu": "Cổ tròn"}
    result = plan(
        [kv(10, "A", attrs=attrs), kv(11, "B", attrs={**attrs, "Màu": "Xanh"}, master_product_id=10)]
    )
    assert attention(result) == {10: ReasonCode.TOO_MANY_OPTIONS, 11: ReasonCode.TOO_MANY_OPTIONS}
    assert result.actions == ()


def test_units_count_as_an_option() -> None:
    attrs = {"Màu": "Đỏ", "Size": "L", "Kiểu": "Tròn"}
    rows = [
        kv(10, "A", attrs=attrs, unit="Cái"),
        kv(11, "B", attrs=attrs, unit="Hộp", master_unit_id=10, conversion_value=5),
    ]
    assert set(attention(plan(rows)).values()) == {ReasonCode.TOO_MANY_OPTIONS}


def test_too_many_variants() -> None:
    rows = [kv(1000, "M", attrs={"Số": "0"})] + [
        kv(1000 + i, f"V{i}", attrs={"Số": str(i)}, master_product_id=1000) for i in range(1, 101)
    ]
    result = plan(rows)
    assert set(attention(result).values()) == {ReasonCode.TOO_MANY_VARIANTS} and len(attention(result)) == 101
    assert plan(rows[:100]).actions  # exactly 100 is fine


def test_too_many_variants_counts_existing_haravan_variants() -> None:
    variants = [hv_variant(600 + i, 500, f"HV{i}", option_values=(str(i),)) for i in range(99)]
    product = hv_product(
        500, "X", [*variants, hv_variant(599, 500, "A", option_values=("a",))], options=("Số",)
    )
    rows = [kv(10, "A", attrs={"Số": "a"}), kv(11, "B", attrs={"Số": "b"}, master_product_id=10)]
    assert set(attention(plan(rows, [product])).values()) == {ReasonCode.TOO_MANY_VARIANTS}


def test_missing_option_value() -> None:
    rows = [
        kv(10, "A", attrs={"Màu": "Đỏ", "Size": "L"}),
        kv(11, "B", attrs={"Màu": "Xanh"}, master_product_id=10),
    ]
    result = plan(rows)
    assert set(attention(result).values()) == {ReasonCode.MISSING_OPTION_VALUE}


def test_duplicate_option_values() -> None:
    rows = [kv(10, "A", attrs={"Màu": "Đỏ"}), kv(11, "B", attrs={"Màu": "đỏ"}, master_product_id=10)]
    assert set(attention(plan(rows)).values()) == {ReasonCode.DUPLICATE_OPTION_VALUES}


def test_group_split_across_haravan_products() -> None:
    products = [
        hv_product(500, "Đỏ", [hv_variant(501, 500, "A")]),
        hv_product(600, "Xanh", [hv_variant(601, 600, "B")]),
    ]
    rows = [kv(10, "A", attrs={"Màu": "Đỏ"}), kv(11, "B", attrs={"Màu": "Xanh"}, master_product_id=10)]
    result = plan(rows, products)
    assert attention(result) == {10: ReasonCode.GROUP_SPLIT, 11: ReasonCode.GROUP_SPLIT}
    assert result.actions == ()


def test_product_shared_by_two_kiotviet_groups() -> None:
    product = hv_product(
        500,
        "Áo",
        [
            hv_variant(501, 500, "A", option_values=("Đỏ",)),
            hv_variant(502, 500, "B", option_values=("Xanh",)),
        ],
    )
    result = plan([kv(1, "A"), kv(2, "B")], [product])
    assert attention(result) == {1: ReasonCode.PRODUCT_SHARED, 2: ReasonCode.PRODUCT_SHARED}


def test_options_mismatch_blocks_only_the_variant_to_add() -> None:
    product = hv_product(
        500,
        "Áo",
        [hv_variant(501, 500, "A", option_values=("Đỏ", "L"), price=100000)],
        options=("Màu", "Size"),
    )
    rows = [kv(10, "A", attrs={"Màu": "Đỏ"}), kv(11, "B", attrs={"Màu": "Xanh"}, master_product_id=10)]
    result = plan(rows, [product])
    assert attention(result) == {11: ReasonCode.OPTIONS_MISMATCH}
    assert not of_type(result.actions, AddVariant)
    assert result.status_of(10).state is RowState.PLANNED  # type: ignore[union-attr]


def test_linked_haravan_variant_missing() -> None:
    result = plan([kv(1, "SP01")], [], [VariantLink(1, 500, 501)])
    assert attention(result) == {1: ReasonCode.HARAVAN_VARIANT_MISSING}
    assert result.actions == ()


def test_every_row_gets_exactly_one_status() -> None:
    rows = [kv(1, "A", barcode=""), kv(2, "B", is_active=False), kv(3, "C")]
    result = plan(rows, settings=SyncSettings(link_key=LinkKey.BARCODE), opt_outs={3})
    assert sorted(s.kv_product_id for s in result.statuses) == [1, 2, 3]
