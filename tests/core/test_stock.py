"""Example tests for stock targets and stock planning."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiotsync.core.catalog import (
    KvComponent,
    KvProductType,
    ReasonCode,
    RowState,
    StockPlan,
    SyncField,
    SyncSettings,
    VariantLink,
    plan_stock,
)
from kiotsync.core.catalog.stock import StockCalculator, StockTarget
from tests.core.builders import LOCATION, SETTINGS, kv, level, obs
from tests.core.simulate import World, apply_stock_plan

GOODS = kv(1, "A")
LINK = VariantLink(1, 500, 501)


def target(rows, observations, branch=None):  # type: ignore[no-untyped-def]
    by_id = {r.id: r for r in rows}
    calc = StockCalculator(by_id, {o.kv_product_id: o for o in observations}, branch)
    return calc.target(rows[-1])


def stock(rows, observations, links=(LINK,), levels=(), settings=SETTINGS, **kw) -> StockPlan:  # type: ignore[no-untyped-def]
    return plan_stock(rows, observations, links, levels, settings, kw.pop("opt_outs", ()), **kw)


def test_available_is_clamped_per_branch_and_summed() -> None:
    result = target([GOODS], [obs(1, 1, (1, 10, 3), (2, 1, 4), (3, 2.5, 0))])
    assert result == StockTarget(9, ((1, 1),))  # 7 + 0 + 2.5 → floor 9


def test_chosen_branch_only() -> None:
    assert target([GOODS], [obs(1, 1, (1, 10, 3), (2, 5, 0))], branch=2) == StockTarget(5, ((1, 1),))
    assert target([GOODS], [obs(1, 1, (1, 10, 3))], branch=9) == StockTarget(0, ((1, 1),))


def test_unit_row_converts_from_base_row() -> None:
    rows = [GOODS, kv(2, "A-T", master_unit_id=1, conversion_value=24)]
    assert target(rows, [obs(1, 5, (1, 50, 1))]) == StockTarget(2, ((1, 5),))  # floor(49 / 24)


def test_fractional_conversion_is_exact() -> None:
    rows = [GOODS, kv(2, "A-T", master_unit_id=1, conversion_value=Decimal("0.1"))]
    assert target(rows, [obs(1, 1, (1, 0.3, 0))]).quantity == 3  # type: ignore[union-attr]


def test_combo_is_min_of_floor_available_over_quantity() -> None:
    rows = [
        kv(1, "A"),
        kv(2, "B"),
        kv(3, "SV", type=KvProductType.SERVICE),
        kv(4, "A-T", master_unit_id=1, conversion_value=2),
        kv(
            9,
            "COMBO",
            type=KvProductType.COMBO,
            components=(KvComponent(1, 2), KvComponent(2, 3), KvComponent(3, 1), KvComponent(4, 1)),
        ),
    ]
    result = target(rows, [obs(1, 7, (1, 21, 0)), obs(2, 8, (1, 20, 0))])
    # A: floor(21/2)=10, B: floor(20/3)=6, service: unlimited, A-T: 10.5 → floor 10
    assert result == StockTarget(6, ((1, 7), (2, 8)))


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        (
            [kv(9, "C", type=KvProductType.COMBO, components=(KvComponent(77, 1),))],
            ReasonCode.COMBO_COMPONENT_MISSING,
        ),
        ([kv(9, "C", type=KvProductType.COMBO)], ReasonCode.COMBO_WITHOUT_COMPONENTS),
        ([kv(9, "C", type=KvProductType.COMBO, components=(KvComponent(9, 1),))], ReasonCode.COMBO_CYCLE),
        (
            [GOODS, kv(9, "C", type=KvProductType.COMBO, components=(KvComponent(1, 0),))],
            ReasonCode.INVALID_QUANTITY,
        ),
        ([kv(9, "T", master_unit_id=77, conversion_value=6)], ReasonCode.BASE_UNIT_MISSING),
        ([GOODS, kv(9, "T", master_unit_id=1, conversion_value=0)], ReasonCode.INVALID_QUANTITY),
    ],
    ids=["component-missing", "no-components", "cycle", "zero-quantity", "base-missing", "zero-conversion"],
)
def test_uncomputable_stock_needs_attention(rows, code) -> None:  # type: ignore[no-untyped-def]
    result = stock(rows, [obs(1, 1, (1, 5, 0))], links=[VariantLink(9, 500, 501)])
    [status] = [s for s in result.statuses if s.kv_product_id == 9]
    assert (
        status.state is RowState.NEEDS_ATTENTION and status.reason is not None and status.reason.code is code
    )
    assert result.is_empty


def test_on_hand_to_set_is_target_plus_haravan_committed() -> None:
    result = stock([GOODS], [obs(1, 1, (1, 10, 2))], levels=[level(500, 501, on_hand=4, committed=3)])
    [line] = result.lines
    assert (line.product_id, line.variant_id, line.quantity, line.target) == (500, 501, 11, 8)
    assert result.batches[0].location_id == LOCATION


def test_missing_level_counts_as_zero() -> None:
    [line] = stock([GOODS], [obs(1, 1, (1, 10, 0))]).lines
    assert line.quantity == 10


def test_service_and_unlinked_rows_are_not_applicable() -> None:
    rows = [kv(1, "SV", type=KvProductType.SERVICE), kv(2, "B")]
    result = stock(rows, [obs(2, 1, (1, 1, 0))], links=[VariantLink(1, 500, 501)])
    reasons = {s.kv_product_id: (s.state, s.reason.code if s.reason else None) for s in result.statuses}
    assert reasons == {
        1: (RowState.NOT_APPLICABLE, ReasonCode.SERVICE_NOT_TRACKED),
        2: (RowState.NOT_APPLICABLE, ReasonCode.NOT_LINKED),
    }
    assert result.is_empty


def test_only_changed_quantities_are_written() -> None:
    written = VariantLink(1, 500, 501, stock_target=8, stock_basis=((1, 1),))
    assert stock([GOODS], [obs(1, 1, (1, 8, 0))], links=[written], levels=[level(500, 501, 8)]).is_empty


def test_haravan_own_sales_are_not_undone_while_kiotviet_is_unchanged() -> None:
    written = VariantLink(1, 500, 501, stock_target=8, stock_basis=((1, 1),))
    sold_on_haravan = level(500, 501, on_hand=8, committed=2)  # available 6
    assert stock([GOODS], [obs(1, 1, (1, 8, 0))], links=[written], levels=[sold_on_haravan]).is_empty
    # KiotViet now reserves the web order: target 6 = Haravan available → only remembered.
    result = stock([GOODS], [obs(1, 2, (1, 8, 2))], links=[written], levels=[sold_on_haravan])
    assert not result.lines and [(a.target, a.basis) for a in result.acks] == [(6, ((1, 2),))]


def test_stale_observation_is_never_written() -> None:
    applied = VariantLink(1, 500, 501, stock_target=5, stock_basis=((1, 10),))
    result = stock([GOODS], [obs(1, 9, (1, 99, 0))], links=[applied], levels=[level(500, 501, 5)])
    assert result.is_empty
    assert (
        result.statuses[0].reason is not None
        and result.statuses[0].reason.code is ReasonCode.STALE_OBSERVATION
    )


def test_burst_coalesces_to_one_line_with_the_newest_value() -> None:
    burst = [obs(1, v, (1, v * 10, 0)) for v in (3, 7, 1, 5)]
    [line] = stock([GOODS], burst).lines
    assert line.target == 70 and line.basis == ((1, 7),)


def test_lines_are_batched_by_at_most_100() -> None:
    rows = [kv(i, f"P{i}") for i in range(1, 251)]
    links = [VariantLink(i, 10_000 + i, 20_000 + i) for i in range(1, 251)]
    result = stock(rows, [obs(i, 1, (1, i, 0)) for i in range(1, 251)], links=links)
    assert [len(b.lines) for b in result.batches] == [100, 100, 50]
    assert len({line.variant_id for line in result.lines}) == 250


def test_stock_unticked_writes_once_after_creation_only() -> None:
    settings = SyncSettings(
        haravan_location_id=LOCATION, synced_fields=frozenset(SyncField) - {SyncField.STOCK}
    )
    assert stock([GOODS], [obs(1, 1, (1, 5, 0))], settings=settings).lines
    written = VariantLink(1, 500, 501, stock_target=5, stock_basis=((1, 1),))
    result = stock([GOODS], [obs(1, 2, (1, 9, 0))], links=[written], settings=settings)
    assert result.is_empty and result.statuses[0].reason.code is ReasonCode.STOCK_SYNC_OFF  # type: ignore[union-attr]


def test_inactive_and_deleted_rows_go_to_zero() -> None:
    written = VariantLink(1, 500, 501, stock_target=5, stock_basis=((1, 1),))
    inactive = stock(
        [kv(1, "A", is_active=False)], [obs(1, 1, (1, 5, 0))], links=[written], levels=[level(500, 501, 5)]
    )
    assert [line.target for line in inactive.lines] == [0]
    deleted = stock([], [], links=[written], levels=[level(500, 501, 5, committed=1)], deleted_kv_ids=[1])
    assert [(line.target, line.quantity) for line in deleted.lines] == [(0, 1)]


def test_opted_out_rows_produce_nothing() -> None:
    result = stock([GOODS], [obs(1, 1, (1, 5, 0))], opt_outs={1})
    assert result.is_empty and result.statuses[0].state is RowState.OPTED_OUT


def test_apply_then_replan_is_empty() -> None:
    world = World(kv_rows=(GOODS,), links=(LINK,), hv_levels=(level(500, 501, 0, committed=2),))
    observations = [obs(1, 1, (1, 10, 1))]
    first = stock(world.kv_rows, observations, links=world.links, levels=world.hv_levels)
    world = apply_stock_plan(world, first)
    assert world.hv_levels[0].available == 9
    assert stock(world.kv_rows, observations, links=world.links, levels=world.hv_levels).is_empty


# -- issue 10: combos per branch, active branches only, pending Haravan orders ----------------


def test_combo_is_put_together_in_one_branch() -> None:
    """SP000039's shape: each component has stock in a different branch. Summed first, the
    combo would be min(10, 10) = 10; but no branch can put one together."""
    rows = [
        kv(1, "A"),
        kv(2, "B"),
        kv(9, "COMBO", type=KvProductType.COMBO, components=(KvComponent(1, 1), KvComponent(2, 2))),
    ]
    observations = [obs(1, 1, (1, 10, 0), (2, 1, 0)), obs(2, 1, (1, 0, 0), (2, 20, 0))]
    assert target(rows, observations) == StockTarget(1, ((1, 1), (2, 1)))  # branch 1: 0, branch 2: 1
    assert target(rows, observations, branch=2) == StockTarget(1, ((1, 1), (2, 1)))


def test_a_unit_component_of_a_combo_counts_per_branch() -> None:
    rows = [
        GOODS,
        kv(2, "A-T", master_unit_id=1, conversion_value=6),
        kv(9, "COMBO", type=KvProductType.COMBO, components=(KvComponent(2, 1),)),
    ]
    # 5 + 5 cans: a six-pack in neither branch (summed first it would be one).
    assert target(rows, [obs(1, 1, (1, 5, 0), (2, 5, 0))]).quantity == 0  # type: ignore[union-attr]
    assert target(rows[:2], [obs(1, 1, (1, 5, 0), (2, 7, 0))]).quantity == 2  # type: ignore[union-attr]


def test_deactivated_branches_do_not_count() -> None:
    calc = StockCalculator({1: GOODS}, {1: obs(1, 1, (1, 10, 0), (2, 7, 0))}, None, inactive_branches={2})
    assert calc.target(GOODS) == StockTarget(10, ((1, 1),))
    only = StockCalculator({1: GOODS}, {1: obs(1, 1, (2, 7, 0))}, 2, inactive_branches={2})
    assert only.target(GOODS) == StockTarget(0, ((1, 1),))
    settings = SyncSettings(haravan_location_id=LOCATION, inactive_branch_ids=frozenset({2}))
    [line] = stock([GOODS], [obs(1, 1, (1, 10, 0), (2, 7, 0))], settings=settings).lines
    assert line.target == 10


def pending_target(rows, observations, pending, order_branch=1, branch=None):  # type: ignore[no-untyped-def]
    by_id = {r.id: r for r in rows}
    latest = {o.kv_product_id: o for o in observations}
    calc = StockCalculator(by_id, latest, branch, pending=pending, pending_branch=order_branch)
    return {r.id: calc.target(r).quantity for r in rows}  # type: ignore[union-attr]


def test_pending_units_are_taken_off_in_the_order_branch_first() -> None:
    observations = [obs(1, 1, (1, 3, 0), (2, 10, 0))]
    assert pending_target([GOODS], observations, {1: 2}) == {1: 11}
    assert pending_target([GOODS], observations, {1: 5}) == {1: 8}  # 3 from branch 1, 2 from 2
    assert pending_target([GOODS], observations, {1: 50}) == {1: 0}  # never below 0
    # Only the chosen branch counts: what it cannot cover is not taken from uncounted ones.
    assert pending_target([GOODS], observations, {1: 5}, branch=1) == {1: 0}
    assert pending_target([GOODS], observations, {1: 1}, branch=1) == {1: 2}
    # An order branch that does not count (deactivated): the units still come off what counts.
    assert pending_target([GOODS], observations, {1: 2}, order_branch=7) == {1: 11}


def test_pending_units_reach_every_row_sharing_the_stock() -> None:
    rows = [
        kv(1, "A"),
        kv(2, "A-T", master_unit_id=1, conversion_value=6),
        kv(3, "B"),
        kv(9, "COMBO", type=KvProductType.COMBO, components=(KvComponent(1, 2), KvComponent(3, 1))),
    ]
    observations = [obs(1, 1, (1, 30, 0)), obs(3, 1, (1, 10, 0))]
    assert pending_target(rows, observations, {}) == {1: 30, 2: 5, 3: 10, 9: 10}
    # A six-pack ordered on Haravan: 6 cans fewer for everyone built on A.
    assert pending_target(rows, observations, {2: 1}) == {1: 24, 2: 4, 3: 10, 9: 10}
    # Four combos ordered: 8 of A and 4 of B.
    assert pending_target(rows, observations, {9: 4}) == {1: 22, 2: 3, 3: 6, 9: 6}


def test_a_web_order_kiotviet_does_not_reserve_yet_is_not_sold_again() -> None:
    """Issue 10: the push to KiotViet fails; a web order took 2 (Haravan 90 of 92)."""
    written = VariantLink(1, 500, 501, stock_target=92, stock_basis=((1, 1),))
    after_order = level(500, 501, on_hand=92, committed=2)
    # The order enters the pending units: Haravan already shows it, nothing to write.
    entered = stock(
        [GOODS], [obs(1, 1, (1, 92, 0))], links=[written], levels=[after_order], pending_units={1: 2}
    )
    assert not entered.lines and [a.target for a in entered.acks] == [90]
    noted = VariantLink(1, 500, 501, stock_target=90, stock_basis=((1, 1),))
    # KiotViet's stock +1: Haravan may sell 91 (not 93).
    [line] = stock(
        [GOODS], [obs(1, 2, (1, 93, 0))], links=[noted], levels=[after_order], pending_units={1: 2}
    ).lines
    assert (line.target, line.quantity) == (91, 93)
    # KiotViet reserves the order: it leaves the pending units, the target does not move.
    noted = VariantLink(1, 500, 501, stock_target=91, stock_basis=((1, 2),))
    shown = level(500, 501, on_hand=93, committed=2)
    reserved = stock([GOODS], [obs(1, 3, (1, 93, 2))], links=[noted], levels=[shown])
    assert not reserved.lines and [a.target for a in reserved.acks] == [91]
