"""Why an order is not (or not yet) in step, in words a shop owner can act on.

A reason is a machine code plus string params; :meth:`OrderReason.message` and
:meth:`OrderReason.fix` render the default Vietnamese (or English) texts. ``kind`` says how the
screen shows it: ``error`` ("Đồng bộ lỗi": the merchant must fix something, then re-sync),
``skip`` ("Bỏ qua": nothing to do by design) or ``wait`` ("Đang chờ": KiotSync retries by itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class ReasonKind(StrEnum):
    ERROR = "error"
    SKIP = "skip"
    WAIT = "wait"


class OrderReasonCode(StrEnum):
    # errors: the merchant fixes the cause, then presses "Đồng bộ sang KiotViet"
    SKU_NOT_LINKED = "sku_not_linked"
    LINE_WITHOUT_SKU = "line_without_sku"
    PRODUCT_INACTIVE = "product_inactive"
    PRODUCT_MISSING = "product_missing"
    KV_PRODUCT_NOT_LINKED = "kv_product_not_linked"
    SETTING_DISABLED = "setting_disabled"
    PHONE_MISSING = "phone_missing"
    PHONE_INVALID = "phone_invalid"
    BRANCH_NOT_CHOSEN = "branch_not_chosen"
    NO_LINES = "no_lines"
    KIOTVIET_REJECTED = "kiotviet_rejected"
    HARAVAN_REJECTED = "haravan_rejected"
    KV_ORDER_MISSING = "kv_order_missing"
    HV_ORDER_MISSING = "hv_order_missing"
    CANNOT_CANCEL_COMPLETED = "cannot_cancel_completed"
    KV_CANCELLED_HV_OPEN = "kv_cancelled_hv_open"
    KV_CANCELLED_INVOICED = "kv_cancelled_invoiced"
    TRANSIENT_EXHAUSTED = "transient_exhausted"
    ACCESS_LOST = "access_lost"
    # skipped by design
    CANCELLED_BEFORE_SYNC = "cancelled_before_sync"
    COMPLETED_BEFORE_SYNC = "completed_before_sync"
    BEFORE_SYNC_START = "before_sync_start"
    PROCESSED_AT_HARAVAN = "processed_at_haravan"  # no longer decided (issue 10): older rows only
    OTHER_BRANCH = "other_branch"
    # waiting (KiotSync acts by itself)
    WAITING = "waiting"
    RETRYING = "retrying"
    CHECKING_PREVIOUS = "checking_previous"


@dataclass(frozen=True)
class _Text:
    kind: ReasonKind
    vi: str
    en: str
    fix_vi: str = ""
    fix_en: str = ""


_E, _S, _W = ReasonKind.ERROR, ReasonKind.SKIP, ReasonKind.WAIT
_RESYNC_VI = "rồi bấm “Đồng bộ sang KiotViet”."
_RESYNC_EN = "then press “Sync to KiotViet”."

TEXTS: Mapping[OrderReasonCode, _Text] = {
    OrderReasonCode.SKU_NOT_LINKED: _Text(
        _E,
        "SKU {sku} ({title}) chưa được liên kết với KiotViet.",
        "SKU {sku} ({title}) is not linked to KiotViet.",
        "Tạo hàng hóa có mã {sku} trên KiotViet hoặc liên kết sản phẩm ở màn hình Sản phẩm, " + _RESYNC_VI,
        "Create a KiotViet product with code {sku} or link the product on the Products screen, " + _RESYNC_EN,
    ),
    OrderReasonCode.LINE_WITHOUT_SKU: _Text(
        _E,
        "Sản phẩm “{title}” không có SKU nên không tìm được hàng hóa KiotViet tương ứng.",
        "Product “{title}” has no SKU, so no KiotViet product can be found for it.",
        "Nhập SKU trùng mã hàng KiotViet cho sản phẩm trên Haravan, " + _RESYNC_VI,
        "Give the Haravan product the SKU of its KiotViet product code, " + _RESYNC_EN,
    ),
    OrderReasonCode.PRODUCT_INACTIVE: _Text(
        _E,
        "Hàng hóa {code} ({name}) đang ngừng kinh doanh trên KiotViet.",
        "Product {code} ({name}) is inactive (not for sale) in KiotViet.",
        "Bật “Đang kinh doanh” cho hàng hóa {code} trên KiotViet, " + _RESYNC_VI,
        "Set product {code} back on sale in KiotViet, " + _RESYNC_EN,
    ),
    OrderReasonCode.PRODUCT_MISSING: _Text(
        _E,
        "Hàng hóa “{ref}” không còn tồn tại trên KiotViet.",
        "Product “{ref}” no longer exists in KiotViet.",
        "Tạo lại hàng hóa trên KiotViet hoặc liên kết SKU với hàng hóa khác, " + _RESYNC_VI,
        "Re-create the product in KiotViet or link the SKU to another product, " + _RESYNC_EN,
    ),
    OrderReasonCode.KV_PRODUCT_NOT_LINKED: _Text(
        _E,
        "Hàng hóa KiotViet {code} ({name}) chưa được liên kết với sản phẩm Haravan.",
        "KiotViet product {code} ({name}) is not linked to a Haravan product.",
        "Đồng bộ sản phẩm sang Haravan (hoặc tạo SKU {code} trên Haravan), rồi bấm “Đồng bộ lại”.",
        "Sync the product to Haravan (or create SKU {code} there), then press “Sync again”.",
    ),
    OrderReasonCode.SETTING_DISABLED: _Text(
        _E,
        "Thiết lập “{setting}” trên KiotViet đang tắt.",
        "The KiotViet setting “{setting}” is turned off.",
        "Bật “{setting}” trong KiotViet (Thiết lập cửa hàng), " + _RESYNC_VI,
        "Turn on “{setting}” in KiotViet (store settings), " + _RESYNC_EN,
    ),
    OrderReasonCode.PHONE_MISSING: _Text(
        _E,
        "Đơn hàng không có số điện thoại khách hàng.",
        "The order has no customer phone number.",
        "Thêm số điện thoại vào địa chỉ giao hàng của đơn trên Haravan, " + _RESYNC_VI,
        "Add a phone number to the order's shipping address in Haravan, " + _RESYNC_EN,
    ),
    OrderReasonCode.PHONE_INVALID: _Text(
        _E,
        "Số điện thoại “{phone}” không hợp lệ (cần 10 số, bắt đầu bằng 0).",
        "The phone number “{phone}” is not valid (10 digits starting with 0 expected).",
        "Sửa số điện thoại trong đơn trên Haravan, " + _RESYNC_VI,
        "Correct the phone number on the order in Haravan, " + _RESYNC_EN,
    ),
    OrderReasonCode.BRANCH_NOT_CHOSEN: _Text(
        _E,
        "Chưa chọn chi nhánh KiotViet nhận đơn hàng.",
        "No KiotViet branch is chosen to receive orders.",
        "Chọn chi nhánh ở màn hình Cấu hình, " + _RESYNC_VI,
        "Choose a branch on the Settings screen, " + _RESYNC_EN,
    ),
    OrderReasonCode.NO_LINES: _Text(
        _E,
        "Đơn hàng không có sản phẩm nào để đồng bộ.",
        "The order has no lines to sync.",
        "Kiểm tra lại đơn hàng.",
        "Check the order.",
    ),
    OrderReasonCode.KIOTVIET_REJECTED: _Text(
        _E,
        "KiotViet từ chối: {message}",
        "KiotViet refused: {message}",
        "Sửa theo thông báo của KiotViet, " + _RESYNC_VI,
        "Fix what KiotViet says, " + _RESYNC_EN,
    ),
    OrderReasonCode.HARAVAN_REJECTED: _Text(
        _E,
        "Haravan từ chối: {message}",
        "Haravan refused: {message}",
        "Sửa theo thông báo của Haravan, rồi bấm “Đồng bộ lại”.",
        "Fix what Haravan says, then press “Sync again”.",
    ),
    OrderReasonCode.KV_ORDER_MISSING: _Text(
        _E,
        "Đơn KiotViet {code} không còn tồn tại.",
        "KiotViet order {code} no longer exists.",
        "Kiểm tra đơn trên KiotViet.",
        "Check the order in KiotViet.",
    ),
    OrderReasonCode.HV_ORDER_MISSING: _Text(
        _E,
        "Đơn Haravan {name} không còn tồn tại.",
        "Haravan order {name} no longer exists.",
        "Kiểm tra đơn trên Haravan.",
        "Check the order in Haravan.",
    ),
    OrderReasonCode.CANNOT_CANCEL_COMPLETED: _Text(
        _E,
        "Đơn đã hủy bên {cancelled_on} nhưng đơn KiotViet {code} đã hoàn thành nên không hủy tự động được.",
        "The order was cancelled on {cancelled_on} but KiotViet order {code} is completed and cannot be cancelled automatically.",
        "Hủy hóa đơn của đơn {code} trên KiotViet (hoặc tạo phiếu trả hàng).",
        "Cancel the invoice of order {code} in KiotViet (or create a return).",
    ),
    OrderReasonCode.KV_CANCELLED_HV_OPEN: _Text(
        _E,
        "Đơn KiotViet {code} đã bị hủy trên KiotViet nhưng đơn Haravan {name} vẫn còn hiệu lực. Đơn "
        "được xử lý tại Haravan nên KiotSync không hủy đơn Haravan; hàng của đơn không còn được giữ "
        "trong KiotViet.",
        "KiotViet order {code} was cancelled in KiotViet but Haravan order {name} is still open. "
        "Orders are processed in Haravan, so KiotSync does not cancel the Haravan order; its goods are "
        "no longer reserved in KiotViet.",
        "Nếu khách không mua nữa, hãy hủy đơn {name} trên Haravan. Nếu vẫn bán đơn này, "
        "bấm “Đồng bộ sang KiotViet” để tạo lại đơn đặt hàng trên KiotViet.",
        "If the customer no longer buys, cancel order {name} in Haravan. If the sale goes on, "
        "press “Sync to KiotViet” to create the KiotViet order again.",
    ),
    OrderReasonCode.KV_CANCELLED_INVOICED: _Text(
        _E,
        "Không tạo lại được đơn KiotViet cho đơn Haravan {name}: đơn KiotViet {code} đã hủy vẫn còn hóa "
        "đơn {invoices} (hàng trong đó đã xuất kho).",
        "KiotViet order for Haravan order {name} cannot be created again: the cancelled KiotViet order "
        "{code} still has invoice(s) {invoices} (their goods already left the stock).",
        "Hủy hóa đơn {invoices} trên KiotViet (KiotSync sẽ tự tạo lại đơn), hoặc hủy đơn {name} trên Haravan.",
        "Cancel invoice(s) {invoices} in KiotViet (KiotSync then creates the order again), or cancel "
        "order {name} in Haravan.",
    ),
    OrderReasonCode.TRANSIENT_EXHAUSTED: _Text(
        _E,
        "{platform} không phản hồi sau {attempts} lần thử.",
        "{platform} did not answer after {attempts} attempts.",
        "Kiểm tra kết nối ở màn hình Kết nối, " + _RESYNC_VI,
        "Check the Connection screen, " + _RESYNC_EN,
    ),
    OrderReasonCode.ACCESS_LOST: _Text(
        _E,
        "KiotSync không còn quyền truy cập {platform}.",
        "KiotSync no longer has access to {platform}.",
        "Kết nối lại {platform} ở màn hình Kết nối, " + _RESYNC_VI,
        "Reconnect {platform} on the Connection screen, " + _RESYNC_EN,
    ),
    OrderReasonCode.CANCELLED_BEFORE_SYNC: _Text(
        _S, "Đơn đã hủy trước khi được đồng bộ.", "The order was cancelled before it was synced."
    ),
    OrderReasonCode.COMPLETED_BEFORE_SYNC: _Text(
        _S,
        "Đơn đã hoàn thành trên KiotViet trước khi được đồng bộ.",
        "The order was completed in KiotViet before it was synced.",
    ),
    OrderReasonCode.BEFORE_SYNC_START: _Text(
        _S,
        "Đơn tạo trước khi bắt đầu đồng bộ ({date}).",
        "The order was placed before syncing started ({date}).",
        "Dùng “Nhập đơn cũ” hoặc “Đồng bộ sang KiotViet” nếu muốn chuyển đơn này.",
        "Use “Import past orders” or “Sync to KiotViet” to transfer it anyway.",
    ),
    OrderReasonCode.PROCESSED_AT_HARAVAN: _Text(
        _S,
        "Đơn được xử lý tại Haravan và chưa được tạo trên KiotViet (phiên bản KiotSync trước đây bỏ qua "
        "đơn Haravan khi xử lý tại Haravan).",
        "The order is processed in Haravan and was not created in KiotViet (earlier versions of "
        "KiotSync skipped Haravan orders when processing in Haravan).",
        "Bấm “Đồng bộ sang KiotViet” để tạo đơn trên KiotViet (giữ hàng; trạng thái Haravan sẽ cập nhật sang KiotViet).",
        "Press “Sync to KiotViet” to create it in KiotViet (its goods reserved; Haravan's statuses then update KiotViet).",
    ),
    OrderReasonCode.OTHER_BRANCH: _Text(
        _S,
        "Đơn KiotViet thuộc chi nhánh khác chi nhánh đã chọn.",
        "The KiotViet order belongs to another branch than the one chosen.",
    ),
    OrderReasonCode.WAITING: _Text(_W, "Đang chờ đồng bộ.", "Waiting to be synced."),
    OrderReasonCode.RETRYING: _Text(
        _W,
        "{platform} tạm thời không phản hồi; KiotSync tự thử lại (lần {attempt}/{max}).",
        "{platform} is temporarily unavailable; KiotSync retries by itself (attempt {attempt}/{max}).",
    ),
    OrderReasonCode.CHECKING_PREVIOUS: _Text(
        _W,
        "Lần gửi trước chưa rõ kết quả; KiotSync kiểm tra trước khi gửi lại.",
        "The previous attempt's outcome is unknown; KiotSync checks before sending again.",
    ),
}


class _Lenient(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class OrderReason:
    code: OrderReasonCode
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, reason_code: OrderReasonCode, /, **params: object) -> OrderReason:
        return cls(reason_code, tuple(sorted((k, "" if v is None else str(v)) for k, v in params.items())))

    @property
    def kind(self) -> ReasonKind:
        return TEXTS[self.code].kind

    @property
    def param_dict(self) -> dict[str, str]:
        return dict(self.params)

    def message(self, lang: str = "vi") -> str:
        text = TEXTS[self.code]
        return (text.en if lang == "en" else text.vi).format_map(_Lenient(self.params))

    def fix(self, lang: str = "vi") -> str:
        text = TEXTS[self.code]
        return (text.fix_en if lang == "en" else text.fix_vi).format_map(_Lenient(self.params))
