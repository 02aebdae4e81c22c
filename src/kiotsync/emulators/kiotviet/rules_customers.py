"""Customers ("Khách hàng", §3.6): create/update/delete (one or a list) and the list filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import invalid, not_found
from .listing import modified_since
from .model import Customer, Shop
from .params import as_bool, as_date, as_int
from .timefmt import entity_ticks, fmt_local

_NON_DIGITS = re.compile(r"\D+")
_TEXT_FIELDS = {
    "contactnumber": "contact_number",
    "address": "address",
    "locationname": "location_name",
    "wardname": "ward_name",
    "email": "email",
    "organization": "organization",
    "comments": "comments",
    "taxcode": "tax_code",
}


def digits(text: str) -> str:
    return _NON_DIGITS.sub("", text or "")


def _branch(shop: Shop, value: Any) -> int | None:
    if isinstance(value, list):  # the doc types it int[], clients send an int
        value = value[0] if value else None
    if value in (None, "", 0):
        return None
    bid = as_int(value, "branchId")
    if bid not in shop.branches:
        raise invalid("Chi nhánh không tồn tại", "branchId")
    return bid


def _apply(shop: Shop, c: Customer, body: dict[str, Any]) -> None:
    if "name" in body:
        name = str(body.get("name") or "").strip()
        if not name:
            raise invalid("Tên khách hàng không được để trống", "name")
        c.name = name
    for key, attr in _TEXT_FIELDS.items():
        if key in body:
            setattr(c, attr, str(body[key] or "").strip())
    if "comment" in body and "comments" not in body:
        c.comments = str(body["comment"] or "")
    if "gender" in body:
        c.gender = None if body["gender"] is None else as_bool(body["gender"], "gender")
    if "birthdate" in body:
        c.birth_date = as_date(body["birthdate"], "birthDate") if body["birthdate"] else None
    if "type" in body and body["type"] is not None:
        c.type = as_int(body["type"], "type")
    if "branchid" in body:
        c.branch_id = _branch(shop, body["branchid"])
    if "groupids" in body and isinstance(body["groupids"], list):
        c.group_ids = [as_int(g, "groupIds") for g in body["groupids"]]


def create_customer(shop: Shop, body: dict[str, Any], now: int) -> Customer:
    name = str(body.get("name") or "").strip()
    if not name:
        raise invalid("Tên khách hàng không được để trống", "name")
    code = str(body.get("code") or "").strip()
    if code:
        if code.lower() in shop.customer_by_code:
            raise invalid(f'Mã khách hàng "{code}" đã tồn tại', "code")
    else:
        code = shop.next_code("KH", shop.customer_by_code)
    c = Customer(id=shop.next_id("customer"), code=code, name=name, created=entity_ticks(now))
    _apply(shop, c, body)
    shop.customers[c.id] = c
    shop.customer_by_code[code.lower()] = c.id
    shop.events.customers[c.id] = None
    return c


def update_customer(shop: Shop, cid: int, body: dict[str, Any], now: int) -> Customer:
    c = shop.customers.get(cid)
    if c is None:
        raise not_found("khách hàng")
    code = str(body.get("code") or "").strip()
    if code and code != c.code:
        owner = shop.customer_by_code.get(code.lower())
        if owner is not None and owner != cid:
            raise invalid(f'Mã khách hàng "{code}" đã tồn tại', "code")
        shop.customer_by_code.pop(c.code.lower(), None)
        c.code = code
        shop.customer_by_code[code.lower()] = cid
    _apply(shop, c, body)
    c.modified = entity_ticks(now)
    shop.events.customers[cid] = None
    return c


def delete_customer(shop: Shop, cid: int, now: int) -> None:
    c = shop.customers.pop(cid, None)
    if c is None:
        raise not_found("khách hàng")
    shop.customer_by_code.pop(c.code.lower(), None)
    shop.tombstones["customers"][cid] = entity_ticks(now)
    shop.events.customers.pop(cid, None)
    shop.events.delete("customer.delete", cid)


def matches(c: Customer, code: str | None, name: str | None, phone_digits: str | None) -> bool:
    """List filters: substring on code and name (case-insensitive), substring on phone digits."""
    if code and code.casefold() not in c.code.casefold():
        return False
    if name and name.casefold() not in c.name.casefold():
        return False
    return not (phone_digits and phone_digits not in digits(c.contact_number))


def find_customer(shop: Shop, cid: Any = None, code: Any = None) -> Customer:
    if cid not in (None, "", 0):
        c = shop.customers.get(as_int(cid, "customerId"))
        if c is not None:
            return c
    if code:
        found = shop.customer_by_code.get(str(code).strip().lower())
        if found is not None:
            return shop.customers[found]
    raise not_found("khách hàng")


def create_customers(shop: Shop, items: list[dict[str, Any]], now: int) -> None:
    """``POST /listaddcutomers``."""
    for item in items:
        create_customer(shop, item, now)


def update_customers(shop: Shop, items: list[dict[str, Any]], now: int) -> None:
    """``PUT /listupdatecustomers``: each row by id, else by code."""
    for item in items:
        c = find_customer(shop, item.get("id"), item.get("code"))
        update_customer(shop, c.id, item, now)


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    """The filters of ``GET /customers`` (§3.6.1); ``None`` means "any"."""

    since: int | None = None  # lastModifiedFrom (inclusive)
    code: str | None = None
    name: str | None = None
    contact_number: str | None = None  # compared by its digits
    group_id: int | None = None
    birth_date: int | None = None  # compared by calendar day


def _day(ticks: int) -> str:
    return (fmt_local(ticks) or "")[:10]


def list_customers(shop: Shop, f: CustomerFilter) -> list[Customer]:
    """The customers ``f`` selects, in id order."""
    phone = digits(f.contact_number or "") or None
    birth_day = _day(f.birth_date) if f.birth_date is not None else None
    items = []
    for c in shop.customers.values():
        if not modified_since(c.created, c.modified, f.since):
            continue
        if not matches(c, f.code, f.name, phone):
            continue
        if f.group_id and f.group_id not in c.group_ids:
            continue
        if birth_day and (c.birth_date is None or _day(c.birth_date) != birth_day):
            continue
        items.append(c)
    return items
