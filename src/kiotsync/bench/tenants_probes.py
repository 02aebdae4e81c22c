"""What ``kiotsync bench tenants`` does as the platforms' people, and how it times it.

* **stock probe** — the KiotViet admin counts a small shop's stock-probe SKU in its branch
  (``POST /_emulator/stock``, a new on-hand each time); latency = until Haravan's admin shows that
  on-hand at the shop's location (``/_emulator/shops/{orgid}/com/inventory_locations.json``,
  read every 0.1 s: not rate-limited, not in the request log).
* **order probe** — a customer checks out on a small shop's storefront
  (``POST /_emulator/shops/{orgid}/web_orders``, a new phone each time); latency = until KiotViet
  has answered the app's ``POST /orders`` for that retailer with a 2xx (the platform clock's time
  of the answer in KiotViet's request log, read every 0.25 s; one order at a time per shop, and
  no other order is made there meanwhile, so the first such create is this order's).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .harness import Emulators, percentile
from .tenants_stack import Browser

STOCK_SKU = "BK00001-1"  # the stock probes' SKU in every small shop
ORDER_SKU = "BK00002-1"  # what the storefront customers buy (never a stock probe's)


@dataclass
class Tenant:
    index: int
    big: bool
    kv: dict[str, Any]
    hv: dict[str, Any]
    browser: Browser | None = None
    variants: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one probe at a time per shop

    @property
    def retailer(self) -> str:
        return str(self.kv["retailer"])

    @property
    def orgid(self) -> str:
        return str(self.hv["orgid"])

    @property
    def location(self) -> int:
        return int(next(loc["id"] for loc in self.hv["locations"] if loc["is_primary"]))


def web_order_body(rng: random.Random, sku: str = ORDER_SKU) -> dict[str, Any]:
    phone = f"09{rng.randrange(10**8):08d}"
    address = {
        "name": "Nguyễn Văn An",
        "phone": phone,
        "address1": f"{rng.randint(1, 300)} Láng Hạ",
        "ward": "Phường Láng Hạ",
        "district": "Quận Đống Đa",
        "province": "Hà Nội",
    }
    return {
        "line_items": [{"sku": sku, "quantity": 1}],
        "customer": {"first_name": "An", "last_name": "Nguyễn Văn", "phone": phone},
        "shipping_address": address,
    }


class Prober:
    """Times stock and order probes on small shops (see the module's docstring)."""

    def __init__(self, em: Emulators, offset: float, timeout: float = 60.0, seed: int = 11) -> None:
        self.em = em
        self.offset = offset  # platform time − time.time()
        self.timeout = timeout
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.value = 1000

    def variant(self, t: Tenant, sku: str) -> int:
        if sku not in t.variants:
            products = self.em.hv("GET", f"/shops/{t.orgid}/com/products.json", params={"limit": 50})
            for p in products["products"]:
                for v in p["variants"]:
                    t.variants[str(v.get("sku"))] = int(v["id"])
        return t.variants[sku]

    def stock(self, t: Tenant) -> float | None:
        with t.lock:
            vid = self.variant(t, STOCK_SKU)
            with self.rng_lock:
                self.value += 1
                value = self.value
            sent = time.time()
            self.em.kv("POST", "/stock", json={"retailer": t.retailer, "code": STOCK_SKU, "onHand": value})
            path = f"/shops/{t.orgid}/com/inventory_locations.json"
            params = {"variant_ids": vid, "location_ids": t.location}
            while time.time() - sent < self.timeout:
                rows = self.em.hv("GET", path, params=params)["inventory_locations"]
                if rows and float(rows[0]["qty_onhand"]) == value:
                    return time.time() - sent
                time.sleep(0.1)
            return None

    def order(self, t: Tenant) -> float | None:
        with t.lock:
            with self.rng_lock:
                body = web_order_body(self.rng)
            since = self.em.last_seq("kiotviet")
            sent = time.time() + self.offset  # on the platform clock
            self.em.hv("POST", f"/shops/{t.orgid}/web_orders", json=body)
            while time.time() + self.offset - sent < self.timeout:
                log = self.em.kv(
                    "GET", "/requests", params={"since": since, "method": "POST", "path": "/orders"}
                )
                for e in log["requests"]:
                    if e["path"] == "/orders" and e.get("retailer") == t.retailer and int(e["status"]) < 300:
                        return float(e["time"]) - sent
                time.sleep(0.25)
            return None

    def run(self, shops: Iterator[Tenant], count: int, interval: float) -> dict[str, Any]:
        """``count`` stock and ``count`` order probes, one of each started every ``interval`` s,
        each on the next small shop; waits for all of them."""
        stock: list[float | None] = []
        orders: list[float | None] = []
        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = []
            start = time.monotonic()
            for i in range(count):
                pause = start + i * interval - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                futures.append((stock, pool.submit(self.stock, next(shops))))
                futures.append((orders, pool.submit(self.order, next(shops))))
            for out, fut in futures:
                out.append(fut.result())
        return {"stock": latency_figures(stock), "order": latency_figures(orders)}


def latency_figures(values: list[float | None]) -> dict[str, Any]:
    seen = [v for v in values if v is not None]
    return {
        "probes": len(values),
        "seen": len(seen),
        "p50": _r(percentile(seen, 50)),
        "p95": _r(percentile(seen, 95)),
        "max": _r(max(seen) if seen else None),
    }


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


class Seller:
    """Other shops selling in the background: a storefront order every ``1 / rate`` s on the
    next shop (not timed; counted)."""

    def __init__(self, em: Emulators, shops: Callable[[], Tenant], rate: float, seed: int = 23) -> None:
        self.em, self.shops, self.rate = em, shops, rate
        self.rng = random.Random(seed)
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="seller", daemon=True)

    def _loop(self) -> None:
        start = time.monotonic()
        while not self._stop.is_set():
            t = self.shops()
            if t.lock.acquire(blocking=False):  # never while a probe times that shop
                try:
                    self.em.hv("POST", f"/shops/{t.orgid}/web_orders", json=web_order_body(self.rng))
                    self.sent += 1
                finally:
                    t.lock.release()
            self._stop.wait(max(0.0, start + (self.sent + 1) / self.rate - time.monotonic()))

    def __enter__(self) -> Seller:
        if self.rate > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)


def wave(em: Emulators, shops: list[Tenant], seconds: float, offset: float, timeout: float) -> dict[str, Any]:
    """Every shop of ``shops`` sells once and counts one SKU, spread evenly over ``seconds``;
    then wait until KiotViet has every order and Haravan a stock write for every shop. Latencies
    from the request logs: a shop's first ``POST /orders`` (KiotViet) and first ``adjustorset``
    (Haravan) answered 2xx after its change (the order's SKU is written too, later: the first
    write is the counted one's or an earlier one's — a lower bound only when they overlap)."""
    rng = random.Random(31)
    kv_seq, hv_seq = em.last_seq("kiotviet"), em.last_seq("haravan")
    sent_order: dict[str, float] = {}
    sent_stock: dict[str, float] = {}
    gap = seconds / max(1, len(shops))
    start = time.monotonic()
    for i, t in enumerate(shops):
        pause = start + i * gap - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        sent_stock[t.orgid] = time.time() + offset
        em.kv("POST", "/stock", json={"retailer": t.retailer, "code": STOCK_SKU, "onHand": 500 + i})
        sent_order[t.retailer] = time.time() + offset
        em.hv("POST", f"/shops/{t.orgid}/web_orders", json=web_order_body(rng))
    sent_s = time.monotonic() - start
    order_at: dict[str, float] = {}
    stock_at: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kv_log, _ = em.requests("kiotviet", kv_seq)
        hv_log, _ = em.requests("haravan", hv_seq)
        for e in kv_log:
            r = e.get("retailer")
            if (
                e["method"] == "POST"
                and e["path"] == "/orders"
                and int(e["status"]) < 300
                and r in sent_order
            ):
                order_at.setdefault(r, float(e["time"]))
        for e in hv_log:
            o = e.get("orgid")
            written = e["path"] == "/com/inventories/adjustorset.json" and int(e["status"]) < 300
            if written and o in sent_stock and float(e["time"]) >= sent_stock[o]:
                stock_at.setdefault(o, float(e["time"]))
        if len(order_at) == len(sent_order) and len(stock_at) == len(sent_stock):
            break
        time.sleep(2)
    return {
        "shops": len(shops),
        "sent_in_s": round(sent_s, 1),
        "orders_in_kiotviet": len(order_at),
        "stock_written": len(stock_at),
        "all_done_after_s": round(time.monotonic() - start, 1),
        "order_latency_s": latency_figures(
            [order_at[r] - s if r in order_at else None for r, s in sent_order.items()]
        ),
        "stock_latency_s": latency_figures(
            [stock_at[o] - s if o in stock_at else None for o, s in sent_stock.items()]
        ),
    }
