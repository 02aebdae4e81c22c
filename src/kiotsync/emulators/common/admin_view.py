"""The back-office page machinery both emulators share.

A :class:`View` is what one admin URL shows (which shop, the product search and page, a message
to flash) and the hidden fields every form carries so the answer comes back to the same view.
An :class:`AdminSite` is one platform's back office: the platform says how to find and label its
shops and renders its own sections; the site does the rest — the shop picker, the page frame
(header, shop switch, flash message), the form round trip through the JSON control plane
(``303`` back to the page, or ``400`` with the error and nothing changed) and the emulator's
``GET /`` index. Rendering runs under the platform's state lock and never changes state.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any, ClassVar, Generic, NamedTuple, Protocol, TypeVar

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from .admin_forms import COMMON_CONTROL, Call, FormError
from .admin_html import ADMIN_PATH, admin_url, control_call, esc, hidden, html_response, page

PAGE_SIZE = 50
RECENT = 20

ShopT = TypeVar("ShopT")
ShopT_co = TypeVar("ShopT_co", covariant=True)
T = TypeVar("T")
ControlRoute = tuple[str, list[str], Callable[..., Any]]


@dataclass(frozen=True)
class View:
    """What the page shows: which shop, product search and page, and a message to show.

    ``shop`` is the platform's reference to the shop as it appears in the URL under the name
    ``shop_key`` (KiotViet: ``retailer``; Haravan: ``orgid``).
    """

    shop_key: str
    shop: str | None = None
    q: str = ""
    page: int = 1
    msg: str | None = None
    error: str | None = None

    @classmethod
    def from_args(cls, shop_key: str, args: Mapping[str, str]) -> View:
        try:
            number = max(1, int(args.get("page") or 1))
        except ValueError:
            number = 1
        return cls(
            shop_key,
            shop=(args.get(shop_key) or "").strip() or None,
            q=(args.get("q") or "").strip(),
            page=number,
            msg=args.get("msg") or None,
        )

    def fields(self) -> dict[str, object]:
        """Hidden fields every form carries so the answer comes back to the same view."""
        return {self.shop_key: self.shop, "q": self.q or None, "page": self.page if self.page > 1 else None}

    def url(self, msg: str | None = None, anchor: str = "") -> str:
        return admin_url({**self.fields(), "msg": msg}, anchor)

    def with_error(self, error: str) -> View:
        return replace(self, error=error, msg=None)


class ShopStore(Protocol[ShopT_co]):
    """Where a platform keeps its shops (KiotViet's state, Haravan's world)."""

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    @property
    def shops(self) -> Mapping[Any, ShopT_co]: ...

    def shop(self, ref: str) -> ShopT_co | None: ...


class ShopLabel(NamedTuple):
    """How a shop is named on the pages."""

    ref: str  # the value of ``View.shop_key`` that selects it
    name: str
    short: str  # shown after the name in the page header
    detail: str  # shown after the name in the shop lists (picker, index)


# -- pieces of a section -----------------------------------------------------------------------
def post_button(action: str, view: View, label: str, kind: str = "", extra: str = "") -> str:
    """A one-button form posting to ``/_emulator/admin{action}`` with the view's fields."""
    cls = f' class="{kind}"' if kind else ""
    return (
        f'<form method="post" action="{ADMIN_PATH}{action}" class="inline">{hidden(view.fields())}{extra}'
        f'<button type="submit"{cls}>{label}</button></form>'
    )


def table_section(
    anchor: str,
    title: str,
    table_id: str,
    head: str,
    rows: str,
    empty: tuple[int, str],
    before: str = "",
    after: str = "",
) -> str:
    """A titled section around one table; ``empty`` (columns, text) stands in for no rows."""
    if not rows:
        rows = f'<tr><td colspan="{empty[0]}" class="muted">{empty[1]}</td></tr>'
    return (
        f'<section id="{anchor}"><h2>{title}</h2>{before}'
        f'<div class="wrap"><table id="{table_id}">{head}{rows}</table></div>{after}</section>'
    )


def recent_table(
    anchor: str,
    title: str,
    noun: str,
    head: str,
    items: Iterable[T],
    row: Callable[[T], str],
    empty: tuple[int, str],
) -> str:
    """The :data:`RECENT` newest ``items`` (highest id first) in a table section
    ``#{anchor}`` (table ``#{anchor minus s}-table``); ``noun`` names them in the caption."""
    newest = sorted(items, key=attrgetter("id"), reverse=True)[:RECENT]
    caption = f'{title} <span class="muted">({RECENT} {noun} gần nhất)</span>'
    table_id = f"{anchor.removesuffix('s')}-table"
    return table_section(anchor, caption, table_id, head, "".join(map(row, newest)), empty)


def paged_table(
    view: View,
    found: Sequence[T],
    row: Callable[[T, View], str],
    *,
    title: str,
    placeholder: str,
    head: str,
    empty: tuple[int, str],
    noun: str,
) -> str:
    """The searchable product table (``#products``): :data:`PAGE_SIZE` rows a page + pager."""
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    number = min(view.page, pages)
    here = replace(view, page=number)
    rows = "".join(row(item, here) for item in found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    search = (
        f'<form method="get" action="{ADMIN_PATH}" class="inline">{hidden({view.shop_key: view.shop})}'
        f'<input name="q" value="{esc(view.q)}" placeholder="{placeholder}">'
        '<button type="submit" class="secondary">Tìm kiếm</button></form>'
    )
    prev = (
        f'<a href="{esc(replace(here, page=number - 1).url(anchor="products"))}">« Trang trước</a>'
        if number > 1
        else ""
    )
    nxt = (
        f'<a href="{esc(replace(here, page=number + 1).url(anchor="products"))}" id="next-page">Trang sau »</a>'
        if number < pages
        else ""
    )
    pager = f'<div class="pager">{prev}<span>Trang {number}/{pages} · {len(found)} {noun}</span>{nxt}</div>'
    return table_section("products", title, "product-table", head, rows, empty, search, pager)


# -- the site ----------------------------------------------------------------------------------
class AdminSite(ABC, Generic[ShopT]):
    """One platform's back office; subclasses fill in the class attributes and the hooks."""

    platform: ClassVar[str]  # "KiotViet"
    section: ClassVar[str]  # what the platform calls its back office: "Quản lý"
    accent: ClassVar[str]  # header colour
    shop_key: ClassVar[str]  # the URL parameter naming the shop
    nav: ClassVar[str]  # header links to the sections
    index_title: ClassVar[str]  # the index page's heading for the back office
    index_blurb: ClassVar[str]  # ... and what one can do there
    guide: ClassVar[str]  # the emulator's reference, shown on the index page

    def __init__(self, wsgi: Callable[..., Any], store: Callable[[], ShopStore[ShopT]]) -> None:
        self.wsgi = wsgi  # the emulator itself: forms dispatch through its control plane
        self.store = store  # the current store (Haravan replaces its world on reset)

    # -- hooks -----------------------------------------------------------------------------
    @abstractmethod
    def label(self, shop: ShopT) -> ShopLabel: ...

    @abstractmethod
    def sections(self, shop: ShopT, view: View) -> str:
        """The platform's sections of one shop's page."""

    @abstractmethod
    def read_error(self, body: dict[str, Any]) -> str | None:
        """The message inside a platform-shaped error body the control plane answers, if any."""

    # -- shops -----------------------------------------------------------------------------
    def lock(self) -> AbstractContextManager[Any]:
        return self.store().lock

    def shops(self) -> list[ShopT]:
        return list(self.store().shops.values())

    def pick(self, ref: str | None) -> ShopT | None:
        """The shop ``ref`` names, or the only shop when none is named (caller holds the lock)."""
        if ref:
            return self.store().shop(ref)
        shops = self.shops()
        return shops[0] if len(shops) == 1 else None

    def error_text(self, body: Any) -> str:
        """The human message inside any error body the control plane answers."""
        message = self.read_error(body) if isinstance(body, dict) else None
        if message:
            return message
        return str(body) if body else "Lỗi không xác định"

    # -- pages -----------------------------------------------------------------------------
    def view(self, args: Mapping[str, str]) -> View:
        return View.from_args(self.shop_key, args)

    def page(self, title: str, header: str, body: str) -> str:
        return page(title, header, body, accent=self.accent)

    @property
    def heading(self) -> str:
        return f"<h1>{self.platform} · {self.section}</h1>"

    def render(self, view: View) -> str:
        with self.lock():
            shops = self.shops()
            if not shops:
                return self.page(
                    f"{self.platform} - {self.section}",
                    self.heading,
                    "<section><p>Chưa có cửa hàng nào. Nạp dữ liệu bằng <code>POST /_emulator/seed</code> "
                    '<code>{"preset": "demo"}</code>.</p></section>',
                )
            shop = self.pick(view.shop)
            if shop is None:
                return self._picker(shops, view)
            return self._shop_page(shop, replace(view, shop=self.label(shop).ref), len(shops) > 1)

    def _shop_list(self, shops: Iterable[ShopT], href: Callable[[ShopLabel], str]) -> str:
        return "".join(
            f'<li><a href="{href(s)}">{esc(s.name)}</a> <span class="muted">({esc(s.detail)})</span></li>'
            for s in map(self.label, shops)
        )

    def _picker(self, shops: list[ShopT], view: View) -> str:
        unknown = (
            f'<div class="flash error" id="error">Không tìm thấy cửa hàng "{esc(view.shop)}"</div>'
            if view.shop
            else ""
        )
        items = self._shop_list(shops, lambda s: esc(admin_url({self.shop_key: s.ref})))
        return self.page(
            f"Chọn cửa hàng - {self.platform}",
            self.heading,
            f'{unknown}<section id="shops"><h2>Chọn cửa hàng</h2><ul>{items}</ul></section>',
        )

    def _shop_page(self, shop: ShopT, view: View, several: bool) -> str:
        label = self.label(shop)
        switch = f' · <a href="{ADMIN_PATH}">Đổi cửa hàng</a>' if several else ""
        header = (
            f'{self.heading}{self.nav}<span class="shop">{esc(label.name)} '
            f'<span class="muted">({esc(label.short)})</span>{switch}</span>'
        )
        flash = ""
        if view.error:
            flash = f'<div class="flash error" id="error">{esc(view.error)}</div>'
        elif view.msg:
            flash = f'<div class="flash ok" id="message">{esc(view.msg)}</div>'
        return self.page(
            f"{label.name} - {self.platform} {self.section}", header, flash + self.sections(shop, view)
        )

    def show(self, request: Request) -> Response:
        """``GET /_emulator/admin``."""
        return html_response(self.render(self.view(request.args)))

    def submit(self, request: Request, send: Callable[[View], tuple[Call, tuple[int, Any]]]) -> Response:
        """A form post: ``send`` validates the fields and dispatches the control call they stand
        for; success answers ``303`` back to the view with the message, a bad field or a refused
        call re-renders the page (``400``) with the error."""
        view = self.view(request.form)
        try:
            call, (status, data) = send(view)
            if status >= 400:
                raise FormError(self.error_text(data))
        except FormError as err:
            return html_response(self.render(view.with_error(str(err))), 400)
        return redirect(view.url(call.done(data), call.anchor), 303)

    def control(
        self, call: Call, path: str | None = None, body: Mapping[str, Any] | None = None
    ) -> tuple[int, Any]:
        """Dispatch ``call`` in-process (optionally at another path or with another body)."""
        return control_call(
            self.wsgi, call.method, call.path if path is None else path, call.body if body is None else body
        )

    def index(self, routes: Iterable[ControlRoute]) -> Response:
        """``GET /``: where the back office and the control plane are."""
        platform = sorted(
            f"{'|'.join(methods)} /_emulator{path}"
            for path, methods, _ in routes
            if not path.startswith("/admin")
        )
        with self.lock():
            shops = self._shop_list(self.shops(), lambda s: f"{ADMIN_PATH}?{self.shop_key}={esc(s.ref)}")
        body = (
            f'<section id="admin"><h2>{self.index_title}</h2>'
            f'<p><a href="{ADMIN_PATH}">Mở trang {self.section}</a>: {self.index_blurb}</p>'
            f"<ul>{shops or '<li class=muted>Chưa có cửa hàng nào (POST /_emulator/seed)</li>'}</ul></section>"
            '<section id="control"><h2>Control plane (JSON)</h2><ul>'
            + "".join(f"<li><code>{esc(r)}</code></li>" for r in (*COMMON_CONTROL, *platform))
            + f"</ul><details><summary>Chi tiết</summary><pre>{esc(self.guide)}</pre></details></section>"
        )
        title = f"{self.platform} emulator"
        return html_response(self.page(title, f"<h1>{title}</h1>", body))
