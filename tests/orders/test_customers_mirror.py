"""Customers without a GET per order (issue 11, the KiotViet GET budget): once a shop's
customers are mirrored, web orders find their KiotViet customer in the mirror; a customer the
cashier created a minute ago is picked up by one delta read; customers KiotViet created with
our orders are remembered; a retailer switch forgets the old retailer's customers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from kiotsync.orders.jobs import read_customers
from kiotsync.orders.models import KvCustomer, KvCustomerMirror, OrderLink

from .conftest import Shop


def _customer_gets(shop: Shop, mark: int) -> list[dict[str, Any]]:
    log = shop.p.kv_control("GET", "/requests", params={"since": mark})["requests"]
    return [r for r in log if r["method"] == "GET" and r["path"].rstrip("/").endswith("/customers")]


def _mark(shop: Shop) -> int:
    return int(shop.p.kv_control("GET", "/requests", params={"limit": 1})["last_seq"])


def _order_from(shop: Shop, phone: str, name: str) -> Any:
    order = shop.web_order(customer={"first_name": name, "phone": phone}, shipping_address=None)
    shop.settle()
    link = shop.link(order["id"])
    assert link.state == OrderLink.State.SYNCED, (link.state, link.reason_code)
    found = shop.kv_orders_for(order["id"])
    assert len(found) == 1
    return shop.kv_order(found[0].id)


def test_orders_find_their_customers_in_the_mirror(shop: Shop) -> None:
    known = shop.kv("/customers", name="Khách Quen", contactNumber="0901234567")
    read_customers(shop.tenant.pk)  # the shop's duty: one full read
    mirror = KvCustomerMirror.objects.get(tenant=shop.tenant)
    assert mirror.complete and KvCustomer.objects.filter(tenant=shop.tenant, phone="0901234567").exists()

    mark = _mark(shop)
    first = _order_from(shop, "+84 901 234 567", "Quen")
    assert first.customer_id == known["id"]  # found in the mirror, phone normalised
    new_a = _order_from(shop, "0933000111", "Mới")
    again = _order_from(shop, "0933 000 111", "Mới")
    assert new_a.customer_id and again.customer_id == new_a.customer_id  # remembered when created
    assert _customer_gets(shop, mark) == []  # no customer look-up at all: the mirror was fresh

    # The cashier adds a customer at the counter; the next order, once the mirror is older than
    # FRESH, reads the delta (one GET) and finds them.
    cashier = shop.kv("/customers", name="Khách Tại Quầy", contactNumber="0977555666")
    KvCustomerMirror.objects.filter(tenant=shop.tenant).update(
        refreshed_at=timezone.now() - timedelta(minutes=5)
    )
    mark = _mark(shop)
    walk_in = _order_from(shop, "0977555666", "Quầy")
    assert walk_in.customer_id == cashier["id"]
    gets = _customer_gets(shop, mark)
    assert len(gets) == 1 and "lastModifiedFrom" in str(gets[0].get("query", "")), gets


def test_before_the_full_read_orders_look_customers_up_and_remember_them(shop: Shop) -> None:
    known = shop.kv("/customers", name="Khách Quen", contactNumber="0901234567")
    mark = _mark(shop)
    first = _order_from(shop, "0901234567", "Quen")
    assert first.customer_id == known["id"]
    assert len(_customer_gets(shop, mark)) == 1  # looked up by phone, as before
    assert KvCustomer.objects.filter(tenant=shop.tenant, kv_id=known["id"]).exists()
    assert not KvCustomerMirror.objects.filter(tenant=shop.tenant, complete=True).exists()


def test_a_retailer_switch_forgets_the_old_customers(shop: Shop) -> None:
    from kiotsync.orders.retire import retire_orders
    from kiotsync.tenants.models import RetailerSwitch

    read_customers(shop.tenant.pk)
    assert KvCustomer.objects.filter(tenant=shop.tenant).exists()
    retire_orders(None, tenant=shop.tenant, switch=RetailerSwitch())
    assert not KvCustomer.objects.filter(tenant=shop.tenant).exists()
    assert not KvCustomerMirror.objects.filter(tenant=shop.tenant).exists()


def _order_lookups(shop: Shop, mark: int) -> list[dict[str, Any]]:
    log = shop.p.kv_control("GET", "/requests", params={"since": mark})["requests"]
    return [r for r in log if r["method"] == "GET" and r["path"].rstrip("/") == "/orders"]


def test_a_lost_create_is_looked_up_among_its_customers_orders_only(shop: Shop) -> None:
    """After a create whose answer was lost, the lookup reads only the orders of the customers
    with the order's phone (one page), and none at all when no customer has it."""
    known = shop.kv("/customers", name="Khách Quen", contactNumber="0901234567")
    read_customers(shop.tenant.pk)

    # Refused before KiotViet did anything, by a new customer: no customer, so no order.
    shop.faults("kiotviet", {"method": "POST", "path": "/orders", "status": 503, "count": 1})
    mark = _mark(shop)
    order = shop.web_order(customer={"first_name": "Mới", "phone": "0944111222"}, shipping_address=None)
    shop.settle()
    shop.retry_due()
    assert _order_lookups(shop, mark) == []
    assert shop.link(order["id"]).state == OrderLink.State.SYNCED
    assert len(shop.kv_orders_for(order["id"])) == 1

    # Made, answer lost, KiotViet's webhook lost too: one read of that customer's orders.
    shop.faults(
        "kiotviet", {"method": "POST", "path": "/orders", "after_commit": True, "status": 504, "count": 1}
    )
    shop.p.kv.webhooks.pause()
    order = shop.web_order(customer={"first_name": "Quen", "phone": "0901234567"}, shipping_address=None)
    shop.p.kv.webhooks.clear()
    shop.p.kv.webhooks.resume()
    mark = _mark(shop)
    shop.retry_due()
    link = shop.link(order["id"])
    lookups = _order_lookups(shop, mark)
    (kv,) = shop.kv_orders_for(order["id"])
    assert (
        link.state == OrderLink.State.SYNCED and link.kv_order_id == kv.id and kv.customer_id == known["id"]
    )
    assert len(lookups) == 1 and "customerIds" in lookups[0]["query"], lookups
