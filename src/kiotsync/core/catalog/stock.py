"""Stock targets: how many of a KiotViet row Haravan should show as available.

Counted per branch, then summed over the counted branches (every active branch, or only the
chosen one; a deactivated branch never counts):

* goods: max(0, onHand − reserved) in the branch;
* alternative unit: the base row's available in the branch ÷ conversionValue;
* combo: put together in one branch, so per branch min over components of
  floor(component available in that branch ÷ quantity) (services among the components do not
  limit it), summed over the branches;
* service: not stock-tracked.

**Pending units** — units of open Haravan orders KiotViet does not reserve yet — are taken off
as the reservation KiotViet will make once the order reaches it: converted to the rows that hold
the stock (a unit row's base row, a combo's components, in base units) and reserved in the order
branch first, then in the other counted branches (branch id order). So a plain row's target is
max(0, KiotViet available − pending units), and when KiotViet does reserve them (in the order
branch) the target does not move.

Arithmetic is exact (`Fraction`) and only the final value is floored, so 0.3 ÷ 0.1 is 3, not 2.
Each target carries its basis: the observation version of every row it was computed from.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
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


#: Available per counted branch; None = unlimited (service).
_PerBranch = dict[int, Fraction] | None
_Available = tuple[_PerBranch, dict[int, int]]


class StockCalculator:
    """Computes targets for rows of one catalogue from the newest observations.

    ``branch_id``: count only that branch (None: every branch). ``inactive_branches``: never
    counted. ``pending``: units of open Haravan orders not reserved in KiotViet yet, per row (in
    the row's own unit), reserved in ``pending_branch`` first.
    """

    def __init__(
        self,
        rows: Mapping[int, KvProduct],
        observations: Mapping[int, StockObservation],
        branch_id: int | None,
        *,
        inactive_branches: Collection[int] = (),
        pending: Mapping[int, Decimal | int] | None = None,
        pending_branch: int | None = None,
    ) -> None:
        self._rows = rows
        self._observations = observations
        self._branch_id = branch_id
        self._inactive = frozenset(inactive_branches)
        self._pending_branch = pending_branch
        self._reserved = self.holder_units(pending or {})

    def counts(self, branch: int) -> bool:
        return (self._branch_id is None or branch == self._branch_id) and branch not in self._inactive

    def target(self, row: KvProduct) -> StockTarget | Reason:
        """The target, or a Reason when the row is untracked or its stock cannot be computed."""
        result = self._available(row, frozenset())
        if isinstance(result, Reason):
            return result
        per_branch, basis = result
        if per_branch is None:
            return Reason.of(ReasonCode.SERVICE_NOT_TRACKED)
        total = sum(per_branch.values(), Fraction(0))
        return StockTarget(max(0, math.floor(total)), tuple(sorted(basis.items())))

    # -- pending units → the rows holding the stock ------------------------------------------
    def holder_units(self, units: Mapping[int, Decimal | int]) -> dict[int, Fraction]:
        """``units`` per row converted to the stock-holding rows (base units): what KiotViet
        reserves when an order for them reaches it. Rows not known here are left out."""
        out: dict[int, Fraction] = defaultdict(Fraction)
        for row_id in sorted(units):
            row = self._rows.get(row_id)
            quantity = Fraction(units[row_id])
            if row is not None and quantity > 0:
                self._holders(row, quantity, frozenset(), out)
        return dict(out)

    def _holders(
        self, row: KvProduct, quantity: Fraction, visiting: frozenset[int], out: dict[int, Fraction]
    ) -> None:
        if row.id in visiting or row.is_service:
            return
        inner = visiting | {row.id}
        if row.is_combo:
            for component in row.components:
                part = self._rows.get(component.product_id)
                if part is not None and component.quantity > 0:
                    self._holders(part, quantity * as_fraction(component.quantity), inner, out)
            return
        if row.is_unit_row:
            assert row.master_unit_id is not None
            base = self._rows.get(row.master_unit_id)
            if base is not None and row.conversion_value > 0:
                self._holders(base, quantity * as_fraction(row.conversion_value), inner, out)
            return
        out[row.id] += quantity

    # -- available per branch ------------------------------------------------------------------
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
            factor = as_fraction(row.conversion_value)
            return ({b: v / factor for b, v in result[0].items()}, result[1])
        obs = self._observations.get(row.id)
        if obs is None:
            return Reason.of(ReasonCode.NO_STOCK_DATA)
        per_branch: dict[int, Fraction] = defaultdict(Fraction)
        for inv in obs.inventories:
            if self.counts(inv.branch_id):
                per_branch[inv.branch_id] += max(
                    Fraction(0), as_fraction(inv.on_hand) - as_fraction(inv.reserved)
                )
        self._reserve(per_branch, self._reserved.get(row.id, Fraction(0)))
        return (dict(per_branch), {row.id: obs.version})

    def _reserve(self, per_branch: dict[int, Fraction], units: Fraction) -> None:
        """Take ``units`` off: from the order branch first, then the others in id order."""
        for branch in sorted(per_branch, key=lambda b: (b != self._pending_branch, b)):
            if units <= 0:
                return
            taken = min(per_branch[branch], units)
            per_branch[branch] -= taken
            units -= taken

    def _combo(self, row: KvProduct, inner: frozenset[int]) -> _Available | Reason:
        if not row.components:
            return Reason.of(ReasonCode.COMBO_WITHOUT_COMPONENTS)
        limits: list[tuple[dict[int, Fraction], Fraction]] = []
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
            per_branch, part_basis = result
            basis.update(part_basis)
            if per_branch is not None:
                limits.append((per_branch, as_fraction(component.quantity)))
        if not limits:
            return (None, basis)
        branches = set().union(*(per_branch.keys() for per_branch, _q in limits))
        return (
            {
                b: Fraction(min(math.floor(per_branch.get(b, Fraction(0)) / q) for per_branch, q in limits))
                for b in branches
            },
            basis,
        )
