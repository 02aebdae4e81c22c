"""Tunable platform behaviour (``GET|PUT /_emulator/config``).

Every value the digest marks as unknown (token lifetimes, retry schedule, default order
status filter, …) lives here so tests and benchmarks can pick the variant they need.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

ORDER_STATUS_FILTERS = ("open", "closed", "cancelled", "any")


@dataclass
class HaravanConfig:
    # rate limit (§2.4): leaky bucket per shop+app
    bucket_size: int = 80
    leak_rate: float = 4.0
    rate_limit_enabled: bool = True
    # OAuth (§1.4, gaps in §6)
    access_token_ttl: int = 86400
    refresh_token_ttl: int = 2_592_000
    rotate_refresh_tokens: bool = True
    code_ttl: int = 300
    id_token_ttl: int = 3600
    auto_approve: dict[str, Any] | None = None
    # webhooks (§4.9): retry back-off in platform seconds after failed attempt n
    webhook_retry_delays: list[float] = field(default_factory=lambda: [10.0, 60.0, 300.0, 900.0, 3600.0])
    webhook_signing: str = "valid"  # valid | invalid | none
    # list / rules guesses
    orders_default_status: str = "open"
    cancel_releases_committed: str = "restock"  # restock | always
    variant_inventory_writes: str = "primary"  # primary | ignore
    max_page_limit: int = 250

    def update(self, body: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self)}
        unknown = set(body) - set(known)
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        for key, value in body.items():
            current = getattr(self, key)
            if key == "auto_approve":
                if value is not None and not (isinstance(value, dict) and value.get("email")):
                    raise ValueError("auto_approve must be null or {'email': ..., 'orgid'?, 'decision'?}")
                setattr(self, key, value)
            elif key == "webhook_retry_delays":
                setattr(self, key, [float(v) for v in value])
            elif key == "webhook_signing" and value not in ("valid", "invalid", "none"):
                raise ValueError("webhook_signing must be valid|invalid|none")
            elif key == "orders_default_status" and value not in ORDER_STATUS_FILTERS:
                raise ValueError(f"orders_default_status must be one of {ORDER_STATUS_FILTERS}")
            elif key == "cancel_releases_committed" and value not in ("restock", "always"):
                raise ValueError("cancel_releases_committed must be restock|always")
            elif key == "variant_inventory_writes" and value not in ("primary", "ignore"):
                raise ValueError("variant_inventory_writes must be primary|ignore")
            elif isinstance(current, bool):
                setattr(self, key, bool(value))
            elif isinstance(current, int):
                setattr(self, key, int(value))
            elif isinstance(current, float):
                setattr(self, key, float(value))
            else:
                setattr(self, key, value)
        if self.bucket_size < 1 or self.leak_rate <= 0:
            raise ValueError("bucket_size must be >= 1 and leak_rate > 0")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
