"""Webhook signature variants and envelope shapes (pure)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from kiotsync.haravan.webhooks import challenge_response, sign, verify_webhook
from kiotsync.haravan.webhooks import parse_webhook as parse_haravan
from kiotsync.kiotviet import encode_webhook_secret, parse_webhook, verify_signature

BODY = json.dumps({"Id": "71676945", "Attempt": 1, "Notifications": []}, separators=(",", ":")).encode()
SECRET = "s3cret-value"  # the raw secret the app chose
REGISTERED = encode_webhook_secret(SECRET)  # what was sent as Webhook.Secret


def _mac(key: bytes, algo=hashlib.sha256) -> bytes:  # type: ignore[no-untyped-def]
    return hmac.new(key, BODY, algo).digest()


@pytest.mark.parametrize("prefix", ["sha1=", "sha256=", ""])
@pytest.mark.parametrize("key", [SECRET.encode(), REGISTERED.encode()])
@pytest.mark.parametrize("encoding", ["hex", "HEX", "b64"])
@pytest.mark.parametrize("given_secret", [SECRET, REGISTERED])
def test_kiotviet_signature_variants(prefix: str, key: bytes, encoding: str, given_secret: str) -> None:
    digest = _mac(key)
    text = {"hex": digest.hex(), "HEX": digest.hex().upper(), "b64": base64.b64encode(digest).decode()}[
        encoding
    ]
    assert verify_signature(BODY, prefix + text, given_secret)


def test_kiotviet_signature_rejections() -> None:
    good = "sha1=" + _mac(SECRET.encode()).hex()
    assert verify_signature(BODY, good, SECRET)
    assert not verify_signature(BODY + b" ", good, SECRET)  # tampered body
    assert not verify_signature(BODY, good, "another-secret")
    assert not verify_signature(BODY, None, SECRET)
    assert not verify_signature(BODY, "sha1=" + "0" * 64, SECRET)
    assert not verify_signature(BODY, "sha1=ünïcode", SECRET)
    sha1 = "sha1=" + _mac(SECRET.encode(), hashlib.sha1).hex()
    assert not verify_signature(BODY, sha1, SECRET)
    assert verify_signature(BODY, sha1, SECRET, allow_sha1=True)


def test_kiotviet_envelope_parsing() -> None:
    event = parse_webhook(
        {
            "Id": "g-1",
            "Attempt": 2,
            "Notifications": [
                {
                    "Action": "stock.update.925719",
                    "Data": [
                        {
                            "__type": "KiotViet...",
                            "ProductId": 8352705,
                            "BranchId": 13083,
                            "OnHand": 10,
                            "Reserved": 3,
                        }
                    ],
                },
                {"Action": "product.delete.925719", "Data": [11, 12]},
            ],
        }
    )
    assert (event.id, event.attempt) == ("g-1", 2)
    stock, deleted = event.notifications
    assert (stock.type, stock.entity, stock.verb, stock.retailer_id) == (
        "stock.update",
        "stock",
        "update",
        925719,
    )
    assert stock.stock()[0].available == 7 and stock.stock()[0].product_id == 8352705
    assert deleted.is_delete and deleted.ids() == (11, 12)
    assert event.of_type("product.delete") == [deleted]


def test_kiotviet_bare_delete_body_and_pricebook_detail_delete() -> None:
    bare = parse_webhook(b'{"RemoveId": [5, 6]}', type_hint="product.delete")
    assert bare.notifications[0].type == "product.delete" and bare.notifications[0].ids() == (5, 6)
    detail = parse_webhook(
        {
            "Id": "x",
            "Notifications": [
                {"Action": "pricebookdetail.delete.1", "Data": [{"PricebookId": 3, "ProductIds": [7, 8]}]}
            ],
        }
    )
    assert detail.notifications[0].ids() == (7, 8)
    plain = parse_webhook({"Notifications": [{"Action": "order.update", "Data": [{"Id": 1, "Status": 4}]}]})
    assert (
        plain.notifications[0].retailer_id is None and plain.notifications[0].orders()[0].state == "cancelled"
    )
    with pytest.raises(ValueError):
        parse_webhook(b"[1]")


def test_haravan_signature_and_headers() -> None:
    body = b'{"id":1001,"line_items":[]}'
    signature = base64.b64encode(hmac.new(b"client-secret", body, hashlib.sha256).digest()).decode()
    assert sign(body, "client-secret") == signature
    for name in ("X-Haravan-HmacSha256", "x-haravan-hmacsha256", "X-HARAVAN-HMACSHA256"):
        assert verify_webhook(body, {name: signature}, "client-secret")
    assert not verify_webhook(body + b" ", {"X-Haravan-HmacSha256": signature}, "client-secret")
    assert not verify_webhook(body, {"X-Haravan-HmacSha256": signature}, "other")
    assert not verify_webhook(body, {}, "client-secret")
    hook = parse_haravan(body, {"x-haravan-topic": "orders/create", "X-Haravan-Org-Id": "200000000001"})
    assert (hook.topic, hook.org_id, hook.resource_id) == ("orders/create", "200000000001", 1001)


def test_haravan_challenge_handshake() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "abc123"}
    assert challenge_response(params, "tok") == "abc123"
    assert challenge_response({**params, "hub.verify_token": "bad"}, "tok") is None
    assert challenge_response({**params, "hub.mode": "unsubscribe"}, "tok") is None
    assert challenge_response(params, "") is None
