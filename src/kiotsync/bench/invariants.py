"""The promise as checks over both platforms' state at quiescence (``docs/invariants.md``).

Everything checked here is *read from the platforms* — KiotViet through its public API (the
retailer's own client credentials), Haravan through the emulator's admin view of the shop
(``/_emulator/shops/<org>/com/…``, the same resources the API serves) — never from KiotSync's
tables (:class:`PlatformReader` takes the :class:`Snapshot`). What the checks need to know about the *merchant* (the settings chosen, when the shop was
connected, which codes were deleted, which processing side was on when) comes from a
:class:`Journal` the driver keeps while acting. Used by ``tests/chaos`` and ``kiotsync bench
chaos``; each :class:`Violation` names its invariant (ids as in ``docs/invariants.md``) with the
expected and the seen value.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import httpx

from kiotsync.httpkit.dates import parse_haravan_datetime, parse_kiotviet_datetime

HRV_MARKER = re.compile(r"\[HRV:(\d+)\]")
HRVF_MARKER = re.compile(r"\[HRVF:(\d+)\]")
KV_ATTRIBUTE = "KiotViet"  # note attribute on Haravan orders KiotSync made from KiotViet orders
UNIT_OPTION = "Đơn vị"
FIELD_FLAGS = ("name", "description", "category", "active", "price", "weight", "barcode", "stock")


@dataclass(frozen=True)
class Violation:
    inv: str  # invariant id (docs/invariants.md)
    subject: str  # what it is about (a code, an order…)
    expected: Any
    seen: Any
    note: str = ""

    def __str__(self) -> str:
        extra = f" ({self.note})" if self.note else ""
        return f"{self.inv} {self.subject}: expected {self.expected!r}, seen {self.seen!r}{extra}"


@dataclass
class Journal:
    """The merchant's side of the story (inputs, not state). Times are platform epoch seconds."""

    orgid: str = ""
    retailer: str = ""
    settings: dict[str, Any] = field(default_factory=dict)  # order_side, stock_mode, order_branch, …
    flags: set[str] = field(default_factory=set)  # ticked fields: name, price, stock, …
    auto_sync: bool = True
    epochs: list[list[float | None]] = field(default_factory=list)  # [connected at, disconnected at]
    sides: list[tuple[float, str, int]] = field(default_factory=list)  # (since, order side, order branch)
    retired: list[tuple[int, float, str]] = field(default_factory=list)  # (location, since, policy)
    deleted_codes: set[str] = field(default_factory=set)
    baseline_dup_skus: set[str] = field(default_factory=set)

    @property
    def connected(self) -> bool:
        return bool(self.epochs) and self.epochs[-1][1] is None

    def in_epoch(self, t: float) -> bool:
        return any(
            start is not None and start <= t and (end is None or t < end) for start, end in self.epochs
        )

    def side_at(self, t: float) -> tuple[str, int]:
        side, branch = "kiotviet", 0
        for since, s, b in self.sides:
            if since <= t:
                side, branch = s, b
        return side, branch


@dataclass
class Snapshot:
    now: float
    branches: dict[int, bool]
    kv_products: list[dict[str, Any]]
    kv_orders: list[dict[str, Any]]
    kv_invoices: list[dict[str, Any]]
    hv_products: list[dict[str, Any]]
    hv_levels: dict[tuple[int, int], dict[str, Any]]
    hv_orders: list[dict[str, Any]]
    hv_adjustments: list[dict[str, Any]]


def key(text: Any) -> str:
    return str(text or "").strip().casefold()


def _ts(value: Any, kiotviet: bool = False) -> float:
    parsed = parse_kiotviet_datetime(value) if kiotviet else parse_haravan_datetime(value)
    return parsed.timestamp() if parsed else 0.0


# -- reading the platforms -----------------------------------------------------------------------


def _patient(call: Callable[[], httpx.Response], attempts: int = 12) -> httpx.Response:
    """The reader's own calls get through injected faults (429/5xx) by asking again."""
    resp = call()
    for _ in range(attempts):
        if resp.status_code < 500 and resp.status_code != 429:
            break
        resp = call()
    return resp.raise_for_status()


class PlatformReader:
    """KiotViet through the API (``kv``: a client on its base URL), Haravan through the control
    plane's admin view (``hv``: a client on its base URL)."""

    def __init__(self, kv: httpx.Client, hv: httpx.Client, kv_creds: dict[str, Any], orgid: str) -> None:
        self.kv, self.hv, self.creds, self.orgid = kv, hv, kv_creds, orgid
        self._token = ""

    def _kv_headers(self) -> dict[str, str]:
        if not self._token:
            form = {
                "grant_type": "client_credentials",
                "client_id": self.creds["client_id"],
                "client_secret": self.creds["client_secret"],
                "scopes": "PublicApi.Access",
            }
            resp = _patient(lambda: self.kv.post("/connect/token", data=form))
            self._token = resp.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}", "Retailer": self.creds["retailer"]}

    def kv_all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            query = {"pageSize": 100, "currentItem": len(out), "orderBy": "id", **params}
            resp = _patient(lambda q=query: self.kv.get(path, params=q, headers=self._kv_headers()))  # type: ignore[misc]
            body = resp.json()
            page = list(body.get("data") or [])
            out += page
            if not page or len(out) >= int(body.get("total") or 0):
                return out

    def hv_all(self, path: str, name: str, limit: int = 250, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in range(1, 10_000):
            resp = self.hv.get(
                f"/_emulator/shops/{self.orgid}/com/{path}", params={"limit": limit, "page": page, **params}
            )
            resp.raise_for_status()
            items = list(resp.json().get(name) or [])
            out += items
            if len(items) < limit:
                break
        return out

    def now(self) -> float:
        return float(self.hv.get("/_emulator/clock").json()["time"])

    def snapshot(self, journal: Journal) -> Snapshot:
        locations = {int(journal.settings.get("location") or 0)} | {loc for loc, _t, _p in journal.retired}
        levels: dict[tuple[int, int], dict[str, Any]] = {}
        for loc in sorted(locations - {0}):
            for b in self.hv_all("inventory_locations.json", "inventory_locations", location_ids=loc):
                levels[(int(b["loc_id"]), int(b["variant_id"]))] = b
        since = min((t for _loc, t, _p in journal.retired), default=None)
        adjustments = (
            self.hv_all(
                "inventories/adjustments.json",
                "adjustments",
                50,
                created_at_min=datetime.fromtimestamp(since).astimezone().isoformat(),
            )
            if since is not None
            else []
        )
        flags = {"includeInventory": "true", "includePricebook": "true", "includeMaterial": "true"}
        return Snapshot(
            now=self.now(),
            branches={int(b["id"]): bool(b.get("isActive", True)) for b in self.kv_all("/branches")},
            kv_products=self.kv_all("/products", **flags),
            kv_orders=self.kv_all("/orders", includePayment="true", includeOrderDelivery="true"),
            kv_invoices=self.kv_all("/invoices", includePayment="true", includeInvoiceDelivery="true"),
            hv_products=self.hv_all("products.json", "products"),
            hv_levels=levels,
            hv_orders=self.hv_all("orders.json", "orders", 50, status="any"),
            hv_adjustments=adjustments,
        )


# -- the catalogue: links, fields, stock -------------------------------------------------------------


@dataclass
class Catalogue:
    """Both catalogues indexed for the checks."""

    rows: dict[int, dict[str, Any]]  # live KiotViet rows by id
    by_code: dict[str, list[dict[str, Any]]]
    variants: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]  # sku → [(product, variant)]

    @staticmethod
    def of(snap: Snapshot) -> Catalogue:
        rows = {int(p["id"]): p for p in snap.kv_products}
        by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in rows.values():
            by_code[key(p.get("code"))].append(p)
        variants: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
        for product in snap.hv_products:
            for v in product.get("variants") or []:
                if key(v.get("sku")):
                    variants[key(v.get("sku"))].append((product, v))
        return Catalogue(rows, by_code, variants)

    def group_of(self, row: dict[str, Any]) -> int:
        base = self.rows.get(int(row.get("masterUnitId") or 0), row)
        return int(base.get("masterProductId") or base["id"])

    def head_of(self, group: int) -> dict[str, Any] | None:
        return self.rows.get(group) or next(
            (r for r in sorted(self.rows.values(), key=lambda r: r["id"]) if self.group_of(r) == group), None
        )


def is_service(row: dict[str, Any]) -> bool:
    return int(row.get("type") or 2) == 3


def holder_parts(row: dict[str, Any], qty: float, rows: dict[int, dict[str, Any]]) -> list[tuple[int, float]]:
    """(stock-holding row, quantity in its unit) that ``qty`` of ``row`` takes: itself, its base
    row (× conversion) for an alternative unit, its components for a combo, nothing for a service."""
    if is_service(row):
        return []
    if int(row.get("type") or 2) == 1:
        out: list[tuple[int, float]] = []
        for f in row.get("productFormulas") or []:
            part = rows.get(int(f.get("materialId") or 0))
            if part is not None:
                out += holder_parts(part, qty * float(f.get("quantity") or 0), rows)
        return out
    if row.get("masterUnitId"):
        base = rows.get(int(row["masterUnitId"]))
        return holder_parts(base, qty * float(row.get("conversionValue") or 1), rows) if base else []
    return [(int(row["id"]), qty)]


def stock_target(
    row: dict[str, Any],
    branches: set[int],
    rows: dict[int, dict[str, Any]],
    held: dict[int, float] | None = None,
) -> int:
    """What KiotViet can sell of ``row`` from ``branches`` once ``held`` (units per stock-holding
    row) is also reserved: in the order branch (``held[-1]`` names it) first, what it cannot
    cover in the other counted branches (id order) — never more than the counted branches hold
    (docs/invariants.md, S1). Goods and alternative units from the whole counted stock (floored
    at the end), combos put together in one branch (per branch, whole combos, summed). A branch's
    available is max(0, onHand − reserved)."""
    if not row.get("isActive", True) or is_service(row):
        return 0
    held = held or {}
    order_branch = held.get(-1)

    def available(holder: int, branch: int) -> float:
        invs = {int(i.get("branchId") or 0): i for i in rows[holder].get("inventories") or []}
        per_branch = {
            b: max(
                0.0, float(invs.get(b, {}).get("onHand") or 0) - float(invs.get(b, {}).get("reserved") or 0)
            )
            for b in branches
        }
        units = held.get(holder, 0.0)
        for b in sorted(per_branch, key=lambda b: (b != order_branch, b)):
            taken = min(per_branch[b], units)
            per_branch[b] -= taken
            units -= taken
        return per_branch.get(branch, 0.0)

    parts = [(h, q) for h, q in holder_parts(row, 1.0, rows) if q > 0]
    if not parts:
        return 0
    if int(row.get("type") or 2) == 1:
        return sum(min(math.floor(available(h, b) / q + 1e-9) for h, q in parts) for b in branches)
    holder, q = parts[0]
    return max(0, math.floor(sum(available(holder, b) for b in branches) / q + 1e-9))


def stock_branches(journal: Journal, snap: Snapshot) -> set[int]:
    active = {b for b, on in snap.branches.items() if on}
    if journal.settings.get("stock_mode") == "branch":
        return active & {int(journal.settings.get("order_branch") or 0)}
    return active


def pending_units(snap: Snapshot) -> Counter[str]:
    """Units per SKU of open Haravan orders (not cancelled, not closed) that KiotViet does not hold:
    no live KiotViet copy (``[HRV:<id>]``) and not born in KiotViet."""
    copies = kv_copies(snap)
    orders = {id(o) for o in snap.kv_orders}  # a cancelled order has status 4, an invoice 2
    units: Counter[str] = Counter()
    for order in snap.hv_orders:
        if order.get("cancelled_at") or order.get("closed_at") or kv_born_code(order):
            continue
        copied = copies.get(int(order["id"]), [])
        if any(int(c.get("status") or 0) != (4 if id(c) in orders else 2) for c in copied):
            continue
        for line in order.get("line_items") or []:
            if key(line.get("sku")):
                units[key(line.get("sku"))] += int(line.get("quantity") or 0)
    return units


def check_catalogue(journal: Journal, snap: Snapshot) -> list[Violation]:
    cat = Catalogue.of(snap)
    out = _check_links(journal, cat)
    out += _check_fields(journal, snap, cat)
    out += _check_stock(journal, snap, cat)
    out += _check_deleted(journal, snap, cat)
    out += _check_retired(journal, snap, cat)
    return out


def _linked(cat: Catalogue, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    found = cat.variants.get(key(row.get("code")), [])
    return found[0] if len(found) == 1 and len(cat.by_code[key(row.get("code"))]) == 1 else None


def _check_links(journal: Journal, cat: Catalogue) -> list[Violation]:
    """P1: every active row has exactly one Haravan variant carrying its code; a group is one product."""
    out: list[Violation] = []
    products: dict[int, set[int]] = defaultdict(set)
    for row in cat.rows.values():
        code = key(row.get("code"))
        if not row.get("isActive", True) or not code or len(cat.by_code[code]) > 1:
            continue
        if code in journal.baseline_dup_skus:
            continue
        found = cat.variants.get(code, [])
        if len(found) != 1:
            seen = [v["id"] for _p, v in found]
            out.append(Violation("P1", row["code"], "one Haravan variant", f"{len(found)} {seen}"))
            continue
        products[cat.group_of(row)].add(int(found[0][0]["id"]))
    for group, ids in products.items():
        if len(ids) > 1:
            out.append(Violation("P1", f"group {group}", "one Haravan product", sorted(ids), "group split"))
    return out


def expected_price(row: dict[str, Any], journal: Journal, now: float) -> float:
    book = journal.settings.get("price_book") if journal.settings.get("price_source") == "pricebook" else None
    for entry in row.get("priceBooks") or []:
        if not book or int(entry.get("priceBookId") or 0) != int(book) or entry.get("isActive") is False:
            continue
        start, end = entry.get("startDate"), entry.get("endDate")
        if (start and now < _ts(start, True)) or (end and now >= _ts(end, True)):
            continue
        return float(entry.get("price") or 0)
    return float(row.get("basePrice") or 0)


def _option_values(row: dict[str, Any], cat: Catalogue) -> dict[str, str]:
    attrs = row.get("attributes") or []
    if not attrs and row.get("masterUnitId"):
        attrs = cat.rows.get(int(row["masterUnitId"]), {}).get("attributes") or []
    values = {str(a.get("attributeName")): str(a.get("attributeValue") or "").strip() for a in attrs}
    if row.get("unit") and (
        row.get("masterUnitId") or any(r.get("masterUnitId") == row["id"] for r in cat.rows.values())
    ):
        values[UNIT_OPTION] = str(row["unit"]).strip()
    return values


def _variant_fields(
    row: dict[str, Any], product: dict[str, Any], variant: dict[str, Any], journal: Journal, now: float
) -> list[tuple[str, Any, Any]]:
    flags: set[str] = journal.flags
    out: list[tuple[str, Any, Any]] = []
    if "price" in flags:
        out.append(("price", expected_price(row, journal, now), float(variant.get("price") or 0)))
    if "weight" in flags:
        out.append(("grams", float(row.get("weight") or 0), float(variant.get("grams") or 0)))
    if "barcode" in flags:
        out.append(
            ("barcode", str(row.get("barCode") or "").strip(), str(variant.get("barcode") or "").strip())
        )
    if "stock" in flags:
        tracked = str(variant.get("inventory_management") or "").lower() == "haravan"
        out.append(("tracked", not is_service(row), tracked))
    return out


def _product_fields(
    head: dict[str, Any], rows: list[dict[str, Any]], product: dict[str, Any], journal: Journal
) -> list[tuple[str, Any, Any]]:
    flags: set[str] = journal.flags
    out: list[tuple[str, Any, Any]] = []
    if "name" in flags:
        out.append(("title", str(head.get("name") or "").strip(), str(product.get("title") or "").strip()))
    if "description" in flags:
        out.append(("body_html", str(head.get("description") or ""), str(product.get("body_html") or "")))
    if "category" in flags:
        out.append(
            (
                "product_type",
                str(head.get("categoryName") or "").strip() or "Khác",
                product.get("product_type"),
            )
        )
    if "active" in flags:
        live = any(r.get("isActive", True) for r in rows)
        out.append(("published", live, product.get("published_at") is not None))
    return out


def _check_fields(journal: Journal, snap: Snapshot, cat: Catalogue) -> list[Violation]:
    """P2: the ticked fields Haravan shows equal KiotViet's."""
    out: list[Violation] = []
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in cat.rows.values():
        linked = _linked(cat, row)
        if linked is None:
            continue
        groups[cat.group_of(row)].append(row)
        product, variant = linked
        for name, want, seen in _variant_fields(row, product, variant, journal, snap.now):
            if want != seen:
                out.append(Violation("P2", f"{row['code']}.{name}", want, seen))
        if "name" in journal.flags:
            options = [str(o.get("name")) for o in product.get("options") or []]
            wanted = _option_values(row, cat)
            if set(options) == set(wanted):
                want_v = [wanted[o] for o in options]
                seen_v = [str(variant.get(f"option{i + 1}") or "").strip() for i in range(len(options))]
                if want_v != seen_v:
                    out.append(Violation("P2", f"{row['code']}.options", want_v, seen_v))
    for group, rows in groups.items():
        head = cat.head_of(group)
        linked = _linked(cat, rows[0])
        if head is None or linked is None:
            continue
        for name, want, seen in _product_fields(head, rows, linked[0], journal):
            if want != seen:
                out.append(Violation("P2", f"group {head['code']}.{name}", want, seen))
    return out


def _available(snap: Snapshot, loc: int, variant: dict[str, Any]) -> int:
    level = snap.hv_levels.get((loc, int(variant["id"])))
    if level is None:
        return 0
    return int(float(level.get("qty_onhand") or 0) - float(level.get("qty_commited") or 0))


def _check_stock(journal: Journal, snap: Snapshot, cat: Catalogue) -> list[Violation]:
    """S1: available at the chosen location = KiotViet's sellable stock − units of open Haravan
    orders KiotViet does not hold."""
    if not (journal.auto_sync and journal.connected and "stock" in journal.flags):
        return []
    loc = int(journal.settings.get("location") or 0)
    branches = stock_branches(journal, snap)
    pending = pending_units(snap)
    held: dict[int, float] = defaultdict(float)
    for code, units in pending.items():
        for found in cat.by_code.get(code, [])[:1]:
            for holder, q in holder_parts(found, float(units), cat.rows):
                held[holder] += q
    held[-1] = float(journal.settings.get("order_branch") or 0)
    out: list[Violation] = []
    for row in cat.rows.values():
        linked = _linked(cat, row)
        if linked is None or is_service(row):
            continue
        variant = linked[1]
        if str(variant.get("inventory_management") or "").lower() != "haravan":
            continue
        want, seen = stock_target(row, branches, cat.rows, held), _available(snap, loc, variant)
        if want != seen:
            level = snap.hv_levels.get((loc, int(variant["id"]))) or {}
            note = (
                f"KiotViet sellable {stock_target(row, branches, cat.rows)} in {sorted(branches)}, open Haravan "
                f"orders not in KiotViet {pending[key(row.get('code'))]} (units on shared stock "
                f"{ {rid: q for rid, q in held.items() if rid > 0 and rid in dict(holder_parts(row, 1, cat.rows))} }); "
                f"Haravan on-hand {level.get('qty_onhand')} − committed {level.get('qty_commited')} at {loc}"
            )
            out.append(Violation("S1", row["code"], want, seen, note))
    return out


def _check_deleted(journal: Journal, snap: Snapshot, cat: Catalogue) -> list[Violation]:
    """S3: a row deleted in KiotViet shows 0 on Haravan; its product is hidden once every row is gone."""
    out: list[Violation] = []
    loc = int(journal.settings.get("location") or 0)
    for code in sorted(journal.deleted_codes - set(cat.by_code)):
        for product, variant in cat.variants.get(code, []):
            if "stock" in journal.flags and journal.connected and _available(snap, loc, variant) != 0:
                out.append(Violation("S3", f"{code} (deleted)", 0, _available(snap, loc, variant)))
            live = [v for v in product.get("variants") or [] if key(v.get("sku")) in cat.by_code]
            if not live and product.get("published_at") is not None:
                out.append(Violation("S3", f"{code} (deleted)", "product hidden", "published"))
    return out


def _check_retired(journal: Journal, snap: Snapshot, cat: Catalogue) -> list[Violation]:
    """S2: a location the merchant moved away from is left as chosen: untouched ("keep") or 0 ("zero")."""
    out: list[Violation] = []
    current = int(journal.settings.get("location") or 0)
    for loc, since, policy in journal.retired:
        if loc == current:
            continue
        if policy == "keep":
            writes = [
                a
                for a in snap.hv_adjustments
                if int(a.get("location_id") or 0) == loc
                and _ts(a.get("created_at")) >= since
                and "kiotsync" in str(a.get("note") or "").lower()
            ]
            if writes:
                out.append(
                    Violation("S2", f"location {loc}", "no KiotSync write after the move", len(writes))
                )
            continue
        for row in cat.rows.values():  # zeroed: nothing left for sale there (its own orders may go below)
            linked = _linked(cat, row)
            if linked and not is_service(row) and _available(snap, loc, linked[1]) > 0:
                out.append(Violation("S2", f"{row['code']} @ {loc}", "≤ 0", _available(snap, loc, linked[1])))
    return out


# -- orders ------------------------------------------------------------------------------------------


def kv_born_code(order: dict[str, Any]) -> str:
    """The KiotViet order code a Haravan order was made from (its note attribute), or ""."""
    for attr in order.get("note_attributes") or []:
        if attr.get("name") == KV_ATTRIBUTE and attr.get("value"):
            return str(attr["value"])
    return ""


def kv_copies(snap: Snapshot) -> dict[int, list[dict[str, Any]]]:
    """KiotViet records of each Haravan order: orders carrying ``[HRV:<id>]`` and standalone
    invoices carrying it (an invoice made from an order is that order's, not another copy)."""
    copies: dict[int, list[dict[str, Any]]] = defaultdict(list)
    standalone = (i for i in snap.kv_invoices if not (i.get("orderId") or i.get("orderCode")))
    for rec in [*snap.kv_orders, *standalone]:
        m = HRV_MARKER.search(str(rec.get("description") or ""))
        if m:
            copies[int(m.group(1))].append(rec)
    return copies


@dataclass
class OrderCounts:
    required: int = 0
    lost: int = 0
    duplicated: int = 0


# -- idempotence -------------------------------------------------------------------------------------


def writes(log: list[dict[str, Any]], platform: str) -> list[str]:
    """W1: the API writes in a request-log slice (what must be empty once nothing changes)."""
    prefix = "/com/" if platform == "haravan" else "/"
    return [
        f"{platform} {e['method']} {e['path']}"
        for e in log
        if e["method"] in ("POST", "PUT", "DELETE", "PATCH")
        and e["path"].startswith(prefix)
        and not e["path"].startswith("/connect")
    ]


def summary(violations: list[Violation], counts: OrderCounts) -> dict[str, Any]:
    by_inv = Counter(v.inv for v in violations)
    return {
        "violations": dict(sorted(by_inv.items())),
        "lost": counts.lost,
        "duplicated": counts.duplicated,
        "mismatches": by_inv.get("S1", 0) + by_inv.get("S2", 0) + by_inv.get("S3", 0),
        "orders_required": counts.required,
    }


def as_dicts(violations: list[Violation]) -> list[dict[str, Any]]:
    return [asdict(v) for v in violations]
