"""The KiotViet Public API (retail) client used by the sync engine and the login screen.

Everything the sync needs, typed: branches, categories, products (+ stock-only deltas),
price books, customers, orders, invoices, sale channels, surcharges, settings, webhooks.
Cross-cutting behaviour lives in :mod:`kiotsync.httpkit` (retries, errors, logging) and
:mod:`.auth` (token cache/renewal). Lists page with ``pageSize=100``/``currentItem`` and an
explicit ``orderBy`` so paging does not drift; a :class:`~.models.Listing` carries the first
page's envelope ``timestamp`` as the next delta cursor. GETs are paced by a sliding
one-hour budget (5,000 by default, shared per retailer+client in this process) so normal
operation never meets a 429.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from kiotsync.httpkit.caller import ApiCaller, ClientBase, decode_json
from kiotsync.httpkit.dates import format_kiotviet
from kiotsync.httpkit.errors import AuthError, ForbiddenError, NotFoundError, ValidationError
from kiotsync.httpkit.pacing import Pacer, PacerRegistry, SlidingWindowPacer
from kiotsync.httpkit.phones import normalize_phone, same_phone
from kiotsync.httpkit.retry import RetryPolicy
from kiotsync.httpkit.wire import Wire

from .auth import TokenCache, TokenManager
from .errors import PLATFORM, InvalidRetailerError, map_api_error
from .models import (
    Branch,
    Category,
    Customer,
    Invoice,
    Listing,
    Order,
    Page,
    PriceBook,
    PriceBookLine,
    Product,
    ProductOnHand,
    SaleChannel,
    Settings,
    Surcharge,
    WebhookRegistration,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TOKEN_URL",
    "GET_BUDGETS",
    "MAX_PAGE_SIZE",
    "KiotVietClient",
    "encode_webhook_secret",
]

DEFAULT_TOKEN_URL = "https://id.kiotviet.vn/connect/token"
DEFAULT_API_URL = "https://public.kiotapi.com"
MAX_PAGE_SIZE = 100
GET_LIMIT_PER_HOUR = 5000

#: Process-wide GET budgets keyed by ``retailer:client_id`` (the documented limit's scope is
#: unstated; per retailer+client is the assumption).
GET_BUDGETS: PacerRegistry[SlidingWindowPacer] = PacerRegistry()

T = TypeVar("T")
When = datetime | str | None


def encode_webhook_secret(secret: str) -> str:
    """The Base64 text KiotViet expects in ``Webhook.Secret`` for a raw secret (§4.5)."""
    return base64.b64encode(secret.encode("utf-8")).decode("ascii")


def _when(value: When) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return format_kiotviet(value)


class KiotVietClient(ClientBase):
    """One merchant's connection. Thread-safe; reuse it (it holds an HTTP connection pool).

    ``sleep``/``clock``/``rng`` drive retry back-off and call timing, ``wall_clock`` token
    expiry (all injectable for tests). The GET budget keeps real time unless ``get_budget``
    is given; by default it is the process-wide one for ``retailer:client_id``.
    """

    def __init__(
        self,
        retailer: str,
        client_id: str,
        client_secret: str,
        *,
        api_url: str = DEFAULT_API_URL,
        token_url: str = DEFAULT_TOKEN_URL,
        transport: httpx.BaseTransport | None = None,
        token_cache: TokenCache | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        get_budget: Pacer | None = None,
        get_limit_per_hour: int = GET_LIMIT_PER_HOUR,
        budget_window_s: float = 3600.0,
        page_size: int = MAX_PAGE_SIZE,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.retailer = retailer
        self.client_id = client_id
        self.api_url = api_url.rstrip("/")
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))
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
        self.tokens = TokenManager(
            self._caller,
            token_url=token_url,
            retailer=retailer,
            client_id=client_id,
            client_secret=client_secret,
            cache=token_cache,
            wall_clock=wall_clock,
        )
        self.get_budget = get_budget or GET_BUDGETS.get(
            f"{retailer}:{client_id}",
            lambda: SlidingWindowPacer(get_limit_per_hour, budget_window_s),
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
            self.api_url + path,
            params=params,
            json=json,
            idempotent=idempotent,
            auth=self.tokens,
            pacer=self.get_budget if method.upper() == "GET" else None,
        )
        return decode_json(response)

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params)

    def iter_pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        order_by: str = "id",
        order_direction: str = "Asc",
    ) -> Iterator[Page]:
        """Every page of a list endpoint (``pageSize``/``currentItem``, explicit order)."""
        current = 0
        while True:
            query = dict(params or {})
            query.update(
                pageSize=self.page_size, currentItem=current, orderBy=order_by, orderDirection=order_direction
            )
            body = self._get(path, query)
            page = Page.from_wire(body if isinstance(body, Mapping) else {"data": body or []})
            yield page
            step = len(page.items)
            if step == 0:
                return
            current += step
            if page.total is not None:
                if current >= page.total:
                    return
            elif step < (page.page_size or self.page_size):
                return

    def collect(
        self,
        path: str,
        parse: Callable[[Mapping[str, Any]], T],
        params: Mapping[str, Any] | None = None,
        *,
        order_by: str = "id",
    ) -> Listing[T]:
        """All pages parsed: (items, removed ids of every page, first page's timestamp)."""
        items: list[T] = []
        removed: dict[int, None] = {}
        timestamp = None
        first = True
        for page in self.iter_pages(path, params, order_by=order_by):
            if first:
                timestamp, first = page.timestamp, False
            items.extend(parse(item) for item in page.items)
            for rid in page.removed_ids:
                removed.setdefault(rid, None)
        return Listing(items, tuple(removed), timestamp)

    # -- auth ------------------------------------------------------------------------------
    def get_token(self, force: bool = False) -> str:
        return self.tokens.token(force=force)

    def verify_credentials(self) -> Listing[Branch]:
        """Check retailer + client id + secret (login screen); returns the shop's branches.

        Raises :class:`~.errors.InvalidClientError` (or its ``UnknownClientIdError`` /
        ``WrongClientSecretError`` refinements) when the token is refused, and
        :class:`~.errors.InvalidRetailerError` when a fresh token is refused for this
        ``Retailer``.
        """
        self.tokens.token(force=True)
        try:
            return self.list_branches()
        except (AuthError, ForbiddenError, NotFoundError, ValidationError) as exc:
            raise InvalidRetailerError(
                exc.message,
                platform=PLATFORM,
                status=exc.status,
                code=exc.code,
                body=exc.body,
                method=exc.method,
                path=exc.path,
            ) from exc

    # -- branches, categories --------------------------------------------------------------
    def list_branches(self, modified_since: When = None, include_removed: bool = False) -> Listing[Branch]:
        params = {"lastModifiedFrom": _when(modified_since), "includeRemoveIds": include_removed or None}
        return self.collect("/branches", Branch.from_wire, params)

    def list_categories(self, modified_since: When = None, include_removed: bool = True) -> Listing[Category]:
        """Flat list (no ``children``), filterable by modification time."""
        params = {"lastModifiedFrom": _when(modified_since), "includeRemoveIds": include_removed or None}
        return self.collect("/categories", Category.from_wire, params, order_by="categoryId")

    def category_tree(self) -> list[Category]:
        """Top-level categories with nested ``children`` (``hierachicalData=true``, sic)."""
        return self.collect(
            "/categories", Category.from_wire, {"hierachicalData": True}, order_by="categoryId"
        ).items

    def get_category(self, category_id: int) -> Category:
        return Category.from_wire(_data(self._get(f"/categories/{category_id}")))

    def create_category(self, name: str, parent_id: int | None = None) -> Category:
        body: dict[str, Any] = {"categoryName": name}
        if parent_id:
            body["parentId"] = parent_id
        return Category.from_wire(_data(self._call("POST", "/categories", json=body)))

    # -- products ------------------------------------------------------------------------
    def product_params(
        self,
        *,
        modified_since: When = None,
        include_removed: bool = False,
        include_inventory: bool = True,
        include_pricebook: bool = False,
        include_material: bool = False,
        branch_ids: Sequence[int] | None = None,
        is_active: bool | None = None,
        category_id: int | None = None,
        master_product_id: int | None = None,
        master_unit_id: int | None = None,
        name: str | None = None,
        include_soft_deleted_attributes: bool = False,
    ) -> dict[str, Any]:
        return {
            "lastModifiedFrom": _when(modified_since),
            "includeRemoveIds": include_removed or None,
            "includeInventory": include_inventory or None,
            "includePricebook": include_pricebook or None,
            "includeMaterial": include_material or None,
            "BranchIds": list(branch_ids) if branch_ids else None,
            "isActive": is_active,
            "categoryId": category_id,
            "masterProductId": master_product_id,
            "masterUnitId": master_unit_id,
            "name": name,
            "IncludeSoftDeletedAttribute": include_soft_deleted_attributes,
        }

    def iter_product_pages(self, *, order_by: str = "id", **filters: Any) -> Iterator[Page]:
        """Raw pages of ``/products`` (see :meth:`product_params` for the filters)."""
        return self.iter_pages("/products", self.product_params(**filters), order_by=order_by)

    def list_products(self, *, order_by: str = "id", **filters: Any) -> Listing[Product]:
        """All products; with ``modified_since`` + ``include_removed`` it is a delta:
        ``items, removed_ids, timestamp = client.list_products(modified_since=c, include_removed=True).as_tuple()``.
        """
        return self.collect("/products", Product.from_wire, self.product_params(**filters), order_by=order_by)

    def get_product(self, product_id: int) -> Product:
        return Product.from_wire(_data(self._get(f"/products/{product_id}")))

    def get_product_by_code(self, code: str) -> Product:
        """By SKU. Codes containing ``/`` use the query form the official plugin uses."""
        if "/" in code:
            return Product.from_wire(_data(self._get("/products/code", {"Id": 0, "Code": code})))
        return Product.from_wire(_data(self._get(f"/products/code/{quote(code, safe='')}")))

    def create_product(self, body: Mapping[str, Any]) -> Product:
        """``POST /products`` (non-idempotent: a lost answer surfaces as
        ``TransientError(maybe_committed=True)``; look it up by code before retrying)."""
        return Product.from_wire(_data(self._call("POST", "/products", json=dict(body))))

    def update_product(self, product_id: int, body: Mapping[str, Any]) -> Product:
        return Product.from_wire(_data(self._call("PUT", f"/products/{product_id}", json=dict(body))))

    def delete_product(self, product_id: int) -> None:
        self._call("DELETE", f"/products/{product_id}")

    def list_product_on_hands(
        self, modified_since: When = None, branch_ids: Sequence[int] | None = None
    ) -> Listing[ProductOnHand]:
        """Stock-only rows: the cheapest way to poll stock changes."""
        params = {
            "lastModifiedFrom": _when(modified_since),
            "branchIds": list(branch_ids) if branch_ids else None,
        }
        return self.collect("/productOnHands", ProductOnHand.from_wire, params)

    # -- price books -----------------------------------------------------------------------
    def list_pricebooks(
        self, modified_since: When = None, include_branches: bool = True
    ) -> Listing[PriceBook]:
        params = {
            "lastModifiedFrom": _when(modified_since),
            "includePriceBookBranch": include_branches or None,
        }
        return self.collect("/pricebooks", PriceBook.from_wire, params)

    def list_pricebook_lines(self, pricebook_id: int) -> list[PriceBookLine]:
        return self.collect(
            f"/pricebooks/{pricebook_id}", PriceBookLine.from_wire, order_by="productId"
        ).items

    def set_pricebook_price(self, pricebook_id: int, product_id: int, price: Decimal | int | float) -> Any:
        """Set one product's price in a book (``pricebook_id=0`` is the general price)."""
        body = {"pricebookId": pricebook_id, "productId": product_id, "price": _num(price)}
        return self._call("POST", "/pricebooks/detail", json=body, idempotent=True)

    # -- customers -------------------------------------------------------------------------
    def list_customers(
        self,
        modified_since: When = None,
        *,
        include_removed: bool = False,
        contact_number: str | None = None,
        code: str | None = None,
        name: str | None = None,
    ) -> Listing[Customer]:
        params = {
            "lastModifiedFrom": _when(modified_since),
            "includeRemoveIds": include_removed or None,
            "contactNumber": contact_number,
            "code": code,
            "name": name,
        }
        return self.collect("/customers", Customer.from_wire, params)

    def find_customers_by_phone(self, phone: str) -> list[Customer]:
        """Customers whose phone equals ``phone`` after normalisation.

        KiotViet's search is a substring match, so results are re-filtered exactly; a result
        that does not echo its number is dropped (better a new customer than a wrong one).
        """
        digits = normalize_phone(phone)
        if not digits:
            return []
        found = self.list_customers(contact_number=digits).items
        return [c for c in found if same_phone(c.contact_number, digits)]

    def get_customer(self, customer_id: int) -> Customer:
        return Customer.from_wire(_data(self._get(f"/customers/{customer_id}")))

    def create_customer(self, body: Mapping[str, Any]) -> Customer:
        """``POST /customers`` → the created customer (answer wrapped in ``data``)."""
        return Customer.from_wire(_data(self._call("POST", "/customers", json=dict(body))))

    # -- orders ----------------------------------------------------------------------------
    def list_orders(
        self,
        modified_since: When = None,
        *,
        to_date: When = None,
        branch_ids: Sequence[int] | None = None,
        status: Sequence[int] | None = None,
        customer_ids: Sequence[int] | None = None,
        sale_channel_id: int | None = None,
        include_payment: bool = False,
        include_delivery: bool = True,
        order_by: str = "id",
    ) -> Listing[Order]:
        params = {
            "lastModifiedFrom": _when(modified_since),
            "toDate": _when(to_date),
            "branchIds": list(branch_ids) if branch_ids else None,
            "status": list(status) if status else None,
            "customerIds": list(customer_ids) if customer_ids else None,
            "saleChannelId": sale_channel_id,
            "includePayment": include_payment or None,
            "includeOrderDelivery": include_delivery or None,
        }
        return self.collect("/orders", Order.from_wire, params, order_by=order_by)

    def find_orders_by_description(self, fragment: str, modified_since: When = None) -> list[Order]:
        """Orders whose ``description`` contains ``fragment`` (e.g. the web order number).

        POST /orders has no idempotency key: after a ``maybe_committed`` failure, look here
        before creating again.
        """
        return [o for o in self.list_orders(modified_since).items if fragment in (o.description or "")]

    def get_order(self, order_id: int) -> Order:
        return Order.from_wire(_data(self._get(f"/orders/{order_id}")))

    def get_order_by_code(self, code: str) -> Order:
        return Order.from_wire(_data(self._get(f"/orders/code/{quote(code, safe='')}")))

    def create_order(self, body: Mapping[str, Any]) -> Order:
        """``POST /orders`` (non-idempotent; see :meth:`find_orders_by_description`)."""
        return Order.from_wire(_data(self._call("POST", "/orders", json=dict(body))))

    def update_order(self, order_id: int, body: Mapping[str, Any]) -> Order:
        return Order.from_wire(_data(self._call("PUT", f"/orders/{order_id}", json=dict(body))))

    def cancel_order(self, order_id: int, void_payment: bool = True) -> None:
        """``DELETE /orders/{id}?IsVoidPayment=`` — KiotViet's "delete" cancels (status 4)."""
        self._call("DELETE", f"/orders/{order_id}", params={"IsVoidPayment": void_payment})

    # -- invoices --------------------------------------------------------------------------
    def list_invoices(
        self,
        modified_since: When = None,
        *,
        to_date: When = None,
        order_id: int | None = None,
        branch_ids: Sequence[int] | None = None,
        status: Sequence[int] | None = None,
        include_payment: bool = True,
        include_delivery: bool = True,
        order_by: str = "id",
    ) -> Listing[Invoice]:
        params = {
            "lastModifiedFrom": _when(modified_since),
            "toDate": _when(to_date),
            "orderId": order_id,
            "branchIds": list(branch_ids) if branch_ids else None,
            "status": list(status) if status else None,
            "includePayment": include_payment or None,
            "includeInvoiceDelivery": include_delivery or None,
        }
        return self.collect("/invoices", Invoice.from_wire, params, order_by=order_by)

    def get_invoice(self, invoice_id: int) -> Invoice:
        return Invoice.from_wire(_data(self._get(f"/invoices/{invoice_id}")))

    def get_invoice_by_code(self, code: str) -> Invoice:
        return Invoice.from_wire(_data(self._get(f"/invoices/code/{quote(code, safe='')}")))

    def create_invoice(self, body: Mapping[str, Any]) -> Invoice:
        """``POST /invoices`` (non-idempotent)."""
        return Invoice.from_wire(_data(self._call("POST", "/invoices", json=dict(body))))

    def update_invoice(self, invoice_id: int, body: Mapping[str, Any]) -> Invoice:
        return Invoice.from_wire(_data(self._call("PUT", f"/invoices/{invoice_id}", json=dict(body))))

    def cancel_invoice(self, invoice_id: int, void_payment: bool = True) -> Invoice | None:
        """``DELETE /invoices`` with a JSON body (the documented form); the record survives
        with status 2 "Đã hủy"."""
        body = self._call("DELETE", "/invoices", json={"id": invoice_id, "isVoidPayment": void_payment})
        data = _data(body)
        return Invoice.from_wire(data) if Wire(data).integer("id") else None

    # -- channels, surcharges, settings ----------------------------------------------------
    def list_sale_channels(self) -> list[SaleChannel]:
        return self.collect("/salechannel", SaleChannel.from_wire).items

    def list_surcharges(self) -> list[Surcharge]:
        return self.collect("/surchages", Surcharge.from_wire).items

    def create_surcharge(self, code: str, name: str, value: Decimal | int | float = 0) -> Surcharge:
        body = {"code": code, "name": name, "value": _num(value)}
        return Surcharge.from_wire(_data(self._call("POST", "/surchages", json=body)))

    def activate_surcharge(self, surcharge_id: int) -> Any:
        return self._call("POST", f"/surchages/{surcharge_id}/activesurchage", idempotent=True)

    def get_settings(self) -> Settings:
        body = self._get("/settings")
        return Settings.from_wire(_data(body))

    # -- webhooks --------------------------------------------------------------------------
    def register_webhook(
        self,
        type: str,
        url: str,
        *,
        secret: str | None = None,
        description: str | None = None,
        is_active: bool = True,
    ) -> WebhookRegistration:
        """Register one event type (``stock.update``…). ``secret`` is the raw secret
        (≥ 8 characters); it is sent Base64-encoded as the documentation requires."""
        hook: dict[str, Any] = {"Type": type, "Url": url, "IsActive": is_active}
        if description:
            hook["Description"] = description
        if secret:
            if len(secret) < 8:
                raise ValueError("KiotViet webhook secrets need at least 8 characters")
            hook["Secret"] = encode_webhook_secret(secret)
        return WebhookRegistration.from_wire(_data(self._call("POST", "/webhooks", json={"Webhook": hook})))

    def list_webhooks(self) -> list[WebhookRegistration]:
        return self.collect("/webhooks", WebhookRegistration.from_wire).items

    def delete_webhook(self, webhook_id: int) -> None:
        self._call("DELETE", f"/webhooks/{webhook_id}")


def _data(body: Any) -> Mapping[str, Any]:
    """Unwrap ``{"message", "data": {...}}`` answers; bare objects pass through."""
    if isinstance(body, Mapping):
        inner = body.get("data")
        if isinstance(inner, Mapping) and ("message" in body or len(body) == 1 or "id" not in body):
            return inner
        return body
    return {}


def _num(value: Decimal | int | float) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
