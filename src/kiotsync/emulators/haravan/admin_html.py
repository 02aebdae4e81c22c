"""Haravan admin + storefront page pieces.

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

ACCENT = "#2962ff"


def page(title: str, header: str, body: str) -> str:
    return _page(title, header, body, accent=ACCENT)


def error_text(body: Any) -> str:
    """The human message inside any error body the control plane answers.

    Haravan validation errors are ``{"errors": {"field": ["message", ...]}}``; control helpers
    answer ``{"error": "..."}``; a plain ``{"errors": "Not Found"}`` also occurs.
    """
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, dict):
            return "; ".join(
                f"{field}: {', '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                for field, msgs in errors.items()
            )
        if errors:
            return str(errors)
        if body.get("error"):
            return str(body["error"])
    return str(body) if body else "Lỗi không xác định"
