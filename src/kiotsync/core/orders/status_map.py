"""The ONE order status map: every status either platform can report, what it means, and what
KiotSync does with it on the other side.

Everything order-related that compares or translates a status goes through this module: the
planners (:mod:`.plan_haravan_order`, :mod:`.plan_kiotviet_order`), the screen's labels, the settings card and
the README table (both rendered from :data:`STATUS_MAP`). Codes are the platforms' literal
values; labels are the Vietnamese texts the merchant knows from each admin (KiotViet's own
``statusValue`` strings, Haravan's Vietnamese names), with English next to them.

Which rows apply to an order depends on where it is processed (the order's :class:`~.domain.Side`,
stored when KiotSync first sees it): the KiotViet rows when KiotViet processes it (KiotViet's
statuses drive Haravan), the Haravan rows when Haravan processes it (Haravan's statuses drive
KiotViet — a KiotViet-born order, or a Haravan order that KiotSync created in KiotViet to reserve
its stock). Either way a cancellation on either side is handled (see the order-status 4 and
``cancelled`` rows).

Sources: KiotViet digest §3.7.2 (order 1–5), §3.8.2 (invoice 1/2/3/5), §3.8.3 (delivery 1–12);
Haravan digest §4.1–4.5 (financial, fulfillment, confirmed/cancelled/closed flags, carrier and
COD codes). Numeric KiotViet order codes other than 3 are unverified (digest §6): the planner
also accepts the labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class KvOrderState(StrEnum):
    """What a KiotViet order status means for the sync."""

    DRAFT = "draft"  # 1 Phiếu tạm
    CONFIRMED = "confirmed"  # 5 Đã xác nhận
    PROCESSING = "processing"  # 2 Đang giao hàng (partly invoiced)
    COMPLETED = "completed"  # 3 Hoàn thành (fully invoiced)
    CANCELLED = "cancelled"  # 4 Đã hủy
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Label:
    vi: str
    en: str

    def text(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi


# -- KiotViet ---------------------------------------------------------------------------------
KV_ORDER_STATUS: Mapping[int, tuple[Label, KvOrderState]] = {
    1: (Label("Phiếu tạm", "Draft"), KvOrderState.DRAFT),
    2: (Label("Đang giao hàng", "In delivery"), KvOrderState.PROCESSING),
    3: (Label("Hoàn thành", "Completed"), KvOrderState.COMPLETED),
    4: (Label("Đã hủy", "Cancelled"), KvOrderState.CANCELLED),
    5: (Label("Đã xác nhận", "Confirmed"), KvOrderState.CONFIRMED),
}
_KV_ORDER_BY_LABEL = {
    "phiếu tạm": KvOrderState.DRAFT,
    "đang xử lý": KvOrderState.PROCESSING,
    "đang giao hàng": KvOrderState.PROCESSING,
    "hoàn thành": KvOrderState.COMPLETED,
    "đã hủy": KvOrderState.CANCELLED,
    "đã huỷ": KvOrderState.CANCELLED,
    "đã xác nhận": KvOrderState.CONFIRMED,
}

KV_INVOICE_COMPLETED = 1
KV_INVOICE_CANCELLED = 2
KV_INVOICE_PROCESSING = 3
KV_INVOICE_UNDELIVERABLE = 5
KV_INVOICE_STATUS: Mapping[int, Label] = {
    1: Label("Hoàn thành", "Completed"),
    2: Label("Đã hủy", "Cancelled"),
    3: Label("Đang xử lý", "Processing"),
    5: Label("Không giao được", "Undeliverable"),
}

KV_DELIVERY_STATUS: Mapping[int, Label] = {
    1: Label("Chờ xử lý", "Pending"),
    2: Label("Đang giao hàng", "Delivering"),
    3: Label("Giao thành công", "Delivered"),
    4: Label("Đang chuyển hoàn", "Returning"),
    5: Label("Đã chuyển hoàn", "Returned"),
    6: Label("Đã hủy", "Cancelled"),
    7: Label("Đang lấy hàng", "Picking up"),
    8: Label("Chờ lấy lại", "Waiting to pick up again"),
    9: Label("Đã lấy hàng", "Picked up"),
    10: Label("Chờ giao lại", "Waiting to redeliver"),
    11: Label("Chờ chuyển hàng", "Waiting to ship"),
    12: Label("Chờ chuyển hoàn lại", "Waiting to return"),
}

# -- Haravan ----------------------------------------------------------------------------------
HV_FINANCIAL: Mapping[str, Label] = {
    "pending": Label("Chờ xử lý thanh toán", "Payment pending"),
    "authorized": Label("Đã ủy quyền", "Authorized"),
    "partially_paid": Label("Thanh toán một phần", "Partially paid"),
    "paid": Label("Đã thanh toán", "Paid"),
    "partially_refunded": Label("Hoàn tiền một phần", "Partially refunded"),
    "refunded": Label("Đã hoàn tiền", "Refunded"),
    "voided": Label("Đã hủy thanh toán", "Voided"),
}
HV_FULFILLMENT: Mapping[str, Label] = {
    "notfulfilled": Label("Chưa giao hàng", "Not fulfilled"),
    "partial": Label("Giao một phần", "Partially fulfilled"),
    "fulfilled": Label("Đã giao hàng", "Fulfilled"),
    "restocked": Label("Đã nhập lại kho", "Restocked"),
}
HV_CONFIRMED: Mapping[str, Label] = {
    "unconfirmed": Label("Chưa xác nhận", "Unconfirmed"),
    "confirmed": Label("Đã xác nhận", "Confirmed"),
}
HV_CANCELLED: Mapping[str, Label] = {
    "uncancelled": Label("Chưa hủy", "Not cancelled"),
    "cancelled": Label("Đã hủy", "Cancelled"),
}
HV_CLOSED: Mapping[str, Label] = {
    "unclosed": Label("Đang mở", "Open"),
    "closed": Label("Đã đóng", "Closed"),
}
HV_CARRIER: Mapping[str, Label] = {
    "pending": Label("Chờ xử lý", "Pending"),
    "readytopick": Label("Chờ lấy hàng", "Ready to pick"),
    "picking": Label("Đang đi lấy", "Picking"),
    "delivering": Label("Đang giao hàng", "Delivering"),
    "delivered": Label("Đã giao hàng", "Delivered"),
    "notmeetcustomer": Label("Không gặp khách", "Customer not met"),
    "waitingforreturn": Label("Chờ chuyển hoàn", "Waiting for return"),
    "return": Label("Chuyển hoàn", "Returned"),
    "cancel": Label("Hủy giao hàng", "Delivery cancelled"),
}
HV_COD: Mapping[str, Label] = {
    "none": Label("Không thu hộ", "No COD"),
    "codpending": Label("Chưa nhận", "Not collected"),
    "codpaid": Label("Đã thanh toán", "Collected by carrier"),
    "codreceipt": Label("Đã nhận", "Received by the shop"),
    "codnotreceipt": Label("Không nhận được", "Not received"),
}

# -- translations between the two -------------------------------------------------------------
#: KiotViet delivery status → Haravan carrier status (KiotViet processes the order).
KV_DELIVERY_TO_CARRIER: Mapping[int, str] = {
    1: "pending",
    2: "delivering",
    3: "delivered",
    4: "waitingforreturn",
    5: "return",
    6: "cancel",
    7: "picking",
    8: "readytopick",
    9: "delivering",
    10: "notmeetcustomer",
    11: "readytopick",
    12: "waitingforreturn",
}
#: Haravan carrier status → KiotViet delivery status (Haravan processes the order). Chosen so
#: that a round trip Haravan → KiotViet → Haravan gives back the same carrier code.
CARRIER_TO_KV_DELIVERY: Mapping[str, int] = {
    "pending": 1,
    "readytopick": 11,
    "picking": 7,
    "delivering": 2,
    "delivered": 3,
    "notmeetcustomer": 10,
    "waitingforreturn": 4,
    "return": 5,
    "cancel": 6,
}
#: Haravan COD codes that mean the money was collected (KiotViet invoice gets ``codPaymentMethod``).
COD_COLLECTED = frozenset({"codpaid", "codreceipt"})
DELIVERY_RETURNED = frozenset({4, 5, 6, 12})


def kv_order_state(status: int | None, label: str | None = None) -> KvOrderState:
    """The meaning of a KiotViet order status; the label wins over the number (digest §3.7.2)."""
    if label and label.strip().lower() in _KV_ORDER_BY_LABEL:
        return _KV_ORDER_BY_LABEL[label.strip().lower()]
    if status is not None and status in KV_ORDER_STATUS:
        return KV_ORDER_STATUS[status][1]
    return KvOrderState.UNKNOWN


def carrier_for_delivery(delivery_status: int | None, invoice_status: int | None) -> str | None:
    """Haravan carrier code for a KiotViet invoice; ``None`` when there is nothing to say."""
    if invoice_status == KV_INVOICE_CANCELLED:
        return "cancel"
    if delivery_status is not None and delivery_status in KV_DELIVERY_TO_CARRIER:
        return KV_DELIVERY_TO_CARRIER[delivery_status]
    if invoice_status == KV_INVOICE_UNDELIVERABLE:
        return "return"
    if invoice_status == KV_INVOICE_COMPLETED:
        return "delivered"
    return None


def cod_for_invoice(
    using_cod: bool, delivery_status: int | None, fully_paid: bool, invoice_status: int | None
) -> str:
    """Haravan COD code for a KiotViet invoice: collected money wins, then delivery progress."""
    if not using_cod:
        return "none"
    if fully_paid:
        return "codreceipt"
    if delivery_status == 3 or invoice_status == KV_INVOICE_COMPLETED:
        return "codpaid"
    if delivery_status in DELIVERY_RETURNED or invoice_status in (
        KV_INVOICE_CANCELLED,
        KV_INVOICE_UNDELIVERABLE,
    ):
        return "codnotreceipt"
    return "codpending"


def delivery_for_carrier(carrier: str | None) -> int | None:
    return CARRIER_TO_KV_DELIVERY.get((carrier or "").lower())


# -- the table shown to merchants --------------------------------------------------------------
@dataclass(frozen=True)
class StatusRow:
    """One line of the merchant-facing map: a status on one platform and its effect on the other."""

    platform: str  # "kiotviet" | "haravan"
    field: Label
    code: str
    label: Label
    effect: Label

    @property
    def field_words(self) -> Label:
        """The field in the merchant's words (``field`` names the API field too, for the README)."""
        return FIELD_WORDS.get(self.field, self.field)


def _row(platform: str, field: Label, code: object, label: Label, vi: str, en: str) -> StatusRow:
    return StatusRow(platform, field, str(code), label, Label(vi, en))


_F_ORDER = Label("Trạng thái đặt hàng", "Order status")
_F_INVOICE = Label("Trạng thái hóa đơn", "Invoice status")
_F_DELIVERY = Label("Trạng thái giao hàng", "Delivery status")
_F_PAYMENT = Label("Thanh toán", "Payment")
_F_FIN = Label("Thanh toán (financial_status)", "Payment (financial_status)")
_F_FUL = Label("Giao hàng (fulfillment_status)", "Fulfilment (fulfillment_status)")
_F_CONF = Label("Xác nhận (confirmed_status)", "Confirmation (confirmed_status)")
_F_CANC = Label("Hủy (cancelled_status)", "Cancellation (cancelled_status)")
_F_CLOSE = Label("Đóng (closed_status)", "Closing (closed_status)")
_F_CARRIER = Label("Vận chuyển (carrier_status_code)", "Carrier (carrier_status_code)")
_F_COD = Label("Thu hộ COD (carrier_cod_status_code)", "COD (carrier_cod_status_code)")
#: The Haravan fields as the merchant reads them on the settings screen (no API names).
FIELD_WORDS: Mapping[Label, Label] = {
    _F_FIN: Label("Thanh toán", "Payment"),
    _F_FUL: Label("Giao hàng", "Fulfilment"),
    _F_CONF: Label("Xác nhận đơn", "Confirmation"),
    _F_CANC: Label("Hủy đơn", "Cancellation"),
    _F_CLOSE: Label("Đóng đơn", "Closing"),
    _F_CARRIER: Label("Vận chuyển", "Carrier"),
    _F_COD: Label("Thu hộ (COD)", "Cash on delivery (COD)"),
}


def _kv_rows() -> list[StatusRow]:
    order_effects = {
        1: ("Không đổi gì trên Haravan (đơn mới).", "Nothing changes on Haravan (new order)."),
        5: ("Haravan: xác nhận đơn.", "Haravan: the order is confirmed."),
        2: (
            "Haravan: xác nhận đơn; hóa đơn giao hàng tạo vận đơn.",
            "Haravan: confirmed; the invoice becomes a fulfilment.",
        ),
        3: (
            "Haravan: xác nhận, tạo vận đơn; đóng đơn khi đã giao và đã thanh toán.",
            "Haravan: confirmed and fulfilled; closed once delivered and paid.",
        ),
        4: (
            "Haravan: hủy đơn và nhập lại kho. Riêng đơn Haravan xử lý tại Haravan: không hủy đơn "
            "Haravan, đơn hiện ở “Đồng bộ lỗi” để người bán quyết định.",
            "Haravan: cancelled with restock. A Haravan order processed at Haravan is not cancelled: "
            "it shows under “Sync errors” for the merchant to decide.",
        ),
    }
    rows = [
        _row("kiotviet", _F_ORDER, code, label, *order_effects[code])
        for code, (label, _state) in sorted(KV_ORDER_STATUS.items())
    ]
    invoice_effects = {
        1: ("Haravan: vận đơn “Đã giao hàng”.", "Haravan: fulfilment delivered."),
        2: ("Haravan: vận đơn “Hủy giao hàng”.", "Haravan: fulfilment delivery cancelled."),
        3: (
            "Haravan: tạo vận đơn theo trạng thái giao hàng.",
            "Haravan: fulfilment created, following delivery.",
        ),
        5: ("Haravan: vận đơn “Chuyển hoàn”.", "Haravan: fulfilment returned."),
    }
    rows += [
        _row("kiotviet", _F_INVOICE, code, label, *invoice_effects[code])
        for code, label in sorted(KV_INVOICE_STATUS.items())
    ]
    for code, label in sorted(KV_DELIVERY_STATUS.items()):
        carrier = KV_DELIVERY_TO_CARRIER[code]
        rows.append(
            _row(
                "kiotviet",
                _F_DELIVERY,
                code,
                label,
                f"Haravan: vận chuyển “{HV_CARRIER[carrier].vi}”.",
                f"Haravan: carrier “{HV_CARRIER[carrier].en}”.",
            )
        )
    rows.append(
        _row(
            "kiotviet",
            _F_PAYMENT,
            "totalPayment",
            Label("Đã thu tiền (đặt cọc, hóa đơn)", "Money received (deposit, invoices)"),
            "Haravan: ghi nhận đã thanh toán phần còn thiếu; thu hộ: “Đã nhận”.",
            "Haravan: the missing amount is captured; COD becomes “received”.",
        )
    )
    return rows


def _hv_rows() -> list[StatusRow]:
    fin_effects = {
        "paid": (
            "KiotViet: tiền khách đã trả ghi vào đơn khi tạo (sau đó: vào hóa đơn kế tiếp).",
            "KiotViet: the amount paid is recorded on the order when created (later: on the next invoice).",
        ),
        "partially_paid": (
            "KiotViet: số tiền đã trả ghi vào đơn khi tạo (sau đó: vào hóa đơn kế tiếp).",
            "KiotViet: the amount paid is recorded on the order when created (later: on the next invoice).",
        ),
    }
    rows = [
        _row(
            "haravan",
            _F_FIN,
            code,
            label,
            *fin_effects.get(code, ("Chỉ hiển thị, không đổi KiotViet.", "Shown only; KiotViet unchanged.")),
        )
        for code, label in HV_FINANCIAL.items()
    ]
    ful_effects = {
        "notfulfilled": ("Không đổi gì.", "Nothing changes."),
        "partial": (
            "KiotViet: hóa đơn cho phần đã giao (tồn kho KiotViet trừ phần đó).",
            "KiotViet: an invoice for the part fulfilled (KiotViet stock leaves for that part).",
        ),
        "fulfilled": (
            "KiotViet: hóa đơn từ đơn đặt hàng (đơn “Hoàn thành”, tồn kho KiotViet được trừ).",
            "KiotViet: invoiced from the order (order completed, the stock leaves KiotViet).",
        ),
        "restocked": ("Đi kèm hủy đơn: xem “Đã hủy”.", "Comes with a cancellation: see “Cancelled”."),
    }
    rows += [
        _row("haravan", _F_FUL, code, label, *ful_effects[code]) for code, label in HV_FULFILLMENT.items()
    ]
    rows += [
        _row(
            "haravan",
            _F_CONF,
            "unconfirmed",
            HV_CONFIRMED["unconfirmed"],
            "Không đổi gì.",
            "Nothing changes.",
        ),
        _row(
            "haravan",
            _F_CONF,
            "confirmed",
            HV_CONFIRMED["confirmed"],
            "KiotViet: đơn chuyển “Đã xác nhận”.",
            "KiotViet: order becomes “Confirmed”.",
        ),
        _row(
            "haravan",
            _F_CANC,
            "uncancelled",
            HV_CANCELLED["uncancelled"],
            "Không đổi gì.",
            "Nothing changes.",
        ),
        _row(
            "haravan",
            _F_CANC,
            "cancelled",
            HV_CANCELLED["cancelled"],
            "KiotViet: hủy đơn đặt hàng và các hóa đơn của đơn (trả lại hàng đã giữ).",
            "KiotViet: the order (and its invoices) is cancelled, its stock released.",
        ),
        _row("haravan", _F_CLOSE, "unclosed", HV_CLOSED["unclosed"], "Không đổi gì.", "Nothing changes."),
        _row(
            "haravan",
            _F_CLOSE,
            "closed",
            HV_CLOSED["closed"],
            "Chỉ hiển thị (KiotSync đóng đơn khi KiotViet hoàn tất).",
            "Shown only (KiotSync closes it when KiotViet completes).",
        ),
    ]
    for code, label in HV_CARRIER.items():
        kv = CARRIER_TO_KV_DELIVERY[code]
        rows.append(
            _row(
                "haravan",
                _F_CARRIER,
                code,
                label,
                f"KiotViet: giao hàng “{KV_DELIVERY_STATUS[kv].vi}”.",
                f"KiotViet: delivery “{KV_DELIVERY_STATUS[kv].en}”.",
            )
        )
    for code, label in HV_COD.items():
        if code in COD_COLLECTED:
            effect = (
                "KiotViet: hóa đơn ghi nhận đã thu COD.",
                "KiotViet: the invoice records COD as collected.",
            )
        else:
            effect = ("Chỉ hiển thị.", "Shown only.")
        rows.append(_row("haravan", _F_COD, code, label, *effect))
    return rows


#: Every status of both platforms, in display order.
STATUS_MAP: tuple[StatusRow, ...] = (*_kv_rows(), *_hv_rows())
