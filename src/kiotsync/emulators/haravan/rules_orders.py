"""Orders (digest §3.7, §4.1–4.4): create, edit, confirm/close/open/cancel, list filters.

Defaults on create follow §5: ``financial_status`` from the body else ``pending``,
``fulfillment_status`` ``notfulfilled``, ``confirmed_status`` ``unconfirmed`` unless
``is_confirm``, ``cancelled_status`` ``uncancelled``, ``closed_status`` ``unclosed``; name
``#1000NN``; a ``pending`` transaction (+ ``capture`` child when paid). Tracked variants reserve
stock (``qty_commited``) at the order's location. Stock is not checked (quantities may go
negative, as in the digest's examples).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .addresses import normalize_address
from .context import Ctx
from .enums import (
    CANCEL_REASONS,
    COD_GATEWAY,
    DISCOUNT_TYPES,
    FINANCIAL_ALIASES,
    FINANCIAL_STATUSES,
    TRANSACTION_KINDS,
    TRANSACTION_STATUSES,
)
from .listing import common_filters
from .model import Customer, LineItem, Order
from .order_state import (
    PAID_KINDS,
    recompute_financial,
    recompute_fulfillment,
    release_commitment,
    touch,
)
from .rules_customers import create_customer
from .rules_fulfillments import create_fulfillment
from .rules_inventory import change
from .rules_payments import add_transaction, create_refund
from .serialize import order as serialize_order
from .store import Shop
from .textfold import add_tags, normalize_tags, phone_key, remove_tags
from .timeutil import parse_ms
from .validation import choice, flag, integer, invalid, number, text, wrapped

DEFAULT_VARIANT_TITLE = "Default Title"


def _financial(value: Any) -> str | None:
    if value in (None, ""):
        return None
    raw = str(value).strip().lower()
    return choice(FINANCIAL_ALIASES.get(raw, raw), "financial_status", FINANCIAL_STATUSES, "pending")


def _line(ctx: Ctx, raw: Any, i: int) -> LineItem:
    if not isinstance(raw, Mapping):
        invalid("line_items", "must be a list of objects")
    shop = ctx.shop
    qty = integer(raw.get("quantity"), f"line_items[{i}].quantity", 1)
    if qty < 1:
        invalid("line_items", "quantity must be greater than 0")
    discounts = raw.get("applied_discounts") or []
    if not isinstance(discounts, list):
        invalid("line_items", "applied_discounts must be a list")
    applied: list[dict[str, Any]] = [
        {"description": text(d.get("description")), "amount": number(d.get("amount"), "amount")}
        for d in discounts
        if isinstance(d, Mapping)
    ]
    total_discount = number(
        raw.get("total_discount"), "total_discount", float(sum(d["amount"] for d in applied))
    )
    props = raw.get("properties") if isinstance(raw.get("properties"), list) else None
    vid = raw.get("variant_id")
    if vid not in (None, ""):
        variant = shop.variants.get(integer(vid, "variant_id"))
        if variant is None:
            invalid("line_items", f"variant_id {vid} not found")
        product = shop.products[variant.product_id]
        image = next((img for img in product.images if img.id == variant.image_id), None) or (
            product.images[0] if product.images else None
        )
        return LineItem(
            id=ctx.next_id("line_item"),
            product_id=product.id,
            variant_id=variant.id,
            sku=variant.sku,
            barcode=variant.barcode,
            title=product.title,
            variant_title=None if variant.title == DEFAULT_VARIANT_TITLE else variant.title,
            quantity=qty,
            price=number(raw.get("price"), "price", variant.price),
            grams=variant.grams,
            vendor=product.vendor,
            product_type=product.product_type,
            requires_shipping=variant.requires_shipping,
            taxable=variant.taxable,
            total_discount=total_discount,
            applied_discounts=applied,
            properties=props,
            image_src=image.src if image else None,
            not_allow_promotion=product.not_allow_promotion,
            tracked=variant.tracked,
        )
    title = text(raw.get("title"))
    if title is None:
        invalid("line_items", "title can't be blank for a custom line item")
    return LineItem(
        id=ctx.next_id("line_item"),
        product_id=None,
        variant_id=None,
        sku=text(raw.get("sku")),
        barcode=text(raw.get("barcode")),
        title=title,
        variant_title=text(raw.get("variant_title")),
        quantity=qty,
        price=number(raw.get("price"), "price"),
        grams=number(raw.get("grams"), "grams"),
        vendor=text(raw.get("vendor")),
        product_type=None,
        requires_shipping=flag(raw.get("requires_shipping"), True),
        taxable=flag(raw.get("taxable"), True),
        total_discount=total_discount,
        applied_discounts=applied,
        properties=props,
        image_src=None,
        not_allow_promotion=False,
        tracked=False,
        product_exists=False,
    )


def _customer(ctx: Ctx, data: Mapping[str, Any]) -> Customer | None:
    shop = ctx.shop
    raw = data.get("customer")
    email = text(data.get("email"))
    if isinstance(raw, Mapping):
        if raw.get("id") not in (None, ""):
            found = shop.customers.get(integer(raw.get("id"), "customer.id"))
            if found is None:
                invalid("customer", f"customer {raw.get('id')} not found")
            return found
        email = text(raw.get("email")) or email
        phone = text(raw.get("phone"))
        cid = (shop.customers_by_email.get(email.lower()) if email else None) or (
            shop.customers_by_phone.get(phone_key(phone)) if phone else None
        )
        if cid is not None:
            return shop.customers[cid]
        if not any((email, phone, text(raw.get("first_name")), text(raw.get("last_name")))):
            return None
        spec = {
            k: raw.get(k) for k in ("first_name", "last_name", "phone", "accepts_marketing", "note", "tags")
        }
        spec["email"] = email
        if data.get("shipping_address"):
            spec["addresses"] = [data["shipping_address"]]
        return create_customer(ctx, {"customer": spec})
    if email:
        cid = shop.customers_by_email.get(email.lower())
        if cid is not None:
            return shop.customers[cid]
        return create_customer(ctx, {"customer": {"email": email}})
    return None


def _dict_list(value: Any, field: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, Mapping) for x in value):
        invalid(field, "must be a list of objects")
    return [dict(x) for x in value]


PlannedTransaction = tuple[str, float, str, str | None]  # kind, amount (< 0: the total), status, gateway


def _discount_codes(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "code": text(d.get("code")),
            "amount": number(d.get("amount"), "discount_codes.amount"),
            "type": choice(d.get("type"), "discount_codes.type", DISCOUNT_TYPES, "fixed_amount"),
            "is_coupon_code": flag(d.get("is_coupon_code"), True),
        }
        for d in _dict_list(data.get("discount_codes"), "discount_codes")
    ]


def _shipping_lines(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "code": text(sl.get("code")),
            "price": number(sl.get("price"), "shipping_lines.price"),
            "source": text(sl.get("source")),
            "title": text(sl.get("title")),
            "tax_lines": sl.get("tax_lines") or [],
        }
        for sl in _dict_list(data.get("shipping_lines"), "shipping_lines")
    ]


def _planned_transactions(data: Mapping[str, Any]) -> list[PlannedTransaction]:
    return [
        (
            choice(raw.get("kind"), "transactions.kind", TRANSACTION_KINDS, "capture"),
            number(raw.get("amount"), "transactions.amount", -1.0),
            choice(raw.get("status"), "transactions.status", TRANSACTION_STATUSES, "success"),
            text(raw.get("gateway")),
        )
        for raw in _dict_list(data.get("transactions"), "transactions")
    ]


def _creation_fulfillment_status(data: Mapping[str, Any]) -> str | None:
    ful = text(data.get("fulfillment_status"))
    if ful not in (None, "fulfilled", "notfulfilled", "unfulfilled"):
        invalid("fulfillment_status", "can only be fulfilled (or blank) on create")
    return ful


def _first_fulfillment(shop: Shop, data: Mapping[str, Any], ful: str | None) -> dict[str, Any]:
    """The body's first fulfillment (``{}`` without one); its location is checked when the
    order is created fulfilled."""
    first_ff = (_dict_list(data.get("fulfillments"), "fulfillments") or [{}])[0]
    if (
        ful == "fulfilled"
        and first_ff.get("location_id") not in (None, "")
        and integer(first_ff.get("location_id"), "fulfillments.location_id") not in shop.locations
    ):
        invalid("fulfillments", f"location {first_ff.get('location_id')} not found")
    return first_ff


def _record_payments(ctx: Ctx, order: Order, planned_txs: list[PlannedTransaction], fin: str | None) -> None:
    """The body's transactions, else a ``pending`` one (+ its ``capture`` child when paid)."""
    if planned_txs:
        for kind, amount, status, tx_gateway in planned_txs:
            add_transaction(ctx, order, kind, order.total_price if amount < 0 else amount, status, tx_gateway)
        if fin is None:
            recompute_financial(order)
    else:
        pending = add_transaction(ctx, order, "pending", order.total_price, "pending")
        if order.financial_status == "paid":
            add_transaction(ctx, order, "capture", order.total_price, "success", parent_id=pending.id)


def _reserve_stock(ctx: Ctx, loc_id: int, lines: list[LineItem]) -> None:
    for li in lines:
        if li.tracked and li.variant_id is not None:
            change(ctx, loc_id, li.variant_id, d_commited=li.quantity)
            li.committed_qty = li.quantity


def _count_customer_order(ctx: Ctx, customer: Customer | None, order: Order) -> None:
    if customer is None:
        return
    customer.orders_count += 1
    customer.total_spent += order.total_price
    customer.last_order_id = order.id
    customer.last_order_name = order.name
    customer.last_order_date = ctx.now_ms
    customer.updated_at = ctx.now_ms


def _emit_created(ctx: Ctx, shop: Shop, order: Order) -> None:
    def build() -> dict[str, Any]:
        return serialize_order(shop, order)

    ctx.emit("orders/create", build)
    if order.financial_status == "paid":
        ctx.emit("orders/paid", build)
    if order.fulfillment_status == "fulfilled":
        ctx.emit("orders/fulfilled", build)


def create_order(ctx: Ctx, body: Any, source: str | None = None) -> Order:
    data = wrapped(body, "order")
    shop = ctx.shop
    raw_lines = data.get("line_items")
    if not isinstance(raw_lines, list) or not raw_lines:
        invalid("line_items", "can't be blank")
    loc_id = integer(data.get("location_id"), "location_id", shop.primary_location.id)
    if loc_id not in shop.locations:
        invalid("location_id", f"location {loc_id} not found")
    lines = [_line(ctx, raw, i) for i, raw in enumerate(raw_lines)]
    fin = _financial(data.get("financial_status"))
    discount_codes = _discount_codes(data)
    shipping_lines = _shipping_lines(data)
    total_discounts = number(
        data.get("total_discounts"),
        "total_discounts",
        sum(d["amount"] for d in discount_codes) + sum(li.total_discount for li in lines),
    )
    planned_txs = _planned_transactions(data)
    ful = _creation_fulfillment_status(data)
    shipping = normalize_address(data.get("shipping_address"), "shipping_address")
    billing = normalize_address(data.get("billing_address"), "billing_address")
    processed = (
        parse_ms(str(data["processed_at"]), "processed_at") if data.get("processed_at") else ctx.now_ms
    )
    cod = flag(data.get("is_cod_gateway"), False)
    gateway = text(data.get("gateway")) or (COD_GATEWAY if cod else None)
    src = text(data.get("source")) or source or ctx.client_id or "api"
    first_ff = _first_fulfillment(shop, data, ful)
    customer = _customer(ctx, data)
    order = Order(
        id=ctx.next_id("order"),
        name=text(data.get("name")) or f"#{shop.next_order_number}",
        email=text(data.get("email")) or (customer.email if customer else None),
        phone=text(data.get("phone")) or (customer.phone if customer else None),
        financial_status=fin or "pending",
        fulfillment_status="notfulfilled",
        confirmed_status="confirmed" if flag(data.get("is_confirm"), False) else "unconfirmed",
        confirmed_at=ctx.now_ms if flag(data.get("is_confirm"), False) else None,
        cancelled_status="uncancelled",
        cancelled_at=None,
        cancel_reason=None,
        closed_status="unclosed",
        closed_at=None,
        gateway=gateway,
        gateway_code=text(data.get("gateway_code")) or ("COD" if cod else gateway),
        is_cod_gateway=cod,
        processing_method="checkout" if src == "web" else "manual",
        source=src,
        source_name=text(data.get("source_name")) or src,
        customer_id=customer.id if customer else None,
        billing_address=billing,
        shipping_address=shipping,
        line_items=lines,
        discount_codes=discount_codes,
        shipping_lines=shipping_lines,
        total_discounts=total_discounts,
        note=text(data.get("note")),
        note_attributes=_dict_list(data.get("note_attributes"), "note_attributes"),
        tags=normalize_tags(data.get("tags")),
        location_id=loc_id,
        user_id=integer(data.get("user_id"), "user_id", 0) or None,
        landing_site_ref=text(data.get("landing_site_ref")),
        processed_at=processed,
        created_at=ctx.now_ms,
        updated_at=ctx.now_ms,
    )
    shop.next_order_number += 1
    shop.orders[order.id] = order
    _record_payments(ctx, order, planned_txs, fin)
    _reserve_stock(ctx, loc_id, lines)
    if ful == "fulfilled":
        create_fulfillment(ctx, order, {"fulfillment": first_ff}, emit=False)
    _count_customer_order(ctx, customer, order)
    _emit_created(ctx, shop, order)
    return order


def update_order(ctx: Ctx, order: Order, body: Any) -> Order:
    data = wrapped(body, "order")
    shipping = (
        normalize_address(data.get("shipping_address"), "shipping_address")
        if "shipping_address" in data
        else None
    )
    billing = (
        normalize_address(data.get("billing_address"), "billing_address")
        if "billing_address" in data
        else None
    )
    attrs = _dict_list(data.get("note_attributes"), "note_attributes") if "note_attributes" in data else None
    if "note" in data:
        order.note = text(data.get("note"))
    if attrs is not None:
        order.note_attributes = attrs
    if "tags" in data:
        order.tags = normalize_tags(data.get("tags"))
    for key in ("email", "phone"):
        if key in data:
            setattr(order, key, text(data.get(key)))
    if "shipping_address" in data:
        order.shipping_address = shipping
    if "billing_address" in data:
        order.billing_address = billing
    touch(ctx, order, order.financial_status == "paid", order.fulfillment_status == "fulfilled")
    return order


def set_order_tags(ctx: Ctx, order: Order, body: Any, add: bool) -> str | None:
    tags = body.get("tags") if isinstance(body, dict) else None
    if tags in (None, ""):
        invalid("tags", "can't be blank")
    order.tags = add_tags(order.tags, tags) if add else remove_tags(order.tags, tags)
    touch(ctx, order, order.financial_status == "paid", order.fulfillment_status == "fulfilled")
    return order.tags


def confirm_order(ctx: Ctx, order: Order) -> Order:
    if order.cancelled_status == "cancelled":
        invalid("base", "Cannot confirm a cancelled order")
    if order.confirmed_status != "confirmed":
        order.confirmed_status = "confirmed"
        order.confirmed_at = ctx.now_ms
    touch(ctx, order, order.financial_status == "paid", order.fulfillment_status == "fulfilled")
    return order


def close_order(ctx: Ctx, order: Order, close: bool) -> Order:
    if close and order.closed_status != "closed":
        order.closed_status = "closed"
        order.closed_at = ctx.now_ms
    elif not close:
        order.closed_status = "unclosed"
        order.closed_at = None
    touch(ctx, order, order.financial_status == "paid", order.fulfillment_status == "fulfilled")
    return order


def _cancel_refund_amount(order: Order, data: Mapping[str, Any]) -> float:
    """The ``amount`` a cancellation refunds (0 without one), at most what was captured."""
    amount = abs(number(data.get("amount"), "amount")) if data.get("amount") not in (None, "") else 0.0
    captured_total = sum(
        t.amount for t in order.transactions if t.kind in PAID_KINDS and t.status == "success"
    )
    if amount > captured_total + 0.0001:
        invalid("amount", "must be less than or equal to the amount captured")
    return amount


def _cancel_fulfillments(ctx: Ctx, order: Order, restock: bool) -> None:
    """Cancel every live fulfillment: its quantities are no longer fulfilled and, on
    ``restock``, tracked variants go back on hand at the fulfillment's location."""
    for f in order.fulfillments:
        if f.status == "cancelled":
            continue
        f.status = "cancelled"
        f.carrier_status_code = "cancel"
        f.dates["cancel_date"] = ctx.now_ms
        f.updated_at = ctx.now_ms
        for line_id, qty in f.lines:
            line = order.line(line_id)
            if line is None:
                continue
            line.fulfilled_qty = max(0, line.fulfilled_qty - qty)
            if restock and line.tracked and line.variant_id is not None:
                change(ctx, f.location_id, line.variant_id, d_onhand=qty)


def cancel_order(ctx: Ctx, order: Order, body: Any) -> Order:
    data = body if isinstance(body, Mapping) else {}
    if order.cancelled_status == "cancelled":
        invalid("base", "Order has already been cancelled")
    reason = choice(data.get("reason"), "reason", CANCEL_REASONS, "customer")
    restock = flag(data.get("restock"), False)
    ignore_ff = flag(data.get("ignore_cancel_fulfillment"), False)
    amount = _cancel_refund_amount(order, data)
    refund_spec = data.get("refund") if isinstance(data.get("refund"), Mapping) else None
    was_paid = order.financial_status == "paid"
    was_fulfilled = order.fulfillment_status == "fulfilled"
    release = restock or ctx.config.cancel_releases_committed == "always"
    if refund_spec is not None:
        create_refund(ctx, order, {"refund": {**refund_spec, "restock": restock}}, emit=False)
    for li in order.line_items:
        if release:
            release_commitment(ctx, order, li, li.committed_qty)
    if not ignore_ff:
        _cancel_fulfillments(ctx, order, restock)
    if restock:
        for li in order.line_items:
            li.restocked = True
    if amount > 0:
        add_transaction(ctx, order, "refund", amount, "success")
    order.cancelled_status = "cancelled"
    order.cancelled_at = ctx.now_ms
    order.cancel_reason = reason
    if text(data.get("note")):
        order.note = text(data.get("note"))
    recompute_financial(order)
    recompute_fulfillment(order)
    touch(ctx, order, was_paid, was_fulfilled, "orders/cancelled")
    return order


ORDER_SORTS = {"created_at", "updated_at", "id", "processed_at"}


def list_orders(shop: Shop, args: Mapping[str, str], default_status: str) -> list[Order]:
    pred = common_filters(
        args,
        lambda o: o.id,
        {
            "created_at": lambda o: o.created_at,
            "updated_at": lambda o: o.updated_at,
            "processed_at": lambda o: o.processed_at,
        },
    )
    status = (args.get("status") or default_status).strip().lower()
    if status not in ("open", "closed", "cancelled", "any"):
        invalid("status", "must be open, closed, cancelled or any")
    fin = {FINANCIAL_ALIASES.get(x, x) for x in (args.get("financial_status") or "any").lower().split(",")}
    ful = (args.get("fulfillment_status") or "any").strip().lower()
    ful_ok = {
        "any": None,
        "unshipped": {"notfulfilled"},
        "notfulfilled": {"notfulfilled"},
        "unfulfilled": {"notfulfilled"},
        "shipped": {"fulfilled"},
        "fulfilled": {"fulfilled"},
        "partial": {"partial"},
        "restocked": {"restocked"},
    }
    if ful not in ful_ok:
        invalid("fulfillment_status", "must be unshipped, shipped, partial or any")
    wanted_ful = ful_ok[ful]

    def status_ok(o: Order) -> bool:
        if status == "any":
            return True
        if status == "cancelled":
            return o.cancelled_status == "cancelled"
        if status == "closed":
            return o.closed_status == "closed"
        return o.cancelled_status != "cancelled" and o.closed_status != "closed"

    out = [
        o
        for o in shop.orders.values()
        if pred(o)
        and status_ok(o)
        and ("any" in fin or o.financial_status in fin)
        and (wanted_ful is None or o.fulfillment_status in wanted_ful)
    ]
    field, _, direction = (args.get("order") or "created_at desc").strip().partition(" ")
    field = field.strip().lower()
    direction = direction.strip().lower() or "asc"
    if field not in ORDER_SORTS or direction not in ("asc", "desc"):
        invalid("order", "must be created_at|updated_at asc|desc")
    out.sort(key=lambda o: (getattr(o, field), o.id), reverse=direction == "desc")
    return out
