"""Emulator-wide state: the shops, tokens, rate-limit counters, config and the tick clock."""

from __future__ import annotations

import copy
import threading
from typing import Any

from ..common import Clock
from .errors import KvError, invalid
from .model import Shop
from .timefmt import to_ticks
from .tokens import RateLimiter, TokenStore

DEFAULT_CONFIG: dict[str, Any] = {
    "rate_limit_get_per_hour": 5000,
    "rate_limit_window_s": 3600,
    "token_ttl_s": 86400,
    "page_size_max": 100,
    "page_size_default": 20,
    "webhook_signature": {"key": "decoded", "encoding": "hex", "prefix": "sha1=", "algorithm": "sha256"},
    "webhook_retry_delays_s": [60, 300, 1800, 3600],
    "webhook_max_attempts": 5,
}

_SIGNATURE_CHOICES = {
    "key": {"decoded", "raw"},
    "encoding": {"hex", "base64"},
    "prefix": None,
    "algorithm": {"sha256", "sha1"},
}


class KvState:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.shops: dict[str, Shop] = {}
        self.tokens = TokenStore()
        self.rate = RateLimiter()
        self.config: dict[str, Any] = copy.deepcopy(DEFAULT_CONFIG)
        self._last_ticks = 0

    def now(self) -> int:
        """Current platform time in ticks, strictly increasing across calls."""
        ticks = to_ticks(self.clock.time())
        if ticks <= self._last_ticks:
            ticks = self._last_ticks + 1
        self._last_ticks = ticks
        return ticks

    def shop(self, retailer: str | None) -> Shop | None:
        if not retailer:
            return None
        return self.shops.get(retailer.strip().lower())

    def shop_for_control(self, retailer: Any) -> Shop:
        """The shop a control-plane call names, or the only shop when there is one."""
        if retailer:
            shop = self.shop(str(retailer))
            if shop is None:
                raise KvError(404, f"unknown retailer {retailer!r}", "NotFound")
            return shop
        if len(self.shops) == 1:
            return next(iter(self.shops.values()))
        raise invalid("pass 'retailer' (several shops are loaded)" if self.shops else "no shop seeded yet")

    def reset(self) -> None:
        self.shops.clear()
        self.tokens.clear()
        self.rate.clear()

    def set_config(self, body: dict[str, Any]) -> None:
        for key, value in body.items():
            if key not in DEFAULT_CONFIG:
                raise ValueError(f"unknown config key {key!r}")
            if key == "webhook_signature":
                if not isinstance(value, dict):
                    raise ValueError("webhook_signature must be an object")
                merged = dict(self.config["webhook_signature"])
                for k, v in value.items():
                    if k not in _SIGNATURE_CHOICES:
                        raise ValueError(f"unknown webhook_signature key {k!r}")
                    allowed = _SIGNATURE_CHOICES[k]
                    if allowed is not None and v not in allowed:
                        raise ValueError(f"webhook_signature.{k} must be one of {sorted(allowed)}")
                    merged[k] = "" if v is None else str(v)
                self.config[key] = merged
            elif key == "webhook_retry_delays_s":
                self.config[key] = [float(x) for x in value]
            else:
                self.config[key] = int(value)
