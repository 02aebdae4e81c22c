"""``kiotsync bench chaos``: a long soak of merchants and platforms misbehaving, then settle and count.

Set-up as the other benches (:mod:`.harness`): both emulators in a child process on one clock,
the app in this process (SQLite + SqliteHuey consumer by default, WSGI on a socket, webhooks over
HTTP). Both emulators are seeded with the demo shop; the merchant installs, logs in to KiotViet,
saves the settings and turns Auto-sync on through the app's own pages.

Then random actions (:func:`stream`; the vocabulary is :class:`~.chaos_world.World`'s) arrive as
fast as the driver can send them until ``--orders`` orders and ``--stock-changes`` stock changes
were made (or ``--seconds`` passed): POS sales and orders, stock-takes and transfers, storefront
orders, cancellations, fulfilments, carrier moves, products created / renamed / re-priced /
deleted, variants added, a branch closed, settings changed, disconnect and reconnect. Meanwhile
``--faults`` of every API call fails (503, 429, 504 after commit), webhook deliveries are dropped
(``--drop``), duplicated (``--dup``) and held back to arrive late (``--hold``), and ``--kills``
workers die mid-job. Then the platforms recover and the system settles (time passes, the
backstops run) until a whole round writes nothing; both platforms are read and every invariant of
``docs/invariants.md`` checked (:mod:`.invariants`).

Last line: ``actions``, ``orders``, ``lost`` (orders that must be on the other platform and are
not), ``duplicated`` (extra copies), ``mismatches`` (stock invariants S1–S3 violated after
settling), ``seconds_to_converge``, ``violations`` per invariant, ``ok``.

Why a seeded simulator over plain-data actions rather than Hypothesis's ``RuleBasedStateMachine``
(also for ``tests/chaos``): this bench needs the very same action stream outside pytest (thousands
of actions, a real worker, emulators in another process); actions as data print as a replayable
minimal sequence; and the shrinker (delta debugging over the list, ``tests/chaos``) runs under a
time budget — every example rebuilds two emulators and a shop, which Hypothesis's shrinker
(unbounded in time, strict about flakiness from worker threads) would not fit into CI.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import harness
from .chaos_tools import KILL_POINTS, AppClock, WebhookChaos
from .chaos_world import Action, Env, World
from .harness import say
from .invariants import OrderCounts, Violation, summary

CARRIERS = (
    "readytopick",
    "picking",
    "delivering",
    "delivered",
    "notmeetcustomer",
    "waitingforreturn",
    "return",
)
KINDS = ("simple", "unit", "variant", "combo")
SETTINGS = ("order_side", "stock_mode", "order_branch", "location", "price_source", "flag")
FAULT_PATHS = {
    "kv": ("/orders", "/orders/*", "/invoices*", "/products*", "/productOnHands", "/customers*", "*"),
    "hv": (
        "/com/orders*",
        "/com/inventories/adjustorset.json",
        "/com/inventory_locations.json",
        "/com/products*",
        "*",
    ),
}
FAULT_KINDS = ((503, False), (429, False), (500, False), (504, True))


def _n(r: random.Random) -> int:
    return r.randrange(1 << 16)


def _fault(r: random.Random) -> Action:
    platform = r.choice(("kv", "hv"))
    status, after = r.choice(FAULT_KINDS)
    path = r.choice(FAULT_PATHS[platform])
    return {"platform": platform, "path": path, "status": status, "count": r.randint(1, 3), "after": after}


Maker = Callable[[random.Random], Action]
MIX: dict[str, tuple[float, Maker]] = {
    "stock": (10, lambda r: {"row": _n(r), "branch": _n(r), "on_hand": r.randint(0, 40)}),
    "transfer": (2, lambda r: {"row": _n(r), "source": _n(r), "target": _n(r), "qty": r.randint(1, 6)}),
    "pos_invoice": (5, lambda r: {"row": _n(r), "branch": _n(r), "qty": r.randint(1, 3)}),
    "pos_order": (4, lambda r: {"row": _n(r), "branch": _n(r), "qty": r.randint(1, 3)}),
    "kv_complete": (3, lambda r: {"order": _n(r), "delivery": r.choice([None, 1, 2, 3])}),
    "kv_cancel": (1.5, lambda r: {"order": _n(r)}),
    "kv_delivery": (2, lambda r: {"invoice": _n(r), "status": r.choice([2, 3, 4, 5, 6, 7, 10, 11])}),
    "web_order": (
        8,
        lambda r: {
            "lines": [[_n(r), r.randint(1, 3)] for _ in range(r.randint(1, 3))],
            "paid": r.random() < 0.3,
        },
    ),
    "hv_cancel": (1.5, lambda r: {"order": _n(r)}),
    "hv_confirm": (1.5, lambda r: {"order": _n(r)}),
    "hv_fulfil": (2.5, lambda r: {"order": _n(r)}),
    "hv_carrier": (1.5, lambda r: {"order": _n(r), "code": r.choice(CARRIERS)}),
    "product_new": (1.5, lambda r: {"kind": r.choice(KINDS), "i": _n(r)}),
    "rename": (1, lambda r: {"row": _n(r), "suffix": r.randint(1, 99)}),
    "price": (
        1.5,
        lambda r: {
            "row": _n(r),
            "price": r.randint(5, 500) * 1000,
            **({"book": _n(r)} if r.random() < 0.5 else {}),
        },
    ),
    "delete": (0.6, lambda r: {"row": _n(r)}),
    "branch_off": (0.2, lambda r: {"branch": _n(r)}),
    "settings": (2, lambda r: {"name": r.choice(SETTINGS), "value": _n(r)}),
    "disconnect": (0.4, lambda r: {}),
    "connect": (0.8, lambda r: {}),
    "kill": (1, lambda r: {"point": r.choice(sorted(KILL_POINTS)), "after": r.random() < 0.6}),
    "fault": (2, _fault),
    "webhooks": (
        3,
        lambda r: {"fates": [r.choice(("drop", "dup", "hold", "pass")) for _ in range(r.randint(1, 4))]},
    ),
    "release": (1, lambda r: {"reverse": r.random() < 0.7}),
    "outage": (0.5, lambda r: {"actions": r.randint(1, 4)}),
    "tick": (1, lambda r: {"minutes": r.randint(1, 3)}),
}
#: The soak's mix: chaos comes from rates (faults, webhooks) and scheduled kills instead of actions.
SOAK_WEIGHTS = {
    "stock": 14,
    "transfer": 1,
    "pos_invoice": 2,
    "pos_order": 0.8,
    "web_order": 2.2,
    "kv_delivery": 1,
}
SOAK_WEIGHTS |= {"hv_cancel": 0.7, "hv_confirm": 0.7, "hv_fulfil": 1.2, "hv_carrier": 0.7, "product_new": 0.2}
SOAK_WEIGHTS |= {
    "rename": 0.2,
    "price": 0.3,
    "delete": 0.1,
    "branch_off": 0.01,
    "settings": 0.02,
    "release": 0.05,
}
SOAK_WEIGHTS |= {
    "disconnect": 0.004,
    "connect": 0.01,
    "tick": 0.05,
    "fault": 0,
    "webhooks": 0,
    "outage": 0,
    "kill": 0,
}


def stream(seed: int, weights: dict[str, float] | None = None) -> Iterator[Action]:
    """An endless action stream from ``seed`` (``weights`` override :data:`MIX`'s)."""
    rng = random.Random(seed)
    ops = sorted(MIX)
    w = [(weights or {}).get(op, MIX[op][0]) for op in ops]
    while True:
        op = rng.choices(ops, w)[0]
        yield {"op": op, **MIX[op][1](rng)}


def generate(seed: int, n: int, weights: dict[str, float] | None = None) -> list[Action]:
    it = stream(seed, weights)
    return [next(it) for _ in range(n)]


@dataclass
class Outcome:
    """A run's result: violations (with W1 when it never stopped writing), order counts, settling."""

    violations: list[Violation]
    counts: OrderCounts
    rounds: int
    converged: bool
    seconds_to_converge: float
    fired: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def play(world: World, actions: list[Action], max_rounds: int = 8) -> Outcome:
    """Run ``actions`` (an action the platforms refuse is the merchant's problem: noted, skipped),
    settle and check."""
    errors: list[str] = []
    for action in actions:
        try:
            world.do(action)
        except Exception as exc:
            errors.append(f"{action['op']}: {type(exc).__name__}: {exc}"[:300])
    started = time.monotonic()
    rounds, last = world.settle(max_rounds)
    took = time.monotonic() - started
    violations, counts = world.check()
    if last:
        violations.append(
            Violation("W1", "settled state", "no write", last[:12], f"still writing after {rounds} rounds")
        )
    return Outcome(violations, counts, rounds, not last, took, list(world.killer.fired), errors)


# -- the benchmark ------------------------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiotsync bench chaos", description=__doc__.split("\n")[0])
    p.add_argument(
        "--seconds", type=float, default=0.0, help="stop the soak after this long (default: sizes)"
    )
    p.add_argument("--orders", type=int, default=1000, help="orders to place, web + POS (default 1000)")
    p.add_argument("--stock-changes", type=int, default=10_000, help="stock changes (default 10000)")
    p.add_argument("--faults", type=float, default=0.10, help="share of API calls failing (default 0.10)")
    p.add_argument("--dup", type=float, default=0.05, help="share of webhooks duplicated (default 0.05)")
    p.add_argument("--drop", type=float, default=0.05, help="share of webhooks dropped (default 0.05)")
    p.add_argument(
        "--hold", type=float, default=0.01, help="share of webhooks held back, arriving late (0.01)"
    )
    p.add_argument("--kills", type=int, default=3, help="workers killed mid-job (default 3)")
    p.add_argument("--seed", type=int, default=10)
    p.add_argument("--workers", type=int, default=4, help="Huey worker threads (default 4)")
    p.add_argument(
        "--leak", type=float, default=40.0, help="Haravan calls per second (bucket leak; default 40)"
    )
    p.add_argument("--max-rounds", type=int, default=12, help="settling rounds before giving up")
    p.add_argument("--quick", action="store_true", help="smoke run: 20 orders, 200 stock changes, 1 kill")
    p.add_argument("--database-url", default=None)
    p.add_argument("--queue-url", default=None)
    if "--quick" in argv:
        p.set_defaults(orders=20, stock_changes=200, kills=1)
    return p.parse_args(argv)


def _bench_world(args: argparse.Namespace) -> tuple[World, Callable[[], None]]:
    emulators = harness.start_emulators(1.0)
    app = harness.App(
        emulators, database_url=args.database_url, queue_url=args.queue_url, workers=args.workers
    )
    try:
        kv_creds = emulators.kv("POST", "/seed", json={"preset": "demo", "seed": 1})
        uris = [f"{app.url}/auth/callback", f"{app.url}/auth/install/callback"]
        hv_creds = emulators.hv(
            "POST", "/seed", json={"preset": "demo", "seed": 1, "app": {"redirect_uris": uris}}
        )
        app.start(hv_creds)
        from kiotsync.haravan.pacing import LeakyBucketPacer
        from kiotsync.wiring import get_wiring

        emulators.hv("PUT", "/config", json={"leak_rate": args.leak})
        get_wiring().set_haravan_pacer(hv_creds["orgid"], LeakyBucketPacer(harness.HARAVAN_BUCKET, args.leak))
        rates = {"drop": args.drop, "dup": args.dup, "hold": args.hold}
        chaos = WebhookChaos(app._wsgi.app, rates=rates, seed=args.seed)
        app._wsgi.app = chaos
        emulators.hv(
            "POST",
            "/apps",
            json={
                "client_id": hv_creds["client_id"],
                "webhook_url": f"{app.url}/webhooks/haravan",
                "webhook_verify_token": harness.VERIFY_TOKEN,
                "topics": harness.haravan_topics(),
            },
        )
        app.start_worker()
    except BaseException:
        app.stop()
        emulators.stop()
        raise
    kv = httpx.Client(base_url=emulators.kv_url, timeout=120)
    hv = httpx.Client(base_url=emulators.hv_url, timeout=120)
    browser = httpx.Client(base_url=app.url, follow_redirects=True, timeout=300)

    def deliver() -> None:
        for client in (kv, hv):
            client.post("/_emulator/webhooks/drain", json={"timeout": 60})
        harness.wait_until(_app_idle, 300, 0.2)

    env = Env(kv, hv, browser, [kv], chaos, deliver, kv_creds, hv_creds, refresh_every=25, per_action=False)
    clock = AppClock()
    clock.install()

    def stop() -> None:
        clock.uninstall()
        for client in (kv, hv, browser):
            client.close()
        app.stop()
        emulators.stop()

    return World(env, clock=clock), stop


def _app_idle() -> bool:
    from huey.contrib.djhuey import HUEY

    return HUEY.pending_count() == 0 and harness.inbox_settled()


KILLS = (
    ("kv.create_order", True),
    ("hv.adjust_or_set", False),
    ("ingest.apply_stock", True),
    ("catalog.sync_products", False),
)


def _soak(args: argparse.Namespace, world: World) -> tuple[int, float]:
    """Actions until the sizes are reached (or ``--seconds`` passed); failing calls all along, the
    kills spread over the run. Returns (actions, seconds)."""
    from .orders import fault_rules

    for platform in ("kv", "hv"):
        world.ctl(platform, "POST", "/faults", faults=fault_rules(args.faults))
    it = stream(args.seed, SOAK_WEIGHTS)
    started = last = time.monotonic()
    actions = armed = 0
    while True:
        orders = world.counts["orders"] + world.counts["pos_order"]
        stock = world.counts["stock"] + world.counts["transfer"]
        progress = min(orders / max(1, args.orders), stock / max(1, args.stock_changes))
        if progress >= 1 or (args.seconds and time.monotonic() - started > args.seconds):
            break
        while armed < args.kills and progress >= (armed + 1) / (args.kills + 1):
            world.killer.arm(*KILLS[armed % len(KILLS)])
            armed += 1
        action = next(it)
        try:
            world.do(action)
        except Exception as exc:  # the platforms refused the merchant: noted, the soak goes on
            world.counts["refused"] += 1
            world.counts[f"refused:{action['op']}:{type(exc).__name__}"] += 1
        actions += 1
        if time.monotonic() - last > 10:
            last = time.monotonic()
            say(f"  {last - started:6.1f}s  {actions} actions, {orders} orders, {stock} stock changes")
    return actions, time.monotonic() - started


def main(argv: list[str]) -> dict[str, Any]:
    args = parse(argv)
    say(
        f"chaos: {args.orders} orders, {args.stock_changes} stock changes, {args.faults:.0%} failing calls, "
        f"{args.dup:.0%} duplicated / {args.drop:.0%} dropped webhooks, {args.kills} worker kills"
    )
    world, stop = _bench_world(args)
    try:
        started = time.monotonic()
        world.setup({})
        rounds, _last = world.settle(args.max_rounds)
        say(f"set-up settled in {rounds} rounds, {time.monotonic() - started:.1f} s")
        actions, soak_s = _soak(args, world)
        outcome = play(world, [], args.max_rounds)
    finally:
        stop()
    s = summary(outcome.violations, outcome.counts)
    result: dict[str, Any] = {
        "scenario": "chaos",
        "actions": actions,
        "orders": world.counts["orders"] + world.counts["pos_order"],
        "stock_changes": world.counts["stock"] + world.counts["transfer"],
        "kills_fired": outcome.fired,
        "webhooks": dict(world.env.chaos.stats),
        "soak_s": round(soak_s, 1),
        "seconds_to_converge": round(outcome.seconds_to_converge, 1),
        "settle_rounds": outcome.rounds,
        "converged": outcome.converged,
        "examples": [str(v) for v in outcome.violations[:25]],
        **s,
    }
    result["ok"] = bool(outcome.converged and not outcome.violations)
    say(
        f"lost {s['lost']}, duplicated {s['duplicated']}, stock mismatches {s['mismatches']}, "
        f"violations {s['violations']}; converged in {result['seconds_to_converge']} s"
    )
    return result
