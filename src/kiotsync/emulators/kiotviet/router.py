"""A tiny case-insensitive router.

ServiceStack matches route literals case-insensitively (``/productOnHands`` and
``/productonhands`` both work) while path *values* (a product code) keep their case, which a
werkzeug ``Map`` cannot express; this router compares literal segments lower-cased and hands
the raw values to the handler. ``{name:int}`` only matches digits; ``{name:path}`` (last)
swallows the rest of the path so codes containing ``/`` still resolve.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]


class NoRoute(Exception):
    def __init__(self, method_not_allowed: bool = False) -> None:
        super().__init__("method not allowed" if method_not_allowed else "not found")
        self.method_not_allowed = method_not_allowed


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, list[tuple[str, str]], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        segments: list[tuple[str, str]] = []
        for seg in pattern.strip("/").split("/"):
            if seg.startswith("{") and seg.endswith("}"):
                name, _, kind = seg[1:-1].partition(":")
                segments.append((kind or "str", name))
            else:
                segments.append(("lit", seg.lower()))
        self._routes.append((method.upper(), segments, handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, Any]]:
        parts = [p for p in path.strip("/").split("/")] if path.strip("/") else []
        wrong_method = False
        for route_method, segments, handler in self._routes:
            args = self._match(segments, parts)
            if args is None:
                continue
            if route_method != method.upper():
                wrong_method = True
                continue
            return handler, args
        raise NoRoute(wrong_method)

    @staticmethod
    def _match(segments: list[tuple[str, str]], parts: list[str]) -> dict[str, Any] | None:
        args: dict[str, Any] = {}
        for i, (kind, value) in enumerate(segments):
            if kind == "path":
                rest = "/".join(parts[i:])
                if not rest:
                    return None
                args[value] = rest
                return args
            if i >= len(parts):
                return None
            part = parts[i]
            if kind == "lit":
                if part.lower() != value:
                    return None
            elif kind == "int":
                if not part.isdigit():
                    return None
                args[value] = int(part)
            else:
                if not part:
                    return None
                args[value] = part
        return args if len(parts) == len(segments) else None
