"""The chaos harness's world: both platforms, the app and the merchant, and the misbehaviour.

A run is a list of *actions* — plain JSON-able dicts (``{"op": "web_order", "lines": [[3, 2]],
"paid": false}``) whose references to products, orders and branches are integers resolved modulo
what exists when the action runs. :class:`World` executes them against both emulators (their
control planes: what a cashier, a customer, a carrier or a back-office user does) and the app (the
merchant's browser: OAuth install, KiotViet login, settings, disconnect, Auto-sync), while
:class:`WebhookChaos` drops, duplicates and holds back (reorders) webhook deliveries, the
emulators' fault injection fails calls and :class:`Killer` kills a worker mid-job.
:meth:`World.settle` lets the system converge (time passes, the backstops run) and
:meth:`World.check` reads both platforms against :mod:`.invariants`. The action stream and the
benchmark live in :mod:`.chaos`; ``tests/chaos`` builds the world in-process and shrinks.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from .chaos_tools import AppClock, Killer, WebhookChaos, WorkerKilled
from .invariants import Journal, OrderCounts, PlatformReader, Violation, check_catalogue, writes
from .invariants_orders import check_orders

log = logging.getLogger(__name__)
Action = dict[str, Any]
#: Ticked fields (journal names) → the settings form's checkboxes.
FLAG_FIELDS = {f: f"sync_{f}" for f in ("name", "description", "price", "images", "category", "weight")}
FLAG_FIELDS |= {"barcode": "sync_barcode", "stock": "sync_stock", "active": "sync_status"}
CUSTOMER = {"first_name": "An", "last_name": "Nguyễn Văn"}
ADDRESS = {
    "address1": "12 Láng Hạ",
    "ward": "Phường Láng Hạ",
    "district": "Quận Đống Đa",
    "province": "Hà Nội",
}
HV_VERBS = {"hv_cancel": "cancel", "hv_confirm": "confirm", "hv_fulfil": "fulfill", "hv_carrier": "carrier"}
CSRF_COOKIE = "kiotsync_csrftoken"
SETTLE_STEP = timedelta(minutes=6)  # > the shortest Auto-sync interval and every 2-minute lease


# -- the world: both platforms, the app and the merchant -------------------------------------------


@dataclass
class Env:
    """How a :class:`World` reaches things (in-process in tests, sockets in the bench)."""

    kv: httpx.Client  # KiotViet emulator: control plane and API
    hv: httpx.Client  # Haravan emulator: control plane
    browser: httpx.Client  # the merchant's browser on the app (cookies, redirects followed)
    clocks: list[httpx.Client]  # emulators whose clock to move (one shared clock: one entry)
    chaos: WebhookChaos
    deliver: Callable[[], None]  # push due webhooks into the app and wait until handled
    kv_creds: dict[str, Any]
    hv_creds: dict[str, Any]
    refresh_every: int = 1  # re-list orders for the merchant's actions every N actions
    per_action: bool = True  # deliver (and wait) after every action; else deliveries flow on their own


@dataclass
class World:
    env: Env
    journal: Journal = field(default_factory=Journal)
    killer: Killer = field(default_factory=Killer)
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # KiotViet rows (merchant's view)
    books: list[int] = field(default_factory=list)
    locations: list[int] = field(default_factory=list)
    kv_open: list[int] = field(default_factory=list)
    kv_invoices: list[int] = field(default_factory=list)
    hv_open: list[int] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    clock: AppClock | None = None
    branch_ids: list[int] = field(default_factory=list)
    outage: int = 0
    done: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    tenant_id: int = 0

    # -- plumbing ---------------------------------------------------------------------------------
    def ctl(self, platform: str, method: str, url: str, **body: Any) -> Any:
        client = self.env.kv if platform == "kv" else self.env.hv
        resp = client.request(method, "/_emulator" + url, json=body if method != "GET" else None)
        if resp.status_code >= 500:
            raise RuntimeError(f"{method} {url}: {resp.status_code} {resp.text[:300]}")
        return resp.json() if resp.status_code < 300 else None

    def shop(self, path: str) -> str:
        return f"/shops/{self.journal.orgid}{path}"

    def now(self) -> float:
        return float(self.ctl("hv", "GET", "/clock")["time"])

    def reader(self) -> PlatformReader:
        return PlatformReader(self.env.kv, self.env.hv, self.env.kv_creds, self.journal.orgid)

    def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        """A form the merchant submits (after opening its page, which sets the CSRF cookie)."""
        browser = self.env.browser
        if not browser.cookies.get(CSRF_COOKIE):
            browser.get("/settings" if path == "/settings" else "/")
        token = browser.cookies.get(CSRF_COOKIE) or ""
        return browser.post(path, data=data, headers={"X-CSRFToken": token})

    def travel(self, step: timedelta) -> None:
        for client in self.env.clocks:
            client.post("/_emulator/clock", json={"advance_s": step.total_seconds()})
        if self.clock is not None:
            self.clock.offset += step

    # -- set-up -----------------------------------------------------------------------------------
    def setup(self, settings: dict[str, Any]) -> None:
        """Install, connect, configure and turn Auto-sync on — as the merchant does it."""
        j, hv = self.journal, self.env.hv_creds
        j.orgid, j.retailer = str(hv["orgid"]), self.env.kv_creds["retailer"]
        self.locations = [int(loc["id"]) for loc in hv["locations"]]
        reader = self.reader()
        for order in reader.hv_all("orders.json", "orders", 50, status="open"):
            self.ctl("hv", "POST", self.shop(f"/com/orders/{order['id']}/close.json"))
        skus = Counter(
            v["sku"].strip().casefold()
            for p in reader.hv_all("products.json", "products")
            for v in p["variants"]
            if v.get("sku")
        )
        j.baseline_dup_skus = {s for s, n in skus.items() if n > 1}
        self.rows = {int(p["id"]): p for p in reader.kv_all("/products")}
        self.books = [int(b["id"]) for b in reader.kv_all("/pricebooks")]
        self.ctl("hv", "PUT", "/config", auto_approve={"email": hv["owner"]["email"]})
        page = self.env.browser.get("/install")
        if page.status_code != 200:
            raise RuntimeError(f"install ended with {page.status_code}")
        self.connect()
        self.branch_ids = branches = [int(b["id"]) for b in self.env.kv_creds["branches"]]
        given = dict(settings)  # values, or indexes: location_index, branch_index, book_index
        j.flags = set(given.pop("flags", FLAG_FIELDS))
        j.settings = {
            "order_side": "kiotviet",
            "stock_mode": "all",
            "order_branch": pick(branches, given.pop("branch_index", 0)),
            "location": pick(self.locations, given.pop("location_index", 0)),
            "price_source": "base",
            "price_book": None,
            **given,
        }
        if j.settings["price_source"] == "pricebook" and not j.settings["price_book"]:
            j.settings["price_book"] = pick(self.books, 0)
        self.save_settings()
        self.post("/products/kiotviet/auto-sync", {"enabled": "1"})
        from kiotsync.catalog.models import SyncJob
        from kiotsync.tenants.models import Tenant

        self.tenant_id = int(Tenant.objects.get(orgid=j.orgid).pk)
        for _ in range(1200):  # the merchant watches the first sync's progress bar to the end
            if not SyncJob.objects.filter(tenant_id=self.tenant_id, state__in=["queued", "running"]).exists():
                break
            time.sleep(0.25)

    def connect(self) -> None:
        creds = self.env.kv_creds
        at = self.now()
        resp = self.post(
            "/kiotviet/login",
            {
                "retailer": creds["retailer"],
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
        )
        if "/kiotviet/login" in str(resp.url):
            raise RuntimeError(f"KiotViet login refused: {resp.status_code}")
        self.journal.epochs.append([at, None])

    def save_settings(self) -> None:
        s, j = self.journal.settings, self.journal
        data = {
            "order_branch": str(s["order_branch"]),
            "stock_mode": s["stock_mode"],
            "haravan_location": str(s["location"]),
            "order_side": s["order_side"],
            "price_source": s["price_source"],
            "price_book": str(s["price_book"] or ""),
            "link_key": "code",
            "auto_sync_interval_minutes": "5",
        } | {FLAG_FIELDS[f]: "on" for f in j.flags}
        resp = self.post("/settings", data)
        if str(resp.url).endswith("/settings/location-switch"):  # the old location: zero it?
            answer = "yes" if j.retired and j.retired[-1][2] == "zero" else "no"
            resp = self.post("/settings/location-switch", {"answer": answer})
        if resp.status_code != 200 or "/settings" in str(resp.url):
            raise RuntimeError(f"settings refused: {resp.status_code} {resp.text[:500]}")
        j.sides.append((self.now(), s["order_side"], int(s["order_branch"])))

    # -- acting -----------------------------------------------------------------------------------
    def do(self, action: Action) -> None:
        op = str(action["op"])
        self.counts[op] += 1
        params = {k: v for k, v in action.items() if k != "op"}
        if op in HV_VERBS:
            self._hv_order(HV_VERBS[op], **params)
        else:
            getattr(self, f"_{op}")(**params)
        self.done += 1
        if self.outage > 0:
            self.outage -= 1
        elif self.env.per_action:
            self.env.deliver()

    def goods(self, *, combos: bool = False) -> list[dict[str, Any]]:
        return [
            r
            for _id, r in sorted(self.rows.items())
            if r.get("isActive", True) and int(r.get("type") or 2) in ((1, 2) if combos else (2,))
        ]

    def _pos_invoice(self, row: int, branch: int, qty: int) -> None:
        p = pick(self.goods(combos=True), row)
        if p:
            lines = [{"productId": p["id"], "quantity": qty, "price": p.get("basePrice") or 0}]
            self.ctl("kv", "POST", "/pos/invoices", branchId=pick(self.branch_ids, branch), lines=lines)

    def _pos_order(self, row: int, branch: int, qty: int) -> None:
        p = pick(self.goods(combos=True), row)
        if p:
            lines = [{"productId": p["id"], "quantity": qty, "price": p.get("basePrice") or 0}]
            made = self.ctl("kv", "POST", "/pos/orders", branchId=pick(self.branch_ids, branch), lines=lines)
            if made:
                self.kv_open.append(int(made["id"]))

    def _refresh_orders(self) -> None:
        if self.done % max(1, self.env.refresh_every):
            return
        recent = self.reader().kv_all("/orders", orderDirection="Desc", status="1,2,5")[:100]
        self.kv_open = sorted(int(o["id"]) for o in recent)
        orders = self.ctl("hv", "GET", self.shop("/com/orders.json?status=open&limit=50")) or {"orders": []}
        self.hv_open = sorted(int(o["id"]) for o in orders["orders"])

    def _kv_complete(self, order: int, delivery: int | None = None) -> None:
        self._refresh_orders()
        oid = pick(self.kv_open, order)
        if oid:
            made = self.ctl(
                "kv", "POST", f"/orders/{oid}/complete", **({"deliveryStatus": delivery} if delivery else {})
            )
            if made:
                self.kv_invoices.append(int(made["invoice"]["id"]))

    def _kv_cancel(self, order: int) -> None:
        self._refresh_orders()
        oid = pick(self.kv_open, order)
        if oid:
            self.ctl("kv", "POST", f"/orders/{oid}/cancel")

    def _kv_delivery(self, invoice: int, status: int) -> None:
        iid = pick(self.kv_invoices, invoice)
        if iid:
            self.ctl("kv", "POST", f"/invoices/{iid}/delivery", status=status)

    def _stock(self, row: int, branch: int, on_hand: int) -> None:
        p = pick(self.goods(), row)
        if p:
            self.ctl(
                "kv",
                "POST",
                "/stock",
                productId=p["id"],
                branchId=pick(self.branch_ids, branch),
                onHand=on_hand,
            )

    def _transfer(self, row: int, source: int, target: int, qty: int) -> None:
        """A transfer between branches (the emulator has none: two stock-takes, one after the other)."""
        p = pick(self.goods(), row)
        branches = self.branch_ids
        a, b = pick(branches, source), pick(branches, target)
        if not p or a == b:
            return
        found = self.ctl("kv", "POST", "/stock", productId=p["id"], branchId=a) or {}
        levels = {int(i["branchId"]): float(i.get("onHand") or 0) for i in found.get("inventories") or []}
        move = min(qty, max(0, int(levels.get(a, 0))))
        self.ctl("kv", "POST", "/stock", productId=p["id"], branchId=a, onHand=levels.get(a, 0) - move)
        self.ctl("kv", "POST", "/stock", productId=p["id"], branchId=b, onHand=levels.get(b, 0) + move)

    def _web_order(self, lines: list[list[int]], paid: bool) -> None:
        if not self.skus or self.done % max(1, self.env.refresh_every * 5) == 0:
            products = self.reader().hv_all("products.json", "products")
            self.skus = sorted({v["sku"] for p in products for v in p["variants"] if v.get("sku")})
        live = {str(r.get("code")).casefold() for r in self.rows.values()}
        skus = [s for s in self.skus if s.casefold() in live] or self.skus
        items = [{"sku": pick(skus, i), "quantity": q} for i, q in lines]
        phone = f"09{(self.done * 7919) % 10**8:08d}"
        who = {"name": "Nguyễn Văn An", "phone": phone, **ADDRESS}
        body: dict[str, Any] = {
            "line_items": items,
            "customer": CUSTOMER | {"phone": phone},
            "shipping_address": who,
        }
        if paid:
            body.update(gateway="Chuyển khoản", financial_status="paid")
        made = self.ctl("hv", "POST", self.shop("/web_orders"), **body)
        if made:
            self.hv_open.append(int(made["order"]["id"]))
            self.counts["orders"] += 1

    def _hv_order(self, verb: str, order: int, code: str = "") -> None:
        self._refresh_orders()
        oid = pick(self.hv_open, order)
        if not oid:
            return
        if verb == "confirm":
            self.ctl("hv", "POST", self.shop(f"/com/orders/{oid}/confirm.json"))
        else:
            body = {"carrier_status_code": code} if code else {}
            self.ctl("hv", "POST", self.shop(f"/orders/{oid}/{verb}"), **body)

    def _product_new(self, kind: str, i: int) -> None:
        code = f"CX{self.done:05d}{kind[0].upper()}"
        body: dict[str, Any] = {
            "code": code,
            "name": f"Hàng chaos {self.done}",
            "basePrice": 10_000 + 1000 * (i % 50),
        }
        simple = [
            r
            for r in self.goods()
            if not (r.get("masterProductId") or r.get("masterUnitId") or r.get("hasVariants"))
        ]
        if kind == "unit" and simple:
            base = pick(simple, i)
            body.update(masterUnitId=base["id"], unit=f"Thùng{i % 7}", conversionValue=2 + i % 10)
        elif kind == "variant":
            masters = [r for r in self.goods() if r.get("hasVariants") and not r.get("masterProductId")]
            master = pick(masters, i)
            if master is None:
                return
            names = [a["attributeName"] for a in master.get("attributes") or []]
            attrs = [{"attributeName": n, "attributeValue": f"C{self.done}{k}"} for k, n in enumerate(names)]
            body.update(masterProductId=master["id"], attributes=attrs)
        elif kind == "combo" and len(simple) >= 2:
            parts = [pick(simple, i), pick(simple, i + 1)]
            body.update(
                type=1,
                productFormulas=[{"materialId": p["id"], "quantity": 1 + k} for k, p in enumerate(parts)],
            )
        else:
            body["unit"] = "Cái"
        made = self.ctl("kv", "POST", "/products", **body)
        if made:
            self.rows[int(made["id"])] = made

    def _rename(self, row: int, suffix: int) -> None:
        p = pick(sorted(self.rows.values(), key=lambda r: r["id"]), row)
        if p:
            made = self.ctl(
                "kv", "PUT", f"/products/{p['id']}", name=f"{str(p['name']).split(' #')[0]} #{suffix}"
            )
            if made:
                self.rows[int(p["id"])] = made

    def _price(self, row: int, price: int, book: int | None = None) -> None:
        p = pick(sorted(self.rows.values(), key=lambda r: r["id"]), row)
        if p:
            book_id = 0 if book is None else pick(self.books, book) or 0
            self.ctl("kv", "POST", "/pricebooks/detail", pricebookId=book_id, productId=p["id"], price=price)

    def _delete(self, row: int) -> None:
        p = pick(sorted(self.rows.values(), key=lambda r: r["id"]), row)
        gone = self.ctl("kv", "DELETE", f"/products/{p['id']}") if p else None
        for pid in (gone or {}).get("deleted", []):
            self.journal.deleted_codes.add(str(self.rows.pop(int(pid), {}).get("code", "")).casefold())

    def _branch_off(self, branch: int) -> None:
        """A branch closes (never the order branch, never the last two)."""
        spare = [b for b in self.branch_ids if b != int(self.journal.settings["order_branch"])]
        if len(spare) >= 2:
            gone = pick(spare, branch)
            self.ctl("kv", "POST", f"/branches/{gone}/deactivate")
            self.branch_ids = [b for b in self.branch_ids if b != gone]

    def _settings(self, name: str, value: int) -> None:
        s, j = self.journal.settings, self.journal
        if name == "order_side":
            s["order_side"] = ("kiotviet", "haravan")[value % 2]
        elif name == "stock_mode":
            s["stock_mode"] = ("all", "branch")[value % 2]
        elif name == "order_branch":
            s["order_branch"] = pick(self.branch_ids, value)
        elif name == "location":
            old, s["location"] = s["location"], pick(self.locations, value)
            if old != s["location"]:
                j.retired.append((int(old), self.now(), ("keep", "zero")[value // 2 % 2]))
        elif name == "price_source":
            s["price_source"], s["price_book"] = (
                ("pricebook", pick(self.books, value)) if value % 2 else ("base", None)
            )
        elif name == "flag":
            j.flags ^= {sorted(FLAG_FIELDS)[value % len(FLAG_FIELDS)]}
        if self.journal.connected:
            self.save_settings()

    def _disconnect(self) -> None:
        if self.journal.connected:
            self.post("/connection/disconnect", {})
            self.journal.epochs[-1][1] = self.now()

    def _connect(self) -> None:
        if not self.journal.connected:
            self.connect()
            self.save_settings()

    def _kill(self, point: str, after: bool) -> None:
        self.killer.arm(point, after)

    def _fault(self, platform: str, path: str, status: int, count: int, after: bool = False) -> None:
        rule: dict[str, Any] = {"path": path, "status": status, "count": count, "after_commit": after}
        if status == 429:
            rule["headers"] = {"Retry-After": "1"}
        self.ctl(platform, "POST", "/faults", **rule)

    def _webhooks(self, fates: list[str]) -> None:
        self.env.chaos.plan.extend(fates)

    def _release(self, reverse: bool) -> None:
        self.env.chaos.release(reverse)

    def _outage(self, actions: int) -> None:
        self.outage = actions

    def _tick(self, minutes: int) -> None:
        """Time passes: the periodic jobs run (as the worker's scheduler would)."""
        self.travel(timedelta(minutes=minutes))
        self.backstops()

    # -- settling and checking --------------------------------------------------------------------
    def backstops(self) -> None:
        """The periodic jobs, as the worker's scheduler runs them."""
        from kiotsync.catalog import jobs as catalog_jobs
        from kiotsync.inbox import jobs as inbox_jobs
        from kiotsync.orders import jobs as order_jobs

        periodic: Any = (
            inbox_jobs.redeliver_pending_events,
            catalog_jobs.resume_jobs,
            catalog_jobs.auto_sync_poll,
        )
        flush: Any = catalog_jobs.flush_stock_task
        jobs: list[Callable[[], Any]] = [
            periodic[0].call_local,
            order_jobs.backstop,
            periodic[1].call_local,
            periodic[2].call_local,
            lambda: flush.call_local(self.tenant_id),
        ]
        for job in jobs:
            try:
                job()
            except WorkerKilled:
                pass
            except Exception:  # a backstop failing is the app's business; the next round runs it again
                log.exception("backstop failed")

    def _log_seqs(self) -> dict[str, int]:
        return {p: int(self.ctl(p, "GET", "/requests?limit=1")["last_seq"]) for p in ("kv", "hv")}

    def writes_since(self, seqs: dict[str, int]) -> list[str]:
        out: list[str] = []
        for p, name in (("kv", "kiotviet"), ("hv", "haravan")):
            out += writes(self.ctl(p, "GET", f"/requests?since={seqs[p]}")["requests"], name)
        return out

    def settle(self, max_rounds: int = 8) -> tuple[int, list[str]]:
        """Platforms recover, the merchant reconnects if needed, time passes and the backstops run
        until a whole round writes nothing to either platform. Returns (rounds, last round's writes)."""
        for p in ("kv", "hv"):
            self.ctl(p, "DELETE", "/faults")
        self.env.chaos.plan.clear()
        self.outage = 0
        self._connect()
        last: list[str] = []
        for rounds in range(1, max_rounds + 1):
            if rounds > 1:
                self.killer.disarm()
            seqs = self._log_seqs()
            self.env.chaos.release()
            self.env.deliver()
            self._tick(SETTLE_STEP.seconds // 60)
            self.env.deliver()
            last = self.writes_since(seqs)
            if not last and not self.env.chaos.held:
                return rounds, []
        return max_rounds, last

    def check(self) -> tuple[list[Violation], OrderCounts]:
        snap = self.reader().snapshot(self.journal)
        counts = OrderCounts()
        return check_catalogue(self.journal, snap) + check_orders(self.journal, snap, counts), counts


def pick(items: list[Any], i: int | None) -> Any:
    return items[int(i or 0) % len(items)] if items else None
