"""One HTTP call with everything around it: auth headers, pacing, retries, error mapping, logging.

Both platform clients build on :class:`ApiCaller`. The platform supplies an *error mapper*
(response → typed :class:`PlatformError`) and, per call, an optional :class:`AuthHook`
(fresh headers; renew after a 401) and :class:`Pacer`. The caller

1. asks the pacer for permission (it may sleep so the platform never answers 429),
2. sends the request through an ``httpx.Client`` (transport injectable: tests use the
   emulators in-process through ``httpx.WSGITransport`` or over a socket),
3. maps failures to typed errors; replays once after renewing credentials on an auth
   failure; retries according to :class:`RetryPolicy` (never other 4xx; non-idempotent calls
   only when provably not processed),
4. logs each attempt (method, path, status, ms, attempt) — never headers, query strings or
   bodies, which carry tokens and personal data — and counts it (:mod:`.metrics`: by platform,
   outcome and retry, for ``/metrics``).
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, Self
from urllib.parse import urlsplit

import httpx

from .errors import AuthError, PlatformError, TransientError
from .metrics import count_attempt
from .pacing import Pacer
from .retry import RetryPolicy

__all__ = ["ApiCaller", "AuthHook", "ErrorMapper", "decode_json", "parse_retry_after"]

log = logging.getLogger("kiotsync.http")

ErrorMapper = Callable[[httpx.Response, str, str], PlatformError]

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class AuthHook(Protocol):
    def auth_headers(self) -> Mapping[str, str]:
        """Headers carrying current credentials (fetching a token first if needed)."""
        ...

    def renew_after_rejection(self) -> bool:
        """The platform rejected the credentials: renew them. True if a replay makes sense."""
        ...


def decode_json(response: httpx.Response) -> Any:
    """The body as JSON; ``None`` for an empty body; the raw text if it is not JSON."""
    raw = response.content
    if not raw or not raw.strip():
        return None
    try:
        return jsonlib.loads(raw)
    except ValueError:
        return response.text


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds: a (possibly fractional) number or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def shared_http(
    transport: httpx.BaseTransport | None = None, timeout: float | httpx.Timeout = 30.0
) -> httpx.Client:
    """A connection pool for one platform's calls. Building one costs an SSL context (most of an
    idle worker's CPU when every shop's client built its own), so the composition root builds
    one per platform per process and every shop's client sends through it; headers, timeout
    and credentials travel with each request."""
    return httpx.Client(
        transport=transport,
        timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
        follow_redirects=False,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )


class ApiCaller:
    def __init__(
        self,
        *,
        platform: str,
        error_mapper: ErrorMapper,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        user_agent: str = "KiotSync/0.1",
        logger: logging.Logger | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.platform = platform
        self.retry = retry or RetryPolicy()
        self._map_error = error_mapper
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._log = logger or log
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}
        # ``http``: a connection pool shared by every shop's client of one platform (see
        # :func:`shared_http`); the caller then does not own it and never closes it.
        self._owns_http = http is None
        self._http = http if http is not None else shared_http(transport, self._timeout)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        auth: AuthHook | None = None,
        pacer: Pacer | None = None,
        retry: RetryPolicy | None = None,
        error_mapper: ErrorMapper | None = None,
    ) -> httpx.Response:
        """Send one logical call (possibly several attempts); return the 2xx response.

        ``idempotent`` defaults to True for GET/PUT/DELETE and False for POST; pass it
        explicitly for POSTs that only read or set state (token requests, "set stock").
        ``error_mapper`` overrides the caller's mapper (e.g. for an OAuth token endpoint).
        Raises a :class:`PlatformError` subclass when the call finally fails.
        """
        method = method.upper()
        map_error = error_mapper or self._map_error
        policy = retry or self.retry
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        path = urlsplit(url).path or "/"
        clean_params = _clean_params(params)
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            send_headers = dict(headers or {})
            if auth is not None:
                send_headers.update(auth.auth_headers())
            ticket = pacer.acquire() if pacer is not None else None
            started = self._clock()
            response: httpx.Response | None = None
            try:
                response = self._http.request(
                    method,
                    url,
                    params=clean_params,
                    json=json,
                    data=data,
                    headers={**self._headers, **send_headers},
                    timeout=self._timeout,
                )
            except httpx.TransportError as exc:
                error = self._transport_error(exc, method, path)
                self._log_attempt(method, path, None, started, attempt, error)
                if pacer is not None:
                    pacer.release(ticket, None)
                delay = policy.delay_for(error, attempt, idempotent, self._rng)
                if delay is None:
                    raise error from exc
                self._sleep(delay)
                continue
            if pacer is not None:
                pacer.release(ticket, response)
            if response.is_success:
                self._log_attempt(method, path, response.status_code, started, attempt, None)
                return response
            error = map_error(response, method, path)
            self._log_attempt(method, path, response.status_code, started, attempt, error)
            if isinstance(error, AuthError) and auth is not None and not renewed:
                renewed = True
                if auth.renew_after_rejection():
                    attempt -= 1  # a replay with fresh credentials is not a retry
                    continue
            delay = policy.delay_for(error, attempt, idempotent, self._rng)
            if delay is None:
                raise error
            self._sleep(delay)

    def _transport_error(self, exc: httpx.TransportError, method: str, path: str) -> PlatformError:
        kw: dict[str, Any] = {"platform": self.platform, "method": method, "path": path}
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return TransientError(f"could not connect: {type(exc).__name__}", maybe_committed=False, **kw)
        if isinstance(exc, httpx.TimeoutException):
            return TransientError(f"no answer in time: {type(exc).__name__}", maybe_committed=True, **kw)
        if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
            return TransientError(f"connection failed: {type(exc).__name__}", maybe_committed=True, **kw)
        return PlatformError(f"transport error: {type(exc).__name__}: {exc}", **kw)

    def _log_attempt(
        self,
        method: str,
        path: str,
        status: int | None,
        started: float,
        attempt: int,
        error: PlatformError | None,
    ) -> None:
        ms = (self._clock() - started) * 1000.0
        count_attempt(self.platform, status, attempt)
        level = logging.INFO if error is None else logging.WARNING
        if not self._log.isEnabledFor(level):
            return
        outcome = str(status) if status is not None else (error.message if error else "-")
        self._log.log(
            level,
            "%s %s %s -> %s in %.0f ms (attempt %d)",
            self.platform,
            method,
            path,
            outcome,
            ms,
            attempt,
            extra={
                "platform": self.platform,
                "http_method": method,
                "path": path,
                "status": status,
                "ms": round(ms, 1),
                "attempt": attempt,
                "error": type(error).__name__ if error else None,
            },
        )


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Drop ``None``; booleans as ``true``/``false``; lists as comma-separated values."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | tuple | set | frozenset):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


class ClientBase:
    """What every platform client shares around its :class:`ApiCaller`: closing its pool, and
    use as a context manager."""

    _caller: ApiCaller

    def close(self) -> None:
        self._caller.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
