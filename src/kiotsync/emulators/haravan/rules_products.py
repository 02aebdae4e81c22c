"""Products, options, variants and images (digest §3.3–3.5).

Rules Haravan documents: a product without variants gets one ``Default Title`` variant under an
option named ``Title``; a variant's title is its option values joined by `` / ``; at most 3
options and 100 variants; handles come from the title, Vietnamese-folded and made unique with
``-1``, ``-2``…; DELETE cascades to variants, images and stock rows. Guesses (documented in
docs/fidelity-haravan.md): product PUT keeps variants it does not mention; option names given
without values are inferred (``Title``, ``Option2``, ``Option3``); option count is fixed after
create (PUT can only rename); an initial ``inventory_quantity`` lands on the primary location.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .context import Ctx
from .enums import PUBLISHED_SCOPES
from .listing import common_filters, id_list
from .model import Image, Option, Product, Variant
from .rules_images import check_images, edit_image, find_image, new_image, remove_image, set_image_variants
from .rules_inventory import change, ensure_balances, remove_balances, total_available
from .serialize import product as serialize_product
from .store import Shop
from .textfold import add_tags, normalize_tags, remove_tags, search_key, unique_handle
from .validation import choice, flag, integer, invalid, number, text, wrapped

MAX_OPTIONS = 3
MAX_VARIANTS = 100
DEFAULT_TITLE = "Default Title"
DEFAULT_VENDOR = "Khác"
INFERRED_OPTION_NAMES = ("Title", "Option2", "Option3")


def _emit_update(ctx: Ctx, product: Product) -> None:
    ctx.emit("products/update", lambda: serialize_product(ctx.shop, product))


def _inventory_management(value: Any) -> str | None:
    out = text(value)
    if out is None:
        return None
    if out.lower() != "haravan":
        invalid("inventory_management", "must be haravan or blank")
    return "haravan"


def _option_names(raw: Any) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        invalid("options", "must be a list")
    if len(raw) > MAX_OPTIONS:
        invalid("options", f"is too long (maximum is {MAX_OPTIONS} options)")
    items = []
    for i, opt in enumerate(raw):
        name = text(opt.get("name")) if isinstance(opt, dict) else text(opt)
        if name is None:
            invalid("options", "name can't be blank")
        pos = opt.get("position") if isinstance(opt, dict) else None
        items.append((integer(pos, "options.position", i + 1), i, name))
    items.sort()
    return [name for _, _, name in items]


def _option_values(data: Mapping[str, Any]) -> list[str | None]:
    return [text(data.get(f"option{k}")) for k in (1, 2, 3)]


def _check_values(values: list[str | None], n_options: int, single: bool) -> list[str | None]:
    """Every defined option needs a value; none beyond. A lone variant defaults to Default Title."""
    out = list(values)
    for k in range(3):
        if k < n_options:
            if out[k] is None:
                if single and n_options == 1:
                    out[k] = DEFAULT_TITLE
                else:
                    invalid(f"option{k + 1}", "can't be blank")
        elif out[k] is not None:
            invalid(f"option{k + 1}", "has no matching product option")
    return out


def _check_unique(variants: list[Variant]) -> None:
    if len(variants) > MAX_VARIANTS:
        invalid("variants", f"is too long (maximum is {MAX_VARIANTS} variants)")
    seen: set[tuple[str | None, ...]] = set()
    for v in variants:
        key = (v.option1, v.option2, v.option3)
        if key in seen:
            invalid("base", f"The variant '{v.title}' already exists.")
        seen.add(key)


def _units(raw: Any, ctx: Ctx) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        invalid("variant_units", "must be a list")
    out = []
    for unit in raw:
        if not isinstance(unit, dict):
            invalid("variant_units", "must be a list of objects")
        u = dict(unit)
        if not u.get("id"):
            u["id"] = ctx.next_id("variant")
        out.append(u)
    return out


def _new_variant(ctx: Ctx, product: Product, data: Mapping[str, Any], values: list[str | None]) -> Variant:
    if not isinstance(data, Mapping):
        invalid("variants", "must be a list of objects")
    return Variant(
        id=ctx.next_id("variant"),
        product_id=product.id,
        option1=values[0],
        option2=values[1],
        option3=values[2],
        sku=text(data.get("sku")),
        barcode=text(data.get("barcode")),
        price=number(data.get("price"), "price"),
        compare_at_price=number(data.get("compare_at_price"), "compare_at_price"),
        grams=number(data.get("grams"), "grams"),
        inventory_management=_inventory_management(data.get("inventory_management")),
        inventory_policy=choice(
            data.get("inventory_policy"), "inventory_policy", ("deny", "continue"), "deny"
        ),
        requires_shipping=flag(data.get("requires_shipping"), True),
        taxable=flag(data.get("taxable"), True),
        image_id=None,
        created_at=ctx.now_ms,
        updated_at=ctx.now_ms,
        lot_support=flag(data.get("lot_support"), False),
        variant_units=_units(data.get("variant_units"), ctx),
    )


def _attach_variant(ctx: Ctx, product: Product, variant: Variant, data: Mapping[str, Any]) -> None:
    product.variants.append(variant)
    ctx.shop.index_variant(variant)
    ensure_balances(ctx, variant)
    qty = data.get("inventory_quantity")
    if qty not in (None, "") and ctx.config.variant_inventory_writes == "primary":
        q = integer(qty, "inventory_quantity")
        change(ctx, ctx.shop.primary_location.id, variant.id, d_onhand=q)
        variant.old_inventory_quantity = 0
        variant.inventory_quantity_adjustment = q


def _published(data: Mapping[str, Any], ctx: Ctx, current: int | None) -> int | None:
    if "published" in data:
        if flag(data.get("published"), True):
            return current if current is not None else ctx.now_ms
        return None
    if "published_at" in data:
        return None if data.get("published_at") in (None, "") else (current or ctx.now_ms)
    return current


def create_product(ctx: Ctx, body: Any) -> Product:
    data = wrapped(body, "product")
    title = text(data.get("title"))
    if title is None:
        invalid("title", "can't be blank")
    shop = ctx.shop
    raw_variants = data.get("variants")
    if raw_variants is not None and not isinstance(raw_variants, list):
        invalid("variants", "must be a list")
    raw_variants = raw_variants or []
    if len(raw_variants) > MAX_VARIANTS:
        invalid("variants", f"is too long (maximum is {MAX_VARIANTS} variants)")
    names = _option_names(data.get("options"))
    if names is None or not names:
        used = 1
        for v in raw_variants:
            if isinstance(v, Mapping):
                for k in (3, 2, 1):
                    if text(v.get(f"option{k}")) is not None:
                        used = max(used, k)
                        break
        names = list(INFERRED_OPTION_NAMES[:used])
    if not raw_variants and len(names) > 1:
        invalid("variants", "can't be blank when more than one option is given")
    handle_src = text(data.get("handle")) or title
    if "published" in data:
        published = flag(data.get("published"), True)
    else:
        published = data.get("published_at", True) not in (None, "")
    product = Product(
        id=ctx.next_id("product"),
        title=title,
        body_html=text(data.get("body_html"), blank_is_none=False),
        vendor=text(data.get("vendor")) or DEFAULT_VENDOR,
        product_type=text(data.get("product_type")) or DEFAULT_VENDOR,
        handle=unique_handle(handle_src, shop.handles),
        tags=normalize_tags(data.get("tags")),
        template_suffix=text(data.get("template_suffix")),
        published_at=ctx.now_ms if published else None,
        published_scope=choice(
            data.get("published_scope"), "published_scope", PUBLISHED_SCOPES, "global" if published else "pos"
        ),
        only_hide_from_list=flag(data.get("only_hide_from_list"), False),
        not_allow_promotion=flag(data.get("not_allow_promotion"), False),
        options=[],
        variants=[],
        images=[],
        created_at=ctx.now_ms,
        updated_at=ctx.now_ms,
    )
    product.options = [Option(ctx.next_id("option"), name, i + 1) for i, name in enumerate(names)]
    specs = raw_variants or [{}]
    single = len(specs) == 1
    built = [
        (_new_variant(ctx, product, spec, _check_values(_option_values(spec), len(names), single)), spec)
        for spec in specs
    ]
    _check_unique([v for v, _ in built])
    check_images(data.get("images"))
    # validation done: from here on the product is committed
    shop.products[product.id] = product
    shop.handles[product.handle] = product.id
    for variant, spec in built:
        _attach_variant(ctx, product, variant, spec)
    for raw_img in data.get("images") or []:
        new_image(ctx, product, raw_img)
    if isinstance(data.get("image"), Mapping) and not product.images:
        new_image(ctx, product, data["image"])
    ctx.emit("products/create", lambda: serialize_product(shop, product))
    return product


# Plain variant attributes a PUT may change, in the order they are validated and set: the new
# value from the raw one (the variant gives defaults).
VARIANT_FIELDS: dict[str, Callable[[Ctx, Variant, str, Any], Any]] = {
    "sku": lambda ctx, v, key, raw: text(raw),
    "barcode": lambda ctx, v, key, raw: text(raw),
    "price": lambda ctx, v, key, raw: number(raw, key),
    "compare_at_price": lambda ctx, v, key, raw: number(raw, key),
    "grams": lambda ctx, v, key, raw: number(raw, key),
    "inventory_management": lambda ctx, v, key, raw: _inventory_management(raw),
    "inventory_policy": lambda ctx, v, key, raw: choice(raw, key, ("deny", "continue"), "deny"),
    "requires_shipping": lambda ctx, v, key, raw: flag(raw, getattr(v, key)),
    "taxable": lambda ctx, v, key, raw: flag(raw, getattr(v, key)),
    "lot_support": lambda ctx, v, key, raw: flag(raw, getattr(v, key)),
    "variant_units": lambda ctx, v, key, raw: _units(raw, ctx),
}


def _variant_image(product: Product, image_id: Any) -> Image | None:
    """The image a variant update names (``None`` to detach), one of the product's own."""
    if image_id in (None, ""):
        return None
    iid = integer(image_id, "image_id")
    img = next((i for i in product.images if i.id == iid), None)
    if img is None:
        invalid("image_id", f"image {iid} does not belong to product {product.id}")
    return img


def _variant_stock_change(data: Mapping[str, Any]) -> dict[str, Any]:
    """``stock_to`` (an absolute ``inventory_quantity``) or else ``stock_by`` (an adjustment)."""
    if data.get("inventory_quantity") not in (None, ""):
        return {"stock_to": integer(data.get("inventory_quantity"), "inventory_quantity")}
    if data.get("inventory_quantity_adjustment") not in (None, ""):
        return {
            "stock_by": integer(data.get("inventory_quantity_adjustment"), "inventory_quantity_adjustment")
        }
    return {}


def _parse_variant_update(ctx: Ctx, product: Product, v: Variant, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a variant update without touching state; returns the attribute changes."""
    if not isinstance(data, Mapping):
        invalid("variants", "must be a list of objects")
    out: dict[str, Any] = {}
    if any(f"option{k}" in data for k in (1, 2, 3)):
        values = [
            text(data[f"option{k}"]) if f"option{k}" in data else getattr(v, f"option{k}") for k in (1, 2, 3)
        ]
        out["options"] = tuple(_check_values(values, len(product.options), len(product.variants) == 1))
    for key, parse in VARIANT_FIELDS.items():
        if key in data:
            out[key] = parse(ctx, v, key, data.get(key))
    if "image_id" in data:
        out["image"] = _variant_image(product, data.get("image_id"))
    out.update(_variant_stock_change(data))
    return out


def _commit_variant_update(ctx: Ctx, product: Product, v: Variant, changes: dict[str, Any]) -> None:
    shop = ctx.shop
    if "options" in changes:
        v.option1, v.option2, v.option3 = changes["options"]
    shop.unindex_variant(v)
    for key in VARIANT_FIELDS:
        if key in changes:
            setattr(v, key, changes[key])
    shop.index_variant(v)
    if "image" in changes:
        img = changes["image"]
        if img is None:
            for other in product.images:
                other.variant_ids = [x for x in other.variant_ids if x != v.id]
            v.image_id = None
        elif v.id not in img.variant_ids:
            set_image_variants(product, img, [*img.variant_ids, v.id])
    before = total_available(shop, v.id)
    v.old_inventory_quantity = before
    v.inventory_quantity_adjustment = None
    if ctx.config.variant_inventory_writes == "primary":
        delta = changes["stock_to"] - before if "stock_to" in changes else changes.get("stock_by")
        if delta is not None:
            change(ctx, shop.primary_location.id, v.id, d_onhand=delta)
            v.inventory_quantity_adjustment = delta
    v.updated_at = ctx.now_ms


def _updated_title(product: Product, data: Mapping[str, Any]) -> str:
    if "title" not in data:
        return product.title
    title = text(data.get("title")) or ""
    if not title:
        invalid("title", "can't be blank")
    return title


def _option_renames(product: Product, data: Mapping[str, Any]) -> list[str] | None:
    """New names for the product's options (``None``: unchanged); their number is fixed."""
    if data.get("options") is None:
        return None
    names = _option_names(data["options"]) or []
    if len(names) != len(product.options):
        invalid("options", "can only be renamed; add variants carrying a value to add an option")
    return names


VariantUpdate = tuple[Variant, dict[str, Any]]
VariantAddition = tuple[Variant, Mapping[str, Any]]


def _plan_variants(
    ctx: Ctx, product: Product, raw_variants: Any
) -> tuple[list[VariantUpdate], list[VariantAddition]]:
    """The PUT's ``variants``: changes to the product's own (by ``id``) and new ones; the
    resulting option combinations are checked (count, duplicates)."""
    updates: list[VariantUpdate] = []
    additions: list[VariantAddition] = []
    if raw_variants is None:
        return updates, additions
    if not isinstance(raw_variants, list):
        invalid("variants", "must be a list")
    mine = {v.id: v for v in product.variants}
    for spec in raw_variants:
        if not isinstance(spec, Mapping):
            invalid("variants", "must be a list of objects")
        if spec.get("id") not in (None, ""):
            vid = integer(spec.get("id"), "variants.id")
            if vid not in mine:
                invalid("variants", f"variant {vid} does not belong to product {product.id}")
            updates.append((mine[vid], _parse_variant_update(ctx, product, mine[vid], spec)))
        else:
            values = _check_values(_option_values(spec), len(product.options), False)
            additions.append((_new_variant(ctx, product, spec, values), spec))
    _check_combinations(product, updates, additions)
    return updates, additions


def _check_combinations(
    product: Product, updates: list[VariantUpdate], additions: list[VariantAddition]
) -> None:
    combos = {v.id: (v.option1, v.option2, v.option3) for v in product.variants}
    for v, changes in updates:
        combos[v.id] = changes.get("options", combos[v.id])
    for v, _ in additions:
        combos[v.id] = (v.option1, v.option2, v.option3)
    if len(combos) > MAX_VARIANTS:
        invalid("variants", f"is too long (maximum is {MAX_VARIANTS} variants)")
    if len(set(combos.values())) != len(combos):
        invalid("base", "The variant already exists (duplicate option values).")


def _check_image_edits(product: Product, data: Mapping[str, Any]) -> None:
    check_images(data.get("images"))
    for raw in data.get("images") or []:
        if raw.get("id"):
            find_image(product, integer(raw["id"], "images.id"))


def _rename_handle(shop: Shop, product: Product, data: Mapping[str, Any]) -> None:
    if not text(data.get("handle")):
        return
    shop.handles.pop(product.handle, None)
    taken = {h for h in shop.handles if shop.handles[h] != product.id}
    product.handle = unique_handle(str(data["handle"]), taken)
    shop.handles[product.handle] = product.id


# Plain product attributes a PUT may set: the new value from the raw one (and the product).
PRODUCT_FIELDS: dict[str, Callable[[Product, str, Any], Any]] = {
    "body_html": lambda p, key, raw: text(raw, blank_is_none=False),
    "vendor": lambda p, key, raw: text(raw) or DEFAULT_VENDOR,
    "product_type": lambda p, key, raw: text(raw) or DEFAULT_VENDOR,
    "template_suffix": lambda p, key, raw: text(raw),
    "tags": lambda p, key, raw: normalize_tags(raw),
    "only_hide_from_list": lambda p, key, raw: flag(raw, getattr(p, key)),
    "not_allow_promotion": lambda p, key, raw: flag(raw, getattr(p, key)),
}


def _set_product_fields(product: Product, data: Mapping[str, Any]) -> None:
    for key, read in PRODUCT_FIELDS.items():
        if key in data:
            setattr(product, key, read(product, key, data.get(key)))


def _set_publication(ctx: Ctx, product: Product, data: Mapping[str, Any], scope: str | None) -> None:
    """``published``/``published_at``; the scope follows a change of visibility unless given."""
    was_published = product.published_at is not None
    product.published_at = _published(data, ctx, product.published_at)
    if scope is not None:
        product.published_scope = scope
    elif was_published != (product.published_at is not None):
        product.published_scope = "global" if product.published_at is not None else "pos"


def _apply_image_edits(ctx: Ctx, product: Product, data: Mapping[str, Any]) -> None:
    for raw in data.get("images") or []:
        if raw.get("id"):
            img = find_image(product, integer(raw["id"], "images.id"))
            edit_image(ctx, product, img, raw)
        else:
            new_image(ctx, product, raw)


def update_product(ctx: Ctx, product: Product, body: Any) -> Product:
    """Partial update. Everything is validated before anything changes (a 422 leaves no trace)."""
    data = wrapped(body, "product")
    # -- validate -------------------------------------------------------------------------
    title = _updated_title(product, data)
    names = _option_renames(product, data)
    updates, additions = _plan_variants(ctx, product, data.get("variants"))
    _check_image_edits(product, data)
    scope = None
    if "published_scope" in data:
        scope = choice(data.get("published_scope"), "published_scope", PUBLISHED_SCOPES, "global")
    # -- apply ----------------------------------------------------------------------------
    product.title = title
    if names is not None:
        for opt, name in zip(product.options, names, strict=True):
            opt.name = name
    for v, changes in updates:
        _commit_variant_update(ctx, product, v, changes)
    for variant, spec in additions:
        _attach_variant(ctx, product, variant, spec)
    _rename_handle(ctx.shop, product, data)
    _set_product_fields(product, data)
    _set_publication(ctx, product, data, scope)
    _apply_image_edits(ctx, product, data)
    product.updated_at = ctx.now_ms
    _emit_update(ctx, product)
    return product


def delete_product(ctx: Ctx, product: Product) -> None:
    shop = ctx.shop
    for v in product.variants:
        shop.unindex_variant(v)
        remove_balances(shop, v.id)
    shop.products.pop(product.id, None)
    if shop.handles.get(product.handle) == product.id:
        del shop.handles[product.handle]
    pid = product.id
    ctx.emit("products/deleted", lambda: {"id": pid})


def set_product_tags(ctx: Ctx, product: Product, body: Any, add: bool) -> str | None:
    tags = body.get("tags") if isinstance(body, dict) else None
    if tags in (None, ""):
        invalid("tags", "can't be blank")
    product.tags = add_tags(product.tags, tags) if add else remove_tags(product.tags, tags)
    product.updated_at = ctx.now_ms
    _emit_update(ctx, product)
    return product.tags


def list_products(shop: Shop, args: Mapping[str, str]) -> list[Product]:
    pred = common_filters(
        args,
        lambda p: p.id,
        {
            "created_at": lambda p: p.created_at,
            "updated_at": lambda p: p.updated_at,
            "published_at": lambda p: p.published_at,
        },
    )
    candidates: Any = shop.products.values()
    sku = args.get("sku")
    barcode = args.get("barcode")
    handle = args.get("handle")
    if sku is not None:
        pids = {shop.variants[v].product_id for v in shop.skus.get(sku, ())}
        candidates = [shop.products[p] for p in sorted(pids)]
    if barcode is not None:
        pids = {shop.variants[v].product_id for v in shop.barcodes.get(barcode, ())}
        candidates = [p for p in candidates if p.id in pids]
    if handle is not None:
        handles = {h.strip() for h in handle.split(",")}
        candidates = [p for p in candidates if p.handle in handles]
    vendor = args.get("vendor")
    ptype = args.get("product_type")
    title = search_key(args.get("title")) if args.get("title") else None
    collection = args.get("collection_id")
    return [
        p
        for p in candidates
        if pred(p)
        and (vendor is None or p.vendor == vendor)
        and (ptype is None or p.product_type == ptype)
        and (title is None or title in search_key(p.title))
        and not collection
    ]


# -- variants --------------------------------------------------------------------------------
def add_variant(ctx: Ctx, product: Product, body: Any) -> Variant:
    data = wrapped(body, "variant")
    values = _check_values(_option_values(data), len(product.options), False)
    variant = _new_variant(ctx, product, data, values)
    _check_unique([*product.variants, variant])
    _attach_variant(ctx, product, variant, data)
    product.updated_at = ctx.now_ms
    _emit_update(ctx, product)
    return variant


def update_variant(ctx: Ctx, variant: Variant, body: Any) -> Variant:
    data = wrapped(body, "variant")
    product = ctx.shop.products[variant.product_id]
    changes = _parse_variant_update(ctx, product, variant, data)
    if "options" in changes:
        others = {(v.option1, v.option2, v.option3) for v in product.variants if v is not variant}
        if changes["options"] in others:
            invalid("base", f"The variant '{' / '.join(x for x in changes['options'] if x)}' already exists.")
    _commit_variant_update(ctx, product, variant, changes)
    product.updated_at = ctx.now_ms
    _emit_update(ctx, product)
    return variant


def delete_variant(ctx: Ctx, product: Product, variant: Variant) -> None:
    if len(product.variants) <= 1:
        invalid("base", "Cannot delete the last variant of a product")
    product.variants.remove(variant)
    ctx.shop.unindex_variant(variant)
    remove_balances(ctx.shop, variant.id)
    for img in product.images:
        img.variant_ids = [v for v in img.variant_ids if v != variant.id]
    product.updated_at = ctx.now_ms
    _emit_update(ctx, product)


def list_variants(product: Product, args: Mapping[str, str]) -> list[Variant]:
    pred = common_filters(
        args, lambda v: v.id, {"created_at": lambda v: v.created_at, "updated_at": lambda v: v.updated_at}
    )
    ids = id_list(args, "ids")
    return [v for v in product.variants if pred(v) and (ids is None or v.id in ids)]


# -- images (the product's part: timestamps and events; the rest is rules_images) --------------
def add_image(ctx: Ctx, product: Product, body: Any) -> Image:
    img = new_image(ctx, product, wrapped(body, "image"))
    product.updated_at = ctx.now_ms
    _emit_update(ctx, product)
    return img


def update_image(ctx: Ctx, product: Product, img: Image, body: Any) -> Image:
    edit_image(ctx, product, img, wrapped(body, "image"))
    product.updated_at = ctx.now_ms
    _emit_update(ctx, product)
    return img


def delete_image(ctx: Ctx, product: Product, img: Image) -> None:
    remove_image(product, img)
    product.updated_at = ctx.now_ms
    _emit_update(ctx, product)
