"""Customers (digest §3.11): create/update/delete, list and ``search.json?query=``.

Search matches name (Vietnamese-folded, case-insensitive), email and phone (``+84`` ≡ ``0``);
``email:``/``phone:``/``name:`` prefixes restrict a term to one field (guess).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .addresses import normalize_address
from .context import Ctx
from .listing import common_filters
from .model import Customer
from .serialize import customer as serialize_customer
from .store import Shop
from .textfold import normalize_tags, phone_key, search_key
from .validation import flag, invalid, text, wrapped


def _addresses(ctx: Ctx, customer_id: int, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        invalid("addresses", "must be a list")
    out = []
    for i, item in enumerate(raw):
        addr = normalize_address(item, "addresses") or {}
        addr["id"] = item.get("id") or ctx.next_id("address")
        addr["customer_id"] = customer_id
        addr["default"] = bool(item.get("default")) if any(a.get("default") for a in raw) else i == 0
        out.append(addr)
    return out


def _check_unique(shop: Shop, email: str | None, phone: str | None, me: int | None) -> None:
    if email:
        if "@" not in email:
            invalid("email", "is invalid")
        other = shop.customers_by_email.get(email.lower())
        if other is not None and other != me:
            invalid("email", "has already been taken")
    if phone and phone_key(phone):
        other = shop.customers_by_phone.get(phone_key(phone))
        if other is not None and other != me:
            invalid("phone", "has already been taken")


def create_customer(ctx: Ctx, body: Any, emit: bool = True) -> Customer:
    data = wrapped(body, "customer")
    email, phone = text(data.get("email")), text(data.get("phone"))
    first, last = text(data.get("first_name")), text(data.get("last_name"))
    if not any((email, phone, first, last)):
        invalid("base", "Customer must have a name, phone number or email address")
    _check_unique(ctx.shop, email, phone, None)
    cid = ctx.next_id("customer")
    customer = Customer(
        id=cid,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        accepts_marketing=flag(data.get("accepts_marketing"), False),
        note=text(data.get("note")),
        tags=normalize_tags(data.get("tags")),
        birthday=text(data.get("birthday")),
        gender=data.get("gender") if isinstance(data.get("gender"), int) else None,
        addresses=_addresses(ctx, cid, data.get("addresses")),
        created_at=ctx.now_ms,
        updated_at=ctx.now_ms,
    )
    ctx.shop.index_customer(customer)
    if emit:
        ctx.emit("customers/create", lambda: serialize_customer(customer))
    return customer


def update_customer(ctx: Ctx, customer: Customer, body: Any) -> Customer:
    data = wrapped(body, "customer")
    email = text(data["email"]) if "email" in data else customer.email
    phone = text(data["phone"]) if "phone" in data else customer.phone
    _check_unique(ctx.shop, email, phone, customer.id)
    old_email, old_phone = customer.email, customer.phone
    customer.email, customer.phone = email, phone
    for key in ("first_name", "last_name", "note", "birthday"):
        if key in data:
            setattr(customer, key, text(data.get(key)))
    if "accepts_marketing" in data:
        customer.accepts_marketing = flag(data.get("accepts_marketing"), customer.accepts_marketing)
    if "tags" in data:
        customer.tags = normalize_tags(data.get("tags"))
    if "state" in data and text(data.get("state")):
        customer.state = str(data["state"]).lower()
    if "addresses" in data:
        customer.addresses = _addresses(ctx, customer.id, data.get("addresses"))
    customer.updated_at = ctx.now_ms
    ctx.shop.index_customer(customer, old_email, old_phone)
    ctx.emit("customers/update", lambda: serialize_customer(customer))
    return customer


def delete_customer(ctx: Ctx, customer: Customer) -> None:
    if customer.orders_count:
        invalid("base", "Cannot delete a customer who has orders")
    shop = ctx.shop
    shop.customers.pop(customer.id, None)
    if customer.email and shop.customers_by_email.get(customer.email.lower()) == customer.id:
        del shop.customers_by_email[customer.email.lower()]
    if customer.phone and shop.customers_by_phone.get(phone_key(customer.phone)) == customer.id:
        del shop.customers_by_phone[phone_key(customer.phone)]


def _default_order(items: list[Customer], args: Mapping[str, str]) -> list[Customer]:
    if args.get("since_id"):
        return items
    items.sort(key=lambda c: (c.last_order_date or 0, c.id), reverse=True)
    return items


def list_customers(shop: Shop, args: Mapping[str, str]) -> list[Customer]:
    pred = common_filters(
        args, lambda c: c.id, {"created_at": lambda c: c.created_at, "updated_at": lambda c: c.updated_at}
    )
    return _default_order([c for c in shop.customers.values() if pred(c)], args)


def _matches(c: Customer, term: str) -> bool:
    field, sep, value = term.partition(":")
    if not sep:
        field, value = "", term
    value = value.strip()
    if not value:
        return True
    name = search_key(f"{c.last_name or ''} {c.first_name or ''} {c.first_name or ''}")
    checks = {
        "name": lambda: search_key(value) in name,
        "email": lambda: value.lower() in (c.email or "").lower(),
        "phone": lambda: bool(phone_key(value)) and phone_key(value) in phone_key(c.phone),
    }
    if field in checks:
        return checks[field]()
    return any(check() for check in checks.values())


def search_customers(shop: Shop, args: Mapping[str, str]) -> list[Customer]:
    query = (args.get("query") or "").strip()
    terms = query.split() if query else []
    found = [c for c in shop.customers.values() if all(_matches(c, t) for t in terms)]
    return _default_order(found, {})
