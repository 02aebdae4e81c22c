"""KiotVietClient against the KiotViet emulator (in-process and over a socket).

Both sides were written independently from specs/kiotviet-api.md, so a failure here means
one of them departs from the digest.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from kiotsync.httpkit import NotFoundError, RateLimitedError, RetryPolicy, TransientError, ValidationError
from kiotsync.kiotviet import (
    InvalidClientError,
    InvalidRetailerError,
    KiotVietClient,
    KiotVietCredentialsError,
    parse_webhook,
    verify_signature,
)
from kiotsync.kiotviet.client import GET_BUDGETS

from .conftest import SleepRecorder
from .harness import Delivery, EmulatorHandle


@pytest.fixture
def creds(kv: EmulatorHandle) -> dict[str, Any]:
    return kv.seed()


def make_client(kv: EmulatorHandle, creds: dict[str, Any], sleep: Any = None, **kw: Any) -> KiotVietClient:
    kw.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05))
    return KiotVietClient(
        kw.pop("retailer", creds["retailer"]),
        kw.pop("client_id", creds["client_id"]),
        kw.pop("client_secret", creds["client_secret"]),
        api_url=kv.base_url,
        token_url=kv.base_url + "/connect/token",
        transport=kv.transport,
        sleep=sleep or SleepRecorder(),
        **kw,
    )


@pytest.fixture
def client(kv: EmulatorHandle, creds: dict[str, Any]) -> Iterator[KiotVietClient]:
    c = make_client(kv, creds)
    yield c
    c.close()


def _token_calls(kv: EmulatorHandle) -> int:
    return len([r for r in kv.requests() if r["path"] == "/connect/token"])


# -- authentication ------------------------------------------------------------------------
def test_token_is_fetched_once_and_reused(kv: EmulatorHandle, client: KiotVietClient) -> None:
    branches = client.verify_credentials()
    assert branches and all(b.id and b.name for b in branches)
    client.list_branches()
    client.list_sale_channels()
    assert _token_calls(kv) == 1
    token_request = next(r for r in kv.requests() if r["path"] == "/connect/token")
    assert token_request["method"] == "POST" and token_request["status"] == 200


def test_each_attempt_is_logged_without_secrets(
    kv: EmulatorHandle, creds: dict[str, Any], client: KiotVietClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiotsync.http")
    kv.fault(path="/branches", status=503, count=1)
    client.list_branches()
    records = [r for r in caplog.records if r.name == "kiotsync.http"]
    calls = [(r.http_method, r.path, r.status, r.attempt) for r in records]  # type: ignore[attr-defined]
    assert calls == [
        ("POST", "/connect/token", 200, 1),
        ("GET", "/branches", 503, 1),
        ("GET", "/branches", 200, 2),
    ]
    assert all(isinstance(r.ms, float) and r.platform == "kiotviet" for r in records)  # type: ignore[attr-defined]
    token = client.get_token()
    for text in (creds["client_secret"], token):
        assert text not in caplog.text


def test_expired_token_is_renewed_and_the_call_replayed(kv: EmulatorHandle, client: KiotVietClient) -> None:
    client.list_branches()
    kv.advance(86400 + 60)  # the platform's clock passes the token's 24 h lifetime
    kv.clear_requests()
    assert client.list_branches()
    log = [(r["path"], r["status"]) for r in kv.requests()]
    assert log == [("/branches", 401), ("/connect/token", 200), ("/branches", 200)]


def test_token_is_renewed_ahead_of_expiry(kv: EmulatorHandle, creds: dict[str, Any]) -> None:
    now = [time.time()]
    client = make_client(kv, creds, wall_clock=lambda: now[0])
    client.list_branches()
    now[0] += 86400 - 200  # inside the 300 s renewal margin: renew before calling
    client.list_branches()
    assert _token_calls(kv) == 2
    assert 401 not in kv.statuses()


def test_wrong_credentials_map_to_distinct_errors(kv: EmulatorHandle, creds: dict[str, Any]) -> None:
    with pytest.raises(InvalidClientError) as bad_secret:
        make_client(kv, creds, client_secret="0" * 40).verify_credentials()
    with pytest.raises(InvalidClientError) as bad_client:
        make_client(kv, creds, client_id=str(uuid.uuid4())).verify_credentials()
    with pytest.raises(InvalidRetailerError) as bad_retailer:
        make_client(kv, creds, retailer="khong-ton-tai").verify_credentials()
    for err in (bad_secret.value, bad_client.value, bad_retailer.value):
        assert isinstance(err, KiotVietCredentialsError) and err.message
    assert bad_retailer.value.field == "retailer"
    assert bad_secret.value.field in ("client", "client_secret")
    assert bad_client.value.field in ("client", "client_id")


# -- lists, paging, deltas -----------------------------------------------------------------
def test_paging_walks_every_page_with_an_explicit_order(kv: EmulatorHandle, creds: dict[str, Any]) -> None:
    client = make_client(kv, creds, page_size=7)
    products = client.list_products()
    total = len(products)
    assert total > 7, "the demo shop should have more than one page of products"
    assert len({p.id for p in products}) == total
    pages = [r for r in kv.requests() if r["path"] == "/products"]
    assert len(pages) == -(-total // 7)
    assert all("orderBy=id" in r["query"] and "pageSize=7" in r["query"] for r in pages)
    assert "currentItem=7" in pages[1]["query"]
    assert products.timestamp is not None


def test_product_delta_reports_changes_and_removed_ids(client: KiotVietClient) -> None:
    everything = client.list_products()
    cursor = everything.timestamp
    assert cursor is not None
    victim, changed = everything[0], everything[1]
    created = client.create_product(
        {"code": f"T{uuid.uuid4().hex[:8]}", "name": "Áo thử delta", "basePrice": 99000, "unit": "Cái"}
    )
    client.update_product(changed.id, {"basePrice": 123000})
    client.delete_product(victim.id)
    items, removed, new_cursor = client.list_products(modified_since=cursor, include_removed=True).as_tuple()
    ids = {p.id for p in items}
    assert created.id in ids and changed.id in ids
    assert victim.id in removed
    assert new_cursor is not None and new_cursor >= cursor
    with pytest.raises(NotFoundError):
        client.get_product(victim.id)


def test_stock_only_rows_and_categories(client: KiotVietClient) -> None:
    onhands = client.list_product_on_hands()
    assert onhands and any(row.inventories for row in onhands)
    tree = client.category_tree()
    flat = client.list_categories()
    assert {c.id for root in tree for c in root.walk()} == {c.id for c in flat}
    created = client.create_category("Khác thử")
    assert created.id and created.name == "Khác thử"
    assert client.get_category(created.id).name == "Khác thử"


# -- round trips ---------------------------------------------------------------------------
def test_product_create_get_update_round_trip(client: KiotVietClient) -> None:
    branch = client.list_branches()[0]
    code = f"RT-{uuid.uuid4().hex[:6]}"
    created = client.create_product(
        {
            "code": code,
            "name": "Túi vải Đà Lạt",
            "basePrice": 150000,
            "unit": "Cái",
            "description": "<p>Vải bố</p>",
            "inventories": [{"branchId": branch.id, "onHand": 10, "cost": 80000}],
        }
    )
    assert created.id and created.code == code
    fetched = client.get_product_by_code(code)
    assert fetched.id == created.id and fetched.name == "Túi vải Đà Lạt"
    stock = fetched.inventory_at(branch.id)
    assert stock is not None and stock.on_hand == 10
    client.update_product(created.id, {"basePrice": 175000, "name": "Túi vải Đà Lạt mới"})
    again = client.get_product(created.id)
    assert again.base_price == 175000 and again.name == "Túi vải Đà Lạt mới"
    with pytest.raises(ValidationError):
        client.create_product({"code": code, "name": "trùng mã", "basePrice": 1})


@pytest.mark.parametrize("odd", ["ÁO thun 01", "QA/{n}-XL", "A+B&C?{n}"])
def test_product_codes_with_special_characters(client: KiotVietClient, odd: str) -> None:
    code = odd.format(n=uuid.uuid4().hex[:4])
    created = client.create_product({"code": code, "name": "Mã lạ", "basePrice": 1000, "unit": "Cái"})
    assert client.get_product_by_code(code).id == created.id


def test_customer_create_and_exact_phone_search(client: KiotVietClient) -> None:
    phone = "09" + uuid.uuid4().int.__str__()[:8]
    created = client.create_customer({"name": "Nguyễn Thị Thử", "contactNumber": phone})
    assert created.id
    formatted = f"+84 {phone[1:4]} {phone[4:7]} {phone[7:]}"
    found = client.find_customers_by_phone(formatted)
    assert [c.id for c in found] == [created.id]
    assert client.find_customers_by_phone(phone[:-1]) == [] or all(
        c.contact_number != phone for c in client.find_customers_by_phone(phone[:-1])
    )
    assert client.get_customer(created.id).name == "Nguyễn Thị Thử"


def _order_body(client: KiotVietClient, description: str) -> dict[str, Any]:
    branch = client.list_branches()[0]
    product = next(p for p in client.list_products(branch_ids=[branch.id]) if p.is_active is not False)
    return {
        "branchId": branch.id,
        "description": description,
        "makeInvoice": False,
        "orderDetails": [
            {
                "productId": product.id,
                "productCode": product.code,
                "quantity": 1,
                "price": float(product.base_price or 1000),
            }
        ],
    }


def test_order_lifecycle(client: KiotVietClient) -> None:
    tag = f"#W{uuid.uuid4().hex[:8]}"
    body = _order_body(client, f"Web order {tag}")
    order = client.create_order(body)
    assert order.id and order.code and order.state in ("draft", "confirmed", "processing")
    assert client.get_order(order.id).code == order.code
    assert client.get_order_by_code(order.code or "").id == order.id
    assert [o.id for o in client.find_orders_by_description(tag)] == [order.id]
    updated = client.update_order(order.id, {**body, "description": f"Web order {tag} (sửa)"})
    assert updated.description == f"Web order {tag} (sửa)"
    client.cancel_order(order.id)
    assert client.get_order(order.id).state == "cancelled"


def test_invoice_lifecycle(client: KiotVietClient) -> None:
    body = _order_body(client, "Web order #2002")
    order = client.create_order(body)
    invoice = client.create_invoice(
        {
            "branchId": body["branchId"],
            "orderId": order.id,
            "invoiceDetails": body["orderDetails"],
            "description": "Web order #2002",
        }
    )
    assert invoice.id and invoice.code
    assert client.get_invoice(invoice.id).id == invoice.id
    listed = client.list_invoices(order_id=order.id)
    assert [i.id for i in listed] == [invoice.id]
    cancelled = client.cancel_invoice(invoice.id)
    state = (cancelled or client.get_invoice(invoice.id)).state
    assert state == "cancelled"


def test_pricebooks_channels_surcharges_settings(client: KiotVietClient) -> None:
    books = client.list_pricebooks()
    product = client.list_products()[0]
    if books:
        client.set_pricebook_price(books[0].id, product.id, 111000)
        lines = client.list_pricebook_lines(books[0].id)
        assert any(line.product_id == product.id and line.price == 111000 for line in lines)
    assert client.list_sale_channels()
    code = f"SHIP{uuid.uuid4().hex[:6].upper()}"
    surcharge = client.create_surcharge(code, "Phí vận chuyển web", 30000)
    assert surcharge.id and any(s.id == surcharge.id for s in client.list_surcharges())
    settings = client.get_settings()
    assert settings.raw  # a bare PascalCase object


# -- faults --------------------------------------------------------------------------------
def test_503s_on_a_read_are_retried(kv: EmulatorHandle, creds: dict[str, Any], sleeps: SleepRecorder) -> None:
    client = make_client(kv, creds, sleep=sleeps)
    client.list_branches()
    kv.fault(path="/branches", status=503, count=2)
    assert client.list_branches()
    assert kv.statuses("/branches")[-3:] == [503, 503, 200]
    assert len(sleeps.calls) == 2


def test_429_honours_retry_after(kv: EmulatorHandle, creds: dict[str, Any], sleeps: SleepRecorder) -> None:
    client = make_client(kv, creds, sleep=sleeps)
    client.list_branches()
    kv.fault(path="/branches", status=429, count=1, headers={"Retry-After": "3"})
    assert client.list_branches()
    assert sleeps.calls == [3.0]


def test_a_slow_answer_times_out_and_the_read_is_retried(kv: EmulatorHandle, creds: dict[str, Any]) -> None:
    client = make_client(kv, creds, timeout=0.3)
    client.list_branches()
    kv.fault(path="/branches", delay_s=1.0, count=1)
    assert client.list_branches()


def test_lost_answer_on_create_is_not_retried(kv: EmulatorHandle, client: KiotVietClient) -> None:
    tag = f"#W{uuid.uuid4().hex[:8]}"
    body = _order_body(client, f"Web order {tag}")
    kv.fault(method="POST", path="/orders", status=504, after_commit=True, count=1)
    with pytest.raises(TransientError) as caught:
        client.create_order(body)
    assert caught.value.maybe_committed is True
    assert kv.statuses("/orders", "POST") == [504]  # exactly one attempt
    assert len(client.find_orders_by_description(tag)) == 1  # it was created: look, don't re-create


def test_create_refused_with_503_is_retried_once_safe(kv: EmulatorHandle, client: KiotVietClient) -> None:
    tag = f"#W{uuid.uuid4().hex[:8]}"
    body = _order_body(client, f"Web order {tag}")
    kv.fault(method="POST", path="/orders", status=503, count=1)
    order = client.create_order(body)
    assert kv.statuses("/orders", "POST") == [503, 200]
    assert [o.id for o in client.find_orders_by_description(tag)] == [order.id]


def test_unreachable_server_is_a_transient_error(creds: dict[str, Any]) -> None:
    client = KiotVietClient(
        creds["retailer"],
        creds["client_id"],
        creds["client_secret"],
        api_url="http://127.0.0.1:9",
        token_url="http://127.0.0.1:9/connect/token",
        retry=RetryPolicy(max_attempts=2, base_delay=0.0),
        sleep=SleepRecorder(),
    )
    with pytest.raises(TransientError) as caught:
        client.list_branches()
    assert caught.value.maybe_committed is False


# -- GET budget -------------------------------------------------------------------------------
def test_get_budget_paces_reads_below_the_limit(kv: EmulatorHandle, creds: dict[str, Any]) -> None:
    kv.config(rate_limit_get_per_hour=10, rate_limit_window_s=1.0)
    unpaced = make_client(kv, creds, get_limit_per_hour=10_000, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(RateLimitedError) as limited:
        for _ in range(11):
            unpaced.list_sale_channels()
    assert limited.value.status == 429  # the emulator does enforce the limit
    time.sleep(1.1)
    GET_BUDGETS.clear()
    kv.clear_requests()
    paced = make_client(
        kv, creds, get_limit_per_hour=10, budget_window_s=1.0, retry=RetryPolicy(max_attempts=1)
    )
    paced.get_token()
    started = time.monotonic()
    for _ in range(25):
        paced.list_sale_channels()
    elapsed = time.monotonic() - started
    gets = [s for s in kv.statuses("/salechannel")]
    assert len(gets) == 25 and 429 not in gets
    assert 1.9 <= elapsed <= 15  # call 21 had to wait for calls 1 and 11 to leave the window


# -- webhooks --------------------------------------------------------------------------------
def test_webhook_registration_delivery_and_signature(kv: EmulatorHandle, client: KiotVietClient) -> None:
    secret = "kiotsync-secret-123"
    hook = client.register_webhook(
        "product.update", kv.receiver_url + "/kv/hook", secret=secret, description="t"
    )
    assert hook.id and hook.type == "product.update"
    assert any(h.id == hook.id for h in client.list_webhooks())
    product = client.list_products()[0]
    client.update_product(product.id, {"basePrice": 222000})
    kv.drain()
    deliveries = kv.receiver.wait_for(lambda d: d.path == "/kv/hook")
    assert deliveries, "the emulator delivered no product.update"
    delivery = deliveries[-1]
    signature = delivery.headers.get("X-Hub-Signature")
    assert verify_signature(delivery.body, signature, secret)
    assert not verify_signature(delivery.body.replace(b"222000", b"1"), signature, secret)
    event = parse_webhook(delivery.body)
    note = event.of_type("product.update")[0]
    assert event.id and event.attempt >= 1 and note.retailer_id
    assert any(p.id == product.id for p in note.products())
    client.delete_webhook(hook.id)
    assert all(h.id != hook.id for h in client.list_webhooks())


SIGNATURE_MODES = [
    {"key": "decoded", "encoding": "base64", "prefix": "", "algorithm": "sha256"},
    {"key": "raw", "encoding": "hex", "prefix": "sha256=", "algorithm": "sha256"},
    {"key": "raw", "encoding": "base64", "prefix": "sha1=", "algorithm": "sha256"},
]


def _is_stock_delivery(delivery: Delivery, product_id: int, on_hand: float) -> bool:
    if delivery.path != "/kv/stock":
        return False
    rows = [row for note in parse_webhook(delivery.body).of_type("stock.update") for row in note.stock()]
    return any(r.product_id == product_id and r.on_hand == on_hand for r in rows)


def test_every_signature_variant_verifies_and_deletes_parse(
    kv: EmulatorHandle, client: KiotVietClient
) -> None:
    secret = "another-secret-456"
    client.register_webhook("stock.update", kv.receiver_url + "/kv/stock", secret=secret)
    client.register_webhook("product.delete", kv.receiver_url + "/kv/delete", secret=secret)
    products = client.list_products()
    branch = client.list_branches()[0]
    for i, mode in enumerate(SIGNATURE_MODES):
        kv.config(webhook_signature=mode)
        kv.ctl("POST", "/stock", {"product_id": products[i].id, "branch_id": branch.id, "on_hand": 40 + i})
        kv.drain()
        got = kv.receiver.wait_for(partial(_is_stock_delivery, product_id=products[i].id, on_hand=40 + i))
        assert got, f"no stock.update for {mode}"
        assert verify_signature(got[-1].body, got[-1].headers.get("X-Hub-Signature"), secret), mode
        rows = parse_webhook(got[-1].body).of_type("stock.update")[0].stock()
        assert any(r.product_id == products[i].id and r.on_hand == 40 + i for r in rows)
    kv.config(webhook_signature={"key": "decoded", "encoding": "hex", "prefix": "sha1=", "algorithm": "sha1"})
    client.delete_product(products[5].id)
    kv.drain()
    deleted = kv.receiver.wait_for(lambda d: d.path == "/kv/delete")
    assert deleted
    signature = deleted[-1].headers.get("X-Hub-Signature")
    assert not verify_signature(deleted[-1].body, signature, secret)  # SHA-1 only behind the flag
    assert verify_signature(deleted[-1].body, signature, secret, allow_sha1=True)
    note = parse_webhook(deleted[-1].body, type_hint="product.delete").notifications[0]
    assert note.is_delete and products[5].id in note.ids()
