"""Seed data: the ``demo`` and ``empty`` shops and a bulk catalogue knob for benchmarks.

Everything is derived from ``seed`` through ``random.Random`` so the same seed on a fresh
emulator gives the same shop, users, ids, stock and orders (timestamps follow the clock).

SKUs shared with the KiotViet demo (the sync's join key) are ``SHARED_SKUS``: product codes of the
KiotViet emulator's demo (``ATCB-*``, ``QJSF-*`` variants and some ``SP0000xx`` simple products).
Haravan-only products use ``HRV-001``…``HRV-004`` or carry no SKU at all.
"""

from __future__ import annotations

import random
from typing import Any

from .context import Ctx
from .model import Location
from .rules_customers import create_customer
from .rules_fulfillments import create_fulfillment
from .rules_orders import cancel_order, confirm_order, create_order
from .rules_products import create_product
from .store import Shop, World
from .textfold import slugify

SHOP_NAMES = ("Hoa Mai", "Sen Vàng", "Phương Nam", "Bông Lúa", "Trúc Xanh", "Hải Đăng", "Mộc Lan", "An Khang")

# (title, product_type, options, [(option values, sku, price)], tracked)
DemoProduct = tuple[str, str, list[str], list[tuple[list[str], str | None, float]], bool]
DEMO_PRODUCTS: list[DemoProduct] = [
    # shared with the KiotViet demo (same codes as its products)
    (
        "Áo thun cotton basic",
        "Áo thun",
        ["Màu sắc", "Kích thước"],
        [
            (["Trắng", "S"], "ATCB-TRA-S", 149000),
            (["Trắng", "M"], "ATCB-TRA-M", 149000),
            (["Đen", "S"], "ATCB-DEN-S", 149000),
            (["Đen", "M"], "ATCB-DEN-M", 149000),
        ],
        True,
    ),
    (
        "Quần jean slim fit",
        "Quần jean",
        ["Kích thước"],
        [
            (["29"], "QJSF-29", 459000),
            (["30"], "QJSF-30", 459000),
            (["31"], "QJSF-31", 459000),
            (["32"], "QJSF-32", 459000),
        ],
        True,
    ),
    ("Áo thun polo nam", "Áo thun", [], [([], "SP000007", 259000)], True),
    ("Áo khoác bomber", "Áo khoác", [], [([], "SP000008", 499000)], True),
    ("Mũ lưỡi trai trơn", "Mũ nón", [], [([], "SP000014", 99000)], True),
    ("Thắt lưng da bò", "Phụ kiện", [], [([], "SP000016", 299000)], True),
    ("Ví da nam", "Phụ kiện", [], [([], "SP000017", 349000)], True),
    ("Khẩu trang vải", "Phụ kiện", [], [([], "SP000023", 25000)], True),
    ("Kính mát thời trang", "Phụ kiện", [], [([], "SP000024", 199000)], True),
    ("Bánh Chocopie hộp 12 cái", "Bánh kẹo", [], [([], "SP000034", 55000)], True),
    # Haravan-only, with SKU
    ("Túi vải canvas in hình", "Túi xách", [], [([], "HRV-001", 99000)], True),
    (
        "Bình giữ nhiệt inox 500ml",
        "Gia dụng",
        ["Màu"],
        [
            (["Xanh"], "HRV-002", 210000),
            (["Hồng"], "HRV-003", 210000),
        ],
        True,
    ),
    ("Sổ tay bìa da", "Văn phòng phẩm", [], [([], "HRV-004", 135000)], True),
    # Haravan-only, no SKU (one of them not stock-tracked)
    ("Thiệp chúc mừng handmade", "Quà tặng", [], [([], None, 25000)], True),
    ("Gói quà tặng", "Dịch vụ", [], [([], None, 15000)], False),
]
SHARED_SKUS = (
    "ATCB-TRA-S",
    "ATCB-TRA-M",
    "ATCB-DEN-S",
    "ATCB-DEN-M",
    "QJSF-29",
    "QJSF-30",
    "QJSF-31",
    "QJSF-32",
    "SP000007",
    "SP000008",
    "SP000014",
    "SP000016",
    "SP000017",
    "SP000023",
    "SP000024",
    "SP000034",
)
HARAVAN_ONLY_SKUS = ("HRV-001", "HRV-002", "HRV-003", "HRV-004")

DEMO_LOCATIONS = [
    {
        "name": "Kho Quận 1",
        "address1": "12 Lê Lợi",
        "province": "Hồ Chí Minh",
        "province_code": "HC",
        "district": "Quận 1",
        "district_code": "HC476",
        "ward": "Phường Bến Nghé",
        "ward_code": "26740",
    },
    {
        "name": "Chi nhánh Hà Nội",
        "address1": "45 Hàng Bài",
        "province": "Hà Nội",
        "province_code": "HI",
        "district": "Quận Hoàn Kiếm",
        "district_code": "HI2",
        "ward": "Phường Hàng Bài",
        "ward_code": "00070",
    },
]

DEMO_CUSTOMERS: list[dict[str, Any]] = [
    {"first_name": "An", "last_name": "Nguyễn Văn", "email": "an.nguyen@example.vn", "phone": "0901234567"},
    {"first_name": "Bình", "last_name": "Trần Thị", "email": "binh.tran@example.vn", "phone": "0912345678"},
    {"first_name": "Cường", "last_name": "Lê Minh", "email": None, "phone": "0987654321"},
]


def _address(customer: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "phone": customer["phone"],
        "address1": "88 Nguyễn Huệ",
        "province": "Hồ Chí Minh",
        "province_code": "HC",
        "district": "Quận 1",
        "district_code": "HC476",
        "ward": "Phường Bến Nghé",
        "ward_code": "26740",
    }


def add_locations(ctx: Ctx, specs: list[dict[str, Any]]) -> None:
    for i, spec in enumerate(specs):
        loc = Location(
            id=ctx.next_id("location"),
            is_primary=i == 0,
            created_at=ctx.now_ms,
            updated_at=ctx.now_ms,
            email=ctx.shop.email,
            phone=ctx.shop.phone,
            **spec,
        )
        ctx.shop.locations[loc.id] = loc


def _product_body(spec: DemoProduct, rng: random.Random, n_locations: int) -> dict[str, Any]:
    title, ptype, options, variants, tracked = spec
    body: dict[str, Any] = {
        "title": title,
        "body_html": f"<p>{title} — hàng chính hãng.</p>",
        "vendor": "KiotSync Demo",
        "product_type": ptype,
        "tags": ptype,
        "images": [{"src": f"https://product.hstatic.net/demo/product/{rng.randrange(10**8):08d}.jpg"}],
    }
    if options:
        body["options"] = [{"name": n} for n in options]
    body["variants"] = [
        {
            **{f"option{k + 1}": v for k, v in enumerate(values)},
            "sku": sku,
            "price": price,
            "compare_at_price": 0,
            "grams": rng.choice((100, 200, 300, 500)),
            "inventory_management": "haravan" if tracked else None,
        }
        for values, sku, price in variants
    ]
    return body


HOUR_MS = 3_600_000


def load_demo(ctx: Ctx, rng: random.Random) -> None:
    """Demo catalogue and orders, back-dated (products a week ago, orders in the last hours)."""
    shop = ctx.shop
    now = ctx.now_ms
    for i, spec in enumerate(DEMO_PRODUCTS):
        ctx.now_ms = now - 7 * 24 * HOUR_MS + i * 60_000
        product = create_product(ctx, {"product": _product_body(spec, rng, len(shop.locations))})
        for v in product.variants:
            if not v.tracked:
                continue
            for loc_id in shop.locations:
                shop.balances[v.id][loc_id].onhand = rng.randint(0, 40)
    ctx.now_ms = now - 3 * 24 * HOUR_MS
    customers = [
        create_customer(ctx, {"customer": {**c, "addresses": [_address(c)]}}, emit=False)
        for c in DEMO_CUSTOMERS
    ]

    def variant(sku: str) -> int:
        found = shop.variant_by_sku(sku)
        assert found is not None
        return found.id

    def no_sku(title: str) -> int:
        return next(p for p in shop.products.values() if p.title == title).variants[0].id

    hanoi = list(shop.locations)[-1]
    ctx.now_ms = now - 4 * HOUR_MS
    o1 = create_order(
        ctx,
        {
            "order": {
                "line_items": [
                    {"variant_id": variant("ATCB-TRA-M"), "quantity": 2},
                    {"variant_id": variant("SP000034"), "quantity": 1},
                ],
                "customer": {"id": customers[0].id},
                "shipping_address": _address(DEMO_CUSTOMERS[0]),
                "is_cod_gateway": True,
                "shipping_lines": [{"code": "GHN", "title": "Giao hàng nhanh", "price": 30000}],
                "note": "Giao giờ hành chính",
            }
        },
        source="web",
    )
    confirm_order(ctx, o1)
    ctx.now_ms = now - 3 * HOUR_MS
    o2 = create_order(
        ctx,
        {
            "order": {
                "line_items": [
                    {"variant_id": variant("QJSF-30"), "quantity": 1},
                    {"variant_id": variant("SP000014"), "quantity": 2},
                ],
                "customer": {"id": customers[1].id},
                "shipping_address": _address(DEMO_CUSTOMERS[1]),
                "financial_status": "paid",
                "gateway": "Chuyển khoản ngân hàng",
                "is_confirm": True,
                "discount_codes": [{"code": "TET2025", "amount": 20000, "type": "fixed_amount"}],
            }
        },
        source="web",
    )
    create_fulfillment(
        ctx,
        o2,
        {
            "fulfillment": {
                "tracking_company": "Giao Hàng Nhanh",
                "tracking_number": f"GHN{rng.randrange(10**8):08d}",
            }
        },
        emit=False,
    )
    ctx.now_ms = now - 2 * HOUR_MS
    create_order(
        ctx,
        {
            "order": {
                "line_items": [
                    {"variant_id": variant("HRV-002"), "quantity": 1},
                    {"variant_id": no_sku("Thiệp chúc mừng handmade"), "quantity": 3},
                ],
                "customer": {"id": customers[2].id},
                "shipping_address": _address(DEMO_CUSTOMERS[2]),
                "is_cod_gateway": True,
                "location_id": hanoi,
                "tags": "quà tặng",
            }
        },
        source="web",
    )
    ctx.now_ms = now - 1 * HOUR_MS
    o4 = create_order(
        ctx,
        {
            "order": {
                "line_items": [{"variant_id": variant("SP000023"), "quantity": 1}],
                "customer": {"id": customers[0].id},
                "is_cod_gateway": True,
            }
        },
        source="web",
    )
    ctx.now_ms = now - HOUR_MS // 2
    cancel_order(ctx, o4, {"reason": "customer", "restock": True})
    ctx.now_ms = now


def load_bulk(ctx: Ctx, spec: dict[str, Any], rng: random.Random) -> int:
    """``{"products": N, "variants_per_product": k, "sku_prefix": "BULK", "stock": q}``."""
    n = int(spec.get("products", 0))
    per = max(1, min(100, int(spec.get("variants_per_product", 1))))
    prefix = str(spec.get("sku_prefix", "BULK"))
    stock = spec.get("stock")
    loc = ctx.shop.primary_location.id
    for i in range(1, n + 1):
        variants = [
            {
                "option1": f"Loại {j}" if per > 1 else None,
                "sku": f"{prefix}{i:05d}-{j}" if per > 1 else f"{prefix}{i:05d}",
                "price": 10000 * rng.randint(1, 50),
                "inventory_management": "haravan",
            }
            for j in range(1, per + 1)
        ]
        body: dict[str, Any] = {"title": f"Sản phẩm {prefix} {i}", "variants": variants}
        if per > 1:
            body["options"] = [{"name": "Loại"}]
        product = create_product(ctx, {"product": body})
        for v in product.variants:
            ctx.shop.balances[v.id][loc].onhand = int(stock) if stock is not None else rng.randint(0, 100)
    return n


def shop_identity(world: World, rng: random.Random, seed: int, overrides: dict[str, Any]) -> dict[str, Any]:
    name = str(overrides.get("name") or f"Cửa hàng {rng.choice(SHOP_NAMES)}")
    base = str(overrides.get("orgsub") or slugify(name).replace("-", ""))[:40] or "shop"
    taken = {s.orgsub for s in world.shops.values()}
    orgsub, n = base, 1
    while orgsub in taken:
        n += 1
        orgsub = f"{base}{n}"
    orgid = int(overrides.get("orgid") or 200_000_000_000 + seed * 100 + 1)
    while orgid in world.shops:
        orgid += 1
    return {"orgid": orgid, "name": name, "orgsub": orgsub}


def new_shop(world: World, ident: dict[str, Any], owner_id: int, now_ms: int) -> Shop:
    return Shop(
        id=ident["orgid"],
        name=ident["name"],
        orgsub=ident["orgsub"],
        email=f"lienhe@{ident['orgsub']}.vn",
        phone="02838123456",
        province="Hồ Chí Minh",
        province_code="HC",
        address1="12 Lê Lợi, Quận 1",
        owner_id=owner_id,
        created_at=now_ms,
    )
