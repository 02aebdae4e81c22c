"""Stock targets: how many of a KiotViet row Haravan should show as available.

* goods: Σ over the chosen branches (or the one chosen branch) of max(0, onHand − reserved);
* alternative unit: floor(base row available ÷ conversionValue);
* combo: min over components of floor(component available ÷ quantity) (services among the
  components do not limit it);
* service: not stock-tracked.

Arithmetic is exact (`Fraction`) and only the final value is floored, so 0.3 ÷ 0.1 is 3, not 2.
Each target carries its basis: the observation version of every row it was computed from.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from kiotsync.core.catalog.domain import KvProduct, StockObservation
from kiotsync.core.catalog.links import StockBasis
from kiotsync.core.catalog.reasons import Reason, ReasonCode
from kiotsync.core.numbers import as_fraction


@dataclass(frozen=True)
class StockTarget:
    quantity: int
    basis: StockBasis


def coalesce_observations(observations: Iterable[StockObservation]) -> dict[int, StockObservation]:
    """Newest observation per row (bursts collapse to one); ties broken by content, so the result
    never depends on arrival order."""
    newest: dict[int, StockObservation] = {}
    for obs in observations:
        current = newest.get(obs.kv_product_id)
        if current is None or (obs.version, repr(obs)) > (current.version, repr(current)):
            newest[obs.kv_product_id] = obs
    return newest


_Available = tuple[Fraction | None, dict[int, int]]  # None = unlimited (service)


class StockCalculator:
    """Computes targets for rows of one catalogue from the newest observations."""

    def __init__(
        self,
        rows: Mapping[int, KvProduct],
        observations: Mapping[int, StockObservation],
        branch_id: int | None,
    ) -> None:
        self._rows = rows
        self._observations = observations
        self._branch_id = branch_id

    def target(self, row: KvProduct) -> StockTarget | Reason:
        """The target, or a Reason when the row is untracked or its stock cannot be computed."""
        result = self._available(row, frozenset())
        if isinstance(result, Reason):
            return result
        value, basis = result
        if value is None:
            return Reason.of(ReasonCode.SERVICE_NOT_TRACKED)
        return StockTarget(max(0, math.floor(value)), tuple(sorted(basis.items())))

    def _available(self, row: KvProduct, visiting: frozenset[int]) -> _Available | Reason:
        if row.id in visiting:
            return Reason.of(ReasonCode.COMBO_CYCLE)
        if row.is_service:
            return (None, {})
        inner = visiting | {row.id}
        if row.is_combo:
            return self._combo(row, inner)
        if row.is_unit_row:
            if row.conversion_value <= 0:
                return Reason.of(ReasonCode.INVALID_QUANTITY, value=row.conversion_value)
            assert row.master_unit_id is not None
            base = self._rows.get(row.master_unit_id)
            if base is None:
                return Reason.of(ReasonCode.BASE_UNIT_MISSING, base_id=row.master_unit_id)
            result = self._available(base, inner)
            if isinstance(result, Reason) or result[0] is None:
                return result
            return (result[0] / as_fraction(row.conversion_value), result[1])
        obs = self._observations.get(row.id)
        if obs is None:
            return Reason.of(ReasonCode.NO_STOCK_DATA)
        total = sum(
            (
                max(Fraction(0), as_fraction(inv.on_hand) - as_fraction(inv.reserved))
                for inv in obs.inventories
                if self._branch_id is None or inv.branch_id == self._branch_id
            ),
            Fraction(0),
        )
        return (total, {row.id: obs.version})

    def _combo(self, row: KvProduct, inner: frozenset[int]) -> _Available | Reason:
        if not row.components:
            return Reason.of(ReasonCode.COMBO_WITHOUT_COMPONENTS)
        best: Fraction | None = None
        basis: dict[int, int] = {}
        for component in sorted(row.components, key=lambda c: (c.product_id, c.quantity)):
            if component.quantity <= 0:
                return Reason.of(ReasonCode.INVALID_QUANTITY, value=component.quantity)
            part = self._rows.get(component.product_id)
            if part is None:
                return Reason.of(ReasonCode.COMBO_COMPONENT_MISSING, component_id=component.product_id)
            result = self._available(part, inner)
            if isinstance(result, Reason):
                return result
            value, part_basis = result
            basis.update(part_basis)
            if value is None:
                continue
            count = Fraction(math.floor(value / as_fraction(component.quantity)))
            best = count if best is None else min(best, count)
        return (best, basis)
