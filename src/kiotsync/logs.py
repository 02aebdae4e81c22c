"""Structured logs with the tenant on every line.

The tenant comes from a context variable set by the web middleware and by every worker task
(``tenant_context``). Secrets never reach a log line: callers log ids and outcomes only.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator

current_tenant: contextvars.ContextVar[str] = contextvars.ContextVar("kiotsync_tenant", default="-")


@contextlib.contextmanager
def tenant_context(tenant: object) -> Iterator[None]:
    """Tag every log line emitted inside the block with ``tenant`` (an orgid or model)."""
    label = str(getattr(tenant, "orgid", tenant))
    token = current_tenant.set(label)
    try:
        yield
    finally:
        current_tenant.reset(token)


class TenantFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "tenant"):
            record.tenant = current_tenant.get()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s tenant=%(tenant)s %(message)s")


class JsonFormatter(logging.Formatter):
    _skip = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "tenant": getattr(record, "tenant", current_tenant.get()),
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self._skip and key not in payload:
                payload[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)
