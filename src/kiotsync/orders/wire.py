"""The orders' wire mapping, both ways: platform data → the pure core's order types, and the
core's drafts → request bodies for the order writes (digest field names, verbatim).

In: links keep the platforms' raw JSON (``hv_snapshot``: the Haravan order as last received;
``kv_snapshot``: ``{"order": ..., "invoices": [...]}``), so the conversion can improve without a
data migration. The typed client models do the tolerant parsing; this module only reduces them
to what the planners read.

Out: KiotViet ``POST /orders`` (§3.7.4), ``POST /invoices`` (§3.8.4), ``PUT /invoices/{id}``;
Haravan ``POST /orders.json`` (§3.7), ``POST /orders/{id}/fulfillments.json`` (§3.8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from kiotsync.core import orders as core
from kiotsync.haravan.models import Fulfillment as HvFulfillmentWire
from kiotsync.haravan.models import Order as HvOrderWire
from kiotsync.httpkit.wire import Wire
from kiotsync.kiotviet.models import Invoice as KvInvoiceWire
from kiotsync.kiotviet.models import LineItem as KvLineWire
from kiotsync.kiotviet.models import Order as KvOrderWire

ZERO = Decimal(0)
_PAID_KINDS = ("capture", "sale")
_OK_STATUSES = (None, "", "success", "thành công")


def _d(value: Decimal | float | int | None) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def hv_paid(order: HvOrderWire) -> Decimal:
    """Money Haravan holds for the order: successful captures/sales minus refunds."""
    paid = ZERO
    for tx in order.transactions:
        if tx.status not in _OK_STATUSES:
            continue
        if tx.kind in _PAID_KINDS:
            paid += _d(tx.amount)
        elif tx.kind == "refund":
            paid -= abs(_d(tx.amount))
    return max(ZERO, paid)


def _fulfillment(f: HvFulfillmentWire) -> core.HvFulfillment:
    return core.HvFulfillment(
        id=f.id,
        status=f.status or "success",
        carrier=f.carrier_status_code or "pending",
        cod=f.carrier_cod_status_code or "none",
        cod_amount=_d(f.cod_amount),
        tracking_number=f.tracking_number or "",
        tracking_company=f.tracking_company or "",
        note=str(f.raw.get("note") or ""),
        lines=tuple((li.id, li.quantity) for li in f.line_items),
    )


def hv_order(data: Mapping[str, Any] | HvOrderWire) -> core.HvOrder:
    order = data if isinstance(data, HvOrderWire) else HvOrderWire.from_wire(data)
    raw = order.raw
    raw_lines = [x for x in (raw.get("line_items") or []) if isinstance(x, Mapping)]
    barcodes = {Wire(x).integer("id"): str(x.get("barcode") or "") for x in raw_lines}
    lines = tuple(
        core.HvLine(
            id=li.id,
            variant_id=li.variant_id,
            sku=li.sku or "",
            barcode=barcodes.get(li.id, ""),
            title=li.title or "",
            variant_title=li.variant_title or "",
            quantity=li.quantity,
            price=_d(li.price),
            total_discount=_d(li.total_discount),
            fulfillable=li.fulfillable_quantity,
        )
        for li in order.line_items
    )
    ship = order.shipping_address
    customer = order.customer
    ship_name = ""
    if ship is not None:
        ship_name = ship.name or " ".join(p for p in (ship.last_name, ship.first_name) if p)
    attributes = tuple(
        (str(a.get("name") or ""), str(a.get("value") or ""))
        for a in (raw.get("note_attributes") or [])
        if isinstance(a, Mapping)
    )
    gateway = f"{order.gateway_code or ''} {order.gateway or ''}".lower()
    return core.HvOrder(
        id=order.id,
        name=order.name or order.order_number or str(order.id),
        created_at=order.created_at,
        updated_at=order.updated_at,
        source=order.source_name or "",
        financial_status=order.financial_status or "pending",
        fulfillment_status=order.fulfillment_status or "notfulfilled",
        confirmed=order.is_confirmed,
        cancelled=order.is_cancelled,
        closed=order.is_closed,
        is_cod=bool(raw.get("is_cod_gateway")) or "cod" in gateway.split() or "(cod)" in gateway,
        total_price=_d(order.total_price),
        total_discounts=_d(order.total_discounts),
        shipping_fee=order.shipping_fee,
        paid=hv_paid(order),
        customer_name=(customer.name if customer else "") or ship_name,
        customer_phone=(customer.phone if customer else None) or str(raw.get("phone") or ""),
        email=order.email or "",
        shipping=core.Address(
            name=ship_name,
            phone=(ship.phone or "") if ship else "",
            address1=(ship.address1 or "") if ship else "",
            ward=(ship.ward or "") if ship else "",
            district=(ship.district or "") if ship else "",
            province=(ship.province or "") if ship else "",
        ),
        lines=lines,
        fulfillments=tuple(_fulfillment(f) for f in order.fulfillments),
        note=order.note or "",
        note_attributes=attributes,
        tags=tuple(t.strip() for t in (order.tags or "").split(",") if t.strip()),
        location_id=order.location_id,
    )


def _kv_line(line: KvLineWire) -> core.KvLine:
    return core.KvLine(
        product_id=line.product_id or 0,
        code=line.product_code or "",
        name=line.product_name or "",
        quantity=_d(line.quantity),
        price=_d(line.price),
        discount=_d(line.discount),
    )


def kv_invoice(data: Mapping[str, Any] | KvInvoiceWire) -> core.KvInvoice:
    inv = data if isinstance(data, KvInvoiceWire) else KvInvoiceWire.from_wire(data)
    dv = inv.delivery
    w = Wire(inv.raw)
    partner = w.sub("invoiceDelivery", "deliveryDetail", "delivery")
    carrier = ""
    if partner is not None:
        pd = partner.sub("partnerDelivery")
        carrier = (pd.text("name") if pd else None) or ""
    paid = sum((_d(p.amount) for p in inv.payments if p.status in (None, 0)), ZERO)
    return core.KvInvoice(
        id=inv.id,
        code=inv.code or "",
        status=inv.status or 0,
        delivery_status=dv.status if dv else None,
        using_cod=bool(inv.using_cod or (dv and dv.using_price_cod)),
        cod_amount=_d(dv.price_cod_payment) if dv else ZERO,
        total=_d(inv.total),
        paid=paid if inv.payments else _d(inv.total_payment),
        delivery_code=(dv.delivery_code or "") if dv else "",
        carrier_name=carrier,
        description=inv.description or "",
        lines=tuple(_kv_line(x) for x in inv.details),
        cod_method=w.text("codPaymentMethod") or "",
    )


def kv_order(
    data: Mapping[str, Any] | KvOrderWire, invoices: Sequence[Mapping[str, Any] | KvInvoiceWire] = ()
) -> core.KvOrder:
    order = data if isinstance(data, KvOrderWire) else KvOrderWire.from_wire(data)
    w = Wire(order.raw)
    dv = order.delivery
    surcharges = sum(
        (
            Wire(s).money("price", "surValue") or ZERO
            for s in w.seq("invoiceOrderSurcharges")
            if isinstance(s, Mapping)
        ),
        ZERO,
    )
    paid = sum((_d(p.amount) for p in order.payments if p.status in (None, 0)), ZERO)
    return core.KvOrder(
        id=order.id,
        code=order.code or "",
        status=order.status,
        status_value=order.status_value or "",
        branch_id=order.branch_id,
        description=order.description or "",
        total=_d(order.total),
        paid=paid if order.payments else _d(order.total_payment),
        using_cod=bool(order.using_cod),
        created_at=order.created_date,
        modified_at=order.modified_date,
        customer_name=order.customer_name or "",
        customer_phone=(dv.contact_number or "") if dv else "",
        customer_id=order.customer_id,
        discount=_d(order.discount),
        lines=tuple(_kv_line(x) for x in order.details),
        delivery=core.Address(
            name=(dv.receiver or "") if dv else "",
            phone=(dv.contact_number or "") if dv else "",
            address1=(dv.address or "") if dv else "",
            ward=(dv.ward_name or "") if dv else "",
            district=(dv.location_name or "") if dv else "",
        ),
        delivery_price=_d(dv.price) if dv else ZERO,
        surcharges=surcharges,
        sale_channel_id=order.sale_channel_id,
        invoices=tuple(kv_invoice(i) for i in invoices),
    )


def kv_from_snapshot(snapshot: Mapping[str, Any]) -> core.KvOrder | None:
    order = snapshot.get("order") if isinstance(snapshot, Mapping) else None
    if not isinstance(order, Mapping) or not order:
        return None
    invoices = [i for i in (snapshot.get("invoices") or []) if isinstance(i, Mapping)]
    return kv_order(order, invoices)


def hv_from_snapshot(snapshot: Mapping[str, Any]) -> core.HvOrder | None:
    if not isinstance(snapshot, Mapping) or not snapshot.get("id"):
        return None
    return hv_order(snapshot)


# -- request bodies ------------------------------------------------------------------------------
#: Payment method recorded on KiotViet for money Haravan collected online (guess: bank transfer).
PREPAID_METHOD = "Transfer"
#: Haravan gateway name for orders KiotSync creates from KiotViet (shown in the Haravan admin).
KIOTVIET_GATEWAY = "KiotViet"
COD_GATEWAY = "Thanh toán khi giao hàng (COD)"


def num(value: Decimal | int | float) -> int | float:
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def _kv_delivery(address: core.Address, price: Decimal) -> dict[str, Any]:
    return {
        "type": 1,
        "price": num(price),
        "receiver": address.name,
        "contactNumber": address.phone,
        "address": address.address1,
        "locationName": address.location_name,
        "wardName": address.ward,
    }


def kv_order_body(draft: core.KvOrderDraft, customer_id: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "branchId": draft.branch_id,
        "description": draft.description,
        "makeInvoice": False,
        "usingCod": draft.using_cod,
        "orderDetails": [
            {
                "productId": ln.product_id,
                "productCode": ln.code,
                "quantity": num(ln.quantity),
                "price": num(ln.price),
                **({"note": ln.note} if ln.note else {}),
            }
            for ln in draft.lines
        ],
    }
    if draft.discount > 0:
        body["discount"] = num(draft.discount)
    if customer_id:
        body["customerId"] = customer_id
    else:
        c = draft.customer
        body["customer"] = {
            "name": c.name,
            "contactNumber": c.phone,
            "address": c.address.address1,
            "locationName": c.address.location_name,
            "wardName": c.address.ward,
            **({"email": c.email} if c.email else {}),
        }
    if draft.sale_channel_id:
        body["saleChannelId"] = draft.sale_channel_id
    if draft.delivery is not None:
        body["orderDelivery"] = _kv_delivery(draft.delivery, draft.shipping_fee)
    if draft.shipping_surcharge_id and draft.shipping_fee > 0:
        body["surchages"] = [{"id": draft.shipping_surcharge_id, "price": num(draft.shipping_fee)}]
    if draft.prepaid > 0:
        body["totalPayment"] = num(draft.prepaid)
        body["method"] = PREPAID_METHOD
    return body


def kv_invoice_body(draft: core.KvInvoiceDraft, branch_id: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"orderId": draft.order_id, "description": draft.description}
    if branch_id:
        body["branchId"] = branch_id
    if draft.lines:
        body["invoiceDetails"] = [
            {
                "productId": ln.product_id,
                "productCode": ln.code,
                "quantity": num(ln.quantity),
                "price": num(ln.price),
            }
            for ln in draft.lines
        ]
    delivery: dict[str, Any] = {"type": 1, "status": draft.delivery_status or 1}
    if draft.delivery is not None:
        delivery.update({k: v for k, v in _kv_delivery(draft.delivery, Decimal(0)).items() if k != "price"})
    if draft.delivery_code:
        delivery["deliveryCode"] = draft.delivery_code
    if draft.carrier_name:
        delivery["partnerDelivery"] = {"name": draft.carrier_name}
    if draft.using_cod:
        delivery["usingPriceCod"] = True
        delivery["priceCodPayment"] = num(draft.cod_amount)
        body["usingCod"] = True
    body["deliveryDetail"] = delivery
    if draft.paid > 0:
        body["totalPayment"] = num(draft.paid)
        body["method"] = PREPAID_METHOD
    return body


def _split_name(name: str) -> tuple[str, str]:
    """Vietnamese "Nguyễn Văn An" → (last "Nguyễn Văn", first "An")."""
    parts = name.split()
    if len(parts) < 2:
        return "", name.strip()
    return " ".join(parts[:-1]), parts[-1]


def hv_address(address: core.Address) -> dict[str, Any]:
    last, first = _split_name(address.name)
    return {
        "name": address.name,
        "first_name": first,
        "last_name": last,
        "phone": address.phone,
        "address1": address.address1,
        "ward": address.ward,
        "district": address.district,
        "province": address.province,
        "country": "Vietnam",
        "country_code": "VN",
    }


def hv_order_body(draft: core.HvOrderDraft, customer_id: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "line_items": [
            {"variant_id": ln.variant_id, "quantity": ln.quantity, "price": num(ln.price)}
            for ln in draft.lines
        ],
        "source": core.HV_SOURCE,
        "source_name": core.HV_SOURCE,
        "note": draft.note,
        "note_attributes": [{"name": core.HV_MARKER_ATTRIBUTE, "value": draft.kv_code}],
        "tags": core.HV_MARKER_TAG,
        "send_receipt": False,
        "send_fulfillment_receipt": False,
        "gateway": COD_GATEWAY if draft.is_cod else KIOTVIET_GATEWAY,
        "is_cod_gateway": draft.is_cod,
    }
    if customer_id:
        body["customer"] = {"id": customer_id}
    elif draft.customer is not None:
        last, first = _split_name(draft.customer.name)
        body["customer"] = {
            "first_name": first,
            "last_name": last,
            **({"phone": draft.customer.phone} if draft.customer.phone else {}),
        }
    if draft.shipping is not None:
        body["shipping_address"] = hv_address(draft.shipping)
        body["billing_address"] = hv_address(draft.shipping)
    if draft.shipping_fee > 0:
        body["shipping_lines"] = [
            {"code": "kiotviet", "title": "Phí vận chuyển", "price": num(draft.shipping_fee)}
        ]
    if draft.discount > 0:
        body["total_discounts"] = num(draft.discount)
    if draft.paid > 0:
        body["transactions"] = [{"kind": "capture", "amount": num(draft.paid), "status": "success"}]
    if draft.location_id:
        body["location_id"] = draft.location_id
    return body


def hv_fulfillment_body(action: core.CreateHvFulfillment) -> dict[str, Any]:
    body: dict[str, Any] = {"notify_customer": False, "note": action.note}
    if action.lines:
        body["line_items"] = [{"id": lid, "quantity": qty} for lid, qty in action.lines]
    if action.tracking_number:
        body["tracking_number"] = action.tracking_number
    if action.tracking_company:
        body["tracking_company"] = action.tracking_company
    if action.carrier:
        body["carrier_status_code"] = action.carrier
    if action.cod and action.cod != "none":
        body["carrier_cod_status_code"] = action.cod
    if action.cod_amount > 0:
        body["cod_amount"] = num(action.cod_amount)
    return body
