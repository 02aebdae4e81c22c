from tests.orders.conftest import Shop


def test_web_order_reaches_kiotviet(shop: Shop) -> None:
    order = shop.web_order()
    link = shop.link(order["id"])
    print(link.state, link.reason_code, link.reason_params, link.kv_order_code)
    for e in link.events.all():
        print(e.kind, e.message, e.detail)
    kv = shop.kv_orders_for(order["id"])
    assert len(kv) == 1
