"""Form handling shared by the emulators' back-office pages.

A form stands for one JSON control-plane request (:class:`Call`); its fields are parsed with
the helpers below, which raise :class:`FormError` with a Vietnamese message shown on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

Form = MultiDict[str, str]

COMMON_CONTROL = (
    "POST /_emulator/reset",
    "POST /_emulator/seed",
    "GET|POST|DELETE /_emulator/faults",
    "GET|DELETE /_emulator/requests",
    "GET|PUT /_emulator/config",
    "GET|POST /_emulator/clock",
    "GET /_emulator/webhooks",
    "POST /_emulator/webhooks/drain",
)


class FormError(Exception):
    """A field the person typed is unusable; the message is shown on the page."""


@dataclass(frozen=True)
class Call:
    """One JSON control-plane request a form stands for, and how to word its success."""

    method: str
    path: str
    body: dict[str, Any]
    done: Callable[[Any], str]
    anchor: str


def form_text(form: Form, key: str) -> str:
    return (form.get(key) or "").strip()


def form_required(form: Form, key: str, label: str) -> str:
    value = form_text(form, key)
    if not value:
        raise FormError(f"Vui lòng nhập {label.lower()}")
    return value


def form_int(form: Form, key: str, label: str, message: str = "{label} không hợp lệ (đã nhập: {raw})") -> int:
    raw = form_required(form, key, label)
    try:
        return int(raw)
    except ValueError:
        raise FormError(message.format(label=label, raw=raw)) from None
