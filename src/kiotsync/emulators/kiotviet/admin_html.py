"""KiotViet back-office page pieces.

The shared pieces live in :mod:`kiotsync.emulators.common.admin_html`; this module adds the
platform's colour and how its control-plane errors read.
"""

from __future__ import annotations

from typing import Any

from ..common.admin_html import (
    ADMIN_PATH,
    admin_url,
    badge,
    control_call,
    esc,
    hidden,
    html_response,
    money,
    options,
    qty,
)
from ..common.admin_html import page as _page

__all__ = [
    "ADMIN_PATH",
    "admin_url",
    "badge",
    "control_call",
    "error_text",
    "esc",
    "hidden",
    "html_response",
    "money",
    "options",
    "page",
    "qty",
]

ACCENT = "#0b6bcb"


def page(title: str, header: str, body: str) -> str:
    return _page(title, header, body, accent=ACCENT)


def error_text(body: Any) -> str:
    """The human message inside any error body the control plane answers."""
    if isinstance(body, dict):
        status = body.get("responseStatus")
        if isinstance(status, dict) and status.get("message"):
            return str(status["message"])
        if body.get("error"):
            return str(body["error"])
        if body.get("errors"):
            return str(body["errors"])
    return str(body) if body else "Lỗi không xác định"
