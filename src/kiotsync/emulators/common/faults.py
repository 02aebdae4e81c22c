"""Fault injection: make the next matching requests fail, stall, or lose their answer.

A rule matches on method (optional) and path (exact, or a glob with ``*``). Kinds:
- ``status`` (+ optional ``body``/``headers``): answer that status without touching state;
- ``delay_s``: sleep that many *real* seconds before handling (to trigger client timeouts);
- ``after_commit`` with ``status``: run the request (state changes), then answer ``status``
  instead of the real response, i.e. "the change is applied, the answer lost".
- ``drop``: with ``after_commit``, close without a body (answered as 504 by the WSGI layer).
``count`` (default 1) is how many matching requests the rule hits; ``probability`` (0..1,
optional) makes it hit only that share of matching requests (seeded, deterministic).
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FaultRule:
    path: str = "*"
    method: str | None = None
    status: int | None = None
    delay_s: float = 0.0
    after_commit: bool = False
    count: int = 1
    probability: float | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    id: int = 0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.path == path:
            return True
        return fnmatch.fnmatchcase(path, self.path)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1
        self._rng = random.Random(seed)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        allowed = {f for f in FaultRule.__dataclass_fields__ if f not in {"id", "hits"}}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        rule = FaultRule(**spec)
        if rule.status is None and not rule.delay_s:
            raise ValueError("a fault needs a status or a delay_s")
        if rule.count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self._rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """Return (and consume one use of) the first rule matching this request."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.probability is not None and self._rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                rule.count -= 1
                if rule.count <= 0:
                    self._rules.remove(rule)
                return rule
        return None

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
