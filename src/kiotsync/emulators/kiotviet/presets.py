"""Seed data: the ``demo`` and ``empty`` shops and a fast bulk-product generator.

Everything is drawn from a ``random.Random`` seeded with (preset, seed, retailer), so the same
seed gives the same credentials, ids, codes, names and stock. Only dates depend on the clock.

``demo``: "Thời trang Hoa" — 3 branches, 4 users (admin hidden), a 3-level category tree,
65 product rows (4 variant groups by Màu sắc/Kích thước, Lon/Thùng and Chai/Thùng units with
conversion 24, a Lon/Lốc unit of 6, a combo, 2 services, an inactive product, barcodes on most,
images on some), 2 price books, 12 customers, 5 sale channels incl. "Website", 2 surcharges,
orders in statuses 1, 2, 3, 4 and 5, an invoice out for delivery and a POS invoice. Settings
all on (``manager_customer_by_branch`` off).

``empty``: one branch ("Chi nhánh trung tâm"), the admin, the two built-in sale channels
("Bán trực tiếp", "Khác") plus "Website", no products.

Bulk (any preset, or ``POST /_emulator/products/bulk`` later): ``products`` N groups of
``variants_per_product`` rows (1 = simple products), codes ``<code_prefix><n:05d>`` with
``-<k>`` per variant, 13-digit barcodes, stock 0..``on_hand_max`` per branch.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from .model import Branch, Customer, PriceBook, Shop, User
from .rules_catalog import create_category
from .rules_invoices import create_invoice
from .rules_orders import cancel_order, create_order, update_order
from .rules_products import create_product
from .rules_shop import create_sale_channel, create_surcharge
from .state import KvState
from .timefmt import TICKS_PER_SECOND, entity_ticks, parse_datetime

DAY = 86400 * TICKS_PER_SECOND

_BRANCHES = [
    ("Chi nhánh trung tâm", "CN01", "12 Hàng Bài", "Hà Nội - Quận Hoàn Kiếm", "Phường Hàng Bài"),
    ("Chi nhánh Cầu Giấy", "CN02", "135 Xuân Thủy", "Hà Nội - Quận Cầu Giấy", "Phường Dịch Vọng Hậu"),
    ("Chi nhánh Quận 1", "CN03", "86 Lê Lợi", "Hồ Chí Minh - Quận 1", "Phường Bến Thành"),
]
_USERS = [
    ("thai.hoang", "Hoàng Thái"),
    ("trang.nt", "Nguyễn Thu Trang"),
    ("duc.le", "Lê Minh Đức"),
]
_CATEGORIES: list[tuple[str, list[tuple[str, list[str]]]]] = [
    (
        "Thời trang",
        [
            ("Áo", ["Áo thun", "Áo sơ mi", "Áo khoác"]),
            ("Quần", ["Quần jean", "Quần short"]),
            ("Túi xách", []),
        ],
    ),
    ("Phụ kiện", [("Mũ nón", []), ("Thắt lưng & Ví", []), ("Trang sức", [])]),
    ("Đồ uống", [("Bia", []), ("Nước ngọt", []), ("Nước suối", [])]),
    ("Thực phẩm", [("Bánh kẹo", []), ("Sữa", [])]),
    ("Dịch vụ", []),
    ("Khác", []),
]
_TRADEMARKS = [
    "Coolmate",
    "Routine",
    "Yody",
    "Tiger",
    "Coca-Cola",
    "Aquafina",
    "TH true MILK",
    "Orion",
    "Oishi",
]
# (name, code prefix, category, brand, price, [(attribute name, values)], image slug)
_VARIANT_GROUPS: list[tuple[str, str, str, str | None, int, list[tuple[str, list[str]]], str]] = [
    (
        "Áo thun cotton basic",
        "ATCB",
        "Áo thun",
        "Coolmate",
        149000,
        [("Màu sắc", ["Trắng", "Đen", "Xanh navy"]), ("Kích thước", ["S", "M", "L"])],
        "ao-thun-cotton-basic",
    ),
    (
        "Áo sơ mi công sở nam",
        "ASMN",
        "Áo sơ mi",
        "Routine",
        329000,
        [("Màu sắc", ["Trắng", "Xanh nhạt"]), ("Kích thước", ["M", "L", "XL"])],
        "ao-so-mi-cong-so",
    ),
    (
        "Quần jean slim fit",
        "QJSF",
        "Quần jean",
        "Yody",
        459000,
        [("Kích thước", ["29", "30", "31", "32"])],
        "quan-jean-slim",
    ),
    (
        "Túi tote canvas",
        "TTCV",
        "Túi xách",
        None,
        189000,
        [("Màu sắc", ["Kem", "Đen"]), ("Kích thước", ["S", "L"])],
        "tui-tote-canvas",
    ),
]
# (name, category, brand, base unit, base price, other unit, conversion, other price)
_UNIT_PRODUCTS = [
    ("Bia Tiger lon 330ml", "Bia", "Tiger", "Lon", 19000, "Thùng", 24, 430000),
    ("Nước suối Aquafina 500ml", "Nước suối", "Aquafina", "Chai", 6000, "Thùng", 24, 130000),
    ("Coca-Cola lon 320ml", "Nước ngọt", "Coca-Cola", "Lon", 10000, "Lốc", 6, 58000),
]
# (name, category, price, has image)
_SIMPLE = [
    ("Áo thun polo nam", "Áo thun", 259000, True),
    ("Áo khoác bomber", "Áo khoác", 499000, True),
    ("Áo cardigan len", "Áo khoác", 359000, False),
    ("Quần short kaki", "Quần short", 219000, True),
    ("Quần short thể thao", "Quần short", 159000, False),
    ("Túi đeo chéo mini", "Túi xách", 279000, True),
    ("Balo laptop 15 inch", "Túi xách", 459000, False),
    ("Mũ lưỡi trai trơn", "Mũ nón", 99000, True),
    ("Nón bucket", "Mũ nón", 119000, False),
    ("Thắt lưng da bò", "Thắt lưng & Ví", 299000, True),
    ("Ví da nam", "Thắt lưng & Ví", 349000, False),
    ("Ví nữ cầm tay", "Thắt lưng & Ví", 259000, False),
    ("Vòng tay bạc", "Trang sức", 390000, True),
    ("Khuyên tai ngọc trai", "Trang sức", 210000, False),
    ("Dây chuyền mặt trăng", "Trang sức", 450000, False),
    ("Tất cổ ngắn (3 đôi)", "Phụ kiện", 59000, False),
    ("Khẩu trang vải", "Phụ kiện", 25000, False),
    ("Kính mát thời trang", "Phụ kiện", 199000, True),
    ("Dây buộc tóc", "Phụ kiện", 15000, False),
    ("Móc khóa da", "Phụ kiện", 45000, False),
    ("Pepsi lon 320ml", "Nước ngọt", 10000, False),
    ("Trà xanh 0 độ 455ml", "Nước ngọt", 12000, False),
    ("Sting dâu 330ml", "Nước ngọt", 12000, False),
    ("Bia Heineken lon 330ml", "Bia", 22000, False),
    ("Bia Sài Gòn Special", "Bia", 16000, False),
    ("Sữa tươi TH true MILK 180ml", "Sữa", 9000, False),
    ("Sữa chua uống Probi", "Sữa", 6000, False),
    ("Bánh Chocopie hộp 12 cái", "Bánh kẹo", 55000, True),
    ("Snack Oishi tôm cay", "Bánh kẹo", 8000, False),
    ("Kẹo cao su Doublemint", "Bánh kẹo", 12000, False),
    ("Bánh quy Cosy", "Bánh kẹo", 35000, False),
    ("Túi giấy quà tặng", "Khác", 5000, False),
]
_CUSTOMERS = [
    ("Nguyễn Văn An", True, "Hà Nội - Quận Đống Đa", "Phường Láng Hạ"),
    ("Trần Thị Bích Ngọc", False, "Hà Nội - Quận Ba Đình", "Phường Kim Mã"),
    ("Lê Hoàng Nam", True, "Hồ Chí Minh - Quận 3", "Phường Võ Thị Sáu"),
    ("Phạm Thu Hà", False, "Hà Nội - Quận Cầu Giấy", "Phường Nghĩa Đô"),
    ("Hoàng Minh Tuấn", True, "Đà Nẵng - Quận Hải Châu", "Phường Thạch Thang"),
    ("Vũ Thị Lan", False, "Hải Phòng - Quận Lê Chân", "Phường An Biên"),
    ("Đặng Quốc Bảo", True, "Hồ Chí Minh - Quận Bình Thạnh", "Phường 25"),
    ("Bùi Thị Mai", False, "Hà Nội - Quận Hai Bà Trưng", "Phường Bách Khoa"),
    ("Đỗ Đức Anh", True, "Cần Thơ - Quận Ninh Kiều", "Phường Tân An"),
    ("Ngô Thanh Hương", False, "Hồ Chí Minh - Quận 7", "Phường Tân Phong"),
    ("Dương Văn Khoa", True, "Huế - Thành phố Huế", "Phường Phú Hội"),
    ("Lý Thị Thu Trang", False, "Hà Nội - Quận Tây Hồ", "Phường Quảng An"),
]
_UNIT_BY_CATEGORY = {"Bia": "Lon", "Nước ngọt": "Chai", "Sữa": "Hộp", "Bánh kẹo": "Gói", "Phụ kiện": "Chiếc"}
_STREETS = ["Nguyễn Trãi", "Lê Duẩn", "Trần Hưng Đạo", "Hai Bà Trưng", "Phan Đình Phùng", "Điện Biên Phủ"]
_PHONE_PREFIXES = ["090", "091", "098", "097", "086", "035", "038", "093", "070", "083"]


def _ascii_slug(text: str) -> str:
    import unicodedata

    norm = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in norm if unicodedata.category(ch) != "Mn").lower()
    return "-".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def _barcode(rng: random.Random) -> str:
    return "893" + "".join(str(rng.randrange(10)) for _ in range(10))


def _phone(rng: random.Random) -> str:
    return rng.choice(_PHONE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(7))


def new_shop(state: KvState, body: dict[str, Any]) -> Shop:
    preset = str(body.get("preset") or "demo").lower()
    if preset not in ("demo", "empty"):
        raise ValueError(f"unknown preset {preset!r} (demo|empty)")
    seed = int(body.get("seed", 1))
    default = ("shopthoitrang" if preset == "demo" else "kvshop") + ("" if seed == 1 else str(seed))
    retailer = str(body.get("retailer") or default).strip().lower()
    if not retailer or not all(ch.isalnum() or ch in "-_" for ch in retailer):
        raise ValueError("retailer must be a non-empty account name (letters, digits, - or _)")
    rng = random.Random(f"kiotviet:{preset}:{seed}:{retailer}")
    shop = Shop(
        retailer=retailer,
        retailer_id=rng.randrange(500_000_000, 510_000_000),
        client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        client_secret=f"{rng.getrandbits(160):040x}",
        rng=rng,
    )
    shop.display_name = str(body.get("name") or ("Thời trang Hoa" if preset == "demo" else retailer))
    state.tokens.revoke_retailer(retailer)
    state.shops[retailer] = shop
    now = state.now()
    _base(shop, now, branches=_BRANCHES if preset == "demo" else _BRANCHES[:1], users=preset == "demo")
    if preset == "demo":
        _demo(shop, now)
    n = int(body.get("products") or 0)
    if n > 0:
        bulk_products(
            shop,
            n,
            int(body.get("variants_per_product") or 1),
            now,
            code_prefix=str(body.get("code_prefix") or "BK"),
            on_hand_max=int(body.get("on_hand_max", 100)),
        )
    shop.events.clear()
    return shop


def credentials(shop: Shop, base_url: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "retailer": shop.retailer,
        "client_id": shop.client_id,
        "client_secret": shop.client_secret,
        "retailer_id": shop.retailer_id,
        "name": shop.display_name,
        "branches": [{"id": b.id, "name": b.name, "code": b.code} for b in shop.branches.values()],
        "sale_channels": [{"id": c.id, "name": c.name} for c in shop.sale_channels.values()],
        "products": len(shop.products),
    }
    if base_url:
        out["token_url"] = f"{base_url.rstrip('/')}/connect/token"
        out["api_url"] = base_url.rstrip("/")
    return out


def _base(shop: Shop, now: int, branches: list[tuple[str, str, str, str, str]], users: bool) -> None:
    rng = shop.rng
    born = entity_ticks(now - 400 * DAY)
    for name, code, address, location, ward in branches:
        b = Branch(
            id=shop.next_id("branch"),
            name=name,
            code=code,
            address=address,
            contact_number="+84" + _phone(rng)[1:],
            email=f"{code.lower()}@{shop.retailer}.vn",
            location_name=location,
            ward_name=ward,
            created=born,
        )
        shop.branches[b.id] = b
    admin = User(
        id=shop.next_id("user"),
        user_name="admin",
        given_name="Chủ cửa hàng",
        mobile_phone=_phone(rng),
        email=f"admin@{shop.retailer}.vn",
        created=born,
        hidden=True,
    )
    shop.users[admin.id] = admin
    shop.admin_id = admin.id
    if users:
        for i, (login, given) in enumerate(_USERS):
            u = User(
                id=shop.next_id("user"),
                user_name=login,
                given_name=given,
                mobile_phone=_phone(rng),
                email=f"{login}@{shop.retailer}.vn",
                created=born + (i + 1) * DAY,
                branch_id=list(shop.branches)[i % len(shop.branches)],
            )
            shop.users[u.id] = u
    pos = create_sale_channel(shop, "Bán trực tiếp", born, built_in=True)
    other = create_sale_channel(shop, "Khác", born, built_in=True)
    shop.pos_channel_id = pos.id
    shop.default_channel_id = other.id
    create_sale_channel(shop, "Website", born, img="https://cdn-app.kiotviet.vn/sample/channel-website.png")


@dataclass
class _DemoBuild:
    """What the demo's sections share: the shop and its random draws, the build's clock (each
    product is created one day after the previous one) and the catalogue built so far."""

    shop: Shop
    now: int
    cats: dict[str, int] = field(default_factory=dict)
    brands: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)  # product row by full name
    branches: list[int] = field(default_factory=list)
    cdn: str = ""
    day: int = 0

    @property
    def rng(self) -> random.Random:
        return self.shop.rng

    def stock(self, lo: int = 0, hi: int = 40) -> list[dict[str, Any]]:
        return [{"branchid": b, "onhand": self.rng.randint(lo, hi), "cost": 0} for b in self.branches]

    def when(self) -> int:
        self.day += 1
        return self.now - (120 - self.day) * DAY

    def line(self, key: str, qty: int) -> dict[str, Any]:
        p = self.shop.products[self.by_name[key]]
        return {"productid": p.id, "quantity": qty, "price": p.base_price}


def _demo(shop: Shop, now: int) -> None:
    d = _DemoBuild(shop, now)
    _demo_categories(d)
    _demo_trademarks(d)
    d.branches = list(shop.branches)
    d.cdn = f"https://cdn-images.kiotviet.vn/{shop.retailer}"
    _demo_variant_groups(d)
    _demo_unit_products(d)
    _demo_simple_products(d)
    _demo_special_products(d)
    _demo_pricebooks(d)
    _demo_customers(d)
    website, facebook, ship = _demo_channels_and_surcharges(d)
    _demo_orders_and_invoices(d, website, facebook, ship)


def _demo_categories(d: _DemoBuild) -> None:
    shop, past, cats = d.shop, d.now - 300 * DAY, d.cats
    for root, children in _CATEGORIES:
        cats[root] = create_category(shop, {"categoryname": root}, past).id
        for child, grand in children:
            cats[child] = create_category(shop, {"categoryname": child, "parentid": cats[root]}, past).id
            for g in grand:
                cats[g] = create_category(shop, {"categoryname": g, "parentid": cats[child]}, past).id
    for cat_ in shop.categories.values():
        cat_.modified = None


def _demo_trademarks(d: _DemoBuild) -> None:
    for name in _TRADEMARKS:
        tid = d.shop.next_id("trademark")
        d.shop.trademarks[tid] = name
        d.brands[name] = tid


def _combinations(axes: list[tuple[str, list[str]]]) -> list[list[tuple[str, str]]]:
    """Every (attribute, value) combination of the axes, the first axis varying slowest."""
    combos: list[list[tuple[str, str]]] = [[]]
    for attr, values in axes:
        combos = [[*c, (attr, v)] for c in combos for v in values]
    return combos


def _demo_variant_groups(d: _DemoBuild) -> None:
    rng, cdn = d.rng, d.cdn
    for name, prefix, cat, brand, price, axes, slug in _VARIANT_GROUPS:
        master_id: int | None = None
        for k, combo in enumerate(_combinations(axes)):
            suffix = "-".join(_ascii_slug(v).upper()[:3] for _, v in combo)
            body: dict[str, Any] = {
                "code": f"{prefix}-{suffix}",
                "name": name,
                "categoryid": d.cats[cat],
                "trademarkid": d.brands.get(brand) if brand else None,
                "baseprice": price,
                "unit": "Cái",
                "weight": 300,
                "hasvariants": True,
                "attributes": [{"attributename": a, "attributevalue": v} for a, v in combo],
                "inventories": d.stock(),
                "masterproductid": master_id,
                "description": f"<p>{name} — chất liệu thoáng mát, form chuẩn.</p>",
            }
            if rng.random() < 0.8:
                body["barcode"] = _barcode(rng)
            if k == 0:
                body["images"] = [f"{cdn}/{slug}-1.jpg", f"{cdn}/{slug}-2.jpg"]
            elif k % 3 == 0:
                body["images"] = [f"{cdn}/{slug}-{_ascii_slug(combo[0][1])}.jpg"]
            p = create_product(d.shop, body, d.when())
            if master_id is None:
                master_id = p.id
            d.by_name[f"{name} - {' - '.join(v for _, v in combo)}"] = p.id


def _demo_unit_products(d: _DemoBuild) -> None:
    shop, rng = d.shop, d.rng
    for name, cat, brand, unit, price, other, conv, other_price in _UNIT_PRODUCTS:
        base = create_product(
            shop,
            {
                "name": name,
                "categoryid": d.cats[cat],
                "trademarkid": d.brands[brand],
                "unit": unit,
                "baseprice": price,
                "barcode": _barcode(rng),
                "inventories": [
                    {"branchid": b, "onhand": rng.randint(48, 480), "cost": price * 0.7} for b in d.branches
                ],
                "images": [f"{d.cdn}/{_ascii_slug(name)}.jpg"],
            },
            d.when(),
        )
        create_product(
            shop,
            {
                "masterunitid": base.id,
                "unit": other,
                "conversionvalue": conv,
                "baseprice": other_price,
                "barcode": _barcode(rng),
            },
            d.when(),
        )
        d.by_name[name] = base.id


def _demo_simple_products(d: _DemoBuild) -> None:
    for name, cat, price, image in _SIMPLE:
        body: dict[str, Any] = {
            "name": name,
            "categoryid": d.cats[cat],
            "baseprice": price,
            "unit": _UNIT_BY_CATEGORY.get(cat, "Cái"),
            "inventories": d.stock(0, 60),
        }
        if d.rng.random() < 0.7:
            body["barcode"] = _barcode(d.rng)
        if image:
            body["images"] = [f"{d.cdn}/{_ascii_slug(name)}.jpg"]
        d.by_name[name] = create_product(d.shop, body, d.when()).id


def _demo_special_products(d: _DemoBuild) -> None:
    """A combo, two services and an inactive product."""
    shop, cats, by_name = d.shop, d.cats, d.by_name
    create_product(
        shop,
        {
            "name": "Combo áo thun + mũ lưỡi trai",
            "type": 1,
            "categoryid": cats["Thời trang"],
            "baseprice": 219000,
            "unit": "Bộ",
            "productformulas": [
                {"materialid": by_name["Áo thun cotton basic - Trắng - M"], "quantity": 1},
                {"materialid": by_name["Mũ lưỡi trai trơn"], "quantity": 1},
            ],
            "images": [f"{d.cdn}/combo-ao-thun-mu.jpg"],
        },
        d.when(),
    )
    create_product(
        shop,
        {"name": "Gói quà tặng", "type": 3, "categoryid": cats["Dịch vụ"], "baseprice": 20000, "unit": "Lần"},
        d.when(),
    )
    create_product(
        shop,
        {"name": "Lên lai quần", "type": 3, "categoryid": cats["Dịch vụ"], "baseprice": 30000, "unit": "Lần"},
        d.when(),
    )
    create_product(
        shop,
        {
            "name": "Áo khoác gió 2023",
            "categoryid": cats["Áo khoác"],
            "baseprice": 399000,
            "unit": "Cái",
            "isactive": False,
            "barcode": _barcode(d.rng),
            "inventories": d.stock(0, 5),
        },
        d.when(),
    )


def _demo_pricebooks(d: _DemoBuild) -> None:
    shop, now, cats = d.shop, d.now, d.cats
    wholesale = PriceBook(
        id=shop.next_id("pricebook"),
        name="Giá sỉ",
        created=entity_ticks(now - 200 * DAY),
        start=entity_ticks(now - 200 * DAY),
        end=entity_ticks(now + 3 * 365 * DAY),
    )
    promo = PriceBook(
        id=shop.next_id("pricebook"),
        name="Khuyến mãi tháng này",
        created=entity_ticks(now - 7 * DAY),
        start=entity_ticks(now - 7 * DAY),
        end=entity_ticks(now + 23 * DAY),
        branch_ids=d.branches[:2],
        is_global=False,
    )
    for p in shop.products.values():
        if p.type != 2:
            continue
        if p.category_id in (
            cats["Bia"],
            cats["Nước ngọt"],
            cats["Nước suối"],
            cats["Sữa"],
            cats["Bánh kẹo"],
        ):
            wholesale.lines[p.id] = round(p.base_price * 0.9 / 100) * 100
        elif p.has_variants and d.rng.random() < 0.6:
            promo.lines[p.id] = round(p.base_price * 0.8 / 1000) * 1000
    shop.pricebooks[wholesale.id] = wholesale
    shop.pricebooks[promo.id] = promo


def _demo_customers(d: _DemoBuild) -> None:
    shop, now, rng, branches = d.shop, d.now, d.rng, d.branches
    for i, (name, male, location, ward) in enumerate(_CUSTOMERS):
        created = entity_ticks(now - (90 - i * 5) * DAY)
        c = Customer(
            id=shop.next_id("customer"),
            code=f"KH{i + 1:06d}",
            name=name,
            created=created,
            contact_number=_phone(rng),
            gender=male,
            birth_date=parse_datetime(
                f"{rng.randint(1975, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            ),
            address=f"{rng.randint(1, 299)} {rng.choice(_STREETS)}",
            location_name=location,
            ward_name=ward,
            email=f"{_ascii_slug(name).replace('-', '.')}@gmail.com" if i % 3 != 2 else "",
            branch_id=branches[i % len(branches)],
        )
        shop.customers[c.id] = c
        shop.customer_by_code[c.code.lower()] = c.id


def _demo_channels_and_surcharges(d: _DemoBuild) -> tuple[int, int, int]:
    """Facebook and Shopee channels, two surcharges; returns the ids of the Website and
    Facebook channels and of the shipping surcharge."""
    shop, now = d.shop, d.now
    website = next(ch.id for ch in shop.sale_channels.values() if ch.name == "Website")
    facebook = create_sale_channel(shop, "Facebook", now - 100 * DAY).id
    create_sale_channel(shop, "Shopee", now - 100 * DAY)
    ship = create_surcharge(
        shop, {"name": "Phí vận chuyển", "code": "THK000001", "value": 30000}, now - 100 * DAY
    )
    create_surcharge(shop, {"name": "Phí gói quà", "code": "THK000002", "value": 15000}, now - 100 * DAY)
    return website, facebook, ship.id


def _delivery(c: Customer, price: int = 30000) -> dict[str, Any]:
    return {
        "type": 1,
        "price": price,
        "receiver": c.name,
        "contactnumber": c.contact_number,
        "address": c.address,
        "locationname": c.location_name,
        "wardname": c.ward_name,
        "weight": 500,
    }


def _demo_orders_and_invoices(d: _DemoBuild, website: int, facebook: int, ship: int) -> None:
    """Orders and invoices, made through the same rules the API uses."""
    shop, now, rng, branches, line = d.shop, d.now, d.rng, d.branches, d.line
    customers = list(shop.customers.values())
    sellers = [u.id for u in shop.users.values() if not u.hidden]
    central = branches[0]
    create_order(
        shop,
        {
            "branchid": central,
            "customerid": customers[0].id,
            "salechannelid": website,
            "description": "Đơn web #1001",
            "orderdetails": [line("Áo thun cotton basic - Đen - M", 2), line("Quần jean slim fit - 30", 1)],
            "orderdelivery": _delivery(customers[0]),
            "surchages": [{"id": ship, "price": 30000}],
        },
        now,
    )
    create_order(
        shop,
        {
            "branchid": central,
            "customerid": customers[1].id,
            "salechannelid": facebook,
            "soldbyid": sellers[0],
            "description": "Khách nhắn tin Facebook",
            "orderdetails": [line("Túi tote canvas - Kem - S", 1), line("Mũ lưỡi trai trơn", 1)],
        },
        now,
    )
    confirmed = create_order(
        shop,
        {
            "branchid": branches[1],
            "customerid": customers[2].id,
            "orderdetails": [line("Bia Tiger lon 330ml", 24)],
            "totalpayment": 200000,
            "method": "Transfer",
        },
        now,
    )
    update_order(shop, confirmed.id, {"status": 5}, now)
    done = create_order(
        shop,
        {
            "branchid": central,
            "customerid": customers[3].id,
            "salechannelid": website,
            "description": "Đơn web #0998",
            "orderdetails": [line("Áo sơ mi công sở nam - Trắng - L", 1)],
            "orderdelivery": _delivery(customers[3]),
        },
        now,
    )
    create_invoice(
        shop,
        {
            "orderid": done.id,
            "deliverydetail": {**_delivery(customers[3]), "status": 3},
            "totalpayment": 329000,
        },
        now,
    )
    partial = create_order(
        shop,
        {
            "branchid": central,
            "customerid": customers[4].id,
            "soldbyid": sellers[1],
            "orderdetails": [line("Bánh Chocopie hộp 12 cái", 3), line("Sữa tươi TH true MILK 180ml", 10)],
        },
        now,
    )
    create_invoice(
        shop,
        {
            "orderid": partial.id,
            "invoicedetails": [line("Bánh Chocopie hộp 12 cái", 3)],
            "totalpayment": 165000,
        },
        now,
    )
    cancelled = create_order(
        shop,
        {
            "branchid": central,
            "customerid": customers[5].id,
            "salechannelid": website,
            "description": "Đơn web #0995",
            "orderdetails": [line("Kính mát thời trang", 1)],
        },
        now,
    )
    cancel_order(shop, cancelled.id, True, now)
    shipping = create_order(
        shop,
        {
            "branchid": central,
            "customerid": customers[6].id,
            "salechannelid": website,
            "description": "Đơn web #1000",
            "orderdetails": [line("Áo khoác bomber", 1), line("Thắt lưng da bò", 1)],
            "orderdelivery": _delivery(customers[6]),
        },
        now,
    )
    create_invoice(
        shop,
        {
            "orderid": shipping.id,
            "deliverydetail": {
                **_delivery(customers[6]),
                "status": 2,
                "deliverycode": "GHN" + "".join(str(rng.randrange(10)) for _ in range(9)),
                "usingpricecod": True,
                "pricecodpayment": 828000,
                "partnerdelivery": {"code": "GHN", "name": "Giao Hàng Nhanh"},
            },
            "usingcod": True,
        },
        now,
    )
    create_invoice(
        shop,
        {
            "branchid": branches[2],
            "salechannelid": shop.pos_channel_id,
            "soldbyid": sellers[2],
            "invoicedetails": [line("Coca-Cola lon 320ml", 6), line("Snack Oishi tôm cay", 2)],
            "totalpayment": 76000,
            "method": "Cash",
        },
        now,
    )


def bulk_products(
    shop: Shop,
    groups: int,
    variants: int,
    now: int,
    code_prefix: str = "BK",
    on_hand_max: int = 100,
) -> list[int]:
    """Create ``groups`` x ``variants`` rows fast (benchmarks); returns the new ids."""
    rng = random.Random(f"bulk:{shop.retailer}:{groups}:{variants}:{code_prefix}")
    cat = next((c.id for c in shop.categories.values() if c.name == "Hàng loạt"), None)
    if cat is None:
        cat = create_category(shop, {"categoryname": "Hàng loạt"}, now).id
    branches = list(shop.branches)
    sizes = ["S", "M", "L", "XL", "XXL", "3XL"]
    ids: list[int] = []
    for g in range(1, groups + 1):
        master: int | None = None
        for k in range(1, max(1, variants) + 1):
            body: dict[str, Any] = {
                "code": f"{code_prefix}{g:05d}" + (f"-{k}" if variants > 1 else ""),
                "barcode": f"{rng.randrange(10**12, 10**13)}",
                "name": f"Sản phẩm mẫu {g:05d}",
                "categoryid": cat,
                "baseprice": rng.randrange(50, 2000) * 1000,
                "unit": "Cái",
                "inventories": [{"branchid": b, "onhand": rng.randint(0, on_hand_max)} for b in branches],
            }
            if variants > 1:
                value = sizes[k - 1] if k <= len(sizes) else f"Size {k}"
                body["hasvariants"] = True
                body["attributes"] = [{"attributename": "Kích thước", "attributevalue": value}]
                body["masterproductid"] = master
            p = create_product(shop, body, now)
            master = master or p.id
            ids.append(p.id)
    return ids
