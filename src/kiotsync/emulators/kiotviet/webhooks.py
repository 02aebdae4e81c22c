"""Outgoing KiotViet webhooks (§4.3–4.6): payloads, signature, delivery and retries.

After every operation the app calls :meth:`KvWebhooks.flush` (under the state lock): the
shop's coalesced :class:`~.model.Events` become one delivery per (event type, ACTIVE
registration of that type), with every changed entity of that type as one ``Data`` item, so
changes made in the same instant share a delivery. Envelope::

    {"Id": guid, "Attempt": n, "Notifications": [{"Action": "<type>.<retailerId>", "Data": [...]}]}

Items are PascalCase with ``__type`` hints and the real oddities (``isActive``,
``masterProductId``); delete events carry bare ids. ``X-Hub-Signature`` defaults to
``sha1=`` + hex HMAC-SHA256 keyed with the Base64-decoded secret (UTF-8 of the secret when it
is not valid Base64); ``webhook_signature`` in the config changes key mode, encoding, prefix
and algorithm. No secret, no header. 2xx ends a delivery; 400/401/403/404/405 deactivates the
registration (``isActive=false``); anything else (5xx, timeout, network error) is retried with
the same ``Id`` and ``Attempt+1`` after 60, 300, 1800, 3600 platform seconds (max 5 attempts).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from typing import Any

from ..common import Delivery, WebhookDispatcher
from .model import DELIVERY_STATUS, ORDER_STATUS, Shop, WebhookReg
from .rules_stock import view
from .serialize import invoice as invoice_json
from .serialize import num, strip_nulls
from .serialize import order as order_json
from .serialize import product as product_json
from .state import KvState
from .timefmt import entity_ticks, fmt_offset

_HINT = "KiotViet.OmniChannelCore.Api.Shared.Model.{}, KiotViet.OmniChannelCore.Api.Shared"
STOP_STATUSES = {400, 401, 403, 404, 405}
MAX_ITEMS = 100  # guess: a huge change (bulk import) is split into deliveries of at most 100 items


def _hint(name: str) -> str:
    return _HINT.format(name)


def sign(secret: str, body: bytes, cfg: dict[str, Any]) -> str:
    """The ``X-Hub-Signature`` value for ``body`` under the configured variant."""
    key = secret.encode("utf-8")
    if cfg.get("key", "decoded") == "decoded":
        try:
            key = base64.b64decode(secret, validate=True)
        except (binascii.Error, ValueError):
            key = secret.encode("utf-8")
    algo = hashlib.sha1 if cfg.get("algorithm") == "sha1" else hashlib.sha256
    digest = hmac.new(key, body, algo).digest()
    text = base64.b64encode(digest).decode("ascii") if cfg.get("encoding") == "base64" else digest.hex()
    return f"{cfg.get('prefix', 'sha1=') or ''}{text}"


# -- payloads --------------------------------------------------------------------------------
def product_item(shop: Shop, pid: int) -> dict[str, Any] | None:
    p = shop.products.get(pid)
    if p is None:
        return None
    d = product_json(shop, p, inventories=True, pricebooks=True, fmt=fmt_offset, hide_deleted_attributes=True)
    return {
        "__type": _hint("WebhookProductUpdateRes"),
        "Id": p.id,
        "RetailerId": shop.retailer_id,
        "Code": p.code,
        "Name": p.name,
        "FullName": d["fullName"],
        "CategoryId": p.category_id,
        "CategoryName": d.get("categoryName"),
        "masterProductId": p.master_product_id,
        "MasterUnitId": p.master_unit_id,
        "AllowsSale": p.allows_sale,
        "Type": p.type,
        "HasVariants": p.has_variants,
        "BasePrice": num(p.base_price),
        "Weight": num(p.weight),
        "Unit": p.unit,
        "ConversionValue": num(p.conversion_value),
        "Description": p.description,
        "ModifiedDate": fmt_offset(p.modified),
        "isActive": p.is_active,
        "IsRewardPoint": p.is_reward_point,
        "OrderTemplate": p.order_template,
        "TradeMarkId": p.trade_mark_id,
        "TradeMarkName": d.get("tradeMarkName"),
        "Attributes": [
            {
                "ProductId": a["productId"],
                "AttributeName": a["attributeName"],
                "AttributeValue": a["attributeValue"],
            }
            for a in d.get("attributes", [])
        ],
        "Units": [
            {
                "Id": u["id"],
                "Code": u["code"],
                "Name": u["name"],
                "FullName": u["fullName"],
                "Unit": u["unit"],
                "ConversionValue": u["conversionValue"],
                "BasePrice": u["basePrice"],
            }
            for u in d.get("units", [])
        ],
        "Inventories": [
            {
                "ProductId": r["productId"],
                "ProductCode": r["productCode"],
                "ProductName": r["productName"],
                "BranchId": r["branchId"],
                "BranchName": r["branchName"],
                "Cost": r["cost"],
                "OnHand": r["onHand"],
                "Reserved": r["reserved"],
                "MinQuantity": r["minQuantity"],
                "MaxQuantity": r["maxQuantity"],
                "isActive": r["isActive"],
            }
            for r in d.get("inventories", [])
        ],
        "PriceBooks": [
            {
                "ProductId": r["productId"],
                "PriceBookId": r["priceBookId"],
                "PriceBookName": r["priceBookName"],
                "Price": r["price"],
                "IsActive": r["isActive"],
                "StartDate": r.get("startDate"),
                "EndDate": r.get("endDate"),
            }
            for r in d.get("priceBooks", [])
        ],
        "Serials": [],
        "Images": list(p.images),
    }


def stock_item(shop: Shop, pid: int, bid: int) -> dict[str, Any] | None:
    p = shop.products.get(pid)
    b = shop.branches.get(bid)
    if p is None or b is None:
        return None
    inv = view(shop, p, bid)
    return {
        "__type": _hint("WebhookProductStockRes"),
        "ProductId": p.id,
        "ProductCode": p.code,
        "ProductName": p.full_name(shop.in_unit_family(p)),
        "BranchId": b.id,
        "BranchName": b.name,
        "Cost": num(inv.cost),
        "OnHand": num(inv.on_hand),
        "Reserved": num(inv.reserved),
        "MinQuantity": num(inv.min_quantity),
        "MaxQuantity": num(inv.max_quantity),
        "isActive": p.is_active,
    }


def _sale_head(shop: Shop, d: dict[str, Any]) -> dict[str, Any]:
    return {
        "Id": d["id"],
        "Code": d["code"],
        "PurchaseDate": d["purchaseDate"],
        "BranchId": d["branchId"],
        "SoldById": d.get("soldById"),
        "SoldByName": d.get("soldByName"),
        "CustomerId": d.get("customerId"),
        "CustomerCode": d.get("customerCode"),
        "CustomerName": d.get("customerName"),
        "Total": d["total"],
        "TotalPayment": d["totalPayment"],
        "Discount": d.get("discount"),
        "DiscountRatio": d.get("discountRatio"),
        "Status": d["status"],
        "StatusValue": d["statusValue"],
        "Description": d.get("description"),
        "UsingCod": d["usingCod"],
        "ModifiedDate": d["modifiedDate"],
        "SaleChannelId": d.get("saleChannelId"),
    }


def _details(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "ProductId": r["productId"],
            "ProductCode": r["productCode"],
            "ProductName": r["productName"],
            "Quantity": r["quantity"],
            "Price": r["price"],
            "Discount": r.get("discount"),
            "DiscountRatio": r.get("discountRatio"),
        }
        for r in rows
    ]


def order_item(shop: Shop, oid: int) -> dict[str, Any] | None:
    o = shop.orders.get(oid)
    if o is None:
        return None
    d = order_json(shop, o, payments=False, delivery=False, fmt=fmt_offset)
    item = {"__type": _hint("WebhookOrderUpdateRes"), **_sale_head(shop, d)}
    item["StatusValue"] = ORDER_STATUS.get(o.status)
    item["OrderDetails"] = _details(d["orderDetails"])
    return item


def invoice_item(shop: Shop, iid: int) -> dict[str, Any] | None:
    inv = shop.invoices.get(iid)
    if inv is None:
        return None
    d = invoice_json(shop, inv, payments=True, delivery=True, channel=False, fmt=fmt_offset)
    item = {
        "__type": _hint("WebhookInvoiceUpdateRes"),
        **_sale_head(shop, d),
        "BranchName": d.get("branchName"),
    }
    item["InvoiceDetails"] = _details(d["invoiceDetails"])
    dv = inv.delivery
    if dv is not None:
        partner = dv.get("partnerDelivery") or {}
        item["InvoiceDelivery"] = {
            "DeliveryCode": dv.get("deliveryCode"),
            "Status": dv.get("status"),
            "StatusValue": DELIVERY_STATUS.get(dv.get("status") or 0),
            "Type": dv.get("type"),
            "Price": dv.get("price"),
            "Receiver": dv.get("receiver"),
            "ContactNumber": dv.get("contactNumber"),
            "Address": dv.get("address"),
            "LocationId": dv.get("locationId"),
            "LocationName": dv.get("locationName"),
            "Weight": dv.get("weight"),
            "Length": dv.get("length"),
            "Width": dv.get("width"),
            "Height": dv.get("height"),
            "PartnerDeliveryId": dv.get("partnerDeliveryId"),
            "PartnerDelivery": {
                "Code": partner.get("code", ""),
                "Name": partner.get("name", ""),
                "ContactNumber": partner.get("contactNumber", ""),
                "Address": partner.get("address", ""),
                "Email": partner.get("email", ""),
            },
        }
    item["Payments"] = [
        {
            "Id": pm["id"],
            "Code": pm["code"],
            "Amount": pm["amount"],
            "AccountId": pm.get("accountId"),
            "BankAccount": pm.get("bankAccount"),
            "Description": pm.get("description"),
            "Method": pm["method"],
            "Status": pm["status"],
            "StatusValue": pm["statusValue"],
            "TransDate": pm.get("transDate"),
        }
        for pm in d.get("payments", [])
    ]
    return item


def customer_item(shop: Shop, cid: int) -> dict[str, Any] | None:
    c = shop.customers.get(cid)
    if c is None:
        return None
    return {
        "__type": _hint("WebhookCustomerUpdateRes"),
        "Id": c.id,
        "Code": c.code,
        "Name": c.name,
        "Gender": c.gender,
        "BirthDate": fmt_offset(c.birth_date),
        "ContactNumber": c.contact_number,
        "Address": c.address,
        "LocationName": c.location_name,
        "Email": c.email,
        "ModifiedDate": fmt_offset(c.modified if c.modified is not None else c.created),
        "Type": c.type,
        "Organization": c.organization,
        "TaxCode": c.tax_code,
        "Comments": c.comments,
    }


def category_item(shop: Shop, cid: int) -> dict[str, Any] | None:
    c = shop.categories.get(cid)
    if c is None:
        return None
    return {
        "__type": _hint("WebhookCategoryUpdateRes"),
        "Id": c.id,
        "Name": c.name,
        "ParentId": c.parent_id,
        "IsDeleted": False,
        "CreatedDate": fmt_offset(c.created),
        "ModifiedDate": fmt_offset(c.modified),
        "RetailerId": shop.retailer_id,
        "Rank": c.rank,
        "HasChild": bool(shop.category_children(c.id)),
    }


def branch_item(shop: Shop, bid: int) -> dict[str, Any] | None:
    b = shop.branches.get(bid)
    if b is None:
        return None
    return {
        "__type": _hint("WebhookBranchUpdateRes"),
        "Id": b.id,
        "Name": b.name,
        "ContactNumber": b.contact_number,
        "SubContactNumber": "",
        "Address": b.address,
        "Location": b.location_name,
        "WardName": b.ward_name,
        "IsActive": b.is_active,
        "IsLock": False,
        "CreatedDate": fmt_offset(b.created),
        "ModifiedDate": fmt_offset(b.modified),
        "RetailerId": shop.retailer_id,
    }


def pricebook_item(shop: Shop, pbid: int) -> dict[str, Any] | None:
    pb = shop.pricebooks.get(pbid)
    if pb is None:
        return None
    return {
        "__type": _hint("WebhookPriceBookUpdateRes"),
        "Id": pb.id,
        "Name": pb.name,
        "IsActive": pb.is_active,
        "IsGlobal": pb.is_global,
        "StartDate": fmt_offset(pb.start),
        "EndDate": fmt_offset(pb.end),
        "ForAllCusGroup": pb.for_all_cus_group,
        "ForAllUser": pb.for_all_user,
        "PriceBookBranches": [
            {
                "Id": pb.id * 10 + i,
                "PriceBookId": pb.id,
                "BranchId": bid,
                "BranchName": shop.branches[bid].name if bid in shop.branches else None,
            }
            for i, bid in enumerate(pb.branch_ids)
        ],
        "PriceBookCustomerGroups": [],
        "PriceBookUsers": [],
    }


def _deleted(type_: str) -> Callable[[Shop], list[Any]]:
    """The ids (or payloads) deleted since the last flush, as recorded for ``type_``."""
    return lambda shop: list(shop.events.deleted.get(type_, []))


def _pricebook_details(shop: Shop) -> list[Any]:
    return [
        {"PriceBookId": b, "ProductId": p, "Price": num(shop.pricebooks[b].lines[p])}
        for b, p in shop.events.pricebook_details
        if b in shop.pricebooks and p in shop.pricebooks[b].lines
    ]


def _pricebook_details_deleted(shop: Shop) -> list[Any]:
    grouped: dict[int, list[int]] = {}
    for b, p in shop.events.deleted.get("pricebookdetail.delete", []):
        grouped.setdefault(b, []).append(p)
    return [{"PricebookId": b, "ProductIds": ps} for b, ps in grouped.items()]


# Every webhook type, in the order its batch is sent, with the Data items its pending events make.
_BATCHES: tuple[tuple[str, Callable[[Shop], list[Any]]], ...] = (
    ("product.update", lambda shop: [product_item(shop, pid) for pid in shop.events.products]),
    ("product.delete", _deleted("product.delete")),
    ("stock.update", lambda shop: [stock_item(shop, pid, bid) for pid, bid in shop.events.stock]),
    ("category.update", lambda shop: [category_item(shop, cid) for cid in shop.events.categories]),
    ("category.delete", _deleted("category.delete")),
    ("customer.update", lambda shop: [customer_item(shop, cid) for cid in shop.events.customers]),
    ("customer.delete", _deleted("customer.delete")),
    ("order.update", lambda shop: [order_item(shop, oid) for oid in shop.events.orders]),
    ("invoice.update", lambda shop: [invoice_item(shop, iid) for iid in shop.events.invoices]),
    ("pricebook.update", lambda shop: [pricebook_item(shop, pbid) for pbid in shop.events.pricebooks]),
    ("pricebook.delete", _deleted("pricebook.delete")),
    ("pricebookdetail.update", _pricebook_details),
    ("pricebookdetail.delete", _pricebook_details_deleted),
    ("branch.update", lambda shop: [branch_item(shop, bid) for bid in shop.events.branches]),
    ("branch.delete", _deleted("branch.delete")),
)


def collect(shop: Shop, wanted: set[str]) -> list[tuple[str, list[Any]]]:
    """Turn the shop's pending events into (type, Data) batches for the wanted types."""
    out: list[tuple[str, list[Any]]] = []
    for type_, build in _BATCHES:
        if type_ not in wanted:
            continue
        items = [i for i in build(shop) if i is not None]
        if items:
            out.append((type_, strip_nulls(items)))
    return out


class KvWebhooks:
    """Builds, signs and enqueues deliveries; decides retries and deactivation."""

    def __init__(self, state: KvState, dispatcher: WebhookDispatcher) -> None:
        self.state = state
        self.dispatcher = dispatcher

    def flush(self, shop: Shop) -> int:
        """Send the shop's pending events (call with the state lock held). Returns deliveries."""
        wanted = {w.type for w in shop.webhooks.values() if w.is_active}
        if not wanted:
            shop.events.clear()
            return 0
        batches = collect(shop, wanted)
        shop.events.clear()
        sent = 0
        for type_, data in batches:
            for start in range(0, len(data), MAX_ITEMS):
                chunk = data[start : start + MAX_ITEMS]
                for reg in shop.webhooks.values():
                    if reg.is_active and reg.type == type_:
                        self._send(shop, reg, type_, chunk)
                        sent += 1
        return sent

    def _envelope(self, delivery_id: str, attempt: int, action: str, data: list[Any]) -> bytes:
        body = {"Id": delivery_id, "Attempt": attempt, "Notifications": [{"Action": action, "Data": data}]}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _headers(self, reg: WebhookReg, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "KiotViet-Webhook/1.0"}
        if reg.secret:
            headers["X-Hub-Signature"] = sign(reg.secret, body, self.state.config["webhook_signature"])
        return headers

    def _send(self, shop: Shop, reg: WebhookReg, type_: str, data: list[Any]) -> None:
        delivery_id = str(uuid.uuid4())
        action = f"{type_}.{shop.retailer_id}"
        body = self._envelope(delivery_id, 1, action, data)
        self.dispatcher.enqueue(
            Delivery(
                url=reg.url,
                body=body,
                headers=self._headers(reg, body),
                on_result=self._on_result,
                meta={
                    "platform": "kiotviet",
                    "retailer": shop.retailer,
                    "type": type_,
                    "webhook_id": reg.id,
                    "delivery_id": delivery_id,
                    "items": len(data),
                    "action": action,
                    "data": data,
                },
            )
        )

    def _on_result(self, delivery: Delivery, status: int | None, error: str | None) -> float | None:
        if status is not None and 200 <= status < 300:
            return None
        meta = delivery.meta
        with self.state.lock:
            shop = self.state.shop(meta["retailer"])
            reg = shop.webhooks.get(meta["webhook_id"]) if shop is not None else None
            if shop is None or reg is None or not reg.is_active:
                return None
            if status in STOP_STATUSES:
                reg.is_active = False
                reg.modified = entity_ticks(self.state.now())
                return None
            max_attempts = int(self.state.config["webhook_max_attempts"])
            if delivery.attempt >= max_attempts:
                return None
            delays = self.state.config["webhook_retry_delays_s"] or [60]
            delay = float(delays[min(delivery.attempt - 1, len(delays) - 1)])
            body = self._envelope(meta["delivery_id"], delivery.attempt + 1, meta["action"], meta["data"])
            delivery.body = body
            delivery.headers = self._headers(reg, body)
            return delay
