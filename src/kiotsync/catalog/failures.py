"""Platform failures in words a shop owner can act on (Vietnamese msgids, translatable)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kiotsync.httpkit.errors import (
    AuthError,
    ForbiddenError,
    NotFoundError,
    PlatformError,
    RateLimitedError,
    TransientError,
    ValidationError,
)


def is_transient(exc: Exception) -> bool:
    return isinstance(exc, TransientError | RateLimitedError)


def explain(exc: Exception) -> str:
    side = getattr(exc, "platform", "") or ""
    name = "Haravan" if side == "haravan" else "KiotViet" if side == "kiotviet" else _("nền tảng")
    if isinstance(exc, RateLimitedError):
        return _("%(p)s đang giới hạn số lần gọi; ứng dụng sẽ tự thử lại.") % {"p": name}
    if isinstance(exc, TransientError):
        if exc.maybe_committed:
            return _(
                "%(p)s không trả lời kịp; ứng dụng sẽ kiểm tra lại trước khi thử tiếp để không tạo trùng."
            ) % {"p": name}
        return _("%(p)s tạm thời không phản hồi; ứng dụng sẽ tự thử lại.") % {"p": name}
    if isinstance(exc, AuthError):
        return _("Mất quyền truy cập %(p)s. Vui lòng kết nối (hoặc cài đặt) lại.") % {"p": name}
    if isinstance(exc, ForbiddenError):
        return _("%(p)s không cho phép thao tác này (thiếu quyền).") % {"p": name}
    if isinstance(exc, NotFoundError):
        return _("Không tìm thấy trên %(p)s (có thể đã bị xóa).") % {"p": name}
    if isinstance(exc, ValidationError):
        return _("%(p)s từ chối dữ liệu: %(m)s") % {"p": name, "m": exc.message}
    if isinstance(exc, PlatformError):
        return _("%(p)s báo lỗi: %(m)s") % {"p": name, "m": exc.message}
    return _("Lỗi không mong đợi: %(m)s") % {"m": str(exc)[:300]}
