"""Product descriptions cross from one platform's back office to the other's storefront: they
are cleaned to formatting HTML (no script, no event handlers, no ``javascript:`` links) with
``nh3`` (the Rust ``ammonia`` sanitiser) before KiotSync writes them anywhere."""

from __future__ import annotations

import nh3

_ATTRIBUTES: dict[str, set[str]] = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
# Editors in both back offices style text inline and size images; CSS in a style attribute runs
# no script in any current browser.
_ATTRIBUTES["*"] = _ATTRIBUTES.get("*", set()) | {"style", "class", "align", "width", "height", "title"}
_TAGS = set(nh3.ALLOWED_TAGS) | {"span", "div", "font", "u", "s", "figure", "figcaption"}
_ATTRIBUTES["font"] = {"color", "face", "size"}


def clean_html(html: str) -> str:
    """Formatting HTML safe to show on a storefront; plain text comes back unchanged."""
    if not html or "<" not in html:
        return html
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, link_rel="noopener noreferrer")
