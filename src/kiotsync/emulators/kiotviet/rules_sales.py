"""What orders and invoices are made of (§3.7, §3.8): the parts of a sale document a body may
give — branch, lines, customer, seller, channel, delivery, surcharges, payments — each parsed and
checked against the shop, the totals, the shop settings (§2.8) that refuse writes with the
literal ``Thiết lập "<name>" đang không được bật`` messages, and how an order progresses as
invoices consume it. The documents themselves: :mod:`.rules_orders`, :mod:`.rules_invoices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import (
    SETTING_DELIVERY,
    SETTING_ORDER,
    SETTING_PURCHASE_DATE,
    KvError,
    invalid,
    setting_off,
)
from .model import DELIVERY_STATUS, Line, Product, Sale, Shop
from .params import as_bool, as_date, as_float, as_int
from .rules_customers import create_customer, digits
from .rules_products import find_product
from .timefmt import entity_ticks, fmt_local

_DELIVERY_FIELDS: dict[str, tuple[str, str]] = {
    "deliverycode": ("deliveryCode", "str"),
    "type": ("type", "int"),
    "status": ("status", "int"),
    "price": ("price", "float"),
    "receiver": ("receiver", "str"),
    "contactnumber": ("contactNumber", "str"),
    "address": ("address", "str"),
    "locationid": ("locationId", "int"),
    "locationname": ("locationName", "str"),
    "wardname": ("wardName", "str"),
    "weight": ("weight", "float"),
    "length": ("length", "float"),
    "width": ("width", "float"),
    "height": ("height", "float"),
    "usingpricecod": ("usingPriceCod", "bool"),
    "pricecodpayment": ("priceCodPayment", "float"),
    "partnerdeliveryid": ("partnerDeliveryId", "int"),
    "expecteddelivery": ("expectedDelivery", "date"),
}
_PARTNER_FIELDS = {
    "code": "code",
    "name": "name",
    "address": "address",
    "contactnumber": "contactNumber",
    "email": "email",
}
_METHODS = {"cash": "Cash", "card": "Card", "transfer": "Transfer", "voucher": "Voucher", "point": "Point"}


def num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def parse_delivery(value: Any, existing: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = dict(existing or {})
    for key, raw in value.items():
        if key == "partnerdelivery" and isinstance(raw, dict):
            out["partnerDelivery"] = {name: str(raw.get(k) or "") for k, name in _PARTNER_FIELDS.items()}
            continue
        spec = _DELIVERY_FIELDS.get(key)
        if spec is None:
            continue
        name, kind = spec
        if raw is None or (raw == "" and kind != "str"):
            out[name] = None
        elif kind == "int":
            out[name] = as_int(raw, name)
        elif kind == "float":
            out[name] = num(as_float(raw, name))
        elif kind == "bool":
            out[name] = as_bool(raw, name)
        elif kind == "date":
            out[name] = fmt_local(as_date(raw, name))
        else:
            out[name] = str(raw)
    status = out.get("status")
    if status is not None and status not in DELIVERY_STATUS:
        raise invalid("Trạng thái giao hàng không hợp lệ", "status")
    return out


def purchase_date(shop: Shop, body: dict[str, Any], now: int) -> int | None:
    raw = body.get("purchasedate")
    if raw in (None, ""):
        return None
    if not shop.settings["allow_change_purchase_date"]:
        raise setting_off(SETTING_PURCHASE_DATE)
    return entity_ticks(as_date(raw, "purchaseDate"))


def sale_branch(shop: Shop, value: Any) -> int:
    if value in (None, "", 0):
        raise invalid("Chi nhánh không được để trống", "branchId")
    bid = as_int(value, "branchId")
    if bid not in shop.branches:
        raise invalid("Chi nhánh không tồn tại", "branchId")
    if not shop.branches[bid].is_active:
        raise invalid("Chi nhánh đã ngừng hoạt động", "branchId")
    return bid


def sale_lines(shop: Shop, items: Any, field: str, tax_key: str) -> list[Line]:
    if not isinstance(items, list) or not items:
        raise invalid("Vui lòng chọn ít nhất một hàng hóa", field)
    lines: list[Line] = []
    for item in items:
        if not isinstance(item, dict):
            raise invalid("Chi tiết hàng hóa không hợp lệ", field)
        code = str(item.get("productcode") or "").strip()
        try:
            product = find_product(shop, item.get("productid"), code)
        except KvError:
            ref = code or item.get("productid")
            raise invalid(f'Hàng hóa "{ref}" không tồn tại', field) from None
        check_sellable(product)
        qty = as_float(item.get("quantity", 0), "quantity")
        if qty <= 0:
            raise invalid("Số lượng hàng hóa phải lớn hơn 0", "quantity")
        price = as_float(item["price"], "price") if item.get("price") is not None else product.base_price
        ratio = as_float(item.get("discountratio") or 0, "discountRatio")
        if item.get("discount") not in (None, ""):
            discount = as_float(item["discount"], "discount")
        else:
            discount = round(price * ratio / 100, 2)
        taxes = [
            as_int(t.get("taxid"), "taxId")
            for t in (item.get(tax_key) or [])
            if isinstance(t, dict) and t.get("taxid") not in (None, "")
        ]
        lines.append(
            Line(
                product_id=product.id,
                product_code=product.code,
                product_name=product.full_name(shop.in_unit_family(product)),
                quantity=qty,
                price=price,
                discount=discount,
                discount_ratio=ratio,
                note=str(item.get("note") or ""),
                is_master=as_bool(item.get("ismaster", True), "isMaster"),
                tax_ids=taxes,
                serial_numbers=str(item.get("serialnumbers") or ""),
            )
        )
    return lines


def check_sellable(p: Product) -> None:
    # guess: the doc does not say what happens; KiotViet's POS refuses inactive goods
    if not p.is_active:
        raise invalid(f'Hàng hóa "{p.code}" đã ngừng kinh doanh, không thể bán', "productId")
    if not p.allows_sale:
        raise invalid(f'Hàng hóa "{p.code}" không được phép bán trực tiếp', "productId")


def sale_customer(shop: Shop, body: dict[str, Any], now: int) -> int | None:
    cid = body.get("customerid")
    if cid not in (None, "", 0):
        cid_int = as_int(cid, "customerId")
        if cid_int not in shop.customers:
            raise invalid("Khách hàng không tồn tại", "customerId")
        return cid_int
    inline = body.get("customer")
    if not isinstance(inline, dict):
        return None
    if inline.get("id") not in (None, "", 0):
        found = as_int(inline["id"], "customer.id")
        if found in shop.customers:
            return found
    code = str(inline.get("code") or "").strip().lower()
    if code and code in shop.customer_by_code:
        return shop.customer_by_code[code]
    phone = digits(str(inline.get("contactnumber") or ""))
    if phone:
        for c in shop.customers.values():  # guess: reuse an exact phone match instead of duplicating
            if digits(c.contact_number) == phone:
                return c.id
    if not str(inline.get("name") or "").strip():
        return None
    payload = {k: v for k, v in inline.items() if k not in ("id", "code") or v}
    return create_customer(shop, payload, now).id


def sale_user(shop: Shop, value: Any, name: str) -> int | None:
    if value in (None, "", 0):
        return None
    uid = as_int(value, name)
    if uid not in shop.users:
        raise invalid("Nhân viên không tồn tại", name)
    return uid


def sale_channel(shop: Shop, value: Any, default: int | None) -> int | None:
    if value in (None, "", 0):
        return default
    ch = as_int(value, "saleChannelId")
    if ch not in shop.sale_channels:
        raise invalid("Kênh bán không tồn tại", "saleChannelId")
    return ch


def sale_surcharges(shop: Shop, body: dict[str, Any], now: int) -> list[dict[str, Any]] | None:
    items = body.get("surchages", body.get("surcharges"))
    if items is None and isinstance(body.get("deliverydetail"), dict):
        items = body["deliverydetail"].get("surchages", body["deliverydetail"].get("surcharges"))
    if items is None:
        return None
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        sc = None
        if item.get("id") not in (None, "", 0):
            sc = shop.surcharges.get(as_int(item["id"], "surchargeId"))
        if sc is None and item.get("code"):
            code = str(item["code"]).strip().lower()
            sc = next((s for s in shop.surcharges.values() if s.code.lower() == code), None)
        if sc is None:
            raise invalid("Thu khác không tồn tại", "surchages")
        if not sc.is_active:
            raise invalid(f'Thu khác "{sc.code}" đã ngừng áp dụng', "surchages")
        price = as_float(item["price"], "price") if item.get("price") is not None else sc.value
        out.append(
            {
                "id": shop.next_id("payment"),
                "surchargeId": sc.id,
                "surchargeName": sc.name,
                "surValue": num(price),
                "price": num(price),
                "createdDate": entity_ticks(now),
            }
        )
    return out


def sale_payments(
    shop: Shop, body: dict[str, Any], code: str, now: int
) -> tuple[list[dict[str, Any]], float]:
    payments: list[dict[str, Any]] = []
    total = 0.0
    account = body.get("accountid")
    amount = as_float(body.get("totalpayment") or 0, "totalPayment")
    if amount > 0:
        method = payment_method(body)
        payments.append(_payment(shop, code, amount, method, account, now))
        total += amount
    for item in body.get("payments") or []:
        if not isinstance(item, dict):
            continue
        pay = as_float(item.get("amount") or 0, "amount")
        if pay <= 0:
            continue
        method = _METHODS.get(str(item.get("method") or "cash").strip().lower(), str(item.get("method")))
        payments.append(_payment(shop, code, pay, method, item.get("accountid"), now))
        total += pay
    return payments, total


def _payment(shop: Shop, code: str, amount: float, method: str, account: Any, now: int) -> dict[str, Any]:
    return {
        "id": shop.next_id("payment"),
        "code": f"TT{code}",
        "amount": num(amount),
        "method": method,
        "status": 0,
        "statusValue": "Đã thanh toán",
        "transDate": entity_ticks(now),
        "accountId": as_int(account, "accountId") if account not in (None, "", 0) else None,
    }


def set_totals(sale: Sale, body: dict[str, Any]) -> None:
    subtotal = sum(ln.amount for ln in sale.lines)
    if body.get("discount") not in (None, ""):
        sale.discount = as_float(body["discount"], "discount")
        sale.discount_ratio = 0
    elif body.get("discountratio") not in (None, ""):
        sale.discount_ratio = as_float(body["discountratio"], "discountRatio")
        sale.discount = round(subtotal * sale.discount_ratio / 100, 2)
    extra = sum(float(s["price"]) for s in sale.surcharges)
    sale.total = round(subtotal - sale.discount + extra, 2)


def require_order_setting(shop: Shop) -> None:
    if not shop.settings["allow_order"]:
        raise setting_off(SETTING_ORDER)


def check_delivery_setting(shop: Shop, delivery: Any) -> None:
    if delivery is not None and not shop.settings["use_delivery"]:
        raise setting_off(SETTING_DELIVERY)


def payment_method(body: dict[str, Any]) -> str:
    return _METHODS.get(str(body.get("method") or "cash").strip().lower(), "Cash")


def void_payments(sale: Sale) -> None:
    for pm in sale.payments:
        pm["status"] = 1
        pm["statusValue"] = "Đã hủy"


def order_status_word(order: Sale) -> str:
    return {2: "được xử lý", 3: "hoàn thành", 4: "bị hủy"}.get(order.status, "thay đổi")


def order_progress(shop: Shop, order: Sale, now: int) -> None:
    if order.status == 4:
        return
    done = all(ln.invoiced >= ln.quantity - 1e-9 for ln in order.lines)
    some = any(ln.invoiced > 0 for ln in order.lines)
    order.status = 3 if done else (2 if some else 1)
    order.modified = entity_ticks(now)
    shop.events.orders[order.id] = None


@dataclass(frozen=True, slots=True)
class SaleFilter:
    """The filters of ``GET /orders`` and ``GET /invoices`` (§3.7.1, §3.8.1); empty means "any"."""

    since: int | None = None  # lastModifiedFrom: modified at or after
    to_date: int | None = None  # toDate: modified at or before
    created_from: int | None = None  # createdDate: created at or after
    branch_ids: frozenset[int] = frozenset()
    customer_ids: frozenset[int] = frozenset()
    statuses: frozenset[int] = frozenset()
    sale_channel_id: int | None = None
    customer_code: str = ""  # exact, case-insensitive
    from_purchase: int | None = None  # invoices only
    to_purchase: int | None = None  # invoices only
    order_id: int | None = None  # invoices only


def filter_sales(shop: Shop, items: Iterable[Sale], f: SaleFilter) -> list[Sale]:
    """The documents ``f`` selects, in the order given."""
    customer_code = f.customer_code.strip().lower()
    out = []
    for s in items:
        if f.since is not None and s.modified < f.since:
            continue
        if f.to_date is not None and s.modified > f.to_date:
            continue
        if f.created_from is not None and s.created < f.created_from:
            continue
        if f.branch_ids and s.branch_id not in f.branch_ids:
            continue
        if f.customer_ids and s.customer_id not in f.customer_ids:
            continue
        if f.statuses and s.status not in f.statuses:
            continue
        if f.sale_channel_id and s.sale_channel_id != f.sale_channel_id:
            continue
        if customer_code:
            cust = shop.customers.get(s.customer_id) if s.customer_id is not None else None
            if cust is None or cust.code.lower() != customer_code:
                continue
        if f.from_purchase is not None and s.purchase_date < f.from_purchase:
            continue
        if f.to_purchase is not None and s.purchase_date > f.to_purchase:
            continue
        if f.order_id and s.order_id != f.order_id:
            continue
        out.append(s)
    return out
