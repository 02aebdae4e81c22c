"""Client machinery shared by the KiotViet and Haravan adapters.

Typed errors, retry policy, pacing, tolerant wire parsing and dates, and :class:`ApiCaller`
(one HTTP call with auth, pacing, retries, error mapping and logging).
"""

from .caller import ApiCaller, AuthHook, ErrorMapper, decode_json, parse_retry_after
from .dates import (
    VIETNAM,
    format_haravan,
    format_kiotviet,
    parse_datetime,
    parse_haravan_datetime,
    parse_kiotviet_datetime,
)
from .errors import (
    AuthError,
    ForbiddenError,
    NotFoundError,
    PlatformError,
    RateLimitedError,
    TransientError,
    ValidationError,
    error_for_status,
)
from .pacing import NullPacer, Pacer, PacerRegistry, SlidingWindowPacer
from .phones import normalize_phone, same_phone
from .retry import RetryPolicy
from .wire import Wire

__all__ = [
    "VIETNAM",
    "ApiCaller",
    "AuthError",
    "AuthHook",
    "ErrorMapper",
    "ForbiddenError",
    "NotFoundError",
    "NullPacer",
    "Pacer",
    "PacerRegistry",
    "PlatformError",
    "RateLimitedError",
    "RetryPolicy",
    "SlidingWindowPacer",
    "TransientError",
    "ValidationError",
    "Wire",
    "decode_json",
    "error_for_status",
    "format_haravan",
    "format_kiotviet",
    "normalize_phone",
    "parse_datetime",
    "parse_haravan_datetime",
    "parse_kiotviet_datetime",
    "parse_retry_after",
    "same_phone",
]
