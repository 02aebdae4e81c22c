"""Product images (digest §3.5): source URL or uploaded attachment, position among the
product's images (renumbered 1..n), and which variants show the image (a variant shows at most
one). Events and the product's timestamp are the caller's (:mod:`.rules_products`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from .context import Ctx
from .model import Image, Product
from .validation import integer, invalid, not_found, text


def _image_src(ctx: Ctx, data: Mapping[str, Any], image_id: int) -> tuple[str, str | None]:
    src = text(data.get("src"))
    filename = text(data.get("filename"))
    if src:
        return src, filename or (os.path.basename(urlparse(src).path) or None)
    if data.get("attachment"):
        name = filename or f"{image_id}.jpg"
        return f"https://product.hstatic.net/{ctx.shop.id}/product/{name}", name
    invalid("src", "can't be blank")


def set_image_variants(product: Product, img: Image, variant_ids: Any) -> None:
    if variant_ids is None:
        return
    if not isinstance(variant_ids, list):
        invalid("variant_ids", "must be a list")
    ids = [integer(v, "variant_ids") for v in variant_ids]
    mine = {v.id: v for v in product.variants}
    for vid in ids:
        if vid not in mine:
            invalid("variant_ids", f"variant {vid} does not belong to product {product.id}")
    for other in product.images:
        if other is not img:
            other.variant_ids = [v for v in other.variant_ids if v not in ids]
    for v in product.variants:
        if v.id in ids:
            v.image_id = img.id
        elif v.image_id == img.id:
            v.image_id = None
    img.variant_ids = ids


def _renumber_images(product: Product) -> None:
    for i, img in enumerate(product.images):
        img.position = i + 1


def _place_image(product: Product, img: Image, position: Any) -> None:
    if img in product.images:
        product.images.remove(img)
    pos = integer(position, "position", len(product.images) + 1)
    product.images.insert(max(0, min(pos - 1, len(product.images))), img)
    _renumber_images(product)


def new_image(ctx: Ctx, product: Product, data: Any) -> Image:
    if not isinstance(data, Mapping):
        invalid("images", "must be a list of objects")
    image_id = ctx.next_id("image")
    src, filename = _image_src(ctx, data, image_id)
    img = Image(image_id, product.id, 0, src, filename, [], ctx.now_ms, ctx.now_ms)
    _place_image(product, img, data.get("position"))
    set_image_variants(product, img, data.get("variant_ids"))
    return img


def check_images(raw: Any) -> None:
    if raw is None:
        return
    if not isinstance(raw, list):
        invalid("images", "must be a list")
    for img in raw:
        if not isinstance(img, Mapping):
            invalid("images", "must be a list of objects")
        if not img.get("id") and not text(img.get("src")) and not img.get("attachment"):
            invalid("src", "can't be blank")


def find_image(product: Product, image_id: int) -> Image:
    for img in product.images:
        if img.id == image_id:
            return img
    not_found()


def edit_image(ctx: Ctx, product: Product, img: Image, data: Mapping[str, Any]) -> None:
    if "src" in data or "attachment" in data:
        img.src, img.filename = _image_src(ctx, data, img.id)
    if "filename" in data and data.get("filename"):
        img.filename = text(data["filename"])
    if "position" in data:
        _place_image(product, img, data.get("position"))
    if "variant_ids" in data:
        set_image_variants(product, img, data.get("variant_ids"))
    img.updated_at = ctx.now_ms


def remove_image(product: Product, img: Image) -> None:
    product.images.remove(img)
    for v in product.variants:
        if v.image_id == img.id:
            v.image_id = None
    _renumber_images(product)
