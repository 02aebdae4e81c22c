"""Turning KiotViet rows into Haravan-shaped groups, and their options.

A group is everything that becomes ONE Haravan product: a variant group (master + rows with
`master_product_id`), each row's alternative units (rows with `master_unit_id`), or a simple row.
Options come from the attribute names (in first-seen order, master first); when a group has
alternative units an extra option `Đơn vị` carries the unit name, so every sellable unit is its
own Haravan variant (see docs/planner.md for why not `variant_units`). A group with no options
maps to Haravan's implicit option `Title` = `Default Title`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kiotsync.core.catalog.domain import KvProduct
from kiotsync.core.numbers import as_aware

UNIT_OPTION = "Đơn vị"
UNIT_OPTION_FALLBACK = "Đơn vị tính"
DEFAULT_OPTION = "Title"
DEFAULT_VALUE = "Default Title"
MAX_OPTIONS = 3
MAX_VARIANTS = 100


@dataclass(frozen=True)
class Group:
    """Rows that map to one Haravan product. `group_id` is the master row id (or the base row id
    of a simple product); `rows` start with the head row (the master when present), then by id."""

    group_id: int
    rows: tuple[KvProduct, ...]

    @property
    def head(self) -> KvProduct:
        return self.rows[0]

    @property
    def row_ids(self) -> frozenset[int]:
        return frozenset(r.id for r in self.rows)


def coalesce_rows(rows: Iterable[KvProduct]) -> dict[int, KvProduct]:
    """One row per id; if an id repeats, the newest (`modified_at`, then repr) wins."""
    chosen: dict[int, KvProduct] = {}
    for row in rows:
        current = chosen.get(row.id)
        if current is None or _row_rank(row) > _row_rank(current):
            chosen[row.id] = row
    return chosen


def _row_rank(row: KvProduct) -> tuple[float, str]:
    stamp = as_aware(row.modified_at).timestamp() if row.modified_at is not None else float("-inf")
    return (stamp, repr(row))


def group_id_of(row: KvProduct, by_id: Mapping[int, KvProduct]) -> int:
    """The id of the group a row belongs to (the master id even if the master row is absent)."""
    seen: set[int] = set()
    current = row
    while True:
        if current.master_product_id is not None:
            return current.master_product_id
        if not current.is_unit_row or current.id in seen:
            return current.id
        seen.add(current.id)
        assert current.master_unit_id is not None
        base = by_id.get(current.master_unit_id)
        if base is None:
            return current.master_unit_id
        current = base


def group_rows(rows: Mapping[int, KvProduct]) -> tuple[Group, ...]:
    """Partition rows into groups, sorted by group id."""
    members: dict[int, list[KvProduct]] = defaultdict(list)
    for row in rows.values():
        members[group_id_of(row, rows)].append(row)
    return tuple(
        Group(gid, tuple(sorted(members[gid], key=lambda r: _head_rank(r, gid)))) for gid in sorted(members)
    )


def _head_rank(row: KvProduct, group_id: int) -> tuple[int, int, int]:
    return (0 if row.id == group_id else 1, 1 if row.is_unit_row else 0, row.id)


@dataclass(frozen=True)
class OptionLayout:
    """Haravan options of a group: `names` (≥1: `Title` when the group has no dimensions),
    per-row `values`, rows lacking a value (`missing`: row id → option name)."""

    dimensions: int
    names: tuple[str, ...]
    values: Mapping[int, tuple[str, ...]]
    missing: Mapping[int, str]


def option_layout(group: Group, by_id: Mapping[int, KvProduct]) -> OptionLayout:
    attribute_names: list[str] = []
    for row in group.rows:
        for attribute in row.attributes:
            name = attribute.name.strip()
            if name and name not in attribute_names:
                attribute_names.append(name)
    has_units = any(row.is_unit_row for row in group.rows)
    names = list(attribute_names)
    unit_option = UNIT_OPTION if UNIT_OPTION not in names else UNIT_OPTION_FALLBACK
    if has_units:
        names.append(unit_option)
    if not names:
        return OptionLayout(0, (DEFAULT_OPTION,), {r.id: (DEFAULT_VALUE,) for r in group.rows}, {})
    values: dict[int, tuple[str, ...]] = {}
    missing: dict[int, str] = {}
    for row in group.rows:
        own = _attribute_values(row, by_id)
        row_values: list[str] = []
        for name in attribute_names:
            value = own.get(name, "")
            if not value:
                missing.setdefault(row.id, name)
            row_values.append(value)
        if has_units:
            unit = row.unit.strip()
            if not unit:
                missing.setdefault(row.id, unit_option)
            row_values.append(unit)
        values[row.id] = tuple(row_values)
    return OptionLayout(len(names), tuple(names), values, missing)


def _attribute_values(row: KvProduct, by_id: Mapping[int, KvProduct]) -> dict[str, str]:
    """Attribute values of a row; a unit row without attributes inherits its base row's."""
    own = {a.name.strip(): a.value.strip() for a in row.attributes if a.name.strip()}
    if not own and row.is_unit_row and row.master_unit_id is not None:
        base = by_id.get(row.master_unit_id)
        if base is not None:
            own = {a.name.strip(): a.value.strip() for a in base.attributes if a.name.strip()}
    return own
