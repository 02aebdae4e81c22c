"""The Haravan Omni ``/com`` REST client used by the sync engine.

Covers what a KiotViet ↔ Haravan sync needs: shop, locations, products (one-call create
with options/variants/images), variants, images, stock (``inventory_locations`` reads in
chunks of ≤ 50 ids, ``adjustorset`` writes in batches of ≤ 100 lines), orders (+ confirm,
close, open, cancel, fulfillments, transactions), customers and the app webhook
subscription on the webhook host. Every ``/com`` call passes the shop's
:class:`~.pacing.LeakyBucketPacer` so the 80-call bucket never overflows; a 401 asks the
token provider to refresh once and replays.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import httpx

from kiotsync.httpkit.caller import ApiCaller, ClientBase, decode_json
from kiotsync.httpkit.dates import format_haravan
from kiotsync.httpkit.pacing import Pacer
from kiotsync.httpkit.phones import normalize_phone, same_phone
from kiotsync.httpkit.retry import RetryPolicy

from .errors import PLATFORM, map_api_error
from .models import (
    Customer,
    Fulfillment,
    InventoryLocation,
    Location,
    Order,
    Product,
    ProductImage,
    Shop,
    Transaction,
    Variant,
)
from .pacing import LeakyBucketPacer, shop_pacer

__all__ = [
    "ADJUST_BATCH",
    "DEFAULT_API_URL",
    "DEFAULT_WEBHOOK_URL",
    "IDS_PER_CALL",
    "AccessTokenProvider",
    "HaravanClient",
    "StaticTokenProvider",
    "StockLine",
]

DEFAULT_API_URL = "https://apis.haravan.com"
DEFAULT_WEBHOOK_URL = "https://webhook.haravan.com"
PAGE_LIMIT = 50
INVENTORY_LIMIT = 250
IDS_PER_CALL = 50
ADJUST_BATCH = 100

T = TypeVar("T")
When = datetime | str | None


class AccessTokenProvider(Protocol):
    """Where the client gets the shop's token, and how it renews it after a 401."""

    def access_token(self) -> str: ...

    def refresh(self) -> bool:
        """Renew after a rejection; True if there is a new token to replay with.
        May raise :class:`~.errors.InstallRevokedError`."""
        ...


class StaticTokenProvider:
    """A fixed token (private apps, tests): nothing to refresh."""

    def __init__(self, token: str) -> None:
        self._token = token

    def access_token(self) -> str:
        return self._token

    def refresh(self) -> bool:
        return False


class _BearerAuth:
    def __init__(self, provider: AccessTokenProvider) -> None:
        self._provider = provider

    def auth_headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self._provider.access_token()}"}

    def renew_after_rejection(self) -> bool:
        return bool(self._provider.refresh())


@dataclass(frozen=True)
class StockLine:
    """One ``adjustorset`` line: set (or add) ``quantity`` for a variant."""

    product_id: int
    variant_id: int
    quantity: float

    def to_wire(self) -> dict[str, Any]:
        qty = int(self.quantity) if float(self.quantity).is_integer() else self.quantity
        return {"product_id": self.product_id, "product_variant_id": self.variant_id, "quantity": qty}


def _when(value: When) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return format_haravan(value)


def _chunks(values: Sequence[T], size: int) -> list[Sequence[T]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


class HaravanClient(ClientBase):
    """One shop's connection. Thread-safe; reuse it (it holds an HTTP connection pool).

    Pacing: ``pacer`` if given; else the process-wide pacer of ``shop_id`` (created with
    ``bucket_size``/``leak_rate``); else a private one. ``sleep``/``clock``/``rng`` drive retry
    back-off and timing only (injectable for tests).
    """

    def __init__(
        self,
        access_token_provider: AccessTokenProvider | str,
        *,
        api_url: str = DEFAULT_API_URL,
        webhook_url: str = DEFAULT_WEBHOOK_URL,
        transport: httpx.BaseTransport | None = None,
        pacer: Pacer | None = None,
        shop_id: str | int | None = None,
        bucket_size: float = 80,
        leak_rate: float = 4.0,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        provider = (
            StaticTokenProvider(access_token_provider)
            if isinstance(access_token_provider, str)
            else access_token_provider
        )
        self._auth = _BearerAuth(provider)
        self.api_url = api_url.rstrip("/")
        self.webhook_url = webhook_url.rstrip("/")
        if pacer is None:
            if shop_id is not None:
                pacer = shop_pacer(shop_id, bucket_size, leak_rate)
            else:
                pacer = LeakyBucketPacer(bucket_size, leak_rate)
        self.pacer: Pacer = pacer
        self._caller = ApiCaller(
            platform=PLATFORM,
            error_mapper=map_api_error,
            transport=transport,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            clock=clock,
            rng=rng,
            http=http,
        )

    # -- plumbing --------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        response = self._caller.request(
            method,
            f"{self.api_url}/com{path}",
            params=params,
            json=json,
            idempotent=idempotent,
            auth=self._auth,
            pacer=self.pacer,
        )
        return decode_json(response)

    def _iter(
        self, path: str, key: str, parse: Callable[[Mapping[str, Any]], T], params: Mapping[str, Any] | None
    ) -> Iterator[T]:
        """Page-number iteration (``page`` from 1, ``limit`` 50) until a short page."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        limit = int(query.pop("limit", PAGE_LIMIT))
        page = 1
        previous_first: Any = object()
        while True:
            body = self._call("GET", path, params={**query, "limit": limit, "page": page})
            items = [i for i in (body or {}).get(key, []) if isinstance(i, Mapping)]
            if items and items[0].get("id") == previous_first:
                return  # the server ignored ``page``: stop instead of looping forever
            yield from (parse(i) for i in items)
            if len(items) < limit:
                return
            previous_first = items[0].get("id")
            page += 1

    @staticmethod
    def _one(body: Any, key: str) -> Mapping[str, Any]:
        if isinstance(body, Mapping):
            inner = body.get(key)
            if isinstance(inner, Mapping):
                return inner
            return body
        return {}

    # -- shop, locations -----------------------------------------------------------------
    def get_shop(self) -> Shop:
        return Shop.from_wire(self._one(self._call("GET", "/shop.json"), "shop"))

    def list_locations(self) -> list[Location]:
        body = self._call("GET", "/locations.json") or {}
        return [Location.from_wire(i) for i in body.get("locations", []) if isinstance(i, Mapping)]

    # -- products ------------------------------------------------------------------------
    def iter_products(
        self,
        *,
        updated_at_min: When = None,
        ids: Sequence[int] | None = None,
        sku: str | None = None,
        handle: str | None = None,
        fields: Sequence[str] | None = None,
        limit: int = PAGE_LIMIT,
        **filters: Any,
    ) -> Iterator[Product]:
        params = {
            "updated_at_min": _when(updated_at_min),
            "ids": ",".join(str(i) for i in ids) if ids else None,
            "sku": sku,
            "handle": handle,
            "fields": ",".join(fields) if fields else None,
            "limit": limit,
            **filters,
        }
        return self._iter("/products.json", "products", Product.from_wire, params)

    def list_products(self, **filters: Any) -> list[Product]:
        return list(self.iter_products(**filters))

    def count_products(self, **filters: Any) -> int:
        body = self._call("GET", "/products/count.json", params=filters or None) or {}
        return int(body.get("count", 0))

    def get_product(self, product_id: int) -> Product:
        return Product.from_wire(self._one(self._call("GET", f"/products/{product_id}.json"), "product"))

    def create_product(self, product: Mapping[str, Any]) -> Product:
        """Create a product with its ``options``, ``variants`` and ``images`` in one call
        (non-idempotent: after a ``maybe_committed`` failure, look it up by SKU first)."""
        body = self._call("POST", "/products.json", json={"product": dict(product)})
        return Product.from_wire(self._one(body, "product"))

    def update_product(self, product_id: int, fields: Mapping[str, Any]) -> Product:
        body = self._call(
            "PUT", f"/products/{product_id}.json", json={"product": {**fields, "id": product_id}}
        )
        return Product.from_wire(self._one(body, "product"))

    def delete_product(self, product_id: int) -> None:
        self._call("DELETE", f"/products/{product_id}.json")

    # -- variants, images ----------------------------------------------------------------
    def list_variants(self, product_id: int) -> list[Variant]:
        return list(self._iter(f"/products/{product_id}/variants.json", "variants", Variant.from_wire, None))

    def get_variant(self, variant_id: int) -> Variant:
        return Variant.from_wire(self._one(self._call("GET", f"/variants/{variant_id}.json"), "variant"))

    def create_variant(self, product_id: int, variant: Mapping[str, Any]) -> Variant:
        body = self._call("POST", f"/products/{product_id}/variants.json", json={"variant": dict(variant)})
        return Variant.from_wire(self._one(body, "variant"))

    def update_variant(self, variant_id: int, fields: Mapping[str, Any]) -> Variant:
        body = self._call(
            "PUT", f"/variants/{variant_id}.json", json={"variant": {**fields, "id": variant_id}}
        )
        return Variant.from_wire(self._one(body, "variant"))

    def delete_variant(self, product_id: int, variant_id: int) -> None:
        self._call("DELETE", f"/products/{product_id}/variants/{variant_id}.json")

    def list_images(self, product_id: int) -> list[ProductImage]:
        body = self._call("GET", f"/products/{product_id}/images.json") or {}
        return [ProductImage.from_wire(i) for i in body.get("images", []) if isinstance(i, Mapping)]

    def create_image(self, product_id: int, src: str, **fields: Any) -> ProductImage:
        body = self._call(
            "POST", f"/products/{product_id}/images.json", json={"image": {"src": src, **fields}}
        )
        return ProductImage.from_wire(self._one(body, "image"))

    def delete_image(self, product_id: int, image_id: int) -> None:
        self._call("DELETE", f"/products/{product_id}/images/{image_id}.json")

    # -- inventory -----------------------------------------------------------------------
    def inventory_locations(
        self,
        variant_ids: Sequence[int] = (),
        location_ids: Sequence[int] = (),
        *,
        updated_at_min: When = None,
    ) -> list[InventoryLocation]:
        """Stock per (location, variant). Ids go ≤ 50 per call; each call pages by
        ``since_id`` (``order=id asc``, ``limit=250``) until a short page."""
        out: list[InventoryLocation] = []
        variant_chunks: list[Sequence[int] | None] = list(_chunks(list(variant_ids), IDS_PER_CALL)) or [None]
        location_chunks: list[Sequence[int] | None] = list(_chunks(list(location_ids), IDS_PER_CALL)) or [
            None
        ]
        for vchunk in variant_chunks:
            for lchunk in location_chunks:
                out.extend(self._inventory_chunk(vchunk, lchunk, _when(updated_at_min)))
        return out

    def _inventory_chunk(
        self,
        variant_ids: Sequence[int] | None,
        location_ids: Sequence[int] | None,
        updated_at_min: str | None,
    ) -> list[InventoryLocation]:
        rows: list[InventoryLocation] = []
        since_id: int | None = None
        while True:
            params = {
                "variant_ids": ",".join(map(str, variant_ids)) if variant_ids else None,
                "location_ids": ",".join(map(str, location_ids)) if location_ids else None,
                "updated_at_min": updated_at_min,
                "order": "id",
                "direction": "asc",
                "limit": INVENTORY_LIMIT,
                "since_id": since_id,
            }
            body = self._call("GET", "/inventory_locations.json", params=params) or {}
            items = [i for i in body.get("inventory_locations", []) if isinstance(i, Mapping)]
            rows.extend(InventoryLocation.from_wire(i) for i in items)
            if len(items) < INVENTORY_LIMIT:
                return rows
            last = rows[-1].id
            if last is None or last == since_id:
                return rows
            since_id = last

    def adjust_or_set(
        self,
        location_id: int,
        lines: Sequence[StockLine | Mapping[str, Any]],
        *,
        type: str = "set",
        reason: str = "newproduct",
        note: str | None = None,
    ) -> list[Any]:
        """``POST /inventories/adjustorset.json`` in batches of ≤ 100 lines.

        ``type="set"`` overwrites on-hand stock and is safe to retry; ``"adjust"`` adds and
        is not (a lost answer surfaces as ``TransientError(maybe_committed=True)``).
        """
        if type not in ("set", "adjust"):
            raise ValueError("type must be 'set' or 'adjust'")
        wire_lines = [line.to_wire() if isinstance(line, StockLine) else dict(line) for line in lines]
        answers = []
        for batch in _chunks(wire_lines, ADJUST_BATCH):
            inventory: dict[str, Any] = {
                "location_id": location_id,
                "type": type,
                "reason": reason,
                "line_items": list(batch),
            }
            if note:
                inventory["note"] = note
            answers.append(
                self._call(
                    "POST",
                    "/inventories/adjustorset.json",
                    json={"inventory": inventory},
                    idempotent=type == "set",
                )
            )
        return answers

    # -- orders --------------------------------------------------------------------------
    def iter_orders(
        self,
        *,
        updated_at_min: When = None,
        updated_at_max: When = None,
        created_at_min: When = None,
        status: str = "any",
        order: str = "updated_at asc",
        ids: Sequence[int] | None = None,
        limit: int = PAGE_LIMIT,
        **filters: Any,
    ) -> Iterator[Order]:
        params = {
            "updated_at_min": _when(updated_at_min),
            "updated_at_max": _when(updated_at_max),
            "created_at_min": _when(created_at_min),
            "status": status,
            "order": order,
            "ids": ",".join(str(i) for i in ids) if ids else None,
            "limit": min(limit, PAGE_LIMIT),
            **filters,
        }
        return self._iter("/orders.json", "orders", Order.from_wire, params)

    def list_orders(self, **filters: Any) -> list[Order]:
        return list(self.iter_orders(**filters))

    def get_order(self, order_id: int) -> Order:
        return Order.from_wire(self._one(self._call("GET", f"/orders/{order_id}.json"), "order"))

    def create_order(self, order: Mapping[str, Any]) -> Order:
        """Create an order (non-idempotent)."""
        body = self._call("POST", "/orders.json", json={"order": dict(order)})
        return Order.from_wire(self._one(body, "order"))

    def update_order(self, order_id: int, fields: Mapping[str, Any]) -> Order:
        body = self._call("PUT", f"/orders/{order_id}.json", json={"order": {**fields, "id": order_id}})
        return Order.from_wire(self._one(body, "order"))

    def _action(self, order_id: int, action: str, body: Mapping[str, Any], idempotent: bool) -> Order:
        answer = self._call(
            "POST", f"/orders/{order_id}/{action}.json", json=dict(body), idempotent=idempotent
        )
        return Order.from_wire(self._one(answer, "order"))

    def confirm_order(self, order_id: int) -> Order:
        return self._action(order_id, "confirm", {}, idempotent=True)

    def close_order(self, order_id: int) -> Order:
        return self._action(order_id, "close", {}, idempotent=True)

    def open_order(self, order_id: int) -> Order:
        return self._action(order_id, "open", {}, idempotent=True)

    def cancel_order(
        self,
        order_id: int,
        *,
        reason: str = "other",
        restock: bool = True,
        email: bool = False,
        amount: Decimal | int | None = None,
        note: str | None = None,
    ) -> Order:
        """Cancel (bare body, not wrapped); ``restock`` puts the items back in stock."""
        body: dict[str, Any] = {"reason": reason, "restock": restock, "email": email}
        if amount is not None:
            body["amount"] = str(amount)
        if note:
            body["note"] = note
        return self._action(order_id, "cancel", body, idempotent=False)

    def list_fulfillments(self, order_id: int) -> list[Fulfillment]:
        return list(
            self._iter(f"/orders/{order_id}/fulfillments.json", "fulfillments", Fulfillment.from_wire, None)
        )

    def create_fulfillment(self, order_id: int, fulfillment: Mapping[str, Any]) -> Fulfillment:
        body = self._call(
            "POST", f"/orders/{order_id}/fulfillments.json", json={"fulfillment": dict(fulfillment)}
        )
        return Fulfillment.from_wire(self._one(body, "fulfillment"))

    def update_fulfillment(
        self, order_id: int, fulfillment_id: int, fields: Mapping[str, Any]
    ) -> Fulfillment:
        body = self._call(
            "PUT",
            f"/orders/{order_id}/fulfillments/{fulfillment_id}.json",
            json={"fulfillment": {**fields, "id": fulfillment_id}},
        )
        return Fulfillment.from_wire(self._one(body, "fulfillment"))

    def set_carrier_status(
        self,
        order_id: int,
        fulfillment_id: int,
        *,
        carrier_status_code: str | None = None,
        carrier_cod_status_code: str | None = None,
    ) -> Fulfillment:
        """Move a fulfillment's delivery / COD state (``delivered``, ``codpaid``…)."""
        fields = {
            k: v
            for k, v in (
                ("carrier_status_code", carrier_status_code),
                ("carrier_cod_status_code", carrier_cod_status_code),
            )
            if v is not None
        }
        return self.update_fulfillment(order_id, fulfillment_id, fields)

    def list_transactions(self, order_id: int) -> list[Transaction]:
        body = self._call("GET", f"/orders/{order_id}/transactions.json") or {}
        return [Transaction.from_wire(i) for i in body.get("transactions", []) if isinstance(i, Mapping)]

    def create_transaction(
        self, order_id: int, amount: Decimal | int | float, kind: str = "capture", **fields: Any
    ) -> Transaction:
        """Record a payment (``capture`` marks a COD order paid). Non-idempotent."""
        value: Any = amount
        if isinstance(amount, Decimal):
            value = int(amount) if amount == amount.to_integral_value() else float(amount)
        transaction = {"amount": value, "kind": kind.lower(), **fields}
        body = self._call("POST", f"/orders/{order_id}/transactions.json", json={"transaction": transaction})
        return Transaction.from_wire(self._one(body, "transaction"))

    # -- customers -----------------------------------------------------------------------
    def search_customers(self, query: str, limit: int = PAGE_LIMIT) -> list[Customer]:
        return list(
            self._iter(
                "/customers/search.json", "customers", Customer.from_wire, {"query": query, "limit": limit}
            )
        )

    def find_customers_by_phone(self, phone: str) -> list[Customer]:
        """Customers whose phone equals ``phone`` after normalisation (search, then filter)."""
        digits = normalize_phone(phone)
        if not digits:
            return []
        return [c for c in self.search_customers(digits) if same_phone(c.phone, digits)]

    def get_customer(self, customer_id: int) -> Customer:
        return Customer.from_wire(self._one(self._call("GET", f"/customers/{customer_id}.json"), "customer"))

    def create_customer(self, customer: Mapping[str, Any]) -> Customer:
        body = self._call("POST", "/customers.json", json={"customer": dict(customer)})
        return Customer.from_wire(self._one(body, "customer"))

    # -- app webhooks (webhook host) -------------------------------------------------------
    def _webhook_call(self, method: str, body: Any = None, idempotent: bool = True) -> Any:
        response = self._caller.request(
            method,
            f"{self.webhook_url}/api/subscribe",
            json=body,
            headers={"Content-Type": "application/json"},
            idempotent=idempotent,
            auth=self._auth,
        )
        return decode_json(response)

    def subscribe_webhooks(self, topics: Sequence[str] | None = None, webhook_url: str | None = None) -> Any:
        """Subscribe this shop to the app's webhooks (topics/URL come from the partner
        dashboard; the optional body some apps send is included only when given)."""
        body: dict[str, Any] | None = None
        if topics or webhook_url:
            body = {}
            if webhook_url:
                body["webhook_url"] = webhook_url
            if topics:
                body["topics"] = list(topics)
        return self._webhook_call("POST", body)

    def list_webhook_subscriptions(self) -> Any:
        return self._webhook_call("GET")

    def unsubscribe_webhooks(self) -> Any:
        return self._webhook_call("DELETE")
