"""``/com`` routes of the catalogue: the shop and its locations, products, variants, images
(digest §3.1–3.5) and inventory (§3.6). Parsing and serialising only; the rules are in
:mod:`.rules_products`, :mod:`.rules_images` and :mod:`.rules_inventory`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .context import Ctx
from .http_com_base import Result, Route, many, one, page_limit
from .listing import paginate
from .model import Product
from .rules_images import find_image
from .rules_inventory import adjust_or_set, list_adjustments, list_balances
from .rules_products import (
    add_image,
    add_variant,
    create_product,
    delete_image,
    delete_product,
    delete_variant,
    list_products,
    list_variants,
    set_product_tags,
    update_image,
    update_product,
    update_variant,
)
from .serialize import adjustment as adjustment_json
from .serialize import balance as balance_json
from .serialize import image as image_json
from .serialize import location as location_json
from .serialize import product as product_json
from .serialize import shop as shop_json
from .serialize import variant as variant_json
from .serialize import variant_in_product as variant_in_product_json
from .store import Shop
from .validation import found


def _product(shop: Shop, product_id: int) -> Product:
    return found(shop.products.get(product_id))


# -- shop & locations ------------------------------------------------------------------------
def shop_get(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    owner = ctx.world.users.get(ctx.shop.owner_id)
    return one("shop", shop_json(ctx.shop, owner.name if owner else ""), args)


def locations_list(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return many("locations", [location_json(loc) for loc in ctx.shop.locations.values()], args)


def location_get(ctx: Ctx, args: Mapping[str, str], body: Any, location_id: int) -> Result:
    return one("location", location_json(found(ctx.shop.locations.get(location_id))), args)


# -- products --------------------------------------------------------------------------------
def products_list(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(list_products(ctx.shop, args), args, 50, page_limit(ctx))
    return many("products", [product_json(ctx.shop, p) for p in found], args)


def products_count(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return 200, {"count": len(list_products(ctx.shop, args))}


def product_create(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    p = create_product(ctx, body)
    return one("product", product_json(ctx.shop, p), args, 201)


def product_get(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return one("product", product_json(ctx.shop, _product(ctx.shop, product_id)), args)


def product_update(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    p = update_product(ctx, _product(ctx.shop, product_id), body)
    return one("product", product_json(ctx.shop, p), args)


def product_delete(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    delete_product(ctx, _product(ctx.shop, product_id))
    return 200, []


def product_tags_add(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return 200, {"tags": set_product_tags(ctx, _product(ctx.shop, product_id), body, True)}


def product_tags_remove(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return 200, {"tags": set_product_tags(ctx, _product(ctx.shop, product_id), body, False)}


# -- variants --------------------------------------------------------------------------------
def variants_list(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    found = paginate(list_variants(p, args), args, 50, page_limit(ctx))
    return many("variants", [variant_json(ctx.shop, v, p.variants.index(v) + 1) for v in found], args)


def variants_count(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return 200, {"count": len(list_variants(_product(ctx.shop, product_id), args))}


def variant_create(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    v = add_variant(ctx, _product(ctx.shop, product_id), body)
    return one("variant", variant_in_product_json(ctx.shop, v), args, 201)


def variant_get(ctx: Ctx, args: Mapping[str, str], body: Any, variant_id: int) -> Result:
    v = found(ctx.shop.variants.get(variant_id))
    return one("variant", variant_in_product_json(ctx.shop, v), args)


def variant_update(ctx: Ctx, args: Mapping[str, str], body: Any, variant_id: int) -> Result:
    v = found(ctx.shop.variants.get(variant_id))
    update_variant(ctx, v, body)
    return one("variant", variant_in_product_json(ctx.shop, v), args)


def variant_delete(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int, variant_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    v = found(next((x for x in p.variants if x.id == variant_id), None))
    delete_variant(ctx, p, v)
    return 200, []


# -- images ----------------------------------------------------------------------------------
def images_list(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    return many("images", [image_json(i) for i in p.images], args)


def images_count(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    return 200, {"count": len(_product(ctx.shop, product_id).images)}


def image_create(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int) -> Result:
    img = add_image(ctx, _product(ctx.shop, product_id), body)
    return one("image", image_json(img), args, 201)


def image_get(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int, image_id: int) -> Result:
    return one("image", image_json(find_image(_product(ctx.shop, product_id), image_id)), args)


def image_update(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int, image_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    img = update_image(ctx, p, find_image(p, image_id), body)
    return one("image", image_json(img), args)


def image_delete(ctx: Ctx, args: Mapping[str, str], body: Any, product_id: int, image_id: int) -> Result:
    p = _product(ctx.shop, product_id)
    delete_image(ctx, p, find_image(p, image_id))
    return 200, {}


# -- inventory -------------------------------------------------------------------------------
def balances_list(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(list_balances(ctx.shop, args), args, 250, 250)
    return many("inventory_locations", [balance_json(b) for b in found], args)


def inventory_adjust_or_set(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    adj = adjust_or_set(ctx, body)
    return 200, {"inventory": adjustment_json(adj)}


def adjustments_list(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    found = paginate(list_adjustments(ctx.shop, args), args, 50, page_limit(ctx))
    return many("adjustments", [adjustment_json(a) for a in found], args)


def adjustments_count(ctx: Ctx, args: Mapping[str, str], body: Any) -> Result:
    return 200, {"count": len(list_adjustments(ctx.shop, args))}


def adjustment_get(ctx: Ctx, args: Mapping[str, str], body: Any, adjustment_id: int) -> Result:
    return one("adjustment", adjustment_json(found(ctx.shop.adjustments.get(adjustment_id))), args)


ROUTES: list[Route] = [
    ("/shop.json", ["GET"], "shop", shop_get),
    ("/locations.json", ["GET"], "shop", locations_list),
    ("/locations/<int:location_id>.json", ["GET"], "shop", location_get),
    ("/products.json", ["GET"], "products", products_list),
    ("/products.json", ["POST"], "products", product_create),
    ("/products/count.json", ["GET"], "products", products_count),
    ("/products/<int:product_id>.json", ["GET"], "products", product_get),
    ("/products/<int:product_id>.json", ["PUT"], "products", product_update),
    ("/products/<int:product_id>.json", ["DELETE"], "products", product_delete),
    ("/products/<int:product_id>/tags.json", ["POST"], "products", product_tags_add),
    ("/products/<int:product_id>/tags.json", ["DELETE"], "products", product_tags_remove),
    ("/products/<int:product_id>/variants.json", ["GET"], "products", variants_list),
    ("/products/<int:product_id>/variants.json", ["POST"], "products", variant_create),
    ("/products/<int:product_id>/variants/count.json", ["GET"], "products", variants_count),
    ("/products/<int:product_id>/count.json", ["GET"], "products", variants_count),
    ("/products/<int:product_id>/variants/<int:variant_id>.json", ["DELETE"], "products", variant_delete),
    ("/variants/<int:variant_id>.json", ["GET"], "products", variant_get),
    ("/variants/<int:variant_id>.json", ["PUT"], "products", variant_update),
    ("/products/<int:product_id>/images.json", ["GET"], "products", images_list),
    ("/products/<int:product_id>/images.json", ["POST"], "products", image_create),
    ("/products/<int:product_id>/images/count.json", ["GET"], "products", images_count),
    ("/products/<int:product_id>/images/<int:image_id>.json", ["GET"], "products", image_get),
    ("/products/<int:product_id>/images/<int:image_id>.json", ["PUT"], "products", image_update),
    ("/products/<int:product_id>/images/<int:image_id>.json", ["DELETE"], "products", image_delete),
    ("/inventory_locations.json", ["GET"], "inventories", balances_list),
    ("/inventories/adjustorset.json", ["POST"], "inventories", inventory_adjust_or_set),
    ("/inventories/adjustments.json", ["GET"], "inventories", adjustments_list),
    ("/inventories/adjustments/count.json", ["GET"], "inventories", adjustments_count),
    ("/inventories/adjustments/<int:adjustment_id>.json", ["GET"], "inventories", adjustment_get),
]
