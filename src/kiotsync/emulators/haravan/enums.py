"""Enumerations from the digest (§4), with the Vietnamese labels Haravan shows."""

from __future__ import annotations

FINANCIAL_STATUSES = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
)
FINANCIAL_ALIASES = {"partiallypaid": "partially_paid", "partiallyrefunded": "partially_refunded"}
CANCEL_REASONS = ("customer", "fraud", "inventory", "declined", "other")
TRANSACTION_KINDS = ("pending", "authorization", "capture", "sale", "void", "refund")
TRANSACTION_STATUSES = ("pending", "failure", "success", "error")
ADJUST_TYPES = ("adjust", "set")
ADJUST_REASONS = (
    "newproduct",
    "returned",
    "productionofgoods",
    "damaged",
    "shrinkage",
    "promotion",
    "transfer",
)
DISCOUNT_TYPES = ("percentage", "shipping", "fixed_amount")
PUBLISHED_SCOPES = ("web", "pos", "global")

# §4.5: carrier status code -> (Vietnamese name, status date field it stamps)
CARRIER_STATUSES: dict[str, tuple[str, str | None]] = {
    "pending": ("Chờ xử lý", None),
    "readytopick": ("Chờ lấy hàng", "ready_to_pick_date"),
    "picking": ("Đang đi lấy", "picking_date"),
    "delivering": ("Đang giao hàng", "delivering_date"),
    "delivered": ("Đã giao hàng", "delivered_date"),
    "notmeetcustomer": ("Không gặp khách", "not_meet_customer_date"),
    "waitingforreturn": ("Chờ chuyển hoàn", "waiting_for_return_date"),
    "return": ("Chuyển hoàn", "return_date"),
    "cancel": ("Hủy giao hàng", "cancel_date"),
}
COD_STATUSES: dict[str, tuple[str, str | None]] = {
    "none": ("Không", None),
    "codpending": ("Chưa nhận", "cod_pending_date"),
    "codpaid": ("Đã thanh toán", "cod_paid_date"),
    "codreceipt": ("Đã nhận", "cod_receipt_date"),
    "codnotreceipt": ("Không nhận được", "cod_not_receipt_date"),
}
STATUS_DATE_FIELDS = tuple(
    f for _, f in list(CARRIER_STATUSES.values()) + list(COD_STATUSES.values()) if f is not None
)
# Line-item labels inside fulfillments (§4.2).
FULFILLMENT_LINE_LABELS = {
    "notfulfilled": "Chưa hoàn thành",
    "fulfilled": "Đã hoàn thành",
    "restock": "Nhập kho",
}

COD_GATEWAY = "Thanh toán khi giao hàng (COD)"

TOPICS = (
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "products/create",
    "products/update",
    "products/deleted",
    "inventorylocationbalances/update",
    "customers/create",
    "customers/update",
    "app/uninstalled",
)

# Every topic name in the digest's §4.8 catalogue (an app may register any of these).
ALL_TOPICS = (
    *TOPICS,
    "shop/update",
    "user/create",
    "user/update",
    "user/delete",
    "app_subscriptions/update",
    "orders/delete",
    "refunds/create",
    "products/delete",
    "collections/create",
    "collections/update",
    "collections/delete",
    "customers/enable",
    "customers/disable",
    "customers/delete",
    "carts/create",
    "carts/update",
    "checkouts/create",
    "checkouts/update",
    "inventoryadjustments/create",
    "inventoryadjustments/update",
    "inventorytransfers/create",
    "inventorytransfers/update",
    "inventorytransaction/create",
    "inventorylocationbalances/create",
    "inventorylocationbalances/delete",
    "locations/create",
    "locations/update",
    "locations/delete",
    "discounts/create",
    "discounts/update",
    "discounts/delete",
    "promotions/create",
    "promotions/update",
    "promotions/delete",
)

# Fulfillment fields a client may send that are stored as given and answered back unchanged.
FULFILLMENT_EXTRAS = (
    "tracking_company_code",
    "carrier_service_package",
    "carrier_service_package_name",
    "carrier_service_code",
    "shipping_package",
    "real_shipping_fee",
    "package_length",
    "package_width",
    "package_height",
    "is_view_before",
    "is_drop_off",
    "is_insurance",
    "insurance_price",
    "is_open_box",
    "transport_type",
    "coupon_code",
    "shipping_notes",
    "sender_name",
    "sender_phone",
)
