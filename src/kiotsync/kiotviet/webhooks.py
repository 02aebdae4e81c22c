"""Incoming KiotViet webhooks: signature check and envelope parsing.

Envelope (§4.3): ``{"Id": guid, "Attempt": n, "Notifications": [{"Action":
"stock.update.<retailerId>", "Data": [...]}]}``; several notifications and items may arrive
at once. Delete events come either as that envelope with ``Data`` = ids (what KiotViet's own
plugin reads) or as a bare ``{"RemoveId": [ids]}`` (the documentation): both are accepted,
the bare form needing the event type from the caller (e.g. from the registered URL).

Signature (§4.5) is documented only loosely, so :func:`verify_signature` accepts every
variant seen in the field: an optional ``sha1=``/``sha256=`` prefix; HMAC-SHA256 of the raw
body keyed with the Base64-decoded secret or with the secret text; hex or Base64 digest;
optionally HMAC-SHA1. Comparisons are constant-time and always on the raw bytes.

Answer tip (§4.6): KiotViet stops delivering after a 400/401/403/404/405, so a receiver
should answer 2xx to anything it merely ignores (including a bad signature it logs).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiotsync.httpkit.wire import Wire, to_int

from .models import Branch, Category, Customer, Inventory, Invoice, Order, PriceBook, Product

__all__ = [
    "SIGNATURE_HEADER",
    "Notification",
    "WebhookEvent",
    "parse_envelope",
    "parse_webhook",
    "signature_keys",
    "verify_kiotviet_signature",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Hub-Signature"


def signature_keys(secret: str) -> list[bytes]:
    """Every key KiotViet might use for ``secret`` (raw secret or its registered Base64)."""
    keys = [secret.encode("utf-8")]
    registered = base64.b64encode(secret.encode("utf-8"))
    keys.append(registered)
    try:
        decoded = base64.b64decode(secret.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        decoded = b""
    if decoded:
        keys.append(decoded)
    return list(dict.fromkeys(keys))


def verify_signature(
    raw_body: bytes, header_value: str | None, secret: str, *, allow_sha1: bool = False
) -> bool:
    """True if ``header_value`` (``X-Hub-Signature``) signs ``raw_body`` with ``secret``.

    ``secret`` may be the raw secret chosen at registration or the Base64 text that was
    registered; both are tried.
    """
    if not header_value or not secret:
        return False
    given = header_value.strip()
    lowered = given.lower()
    for prefix in ("sha256=", "sha1="):
        if lowered.startswith(prefix):
            given = given[len(prefix) :]
            break
    given_bytes = given.strip().encode("utf-8", "replace")
    given_hex = given_bytes.lower()
    algorithms = [hashlib.sha256] + ([hashlib.sha1] if allow_sha1 else [])
    ok = False
    for key in signature_keys(secret):
        for algorithm in algorithms:
            digest = hmac.new(key, raw_body, algorithm).digest()
            # evaluate every candidate: no early exit, so timing does not reveal which matched
            ok |= hmac.compare_digest(digest.hex().encode("ascii"), given_hex)
            ok |= hmac.compare_digest(base64.b64encode(digest), given_bytes)
    return ok


@dataclass(frozen=True)
class Notification:
    """One ``Notifications[]`` entry. ``type`` is ``entity.verb`` without the retailer suffix."""

    action: str
    type: str
    retailer_id: int | None
    data: tuple[Any, ...]

    @property
    def entity(self) -> str:
        return self.type.split(".", 1)[0]

    @property
    def verb(self) -> str:
        return self.type.split(".", 1)[1] if "." in self.type else ""

    @property
    def is_delete(self) -> bool:
        return self.verb == "delete"

    def _items(self) -> list[Mapping[str, Any]]:
        return [item for item in self.data if isinstance(item, Mapping)]

    def ids(self) -> tuple[int, ...]:
        """Ids of a delete event (``Data`` as ids, or objects carrying ``Id``/``ProductIds``)."""
        out: list[int] = []
        for item in self.data:
            if isinstance(item, Mapping):
                w = Wire(item)
                out.extend(w.ids("ProductIds", "RemoveId", "Ids"))
                if w.has("Id"):
                    number = w.integer("Id")
                    if number is not None:
                        out.append(number)
            else:
                number = to_int(item)
                if number is not None:
                    out.append(number)
        return tuple(dict.fromkeys(out))

    def products(self) -> list[Product]:
        return [Product.from_wire(i) for i in self._items()]

    def stock(self) -> list[Inventory]:
        return [Inventory.from_wire(i) for i in self._items()]

    def orders(self) -> list[Order]:
        return [Order.from_wire(i) for i in self._items()]

    def invoices(self) -> list[Invoice]:
        return [Invoice.from_wire(i) for i in self._items()]

    def customers(self) -> list[Customer]:
        return [Customer.from_wire(i) for i in self._items()]

    def categories(self) -> list[Category]:
        return [Category.from_wire(i) for i in self._items()]

    def branches(self) -> list[Branch]:
        return [Branch.from_wire(i) for i in self._items()]

    def pricebooks(self) -> list[PriceBook]:
        return [PriceBook.from_wire(i) for i in self._items()]


@dataclass(frozen=True)
class WebhookEvent:
    """One delivery. ``id`` (a GUID) is the de-duplication key; ``attempt`` starts at 1."""

    id: str | None
    attempt: int
    notifications: tuple[Notification, ...]

    def of_type(self, type: str) -> list[Notification]:
        return [n for n in self.notifications if n.type == type]


def _split_action(action: str) -> tuple[str, int | None]:
    parts = action.split(".")
    if len(parts) >= 3 and parts[-1].isdigit():
        return ".".join(parts[:2]), int(parts[-1])
    return ".".join(parts[:2]), None


def parse_webhook(body: bytes | str | Mapping[str, Any], *, type_hint: str | None = None) -> WebhookEvent:
    """Parse a delivery body. ``type_hint`` (``product.delete``…) names the event for a
    bare ``{"RemoveId": [...]}`` body, which does not carry its own type."""
    data: Any = body
    if isinstance(body, bytes | str):
        data = json.loads(body)
    if not isinstance(data, Mapping):
        raise ValueError("webhook body is not a JSON object")
    w = Wire(data)
    if not w.has("Notifications") and w.has("RemoveId", "RemoveIds", "RemovedIds"):
        ids = w.ids("RemoveId", "RemoveIds", "RemovedIds")
        kind = type_hint or "unknown.delete"
        return WebhookEvent(w.text("Id"), w.integer("Attempt") or 1, (Notification(kind, kind, None, ids),))
    notes: list[Notification] = []
    for raw in w.seq("Notifications"):
        if not isinstance(raw, Mapping):
            continue
        nw = Wire(raw)
        action = nw.text("Action") or type_hint or ""
        kind, retailer_id = _split_action(action)
        items = nw.get("Data")
        notes.append(
            Notification(
                action=action,
                type=kind,
                retailer_id=retailer_id,
                data=tuple(items) if isinstance(items, list) else ((items,) if items is not None else ()),
            )
        )
    return WebhookEvent(w.text("Id"), w.integer("Attempt") or 1, tuple(notes))


#: Names the rest of the app uses.
parse_envelope = parse_webhook
verify_kiotviet_signature = verify_signature
