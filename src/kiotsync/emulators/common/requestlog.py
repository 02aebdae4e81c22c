"""Bounded in-memory log of every request an emulator answered."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any


class RequestLog:
    def __init__(self, maxlen: int = 200_000) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._seq = 0
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)

    def query(
        self,
        since: int = 0,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        with self._lock:
            items = [e for e in self._entries if e["seq"] > since]
        if method:
            items = [e for e in items if e["method"] == method.upper()]
        if path:
            items = [e for e in items if e["path"] == path or e["path"].startswith(path.rstrip("*"))]
        if status is not None:
            items = [e for e in items if e["status"] == status]
        if limit is not None:
            items = items[-limit:]
        return items

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq
