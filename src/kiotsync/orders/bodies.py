"""Request bodies for the order writes, from the core's drafts (digest field names, verbatim).

KiotViet: ``POST /orders`` (§3.7.4), ``POST /invoices`` (§3.8.4), ``PUT /invoices/{id}``.
Haravan: ``POST /orders.json`` (§3.7), ``POST /orders/{id}/fulfillments.json`` (§3.8).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kiotsync.core import orders as core

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
