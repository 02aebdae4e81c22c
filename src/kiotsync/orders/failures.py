"""Platform failures → what the order sync does next (retry by itself, or ask the merchant).

Transient (429, 5xx, timeouts, connection drops) → ``wait``: retried with back-off and shown as
waiting. Everything else becomes an :class:`~kiotsync.core.orders.OrderReason` in words the shop
owner can act on; KiotViet's own (Vietnamese) refusal texts are recognised where they name a
product or a shop setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiotsync.core.orders import OrderReason, OrderReasonCode
from kiotsync.httpkit.errors import (
    AuthError,
    NotFoundError,
    PlatformError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from kiotsync.kiotviet.errors import SettingDisabledError

_INACTIVE = re.compile(r"Hàng hóa\s*[\"“”']([^\"“”']+)[\"“”']\s*đã ngừng kinh doanh", re.IGNORECASE)
_MISSING = re.compile(r"Hàng hóa\s*[\"“”']([^\"“”']+)[\"“”']\s*không tồn tại", re.IGNORECASE)
_NAMES = {"kiotviet": "KiotViet", "haravan": "Haravan"}


@dataclass(frozen=True)
class Failure:
    """``transient``: retry later (``maybe_committed``: the write may have happened);
    otherwise ``reason`` is what the merchant sees."""

    transient: bool
    maybe_committed: bool = False
    retry_after: float | None = None
    reason: OrderReason | None = None
    platform: str = ""
    detail: str = ""


def classify(exc: Exception) -> Failure:
    if not isinstance(exc, PlatformError):
        # A bug or an unexpected answer: retry a few times, with the outcome treated as unknown.
        return Failure(True, maybe_committed=True, detail=f"{type(exc).__name__}: {exc}"[:500])
    platform = exc.platform
    name = _NAMES.get(platform, platform)
    detail = str(exc)[:500]
    if isinstance(exc, RateLimitedError):
        return Failure(True, retry_after=exc.retry_after, platform=platform, detail=detail)
    if isinstance(exc, TransientError):
        return Failure(
            True,
            maybe_committed=exc.maybe_committed,
            retry_after=exc.retry_after,
            platform=platform,
            detail=detail,
        )
    if isinstance(exc, AuthError):
        return Failure(
            False,
            reason=OrderReason.of(OrderReasonCode.ACCESS_LOST, platform=name),
            platform=platform,
            detail=detail,
        )
    if isinstance(exc, SettingDisabledError):
        reason = OrderReason.of(OrderReasonCode.SETTING_DISABLED, setting=exc.setting)
        return Failure(False, reason=reason, platform=platform, detail=detail)
    message = exc.message or detail
    if isinstance(exc, ValidationError) and exc.field_errors and platform == "haravan":
        parts = [f"{k}: {', '.join(v)}" if k != "base" else ", ".join(v) for k, v in exc.field_errors.items()]
        message = "; ".join(parts) or message
    if platform == "kiotviet":
        found = _INACTIVE.search(message)
        if found:
            code = found.group(1).strip()
            reason = OrderReason.of(OrderReasonCode.PRODUCT_INACTIVE, code=code, name=code)
            return Failure(False, reason=reason, platform=platform, detail=detail)
        found = _MISSING.search(message)
        if found:
            reason = OrderReason.of(OrderReasonCode.PRODUCT_MISSING, ref=found.group(1).strip())
            return Failure(False, reason=reason, platform=platform, detail=detail)
        return Failure(
            False,
            reason=OrderReason.of(OrderReasonCode.KIOTVIET_REJECTED, message=message),
            platform=platform,
            detail=detail,
        )
    if isinstance(exc, NotFoundError | ValidationError) or exc.status is not None:
        return Failure(
            False,
            reason=OrderReason.of(OrderReasonCode.HARAVAN_REJECTED, message=message),
            platform=platform,
            detail=detail,
        )
    return Failure(True, maybe_committed=True, platform=platform, detail=detail)
