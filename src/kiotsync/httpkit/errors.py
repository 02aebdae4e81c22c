"""Typed errors raised by every platform client.

The sync engine decides what to do from the *class* of an error (retry later, ask the
merchant to reconnect, show a validation message, look before re-creating), so each client
maps its platform's status codes and error bodies onto this small hierarchy. The
platform's own text (often Vietnamese) is kept verbatim in ``message`` for the UI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AuthError",
    "ForbiddenError",
    "NotFoundError",
    "PlatformError",
    "RateLimitedError",
    "TransientError",
    "ValidationError",
    "error_for_status",
]


class PlatformError(Exception):
    """A call to a platform failed.

    ``status`` is the HTTP status (``None`` when no answer arrived), ``code`` the platform's
    machine code if any (KiotViet ``responseStatus.errorCode``, OAuth ``error``), ``message``
    the platform's human text, ``body`` the decoded error body, ``method``/``path`` the
    request (path only: query strings and bodies may carry personal data).
    """

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        status: int | None = None,
        code: str | None = None,
        body: Any = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.platform = platform
        self.status = status
        self.code = code
        self.message = message
        self.body = body
        self.method = method
        self.path = path

    def __str__(self) -> str:
        where = f"{self.method} {self.path}" if self.method else (self.path or "")
        status = f" HTTP {self.status}" if self.status is not None else ""
        code = f" [{self.code}]" if self.code else ""
        return f"{self.platform}{status}{code} {where}: {self.message}".replace("  ", " ")


class AuthError(PlatformError):
    """Credentials missing, wrong, expired or revoked (HTTP 401, KiotViet ``TokenException``)."""


class ForbiddenError(PlatformError):
    """Authenticated but not allowed (HTTP 403), e.g. the token lacks a scope."""


class NotFoundError(PlatformError):
    """The addressed record does not exist (HTTP 404)."""


class ValidationError(PlatformError):
    """The platform refused the request's content (HTTP 400/422).

    ``field_errors`` maps a field name (``"base"`` when none) to the platform's messages.
    """

    def __init__(
        self, message: str, *, field_errors: Mapping[str, list[str]] | None = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.field_errors: dict[str, list[str]] = {k: list(v) for k, v in (field_errors or {}).items()}


class RateLimitedError(PlatformError):
    """HTTP 429. ``retry_after`` is the server's ``Retry-After`` in seconds, if it sent one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class TransientError(PlatformError):
    """5xx, timeout or connection failure: worth trying again later.

    ``maybe_committed`` is True when the request reached (or may have reached) the server and
    could have been applied although no success answer came back. Callers that create
    records must then *look* (e.g. find the order by its web number) before creating again.
    ``retry_after`` carries a 503's ``Retry-After`` when present.
    """

    def __init__(
        self, message: str, *, maybe_committed: bool = False, retry_after: float | None = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.maybe_committed = maybe_committed
        self.retry_after = retry_after


def error_for_status(
    status: int,
    message: str,
    *,
    platform: str,
    code: str | None = None,
    body: Any = None,
    method: str | None = None,
    path: str | None = None,
    field_errors: Mapping[str, list[str]] | None = None,
    retry_after: float | None = None,
) -> PlatformError:
    """The error class for an HTTP status (platform mappers refine special cases).

    A 5xx is ``maybe_committed`` except 503, which by definition means the server did not
    take the work on (see ``RetryPolicy.non_idempotent_retry_statuses``).
    """
    kw: dict[str, Any] = {"platform": platform, "status": status, "code": code, "body": body}
    kw.update(method=method, path=path)
    if status == 401:
        return AuthError(message, **kw)
    if status == 403:
        return ForbiddenError(message, **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    if status in (400, 422):
        return ValidationError(message, field_errors=field_errors, **kw)
    if status == 429:
        return RateLimitedError(message, retry_after=retry_after, **kw)
    if status >= 500:
        return TransientError(message, maybe_committed=status != 503, retry_after=retry_after, **kw)
    return PlatformError(message, **kw)
