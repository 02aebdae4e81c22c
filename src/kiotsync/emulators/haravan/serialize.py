"""Wire shapes (digest §3): entity dataclasses → the JSON objects Haravan returns.

Used for API responses and webhook bodies alike, so both always agree.
"""

from __future__ import annotations

import re
from typing import Any

from .enums import (
    CARRIER_STATUSES,
    COD_STATUSES,
    FULFILLMENT_EXTRAS,
    FULFILLMENT_LINE_LABELS,
    STATUS_DATE_FIELDS,
)
from .model import (
    Adjustment,
    Balance,
    Customer,
    Fulfillment,
    Image,
    LineItem,
    Location,
    Order,
    Product,
    Refund,
    Transaction,
    Variant,
)
from .store import Shop
from .timeutil import iso

_TAG = re.compile(r"<[^>]+>")


def shop(s: Shop, owner_name: str) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "email": s.email,
        "customer_email": s.email,
        "domain": s.domain,
        "myharavan_domain": s.domain,
        "address1": s.address1,
        "city": "",
        "province": s.province,
        "province_code": s.province_code,
        "zip": None,
        "country": "Vietnam",
        "country_code": "VN",
        "country_name": "Vietnam",
        "currency": "VND",
        "money_format": "{{amount}}₫",
        "money_with_currency_format": "{{amount}}₫",
        "money_in_emails_format": "{{amount}}₫",
        "money_with_currency_in_emails_format": "{{amount}}₫",
        "timezone": "(GMT+07:00) Hanoi",
        "iana_timezone": "Asia/Ho_Chi_Minh",
        "phone": s.phone,
        "plan_name": "grow",
        "display_plan_name": "Grow",
        "shop_owner": owner_name,
        "inventory_method": "FIFO",
        "primary_locale": "vi",
        "taxes_included": False,
        "tax_shipping": False,
        "county_taxes": False,
        "has_storefront": True,
        "source": None,
        "created_at": iso(s.created_at),
        "updated_at": iso(s.created_at),
    }


def location(loc: Location) -> dict[str, Any]:
    return {
        "id": loc.id,
        "name": loc.name,
        "location_type": loc.location_type,
        "type": loc.location_type,
        "email": loc.email,
        "address1": loc.address1,
        "address2": None,
        "zip": None,
        "city": None,
        "province": loc.province,
        "province_code": loc.province_code,
        "district": loc.district,
        "district_code": loc.district_code,
        "ward": loc.ward,
        "ward_code": loc.ward_code,
        "country": "Vietnam",
        "country_code": "VN",
        "country_name": "Vietnam",
        "phone": loc.phone,
        "is_primary": loc.is_primary,
        "is_unavailable_quantity": False,
        "created_at": iso(loc.created_at),
        "updated_at": iso(loc.updated_at),
    }


def stock_totals(s: Shop, variant_id: int) -> dict[str, int]:
    rows = s.balances.get(variant_id, {}).values()
    onhand = sum(b.onhand for b in rows)
    commited = sum(b.commited for b in rows)
    return {
        "qty_available": onhand - commited,
        "qty_onhand": onhand,
        "qty_commited": commited,
        "qty_incoming": sum(b.incoming for b in rows),
    }


def variant(s: Shop, v: Variant, position: int) -> dict[str, Any]:
    totals = stock_totals(s, v.id)
    qty = totals["qty_available"]
    return {
        "id": v.id,
        "product_id": v.product_id,
        "title": v.title,
        "option1": v.option1,
        "option2": v.option2,
        "option3": v.option3,
        "sku": v.sku,
        "barcode": v.barcode,
        "price": float(v.price),
        "compare_at_price": float(v.compare_at_price),
        "grams": float(v.grams),
        "inventory_management": v.inventory_management,
        "inventory_policy": v.inventory_policy,
        "inventory_quantity": qty,
        "old_inventory_quantity": v.old_inventory_quantity if v.old_inventory_quantity is not None else qty,
        "inventory_quantity_adjustment": v.inventory_quantity_adjustment,
        "inventory_advance": totals if v.tracked else None,
        "requires_shipping": v.requires_shipping,
        "taxable": v.taxable,
        "fulfillment_service": None,
        "position": position,
        "image_id": v.image_id,
        "lot_support": v.lot_support,
        "variant_units": v.variant_units,
        "created_at": iso(v.created_at),
        "updated_at": iso(v.updated_at),
    }


def variant_in_product(s: Shop, v: Variant) -> dict[str, Any]:
    product = s.products[v.product_id]
    return variant(s, v, product.variants.index(v) + 1)


def image(img: Image) -> dict[str, Any]:
    return {
        "id": img.id,
        "product_id": img.product_id,
        "position": img.position,
        "src": img.src,
        "filename": img.filename,
        "variant_ids": list(img.variant_ids),
        "created_at": iso(img.created_at),
        "updated_at": iso(img.updated_at),
    }


def body_plain(html: str | None) -> str | None:
    if html is None:
        return None
    return _TAG.sub("", html).strip()


def product(s: Shop, p: Product) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "body_html": p.body_html,
        "body_plain": body_plain(p.body_html),
        "vendor": p.vendor,
        "product_type": p.product_type,
        "handle": p.handle,
        "tags": p.tags,
        "template_suffix": p.template_suffix,
        "published_at": iso(p.published_at),
        "published_scope": p.published_scope,
        "only_hide_from_list": p.only_hide_from_list,
        "not_allow_promotion": p.not_allow_promotion,
        "options": [
            {"id": o.id, "name": o.name, "position": o.position, "product_id": p.id} for o in p.options
        ],
        "variants": [variant(s, v, i + 1) for i, v in enumerate(p.variants)],
        "images": [image(i) for i in p.images],
        "image": image(p.images[0]) if p.images else None,
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
    }


def balance(b: Balance) -> dict[str, Any]:
    return {
        "id": b.id,
        "loc_id": b.loc_id,
        "product_id": b.product_id,
        "variant_id": b.variant_id,
        "qty_onhand": b.onhand,
        "qty_commited": b.commited,
        "qty_incoming": b.incoming,
        "qty_available": b.available,
        "updated_at": iso(b.updated_at),
    }


def adjustment(a: Adjustment) -> dict[str, Any]:
    return {
        "id": a.id,
        "adjust_number": a.adjust_number,
        "tran_date": iso(a.created_at),
        "location_id": a.location_id,
        "type": a.type,
        "reason": a.reason,
        "note": a.note,
        "tags": a.tags,
        "total_quantity": sum(li["quantity"] for li in a.line_items),
        "total_cost": 0.0,
        "line_items": [dict(li) for li in a.line_items],
        "created_at": iso(a.created_at),
        "updated_at": iso(a.created_at),
    }


def customer(c: Customer) -> dict[str, Any]:
    default = next((a for a in c.addresses if a.get("default")), c.addresses[0] if c.addresses else None)
    return {
        "id": c.id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        "phone": c.phone,
        "accepts_marketing": c.accepts_marketing,
        "verified_email": c.verified_email,
        "state": c.state,
        "note": c.note,
        "tags": c.tags,
        "orders_count": c.orders_count,
        "total_spent": float(c.total_spent),
        "total_paid": float(c.total_spent),
        "last_order_id": c.last_order_id,
        "last_order_name": c.last_order_name,
        "last_order_date": iso(c.last_order_date),
        "group_name": None,
        "birthday": c.birthday,
        "gender": c.gender,
        "multipass_identifier": None,
        "addresses": [dict(a) for a in c.addresses],
        "default_address": dict(default) if default else None,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    }


def line_status(li: LineItem, cancelled: bool) -> str:
    if li.restocked:
        return "restock"
    wanted = li.quantity - li.refunded_qty
    if li.fulfilled_qty <= 0:
        return "notfulfilled"
    return "fulfilled" if li.fulfilled_qty >= wanted else "partial"


def line_item(li: LineItem, cancelled: bool = False) -> dict[str, Any]:
    fulfillable = 0 if cancelled else max(0, li.quantity - max(li.refunded_qty, li.fulfilled_qty))
    return {
        "id": li.id,
        "product_id": li.product_id,
        "variant_id": li.variant_id,
        "sku": li.sku,
        "barcode": li.barcode,
        "title": li.title,
        "variant_title": li.variant_title,
        "name": f"{li.title} - {li.variant_title}" if li.variant_title else li.title,
        "quantity": li.quantity,
        "fulfillable_quantity": fulfillable,
        "price": float(li.price),
        "price_original": float(li.price),
        "price_promotion": 0.0,
        "grams": float(li.grams),
        "vendor": li.vendor,
        "type": li.product_type,
        "requires_shipping": li.requires_shipping,
        "taxable": li.taxable,
        "tax_lines": None,
        "gift_card": False,
        "product_exists": li.product_exists,
        "properties": li.properties,
        "total_discount": float(li.total_discount),
        "applied_discounts": li.applied_discounts,
        "fulfillment_service": None,
        "fulfillment_status": line_status(li, cancelled),
        "variant_inventory_management": "haravan" if li.tracked else None,
        "image": {"src": li.image_src, "attactment": None, "filename": None} if li.image_src else None,
        "not_allow_promotion": li.not_allow_promotion,
        "ma_cost_amount": 0.0,
    }


def _weight(order: Order, f: Fulfillment) -> float:
    total = 0.0
    for line_id, qty in f.lines:
        li = order.line(line_id)
        total += (li.grams if li else 0.0) * qty
    return total


def fulfillment(s: Shop, order: Order, f: Fulfillment) -> dict[str, Any]:
    loc = s.locations.get(f.location_id)
    lines = []
    for line_id, qty in f.lines:
        li = order.line(line_id)
        if li is None:
            continue
        data = line_item(li)
        data["quantity"] = qty
        label = "restock" if li.restocked else "fulfilled"
        data["fulfillment_status"] = FULFILLMENT_LINE_LABELS[label]
        data["variant_inventory_management"] = "Haravan" if li.tracked else None
        lines.append(data)
    ship = order.shipping_address or {}
    out: dict[str, Any] = {
        "id": f.id,
        "order_id": f.order_id,
        "status": f.status,
        "location_id": f.location_id,
        "location_name": loc.name if loc else None,
        "notify_customer": f.notify_customer,
        "tracking_company": f.tracking_company,
        "tracking_company_code": f.extra.get("tracking_company_code"),
        "tracking_number": f.tracking_number,
        "tracking_numbers": [f.tracking_number] if f.tracking_number else [],
        "tracking_url": f.tracking_url,
        "tracking_urls": [f.tracking_url] if f.tracking_url else [],
        "receipt": None,
        "line_items": lines,
        "cod_amount": float(f.cod_amount),
        "carrier_status_code": f.carrier_status_code,
        "carrier_status_name": CARRIER_STATUSES[f.carrier_status_code][0],
        "carrier_cod_status_code": f.carrier_cod_status_code,
        "carrier_cod_status_name": COD_STATUSES[f.carrier_cod_status_code][0],
        "note": f.note,
        "province": ship.get("province"),
        "province_code": ship.get("province_code"),
        "district": ship.get("district"),
        "district_code": ship.get("district_code"),
        "ward": ship.get("ward"),
        "ward_code": ship.get("ward_code"),
        "country": ship.get("country"),
        "country_code": ship.get("country_code"),
        "city": ship.get("city"),
        "zip_code": ship.get("zip"),
        "address": ship.get("address1"),
        "first_name": ship.get("first_name"),
        "last_name": ship.get("last_name"),
        "shipping_address": ship.get("address1"),
        "shipping_phone": ship.get("phone"),
        "total_weight": _weight(order, f),
        "created_at": iso(f.created_at),
        "updated_at": iso(f.updated_at),
    }
    for key in FULFILLMENT_EXTRAS[1:]:  # tracking_company_code is above
        out[key] = f.extra.get(key)
    for key in STATUS_DATE_FIELDS:
        out[key] = iso(f.dates.get(key))
    return out


def transaction(t: Transaction, currency: str = "VND") -> dict[str, Any]:
    return {
        "id": t.id,
        "order_id": t.order_id,
        "amount": float(t.amount),
        "kind": t.kind,
        "status": t.status,
        "gateway": t.gateway,
        "authorization": None,
        "receipt": None,
        "test": False,
        "user_id": t.user_id,
        "location_id": t.location_id,
        "device_id": None,
        "parent_id": t.parent_id,
        "currency": currency,
        "payment_details": None,
        "haravan_transaction_id": None,
        "external_transaction_id": None,
        "send_email": False,
        "is_cod_gateway": t.is_cod_gateway,
        "created_at": iso(t.created_at),
    }


def refund(order: Order, r: Refund) -> dict[str, Any]:
    txs = [transaction(t) for t in order.transactions if t.id in r.transaction_ids]
    lines = []
    for rid, line_id, qty in r.lines:
        li = order.line(line_id)
        lines.append(
            {"id": rid, "line_item_id": line_id, "quantity": qty, "line_item": line_item(li) if li else None}
        )
    return {
        "id": r.id,
        "order_id": r.order_id,
        "created_at": iso(r.created_at),
        "note": r.note,
        "restock": r.restock,
        "user_id": None,
        "location_id": r.location_id,
        "refund_line_items": lines,
        "transactions": txs,
    }


def order(s: Shop, o: Order) -> dict[str, Any]:
    cancelled = o.cancelled_status == "cancelled"
    cust = s.customers.get(o.customer_id) if o.customer_id is not None else None
    loc = s.locations.get(o.location_id)
    return {
        "id": o.id,
        "name": o.name,
        "order_number": o.name,
        "number": o.id,
        "email": o.email,
        "contact_email": o.email,
        "phone": o.phone,
        "financial_status": o.financial_status,
        "fulfillment_status": o.fulfillment_status,
        "confirmed_status": o.confirmed_status,
        "confirmed_at": iso(o.confirmed_at),
        "cancelled_status": o.cancelled_status,
        "cancelled_at": iso(o.cancelled_at),
        "cancel_reason": o.cancel_reason,
        "closed_status": o.closed_status,
        "closed_at": iso(o.closed_at),
        "gateway": o.gateway,
        "gateway_code": o.gateway_code,
        "processing_method": o.processing_method,
        "source": o.source,
        "source_name": o.source_name,
        "currency": "VND",
        "taxes_included": False,
        "total_price": o.total_price,
        "subtotal_price": o.subtotal_price,
        "total_discounts": float(o.total_discounts),
        "total_line_items_price": o.total_line_items_price,
        "total_tax": 0.0,
        "total_weight": o.total_weight,
        "discount_codes": [dict(d) for d in o.discount_codes],
        "shipping_lines": [dict(sl) for sl in o.shipping_lines],
        "customer": customer(cust) if cust else None,
        "billing_address": dict(o.billing_address) if o.billing_address else None,
        "shipping_address": dict(o.shipping_address) if o.shipping_address else None,
        "line_items": [line_item(li, cancelled) for li in o.line_items],
        "fulfillments": [fulfillment(s, o, f) for f in o.fulfillments],
        "transactions": [transaction(t) for t in o.transactions],
        "refunds": [refund(o, r) for r in o.refunds],
        "note": o.note,
        "note_attributes": [dict(n) for n in o.note_attributes],
        "tags": o.tags,
        "location_id": o.location_id,
        "assigned_location_id": o.location_id,
        "assigned_location_name": loc.name if loc else None,
        "assigned_location_at": iso(o.created_at),
        "location_assigned_at": iso(o.created_at),
        "in_stock_at": None,
        "out_of_stock_at": None,
        "export_at": None,
        "complete_at": iso(o.closed_at),
        "exported_confirm_at": None,
        "omni_order_status": 0,
        "omni_order_status_name": None,
        "user_id": o.user_id,
        "device_id": None,
        "ref_order_id": None,
        "ref_order_number": None,
        "redeem_model": None,
        "payment_url": None,
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
        "utm_term": None,
        "utm_content": None,
        "token": f"{o.id:x}",
        "cart_token": None,
        "checkout_token": None,
        "landing_site": None,
        "landing_site_ref": o.landing_site_ref,
        "referring_site": None,
        "browser_ip": None,
        "buyer_accepts_marketing": False,
        "client_details": None,
        "processed_at": iso(o.processed_at),
        "created_at": iso(o.created_at),
        "updated_at": iso(o.updated_at),
    }
