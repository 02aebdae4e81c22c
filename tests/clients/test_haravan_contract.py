"""HaravanClient and HaravanOAuth against the Haravan emulator (in-process and over a socket).

Both sides were written independently from specs/haravan-api.md, so a failure here means
one of them departs from the digest.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from kiotsync.haravan import (
    HaravanClient,
    HaravanOAuth,
    IdTokenError,
    InstallRevokedError,
    LeakyBucketPacer,
    RefreshingTokenProvider,
    StockLine,
    TokenSet,
    parse_webhook,
    verify_webhook,
)
from kiotsync.haravan.oauth import INSTALL_SCOPES, LOGIN_SCOPES
from kiotsync.httpkit import AuthError, RetryPolicy, TransientError, ValidationError

from .conftest import SleepRecorder
from .harness import EmulatorHandle, follow_login

REDIRECT = "https://app.example/install/callback"


@dataclass
class Shop:
    seed: dict[str, Any]
    oauth: HaravanOAuth
    tokens: TokenSet
    claims: Any


def _login_answers(seed: dict[str, Any], who: str = "owner") -> dict[str, str]:
    owner = seed.get(who) or {}
    answers = {}
    for key in ("email", "username", "login", "password"):
        value = owner.get(key) if isinstance(owner, dict) else None
        value = value or seed.get(f"owner_{key}")
        if value:
            answers[key] = str(value)
    return answers


def install(hv: EmulatorHandle, seed: dict[str, Any], who: str = "owner", **oauth_kw: Any) -> Shop:
    oauth = HaravanOAuth(
        seed["client_id"], seed["client_secret"], accounts_url=hv.base_url, transport=hv.transport, **oauth_kw
    )
    state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    scopes = INSTALL_SCOPES if who == "owner" else LOGIN_SCOPES
    url = oauth.authorize_url(
        redirect_uri=REDIRECT, state=state, nonce=nonce, scopes=scopes, orgid=seed.get("orgid")
    )
    with httpx.Client(transport=hv.transport, follow_redirects=False, timeout=30) as browser:
        callback = follow_login(browser, url, REDIRECT, _login_answers(seed, who))
    assert callback.params.get("state") == state
    code = callback.params.get("code")
    assert code
    tokens = oauth.exchange_code(code, REDIRECT)
    assert tokens.id_token and (tokens.refresh_token or who != "owner")
    claims = oauth.verify_id_token(tokens.id_token, nonce=nonce)
    return Shop(seed, oauth, tokens, claims)


def seed_shop(hv: EmulatorHandle, **kw: Any) -> dict[str, Any]:
    return hv.seed(app={"redirect_uris": [REDIRECT]}, **kw)


@pytest.fixture
def shop(hv: EmulatorHandle) -> Shop:
    return install(hv, seed_shop(hv))


def make_client(hv: EmulatorHandle, shop: Shop, sleep: Any = None, **kw: Any) -> HaravanClient:
    kw.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05))
    provider = kw.pop("provider", None) or RefreshingTokenProvider(shop.oauth, shop.tokens)
    return HaravanClient(
        provider,
        api_url=hv.base_url,
        webhook_url=hv.base_url,
        transport=hv.transport,
        sleep=sleep or SleepRecorder(),
        **kw,
    )


@pytest.fixture
def client(hv: EmulatorHandle, shop: Shop) -> Iterator[HaravanClient]:
    c = make_client(hv, shop)
    yield c
    c.close()


# -- OAuth -----------------------------------------------------------------------------------
def test_install_flow_yields_verified_owner_claims(
    hv: EmulatorHandle, shop: Shop, client: HaravanClient
) -> None:
    assert shop.claims.orgid == str(shop.seed["orgid"])
    assert shop.claims.is_owner and shop.claims.sub
    assert client.get_shop().id == int(shop.seed["orgid"])


def test_staff_login_is_not_an_owner(hv: EmulatorHandle) -> None:
    seed = seed_shop(hv)
    staff = install(hv, seed, who="staff")
    assert staff.claims.orgid == str(seed["orgid"]) and not staff.claims.is_owner
    assert staff.oauth.userinfo(staff.tokens.access_token).get("sub") == staff.claims.sub


def test_id_token_checks_reject_bad_tokens(hv: EmulatorHandle, shop: Shop) -> None:
    id_token = shop.tokens.id_token or ""
    nonce = shop.claims.raw.get("nonce")
    with pytest.raises(IdTokenError):
        shop.oauth.verify_id_token(id_token, nonce="another-nonce")
    head, body, sig = id_token.split(".")
    tampered = f"{head}.{body}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(IdTokenError):
        shop.oauth.verify_id_token(tampered, nonce=nonce)
    jwks_path = httpx.URL(shop.oauth.discovery()["jwks_uri"]).path
    keys_fetched = [r for r in hv.requests() if r["path"] == jwks_path]
    assert len(keys_fetched) == 1  # discovery and JWKS are cached across verifications
    other_app = HaravanOAuth("someone-else", "x", accounts_url=hv.base_url, transport=hv.transport)
    with pytest.raises(IdTokenError):
        other_app.verify_id_token(id_token, nonce=nonce)
    late = HaravanOAuth(
        shop.seed["client_id"],
        shop.seed["client_secret"],
        accounts_url=hv.base_url,
        transport=hv.transport,
        wall_clock=lambda: time.time() + 10 * 86400,
    )
    with pytest.raises(IdTokenError):
        late.verify_id_token(id_token, nonce=nonce)


def test_refresh_then_invalid_grant_after_uninstall(
    hv: EmulatorHandle, shop: Shop, client: HaravanClient
) -> None:
    refreshed = shop.oauth.refresh(shop.tokens.refresh_token or "")
    assert refreshed.access_token and refreshed.refresh_token
    fresh = make_client(hv, shop, provider=RefreshingTokenProvider(shop.oauth, refreshed))
    assert fresh.get_shop().id == int(shop.seed["orgid"])
    fresh.unsubscribe_webhooks()
    hv.ctl("POST", "/uninstall", {"orgid": shop.seed["orgid"], "client_id": shop.seed["client_id"]})
    with pytest.raises(InstallRevokedError):
        shop.oauth.refresh(refreshed.refresh_token or "")


def test_refresh_keeps_the_old_refresh_token_unless_rotated(hv: EmulatorHandle, shop: Shop) -> None:
    hv.config(rotate_refresh_tokens=False)
    same = shop.oauth.refresh(shop.tokens.refresh_token or "")
    assert same.refresh_token == shop.tokens.refresh_token and same.access_token != shop.tokens.access_token
    hv.config(rotate_refresh_tokens=True)
    rotated = shop.oauth.refresh(same.refresh_token or "")
    assert rotated.refresh_token and rotated.refresh_token != same.refresh_token


def test_expired_access_token_is_refreshed_and_the_call_replayed(
    hv: EmulatorHandle, shop: Shop, client: HaravanClient
) -> None:
    client.get_shop()
    hv.advance((shop.tokens.expires_in or 86400) + 60)
    hv.clear_requests()
    assert client.get_shop().id == int(shop.seed["orgid"])
    log = [(r["path"], r["status"]) for r in hv.requests()]
    assert log == [("/com/shop.json", 401), ("/connect/token", 200), ("/com/shop.json", 200)]


def test_401_refreshes_once_and_replays(hv: EmulatorHandle, shop: Shop) -> None:
    stale = TokenSet("not-a-valid-token", refresh_token=shop.tokens.refresh_token)
    updates: list[TokenSet] = []
    provider = RefreshingTokenProvider(shop.oauth, stale, on_update=updates.append)
    client = make_client(hv, shop, provider=provider)
    assert client.get_shop().id == int(shop.seed["orgid"])
    assert len(updates) == 1 and provider.tokens.access_token != "not-a-valid-token"
    assert [s for s in hv.statuses("/com/shop.json")] == [401, 200]
    dead = make_client(hv, shop, provider=RefreshingTokenProvider(shop.oauth, TokenSet("bad")))
    with pytest.raises(AuthError):
        dead.get_shop()


# -- catalogue -------------------------------------------------------------------------------
def _product_body(sku_prefix: str, colours: list[str], sizes: list[str]) -> dict[str, Any]:
    return {
        "title": "Áo thun Đà Nẵng",
        "body_html": "<p>Cotton</p>",
        "vendor": "KiotSync",
        "product_type": "Áo",
        "options": [{"name": "Màu", "position": 1}, {"name": "Size", "position": 2}],
        "variants": [
            {
                "option1": c,
                "option2": s,
                "sku": f"{sku_prefix}-{c}-{s}",
                "price": 150000,
                "inventory_management": "haravan",
            }
            for c in colours
            for s in sizes
        ],
        "images": [{"src": "https://cdn.example/ao.jpg"}],
    }


def test_product_created_in_one_call_then_updated(client: HaravanClient, hv: EmulatorHandle) -> None:
    prefix = uuid.uuid4().hex[:6]
    product = client.create_product(_product_body(prefix, ["Đen", "Trắng"], ["S", "M"]))
    assert len(hv.statuses("/com/products.json", "POST")) == 1
    assert product.id and len(product.variants) == 4 and len(product.options) == 2 and product.images
    variant = product.variant_by_sku(f"{prefix}-Đen-S")
    assert variant is not None and variant.title == "Đen / S" and variant.price == 150000
    client.update_product(product.id, {"title": "Áo thun Đà Nẵng 2026"})
    changed = client.update_variant(variant.id, {"price": 165000})
    assert changed.price == 165000
    again = client.get_product(product.id)
    assert again.title == "Áo thun Đà Nẵng 2026"
    assert client.get_variant(variant.id).price == 165000
    extra = client.create_variant(
        product.id, {"option1": "Xanh", "option2": "L", "sku": f"{prefix}-X-L", "price": 1}
    )
    assert any(v.id == extra.id for v in client.list_variants(product.id))
    client.delete_variant(product.id, extra.id)
    image = client.create_image(product.id, "https://cdn.example/ao-2.jpg")
    assert any(i.id == image.id for i in client.list_images(product.id))
    client.delete_image(product.id, image.id)
    with pytest.raises(ValidationError) as invalid:
        client.create_product({"body_html": "no title"})
    assert invalid.value.field_errors
    client.delete_product(product.id)


def test_product_listing_pages_until_a_short_page(client: HaravanClient, hv: EmulatorHandle) -> None:
    everything = client.list_products()
    assert len(everything) >= 3
    hv.clear_requests()
    paged = client.list_products(limit=2)
    assert [p.id for p in paged] == [p.id for p in everything]
    pages = hv.statuses("/com/products.json", "GET")
    assert len(pages) == len(everything) // 2 + 1


def test_stock_reads_in_chunks_and_writes_in_batches(client: HaravanClient, hv: EmulatorHandle) -> None:
    locations = client.list_locations()
    location = next((loc for loc in locations if loc.is_primary), locations[0])
    prefix = uuid.uuid4().hex[:6]
    a = client.create_product(
        _product_body(prefix + "a", [f"c{i}" for i in range(10)], [f"s{i}" for i in range(7)])
    )
    b = client.create_product(
        _product_body(prefix + "b", [f"c{i}" for i in range(10)], [f"s{i}" for i in range(6)])
    )
    variants = [(p.id, v.id) for p in (a, b) for v in p.variants]
    assert len(variants) == 130
    hv.clear_requests()
    lines = [StockLine(pid, vid, i % 17) for i, (pid, vid) in enumerate(variants)]
    client.adjust_or_set(location.id, lines, type="set", note="sync from KiotViet")
    assert (
        hv.statuses("/com/inventories/adjustorset.json") == [200, 200]
        or len(hv.statuses("/com/inventories/adjustorset.json")) == 2
    )
    rows = client.inventory_locations([vid for _, vid in variants], [location.id])
    assert len(hv.statuses("/com/inventory_locations.json")) == 3  # 130 ids → 50 + 50 + 30
    by_variant = {r.variant_id: r for r in rows if r.location_id == location.id}
    assert {vid: by_variant[vid].qty_onhand for _, vid in variants} == {
        vid: float(i % 17) for i, (_, vid) in enumerate(variants)
    }
    client.adjust_or_set(location.id, [StockLine(a.id, a.variants[0].id, 5)], type="adjust")
    after = client.inventory_locations([a.variants[0].id], [location.id])
    assert after[0].qty_onhand == 5


# -- orders, customers -----------------------------------------------------------------------
def _new_order(client: HaravanClient, note: str) -> Any:
    variant = next(v for p in client.list_products() for v in p.variants if v.sku)
    return client.create_order(
        {
            "line_items": [{"variant_id": variant.id, "quantity": 1}],
            "email": "khach@example.vn",
            "financial_status": "pending",
            "gateway": "Thanh toán khi giao hàng (COD)",
            "note": note,
            "shipping_lines": [{"title": "Giao hàng", "price": 30000, "code": "ship"}],
        }
    )


def test_order_lifecycle_fulfil_and_pay(client: HaravanClient) -> None:
    before = client.get_shop()
    assert before.id
    order = _new_order(client, "KV order DH000001")
    assert order.id and order.fulfillment_status is None and not order.is_cancelled
    assert client.get_order(order.id).id == order.id
    listed = client.list_orders(updated_at_min=order.created_at)
    assert order.id in [o.id for o in listed]
    assert client.confirm_order(order.id).is_confirmed
    fulfilment = client.create_fulfillment(
        order.id,
        {"tracking_number": "GHN123", "tracking_company": "GHN", "cod_amount": float(order.total_price or 0)},
    )
    assert fulfilment.id
    moved = client.set_carrier_status(order.id, fulfilment.id, carrier_status_code="delivered")
    assert moved.carrier_status_code == "delivered"
    assert any(f.id == fulfilment.id for f in client.list_fulfillments(order.id))
    payment = client.create_transaction(order.id, order.total_price or 0, kind="capture")
    assert payment.kind == "capture"
    assert any(t.kind == "capture" for t in client.list_transactions(order.id))
    assert client.close_order(order.id).is_closed
    assert not client.open_order(order.id).is_closed


def test_cancel_with_restock(client: HaravanClient) -> None:
    order = _new_order(client, "cancel me")
    cancelled = client.cancel_order(order.id, reason="customer", restock=True)
    assert cancelled.is_cancelled and cancelled.cancel_reason == "customer"


def test_customer_create_and_phone_search(client: HaravanClient) -> None:
    phone = "09" + str(uuid.uuid4().int)[:8]
    created = client.create_customer({"first_name": "Thử", "last_name": "Nguyễn", "phone": phone})
    assert created.id
    found = client.find_customers_by_phone(f"+84{phone[1:]}")
    assert [c.id for c in found] == [created.id]


# -- faults ----------------------------------------------------------------------------------
def test_503s_and_429_are_retried(hv: EmulatorHandle, shop: Shop, sleeps: SleepRecorder) -> None:
    client = make_client(hv, shop, sleep=sleeps)
    hv.fault(path="/com/products.json", status=503, count=2)
    assert client.list_products()
    hv.fault(path="/com/shop.json", status=429, count=1, headers={"Retry-After": "2.0"})
    assert client.get_shop().id
    assert 2.0 in sleeps.calls


def test_timeout_on_a_read_is_retried(hv: EmulatorHandle, shop: Shop) -> None:
    client = make_client(hv, shop, timeout=0.3)
    hv.fault(path="/com/orders.json", delay_s=1.0, count=1)
    client.list_orders()


def test_lost_answer_on_order_create_is_surfaced(hv: EmulatorHandle, client: HaravanClient) -> None:
    hv.fault(method="POST", path="/com/orders.json", status=504, after_commit=True, count=1)
    with pytest.raises(TransientError) as caught:
        _new_order(client, "lost answer 77")
    assert caught.value.maybe_committed
    assert hv.statuses("/com/orders.json", "POST") == [504]
    assert [o.note for o in client.list_orders() if o.note == "lost answer 77"] == ["lost answer 77"]


# -- pacing ----------------------------------------------------------------------------------
def test_burst_of_300_calls_never_hits_429(hv: EmulatorHandle, shop: Shop) -> None:
    scale = 20.0
    hv.config(time_scale=scale)
    pacer = LeakyBucketPacer(80, 4.0 * scale)
    client = make_client(hv, shop, pacer=pacer, sleep=time.sleep)
    client.get_shop()
    hv.clear_requests()
    started = time.monotonic()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(75):
                client.get_shop()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert not errors
    statuses = hv.statuses("/com/shop.json")
    assert len(statuses) == 300 and statuses.count(429) == 0
    floor = (300 - 80) / (4.0 * scale)  # what the bucket allows: 80 at once, then the leak rate
    assert floor * 0.8 <= elapsed <= floor + 20


# -- webhooks --------------------------------------------------------------------------------
def test_webhook_subscribe_deliver_and_verify(hv: EmulatorHandle, shop: Shop, client: HaravanClient) -> None:
    app = {
        "client_id": shop.seed["client_id"],
        "webhook_url": hv.receiver_url + "/hv/hook",
        "webhook_verify_token": hv.receiver.verify_token,
    }
    refused = hv.control.post("/_emulator/apps", json={**app, "webhook_verify_token": "not-ours"})
    assert refused.status_code == 422  # our endpoint did not echo the challenge for a wrong token
    hv.ctl("POST", "/apps", app)  # the partner dashboard: runs the hub.challenge handshake
    client.subscribe_webhooks()
    assert client.list_webhook_subscriptions() is not None
    order = _new_order(client, "webhook please")
    hv.drain()
    deliveries = hv.receiver.wait_for(lambda d: d.path == "/hv/hook")
    assert deliveries
    delivery = next(d for d in deliveries if b'"id"' in d.body)
    assert verify_webhook(delivery.body, delivery.headers, shop.seed["client_secret"])
    assert not verify_webhook(delivery.body + b" ", delivery.headers, shop.seed["client_secret"])
    hook = parse_webhook(delivery.body, delivery.headers)
    assert hook.org_id == str(shop.seed["orgid"]) and hook.topic
    assert any(d.body and str(order.id).encode() in d.body for d in deliveries)
    client.unsubscribe_webhooks()
