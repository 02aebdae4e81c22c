from tests.orders.conftest import Shop


def dump(shop, link):
    link.refresh_from_db()
    print("STATE", link.state, link.reason_code, link.reason_params, link.memory)
    for e in link.events.all():
        print("  ", e.kind, e.message, e.detail)


def test_flow(hv_shop: Shop) -> None:
    shop = hv_shop
    branch = shop.branches[0]["id"]
    r = shop.kv("/pos/orders", branchId=branch, lines=[{"productCode": "ATCB-DEN-M", "quantity": 1}, {"productCode": "QJSF-30", "quantity": 2}],
                orderDelivery={"receiver": "Phạm Hùng", "contactNumber": "0912345678", "address": "5 Trần Phú", "locationName": "Hà Nội - Quận Ba Đình", "wardName": "Phường Kim Mã"},
                customer={"name": "Phạm Hùng", "contactNumber": "0912345678"}, totalPayment=100000, method="Cash")
    print(r["id"], r["code"], r["status"])
    link = shop.link(kv_order_id=r["id"])
    dump(shop, link)
    hv = shop.hv_order(link.hv_order_id)
    print(hv["name"], hv["source"], hv["financial_status"], hv["total_price"], hv["note_attributes"], hv["customer"] and hv["customer"]["phone"], hv["location_id"])
    shop.hv(f"/com/orders/{hv['id']}/confirm.json", "POST")
    dump(shop, link)
    print(shop.kv_order(r["id"]).status)
    f = shop.hv(f"/orders/{hv['id']}/fulfill")
    dump(shop, link)
    o = shop.kv_order(r["id"])
    print("kv", o.status, [(i.code, i.status, i.delivery.status if i.delivery else None, i.total_payment) for i in shop.kv_invoices(r["id"])])
    shop.hv(f"/orders/{hv['id']}/carrier", carrier_status_code="delivered", carrier_cod_status_code="codreceipt")
    dump(shop, link)
    print("kv", [(i.code, i.status, i.delivery.status if i.delivery else None, i.raw.get("codPaymentMethod")) for i in shop.kv_invoices(r["id"])])
    shop.hv(f"/orders/{hv['id']}/cancel")
    dump(shop, link)
    print("kv", shop.kv_order(r["id"]).status, [(i.code, i.status) for i in shop.kv_invoices(r["id"])])
    print(len(shop.hv_orders()))
