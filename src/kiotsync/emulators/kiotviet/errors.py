"""Business errors raised by the KiotViet rules, rendered as the ``responseStatus`` envelope (§2.7).

Rules never build HTTP responses; they raise :class:`KvError` and the HTTP layer turns it into
``{"responseStatus": {"errorCode", "message", "errors"?}}``. Vietnamese messages that the digest
quotes literally live here as constants; every other text is a documented guess.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")

SETTING_ORDER = "Cho phép đặt hàng"
SETTING_DELIVERY = "Sử dụng tính năng giao hàng"
SETTING_COD = "Quản lý thu hộ tiền"
SETTING_PURCHASE_DATE = "Không cho phép thay đổi thời gian bán hàng"
SETTING_SELL_OUT_OF_STOCK = "Cho phép bán hàng khi hết tồn kho"
SETTING_ORDER_OUT_OF_STOCK = "Cho phép đặt hàng khi hết tồn kho"  # guess: not in the digest's table

MSG_UPDATED = "Cập nhật dữ liệu thành công"
MSG_DELETED = "Xóa dữ liệu thành công"
MSG_BULK_ADDED = "Thêm mới danh sách sản phẩm thành công"
MSG_BULK_UPDATED = "Cập nhật danh sách sản phẩm thành công"
MSG_WEBHOOK_REMOVED = "Hủy đăng ký webhook thành công"


class KvError(Exception):
    """A platform error: HTTP status + ``responseStatus`` fields."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str = "ValidationException",
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.message = message
        self.code = code
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        status: dict[str, Any] = {"errorCode": self.code, "message": self.message}
        if self.field:
            status["errors"] = [{"errorCode": self.code, "fieldName": self.field, "message": self.message}]
        return {"responseStatus": status}


def invalid(message: str, field: str | None = None) -> KvError:
    return KvError(400, message, "ValidationException", field)


def not_found(what: str) -> KvError:
    return KvError(404, f"Không tìm thấy {what}", "NotFound")


def found(value: T | None, what: str) -> T:
    """``value``, or 404 "Không tìm thấy <what>" when the look-up found nothing."""
    if value is None:
        raise not_found(what)
    return value


def setting_off(name: str) -> KvError:
    return KvError(400, f'Thiết lập "{name}" đang không được bật', "ValidationException")


def token_error(message: str = "Token không hợp lệ hoặc đã hết hạn") -> KvError:
    return KvError(401, message, "TokenException")
