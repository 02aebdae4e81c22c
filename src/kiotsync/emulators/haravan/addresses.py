"""Vietnamese address objects (province/district/ward names + codes, digest §2.5)."""

from __future__ import annotations

from typing import Any

from .validation import invalid, text

ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "company",
    "phone",
    "address1",
    "address2",
    "city",
    "zip",
    "province",
    "province_code",
    "district",
    "district_code",
    "ward",
    "ward_code",
    "latitude",
    "longitude",
)


def normalize_address(raw: Any, field: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        invalid(field, "must be an object")
    out: dict[str, Any] = {
        k: (raw.get(k) if k in ("latitude", "longitude") else text(raw.get(k))) for k in ADDRESS_KEYS
    }
    name = text(raw.get("name")) or " ".join(x for x in (out["last_name"], out["first_name"]) if x) or None
    out["name"] = name
    out["country"] = text(raw.get("country")) or "Vietnam"
    out["country_code"] = text(raw.get("country_code")) or "VN"
    out["country_name"] = out["country"]
    return out
