"""Price books ("Bảng giá", §3.5): one price per (book, product); book 0 is ``basePrice``."""

from __future__ import annotations

from typing import Any

from .errors import found, invalid, not_found
from .listing import modified_since
from .model import PriceBook, Shop
from .params import as_float, as_int
from .timefmt import entity_ticks


def set_price(shop: Shop, body: dict[str, Any], now: int) -> None:
    """``POST /pricebooks/detail``: book 0 changes the general price (a product.update)."""
    book_id = as_int(body.get("pricebookid", 0) or 0, "pricebookId")
    pid = as_int(body.get("productid"), "productId")
    if body.get("price") is None:
        raise invalid("Giá không được để trống", "price")
    price = as_float(body.get("price"), "price")
    if price < 0:
        raise invalid("Giá không được nhỏ hơn 0", "price")
    product = shop.products.get(pid)
    if product is None:
        raise not_found("hàng hóa")
    if book_id == 0:
        product.base_price = price
        product.modified = entity_ticks(now)
        shop.events.products[pid] = None
        return
    book = shop.pricebooks.get(book_id)
    if book is None:
        raise not_found("bảng giá")
    book.lines[pid] = price
    book.modified = entity_ticks(now)
    shop.events.pricebook_details[(book_id, pid)] = None


def remove_price(shop: Shop, book_id: int, pid: int, now: int) -> None:
    book = shop.pricebooks.get(book_id)
    if book is None:
        raise not_found("bảng giá")
    if book.lines.pop(pid, None) is not None:
        book.modified = entity_ticks(now)
        shop.events.delete("pricebookdetail.delete", (book_id, pid))


def list_pricebooks(shop: Shop, since: int | None) -> list[PriceBook]:
    return [pb for pb in shop.pricebooks.values() if modified_since(pb.created, pb.modified, since)]


def get_pricebook(shop: Shop, pbid: int) -> PriceBook:
    return found(shop.pricebooks.get(pbid), "bảng giá")
