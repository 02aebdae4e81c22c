"""Input coercion with Haravan-style 422 bodies (``{"errors": {"field": ["message"]}}``)."""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from ..common import ApiError


def invalid(field: str, message: str) -> NoReturn:
    raise ApiError(422, {"errors": {field: [message]}})


T = TypeVar("T")


def not_found() -> NoReturn:
    raise ApiError(404, {"errors": "Not Found"})


def found(value: T | None) -> T:
    """``value``, or 404 when the look-up found nothing."""
    if value is None:
        not_found()
    return value


def wrapped(body: Any, key: str) -> dict[str, Any]:
    """The object under the singular wrapper (``{"product": {...}}``); 422 when absent."""
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        invalid(key, "can't be blank")
    return body[key]


def number(value: Any, field: str, default: float = 0.0) -> float:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        invalid(field, "is not a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        invalid(field, "is not a number")


def integer(value: Any, field: str, default: int | None = None) -> int:
    if value is None or value == "":
        if default is None:
            invalid(field, "can't be blank")
        return default
    if isinstance(value, bool):
        invalid(field, "is not a number")
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        invalid(field, "is not a number")
    if as_float != int(as_float):
        invalid(field, "must be an integer")
    return int(as_float)


def text(value: Any, blank_is_none: bool = True) -> str | None:
    if value is None:
        return None
    out = str(value).strip()
    return None if (blank_is_none and out == "") else out


def flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def choice(value: Any, field: str, allowed: tuple[str, ...], default: str) -> str:
    if value is None or value == "":
        return default
    out = str(value).strip().lower()
    if out not in allowed:
        invalid(field, f"is not included in the list ({', '.join(allowed)})")
    return out
