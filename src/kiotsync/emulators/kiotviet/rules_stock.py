"""Stock per (product, branch): where it is stored and how derived rows report it.

Emulator model (documented guesses, see docs/fidelity-kiotviet.md):
- Ordinary goods that are not an alternative unit are *stock holders*: they own an
  :class:`Inventory` per branch (onHand, reserved, onOrder, cost, min/max).
- An alternative-unit row (``masterUnitId`` set) stores nothing; it reports the base row's
  figures divided by its ``conversionValue`` (cost multiplied); moving 1 Thùng moves 24 Lon.
- A combo (``type`` 1) stores nothing; selling or reserving it moves its components. It reports
  ``onHand`` = how many whole combos the components' onHand allows and ``reserved`` such that
  ``onHand - reserved`` = how many whole combos the components' *available* stock allows.
- A service (``type`` 3) has no stock at all (empty ``inventories``).
Every change marks ``stock.update`` rows for the holder, its unit rows and the combos using it.
"""

from __future__ import annotations

import math

from .errors import invalid
from .model import PRODUCT_COMBO, PRODUCT_SERVICE, Inventory, Product, Shop
from .timefmt import entity_ticks

_ZERO = Inventory()


def is_holder(p: Product) -> bool:
    return p.type not in (PRODUCT_COMBO, PRODUCT_SERVICE) and p.master_unit_id is None


def holder_parts(shop: Shop, p: Product, qty: float) -> list[tuple[int, float]]:
    """(holder id, quantity in the holder's unit) moved when ``qty`` of ``p`` moves."""
    if p.type == PRODUCT_SERVICE:
        return []
    if p.type == PRODUCT_COMBO:
        out: list[tuple[int, float]] = []
        for f in p.formulas:
            material = shop.products.get(f.material_id)
            if material is not None and material.type != PRODUCT_COMBO:
                out.extend(holder_parts(shop, material, qty * f.quantity))
        return out
    if p.master_unit_id is not None:
        return [(p.master_unit_id, qty * p.conversion_value)]
    return [(p.id, qty)]


def inventory(shop: Shop, holder_id: int, branch_id: int) -> Inventory:
    rows = shop.stock.setdefault(holder_id, {})
    inv = rows.get(branch_id)
    if inv is None:
        inv = rows[branch_id] = Inventory()
    return inv


def _r(x: float) -> float:
    return round(x, 3)


def view(shop: Shop, p: Product, branch_id: int) -> Inventory:
    """The inventory figures row ``p`` reports in ``branch_id`` (derived for non-holders)."""
    if p.type == PRODUCT_SERVICE:
        return _ZERO
    if p.type == PRODUCT_COMBO:
        parts = holder_parts(shop, p, 1)
        if not parts:
            return _ZERO
        whole = math.inf
        free = math.inf
        cost = 0.0
        for holder_id, qty in parts:
            inv = shop.stock.get(holder_id, {}).get(branch_id, _ZERO)
            if qty <= 0:
                continue
            whole = min(whole, math.floor(max(0.0, inv.on_hand) / qty + 1e-9))
            free = min(free, math.floor(max(0.0, inv.on_hand - inv.reserved) / qty + 1e-9))
            cost += inv.cost * qty
        whole = 0 if whole == math.inf else whole
        free = 0 if free == math.inf else free
        return Inventory(on_hand=whole, reserved=max(0, whole - free), cost=_r(cost))
    if p.master_unit_id is not None:
        base = shop.stock.get(p.master_unit_id, {}).get(branch_id, _ZERO)
        c = p.conversion_value or 1
        return Inventory(
            on_hand=_r(base.on_hand / c),
            reserved=_r(base.reserved / c),
            on_order=_r(base.on_order / c),
            cost=_r(base.cost * c),
            min_quantity=p.min_quantity,
            max_quantity=p.max_quantity,
        )
    return shop.stock.get(p.id, {}).get(branch_id, _ZERO)


def touch(shop: Shop, holder_id: int, branch_id: int, now: int) -> None:
    """Record that a holder's stock moved: stock.update rows + stock modification time."""
    affected = [holder_id, *shop.unit_rows.get(holder_id, ()), *shop.combos_of.get(holder_id, ())]
    stamp = entity_ticks(now)
    for pid in affected:
        p = shop.products.get(pid)
        if p is None:
            continue
        p.stock_modified = stamp
        shop.events.stock[(pid, branch_id)] = None


def move(shop: Shop, p: Product, branch_id: int, now: int, on_hand: float = 0, reserved: float = 0) -> None:
    """Add ``on_hand`` / ``reserved`` deltas (in ``p``'s unit) at a branch."""
    for holder_id, qty in holder_parts(shop, p, 1):
        inv = inventory(shop, holder_id, branch_id)
        if on_hand:
            inv.on_hand = _r(inv.on_hand + on_hand * qty)
        if reserved:
            inv.reserved = _r(max(0.0, inv.reserved + reserved * qty))
        touch(shop, holder_id, branch_id, now)


def stock_take(
    shop: Shop, p: Product, branch_id: int, on_hand: float | None, cost: float | None, now: int
) -> None:
    """Overwrite onHand/cost as a stock-take would; unit rows write their base in base units."""
    if p.type in (PRODUCT_COMBO, PRODUCT_SERVICE):
        return
    if p.master_unit_id is not None:
        holder_id, c = p.master_unit_id, p.conversion_value or 1
    else:
        holder_id, c = p.id, 1
    inv = inventory(shop, holder_id, branch_id)
    changed = False
    if on_hand is not None and inv.on_hand != _r(on_hand * c):
        inv.on_hand = _r(on_hand * c)
        changed = True
    if cost is not None and inv.cost != _r(cost / c):
        inv.cost = _r(cost / c)
        changed = True
    if changed:
        touch(shop, holder_id, branch_id, now)


def existing_branch(shop: Shop, branch_id: int) -> int:
    """``branch_id`` if the shop has that branch (stock lives per branch)."""
    if branch_id not in shop.branches:
        raise invalid("Chi nhánh không tồn tại", "branchId")
    return branch_id


def last_change(p: Product) -> int:
    """When a row's figures last changed, for ``GET /productOnHands`` (product or stock)."""
    return max(p.modified, p.stock_modified)


def changed_on_hands(shop: Shop, since: int | None) -> list[Product]:
    """Rows whose product data or stock changed at or after ``since`` (all when ``None``)."""
    return [p for p in shop.products.values() if since is None or last_change(p) >= since]


def short_of(shop: Shop, p: Product, branch_id: int, qty: float, use_available: bool) -> bool:
    """Whether ``qty`` of ``p`` exceeds the branch's onHand (or onHand - reserved)."""
    need: dict[int, float] = {}
    for holder_id, q in holder_parts(shop, p, qty):
        need[holder_id] = need.get(holder_id, 0) + q
    for holder_id, q in need.items():
        inv = shop.stock.get(holder_id, {}).get(branch_id, _ZERO)
        have = inv.on_hand - inv.reserved if use_available else inv.on_hand
        if q > have + 1e-9:
            return True
    return False


def register_combo(shop: Shop, combo: Product) -> None:
    for holder_id, _ in holder_parts(shop, combo, 1):
        shop.combos_of.setdefault(holder_id, set()).add(combo.id)


def unregister_combo(shop: Shop, combo: Product) -> None:
    for combos in shop.combos_of.values():
        combos.discard(combo.id)
