"""The chaos harness itself (runs in CI): webhook fates, one-shot kills, shrinking, the action
stream, and the invariant checks on hand-made platform snapshots."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from kiotsync.bench import invariants as inv
from kiotsync.bench.chaos import generate
from kiotsync.bench.chaos_tools import KILL_POINTS, Killer, WebhookChaos, WorkerKilled
from kiotsync.bench.invariants_orders import check_orders
from tests.chaos.shrink import ddmin


def _post(app: WebhookChaos, body: bytes, path: str = "/webhooks/haravan") -> str:
    status: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    b"".join(app(environ, lambda s, h, *a: status.append(s)))
    return status[0]


def test_webhook_fates_drop_duplicate_and_hold_until_released_in_reverse() -> None:
    seen: list[bytes] = []

    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("200 OK", [])
        return [b"ok"]

    chaos = WebhookChaos(inner)
    chaos.plan.extend(["drop", "dup", "hold", "hold", "pass"])
    assert [_post(chaos, bytes([i])) for i in range(5)] == ["200 OK"] * 5
    assert seen == [b"\x01", b"\x01", b"\x04"]
    assert chaos.release(reverse=True) == 2
    assert seen[3:] == [b"\x03", b"\x02"]
    assert chaos.stats == {"drop": 1, "dup": 1, "hold": 2, "pass": 1}


def test_a_worker_killed_inside_the_app_still_answers_the_platform() -> None:
    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise WorkerKilled("test")

    assert _post(WebhookChaos(inner), b"{}") == "200 OK"


class Target:
    calls = 0

    def work(self) -> int:
        Target.calls += 1
        return Target.calls


def test_a_kill_fires_once_after_the_call_went_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(KILL_POINTS, "test.work", (__name__, "Target", "work"))
    killer, target = Killer(), Target()
    Target.calls = 0
    killer.arm("test.work", after=True)
    with pytest.raises(WorkerKilled):
        target.work()
    assert Target.calls == 1 and killer.fired == ["test.work"]
    assert target.work() == 2  # disarmed by firing
    killer.arm("test.work", after=False)
    killer.disarm()
    assert target.work() == 3


def test_ddmin_finds_the_two_actions_that_matter() -> None:
    runs: list[int] = []

    def fails(xs: list[int]) -> bool:
        runs.append(len(xs))
        return 3 in xs and 17 in xs

    assert ddmin(list(range(40)), fails) == [3, 17]
    assert ddmin(list(range(10)), lambda xs: True) == []


def test_the_action_stream_is_reproducible_plain_data() -> None:
    actions = generate(7, 200)
    assert actions == generate(7, 200)
    assert json.loads(json.dumps(actions)) == actions
    assert len({a["op"] for a in actions}) > 15


# -- the checks on hand-made snapshots ---------------------------------------------------------------


def snapshot(**parts: Any) -> inv.Snapshot:
    base: dict[str, Any] = {
        "now": 1_000.0,
        "branches": {1: True, 2: True, 3: False},
        "kv_products": [],
        "kv_orders": [],
        "kv_invoices": [],
        "hv_products": [],
        "hv_levels": {},
        "hv_orders": [],
        "hv_adjustments": [],
    }
    return inv.Snapshot(**(base | parts))


def journal(**kw: Any) -> inv.Journal:
    j = inv.Journal(
        orgid="1", settings={"stock_mode": "all", "order_branch": 1, "location": 9}, flags={"stock"}
    )
    j.epochs = [[0.0, None]]
    for k, v in kw.items():
        setattr(j, k, v)
    return j


def row(pid: int, code: str, inventories: list[tuple[int, float, float]], **kw: Any) -> dict[str, Any]:
    invs = [{"branchId": b, "onHand": on, "reserved": r} for b, on, r in inventories]
    return {"id": pid, "code": code, "type": 2, "isActive": True, "inventories": invs, **kw}


def product(pid: int, *variants: tuple[int, str]) -> dict[str, Any]:
    vs = [{"id": v, "sku": sku, "inventory_management": "haravan"} for v, sku in variants]
    return {"id": pid, "title": "x", "variants": vs, "options": [], "published_at": "2026-01-01T00:00:00Z"}


def test_stock_counts_active_branches_units_from_the_whole_stock_and_combos_per_branch() -> None:
    base = row(1, "B", [(1, 3, 0), (2, 5, 2), (3, 9, 0)])  # branch 3 closed
    other = row(2, "X", [(1, 0, 0), (2, 4, 0)])
    unit = row(3, "B6", [], masterUnitId=1, conversionValue=2)
    combo = row(
        4,
        "C",
        [],
        type=1,
        productFormulas=[{"materialId": 1, "quantity": 1}, {"materialId": 2, "quantity": 1}],
    )
    rows = {r["id"]: r for r in (base, other, unit, combo)}
    snap = snapshot(kv_products=list(rows.values()))
    counted = inv.stock_branches(journal(), snap)
    assert counted == {1, 2}
    assert [inv.stock_target(rows[i], counted, rows) for i in (1, 3, 4)] == [6, 3, 3]  # combo: 0 + 3
    only_2 = inv.stock_branches(journal(settings={"stock_mode": "branch", "order_branch": 2}), snap)
    assert [inv.stock_target(rows[i], only_2, rows) for i in (1, 3, 4)] == [3, 1, 3]
    # two B6 ordered on Haravan and not in KiotViet: 4 B held, 3 in the order branch (2) and the
    # one it cannot cover in branch 1 (as the app's planner reserves them)
    held = {1: 4.0, -1: 2.0}
    assert [inv.stock_target(rows[i], counted, rows, held) for i in (1, 3, 4)] == [2, 1, 0]
    assert inv.stock_target({**base, "isActive": False}, counted, rows) == 0


def test_available_must_leave_out_open_haravan_orders_kiotviet_does_not_hold() -> None:
    orders = [
        {"id": 11, "name": "#1", "line_items": [{"sku": "A", "quantity": 2}]},  # not in KiotViet
        {"id": 12, "name": "#2", "line_items": [{"sku": "A", "quantity": 5}]},  # reserved in KiotViet
        {"id": 13, "name": "#3", "cancelled_at": "x", "line_items": [{"sku": "A", "quantity": 7}]},
        {"id": 14, "name": "#4", "line_items": [{"sku": "A", "quantity": 1}]},  # delivering in KiotViet
    ]
    kv_orders = [
        {"id": 1, "code": "DH1", "status": 1, "description": "Đơn Haravan #2 [HRV:12]"},
        {"id": 2, "code": "DH2", "status": 2, "description": "Đơn Haravan #4 [HRV:14]"},  # 2: not cancelled
    ]
    snap = snapshot(
        kv_products=[row(1, "A", [(1, 10, 0)])],
        hv_products=[product(100, (101, "A"))],
        hv_levels={(9, 101): {"qty_onhand": 10, "qty_commited": 0}},
        hv_orders=orders,
        kv_orders=kv_orders,
    )
    found = inv.check_catalogue(journal(), snap)
    assert [(v.inv, v.subject, v.expected, v.seen) for v in found] == [("S1", "A", 8, 10)]


def test_orders_lost_and_duplicated_are_counted() -> None:
    line = [{"sku": "A", "quantity": 1}]
    hv = [
        {"id": 1, "name": "#1", "created_at": "1970-01-01T00:10:00Z", "line_items": line},
        {"id": 2, "name": "#2", "created_at": "1970-01-01T00:10:00Z", "line_items": line},
        {
            "id": 3,
            "name": "#3",
            "created_at": "1970-01-01T00:10:00Z",
            "line_items": [{"sku": "GONE", "quantity": 1}],
        },
    ]
    kv = [
        {"id": 7, "code": "DH7", "status": 1, "description": "[HRV:2]", "createdDate": "1970-01-01T07:10:00"},
        {"id": 8, "code": "DH8", "status": 1, "description": "[HRV:2]", "createdDate": "1970-01-01T07:10:00"},
    ]
    snap = snapshot(kv_products=[row(1, "A", [(1, 5, 0)])], hv_orders=hv, kv_orders=kv)
    counts = inv.OrderCounts()
    found = check_orders(journal(), snap, counts)
    assert sorted((v.inv, v.subject) for v in found) == [("O1", "Haravan #1 (1)"), ("O1", "Haravan #2 (2)")]
    assert (counts.lost, counts.duplicated, counts.required) == (1, 1, 2)


def test_writes_are_only_the_api_writes() -> None:
    log = [
        {"method": "POST", "path": "/com/inventories/adjustorset.json"},
        {"method": "GET", "path": "/com/products.json"},
        {"method": "POST", "path": "/connect/token"},
    ]
    assert inv.writes(log, "haravan") == ["haravan POST /com/inventories/adjustorset.json"]
    assert inv.writes([{"method": "POST", "path": "/connect/token"}], "kiotviet") == []
