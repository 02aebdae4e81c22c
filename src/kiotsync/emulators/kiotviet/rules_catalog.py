"""Categories ("Nhóm hàng", §3.3) and the attribute catalogue (§3.4.8).

Category rules from the doc: at most 3 levels, a parent with children cannot be deleted, a
category used by products cannot be deleted, names up to 125 characters. The error texts are
guesses (the doc states the rules, not the messages). Sibling names must be unique
(case-insensitive; also a guess).
"""

from __future__ import annotations

from typing import Any

from .errors import found, invalid, not_found
from .listing import modified_since
from .model import Attribute, Category, Shop
from .params import as_int
from .timefmt import entity_ticks

MAX_CATEGORY_DEPTH = 3
MAX_CATEGORY_NAME = 125


def _subtree_height(shop: Shop, cid: int) -> int:
    children = shop.category_children(cid)
    return 1 + max((_subtree_height(shop, c.id) for c in children), default=0)


def _check_name(shop: Shop, name: Any, parent_id: int | None, exclude: int | None = None) -> str:
    text = str(name or "").strip()
    if not text:
        raise invalid("Tên nhóm hàng không được để trống", "categoryName")
    if len(text) > MAX_CATEGORY_NAME:
        raise invalid(f"Tên nhóm hàng không được vượt quá {MAX_CATEGORY_NAME} ký tự", "categoryName")
    for c in shop.category_children(parent_id):
        if c.id != exclude and c.name.casefold() == text.casefold():
            raise invalid(f'Tên nhóm hàng "{text}" đã tồn tại', "categoryName")
    return text


def _parent(shop: Shop, body: dict[str, Any]) -> int | None:
    raw = body.get("parentid")
    if raw in (None, "", 0, "0"):
        return None
    pid = as_int(raw, "parentId")
    if pid not in shop.categories:
        raise invalid("Nhóm hàng cha không tồn tại", "parentId")
    return pid


def create_category(shop: Shop, body: dict[str, Any], now: int) -> Category:
    parent_id = _parent(shop, body)
    name = _check_name(shop, body.get("categoryname"), parent_id)
    if parent_id is not None and shop.category_depth(parent_id) >= MAX_CATEGORY_DEPTH:
        raise invalid(f"Nhóm hàng chỉ được tối đa {MAX_CATEGORY_DEPTH} cấp", "parentId")
    shop.rank_seq += 1
    cat = Category(shop.next_id("category"), name, parent_id, shop.rank_seq, entity_ticks(now))
    shop.categories[cat.id] = cat
    shop.events.categories[cat.id] = None
    if parent_id is not None:
        shop.categories[parent_id].modified = entity_ticks(now)
        shop.events.categories[parent_id] = None
    return cat


def update_category(shop: Shop, cid: int, body: dict[str, Any], now: int) -> Category:
    cat = shop.categories.get(cid)
    if cat is None:
        raise not_found("nhóm hàng")
    parent_id = _parent(shop, body) if "parentid" in body else cat.parent_id
    if parent_id is not None and parent_id in shop.category_descendants(cid):
        raise invalid("Không thể chọn nhóm con làm nhóm hàng cha", "parentId")
    name = _check_name(shop, body.get("categoryname", cat.name), parent_id, exclude=cid)
    if parent_id != cat.parent_id:
        depth = shop.category_depth(parent_id) if parent_id is not None else 0
        if depth + _subtree_height(shop, cid) > MAX_CATEGORY_DEPTH:
            raise invalid(f"Nhóm hàng chỉ được tối đa {MAX_CATEGORY_DEPTH} cấp", "parentId")
        for old_or_new in (cat.parent_id, parent_id):
            if old_or_new is not None:
                shop.categories[old_or_new].modified = entity_ticks(now)
                shop.events.categories[old_or_new] = None
    cat.name = name
    cat.parent_id = parent_id
    cat.modified = entity_ticks(now)
    shop.events.categories[cid] = None
    return cat


def delete_category(shop: Shop, cid: int, now: int) -> None:
    cat = shop.categories.get(cid)
    if cat is None:
        raise not_found("nhóm hàng")
    if shop.category_children(cid):
        raise invalid("Không thể xóa nhóm hàng đang có nhóm hàng con")
    if any(p.category_id == cid for p in shop.products.values()):
        raise invalid("Không thể xóa nhóm hàng đang có hàng hóa")
    del shop.categories[cid]
    shop.tombstones["categories"][cid] = entity_ticks(now)
    shop.events.categories.pop(cid, None)
    shop.events.delete("category.delete", cid)
    if cat.parent_id is not None and cat.parent_id in shop.categories:
        shop.categories[cat.parent_id].modified = entity_ticks(now)
        shop.events.categories[cat.parent_id] = None


def register_attribute(shop: Shop, name: str, value: str) -> None:
    """Attribute names (and values) are auto-created when first used (§3.4.1)."""
    attr = shop.attributes.get(name.casefold())
    if attr is None:
        attr = shop.attributes[name.casefold()] = Attribute(shop.next_id("attribute"), name)
    if value and value.casefold() not in attr.values:
        attr.values[value.casefold()] = value


def attributes_catalogue(shop: Shop) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "name": a.name,
            "attributeValues": [{"value": v, "attributeId": a.id} for v in a.values.values()],
        }
        for a in shop.attributes.values()
    ]


def get_category(shop: Shop, cid: int) -> Category:
    return found(shop.categories.get(cid), "nhóm hàng")


def list_categories(shop: Shop, since: int | None, tree: bool) -> list[Category]:
    """``GET /categories``: the roots for the tree view (``since`` ignored), else the changed ones."""
    if tree:
        return [c for c in shop.categories.values() if c.parent_id is None]
    return [c for c in shop.categories.values() if modified_since(c.created, c.modified, since)]
