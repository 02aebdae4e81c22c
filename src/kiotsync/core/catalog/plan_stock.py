"""Stock planning: the `adjustorset` lines that make Haravan's available equal what it may sell.

What Haravan may sell of a row (its **target**) is KiotViet's available stock minus the units of
open Haravan orders KiotViet does not reserve yet (pending units: the push failed or is retrying,
the order is in "Đồng bộ lỗi", it was placed before the connection, orders are processed at
Haravan…). Haravan has already committed those units, but KiotViet still counts them as
available; without taking them off, Haravan would sell them a second time. Once KiotViet
reserves them they leave the pending units and KiotViet's available drops by as much: the target
does not move (nothing is taken off twice). See :mod:`.stock` for units, combos and branches.

Haravan's `set` overwrites on-hand, and available = on-hand − committed, so the line quantity is
target + committed (whatever Haravan holds for its own open orders). A line is planned only when
the target differs from the last one written for that variant (and from Haravan's current
available): while the target has not changed, Haravan's own sales are left to reduce its
available, which keeps it from overselling before the order is known to KiotSync.

Versions: a target computed from any observation older than the one already applied for that row
is never written (stale), and many observations for one row collapse to the newest.

On success of a batch, store for every line: `link.stock_target = line.target`,
`link.stock_basis = line.basis`. Acks (`StockAck`) are the same bookkeeping without a write
(Haravan already shows the target, or only the basis moved).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kiotsync.core.catalog.domain import HvInventoryLevel, KvProduct, StockObservation
from kiotsync.core.catalog.grouping import coalesce_rows, group_id_of
from kiotsync.core.catalog.links import Link, StockBasis, VariantLink, split_links
from kiotsync.core.catalog.reasons import Reason, ReasonCode
from kiotsync.core.catalog.settings import SyncField, SyncSettings
from kiotsync.core.catalog.status import RowState, RowStatus
from kiotsync.core.catalog.stock import StockCalculator, StockTarget, coalesce_observations

#: Haravan recommends ≤ 100 line items per adjustorset call.
MAX_BATCH = 100


@dataclass(frozen=True)
class StockLine:
    """One `line_items[]` entry: set on-hand of (`product_id`, `variant_id`) to `quantity`.
    `target` is the available quantity this produces; `basis` what it was computed from."""

    product_id: int
    variant_id: int
    quantity: int
    kv_product_id: int
    target: int
    basis: StockBasis


@dataclass(frozen=True)
class StockBatch:
    """One `POST /inventories/adjustorset.json` with `type: "set"` (≤ batch size lines)."""

    location_id: int
    lines: tuple[StockLine, ...]


@dataclass(frozen=True)
class StockAck:
    """Remember `target` / `basis` for the link of `kv_product_id` without writing to Haravan."""

    kv_product_id: int
    variant_id: int
    target: int
    basis: StockBasis


@dataclass(frozen=True)
class StockPlan:
    location_id: int
    batches: tuple[StockBatch, ...]
    acks: tuple[StockAck, ...]
    statuses: tuple[RowStatus, ...]

    @property
    def lines(self) -> tuple[StockLine, ...]:
        return tuple(line for batch in self.batches for line in batch.lines)

    @property
    def is_empty(self) -> bool:
        return not self.batches and not self.acks


def plan_stock(
    kv_rows: Iterable[KvProduct],
    observations: Iterable[StockObservation],
    links: Iterable[Link],
    hv_levels: Iterable[HvInventoryLevel],
    settings: SyncSettings,
    opt_outs: Collection[int],
    *,
    deleted_kv_ids: Collection[int] = (),
    pending_units: Mapping[int, Decimal | int] | None = None,
) -> StockPlan:
    """Plan stock writes to `settings.haravan_location_id`.

    `kv_rows`: the rows to plan plus everything their targets depend on (base units, combo
    components) and the rows carrying pending units. `observations`: stock observations, any
    number per row, any order. `hv_levels`: current balances (a variant without a level at the
    location counts as 0/0). Inactive rows and linked rows in `deleted_kv_ids` get target 0 (not
    for sale). `pending_units`: per KiotViet row (the row linked to the ordered Haravan variant,
    in its own unit), the units of open Haravan orders KiotViet does not reserve yet; they are
    taken off every target they share stock with (the row, its base row, a combo's components
    and every row built from those), as KiotViet will reserve them in `settings.order_branch_id`.
    Rows that are only there for their pending units and have no link are not planned.
    """
    rows = coalesce_rows(kv_rows)
    calculator = StockCalculator(
        rows,
        coalesce_observations(observations),
        settings.stock_branch_id,
        inactive_branches=settings.inactive_branch_ids,
        pending=pending_units,
        pending_branch=settings.order_branch_id,
    )
    variant_links, _ = split_links(links)
    location = settings.haravan_location_id
    levels = _index_levels(hv_levels, location)
    opted = frozenset(opt_outs)
    lines: list[StockLine] = []
    acks: list[StockAck] = []
    statuses: list[RowStatus] = []
    deleted = (frozenset(deleted_kv_ids) - rows.keys()) & variant_links.keys()

    for row_id in sorted(rows.keys() | deleted):
        row = rows.get(row_id)
        link = variant_links.get(row_id)
        if row_id in opted or (row is not None and group_id_of(row, rows) in opted):
            statuses.append(RowStatus(row_id, RowState.OPTED_OUT, Reason.of(ReasonCode.OPTED_OUT)))
            continue
        if link is None:
            assert row is not None
            info = ReasonCode.SERVICE_NOT_TRACKED if row.is_service else ReasonCode.NOT_LINKED
            statuses.append(RowStatus(row_id, RowState.NOT_APPLICABLE, Reason.of(info)))
            continue
        if link.stock_target is not None and not settings.syncs(SyncField.STOCK):
            statuses.append(RowStatus(row_id, RowState.NOT_APPLICABLE, Reason.of(ReasonCode.STOCK_SYNC_OFF)))
            continue
        outcome: StockTarget | Reason
        if row is None or not row.is_active:
            outcome = StockTarget(0, link.stock_basis)
        else:
            outcome = calculator.target(row)
        if isinstance(outcome, Reason):
            state = RowState.NEEDS_ATTENTION if outcome.needs_attention else RowState.NOT_APPLICABLE
            statuses.append(RowStatus(row_id, state, outcome))
            continue
        if _is_stale(outcome.basis, link.stock_basis):
            statuses.append(RowStatus(row_id, RowState.LINKED, Reason.of(ReasonCode.STALE_OBSERVATION)))
            continue
        step = _decide(link, outcome, levels.get(link.hv_variant_id))
        if isinstance(step, StockLine):
            lines.append(step)
        elif isinstance(step, StockAck):
            acks.append(step)
        state = RowState.LINKED if step is None else RowState.PLANNED
        statuses.append(RowStatus(row_id, state))

    lines.sort(key=lambda line: (line.product_id, line.variant_id, line.kv_product_id))
    size = max(1, min(MAX_BATCH, settings.stock_batch_size))
    batches = tuple(
        StockBatch(location, tuple(lines[start : start + size])) for start in range(0, len(lines), size)
    )
    return StockPlan(location, batches, tuple(sorted(acks, key=lambda a: a.kv_product_id)), tuple(statuses))


def _index_levels(levels: Iterable[HvInventoryLevel], location: int) -> dict[int, HvInventoryLevel]:
    index: dict[int, HvInventoryLevel] = {}
    for level in sorted(levels, key=repr):
        if level.location_id == location:
            index[level.variant_id] = level
    return index


def _is_stale(basis: StockBasis, applied: StockBasis) -> bool:
    """True when any input row's version is older than the one already applied."""
    seen = dict(applied)
    return any(version < seen[row_id] for row_id, version in basis if row_id in seen)


def _decide(
    link: VariantLink, target: StockTarget, level: HvInventoryLevel | None
) -> StockLine | StockAck | None:
    committed = level.committed if level is not None else 0
    available = level.available if level is not None else 0
    if link.stock_target is None or target.quantity != link.stock_target:
        if available == target.quantity:
            return StockAck(link.kv_product_id, link.hv_variant_id, target.quantity, target.basis)
        return StockLine(
            link.hv_product_id,
            link.hv_variant_id,
            target.quantity + committed,
            link.kv_product_id,
            target.quantity,
            target.basis,
        )
    if target.basis != link.stock_basis:
        return StockAck(link.kv_product_id, link.hv_variant_id, target.quantity, target.basis)
    return None
