"""The production topology works as deployed (docs/deploy.md): the emulators, ``kiotsync
migrate``, ``kiotsync serve`` and two ``kiotsync worker`` processes, each its own OS process
configured only by its environment — on SQLite + SqliteHuey by default, on PostgreSQL + Redis under
``make test-scaleout``.

The merchant works through the app's pages over HTTP; the platforms act through the emulators'
APIs and back offices (``/_emulator``). End states are read from the emulators' APIs and the
app's pages only: nothing here imports the app's models (the app runs in other processes).
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from .conftest import HARAVAN_TOPICS, Deployed
from .merchant import Job
from .stack import wait_for

pytestmark = pytest.mark.deploy

SYNC = "sync_kv_hv"
TRANSFER = "transfer_hv_kv"
# A catalogue the second "Sync now" creates on Haravan while a worker is killed under it.
BULK = 30
BULK_PREFIX = "DEPLOY"


def test_registered_topics_are_the_handled_ones() -> None:
    """The topics docs/deploy.md (and this suite) registers in the partner dashboard are the
    ones the app handles."""
    from kiotsync.inbox.dispatch import haravan_topics

    assert sorted(HARAVAN_TOPICS) == haravan_topics()
    doc = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    quick_start = doc[doc.index("## Quick start") : doc.index("## Configuration")]
    assert all(f'"{topic}"' in quick_start for topic in HARAVAN_TOPICS)
    assert all(f"`{topic}`" in doc for topic in HARAVAN_TOPICS)


def _finished(d: Deployed, kind: str, timeout: float) -> Job:
    job = wait_for(
        lambda: (j := d.merchant.job(kind)).state in ("done", "failed") and j,
        timeout,
        f"the {kind} job to finish",
    )
    assert job.state == "done", job
    return job


def _health(d: Deployed) -> dict[str, object]:
    status, body = d.merchant.healthz()
    queue = body["queues"]["default"]
    return {"status": status, **queue}


def _haravan_calls(d: Deployed) -> float:
    """First attempts answered 2xx, by every process (docs/deploy.md, "Metrics")."""
    from prometheus_client.parser import text_string_to_metric_families

    text = d.merchant.get("/metrics").text  # the harness calls serve from 127.0.0.1: no token
    wanted = {"platform": "haravan", "outcome": "2xx", "retry": "no"}
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "kiotsync_http_attempts_total" and s.labels == wanted
    )


def test_deployed_topology(deployed: Deployed) -> None:
    d = deployed
    m, kv, hv, stack = d.merchant, d.kv, d.hv, d.stack

    # -- both workers alive, each knowing every task ----------------------------------------
    health = _health(d)
    assert health["status"] == 200 and health["workers"] == 2, health
    tasks = health["tasks_registered"]
    assert isinstance(tasks, int) and tasks > 1, f"workers registered no tasks but the probe: {health}"

    # -- install through Haravan's real OAuth, KiotViet login, settings ----------------------
    page = m.install(hv.creds["owner"]["email"], hv.creds["owner"]["password"])
    assert m.path(page) == "/kiotviet/login", page.url
    page = m.connect_kiotviet(kv.creds["retailer"], kv.creds["client_id"], kv.creds["client_secret"])
    assert m.path(page) == "/settings", (page.url, page.text[:1000])
    page = m.save_settings()  # the defaults the form offers: first branch, all branches' stock…
    assert m.path(page) == "/connection", (page.url, page.text[:1000])
    d.say("installed, KiotViet connected, settings saved")

    # -- Sync now: the catalogue appears on Haravan, once ----------------------------------
    calls_before = _haravan_calls(d)  # serve's own (sign-in, settings)
    m.sync_now()
    job = _finished(d, SYNC, 90)
    active = {p["code"] for p in kv.all("/products") if p.get("isActive", True)}
    skus = hv.skus()
    assert active <= set(skus), f"not on Haravan: {sorted(active - set(skus))}"
    assert max(skus.values()) == 1, {s: n for s, n in skus.items() if n > 1}
    d.say(f"Sync now: {len(active)} KiotViet products on Haravan ({job.text[-80:]})")

    # -- /metrics on serve: the workers' platform calls, added to the database on their beats --
    calls = wait_for(
        lambda: (n := _haravan_calls(d)) >= calls_before + len(active) and n,
        30,
        "the workers' Haravan calls in /metrics",
    )
    d.say(f"/metrics: {calls - calls_before:.0f} Haravan calls of the workers (serve's: {calls_before:.0f})")

    # -- Auto-sync on: a stock change in a KiotViet branch reaches Haravan ------------------
    m.set_auto_sync(True)
    _finished(d, SYNC, 60)  # turning it on runs a sync first
    code = "ATCB-DEN-M"
    branch = kv.creds["branches"][1]["id"]
    location = next(loc["id"] for loc in hv.creds["locations"] if loc["is_primary"])
    variant = hv.variant(code)["id"]
    before = kv.available(code)
    on_branch = next(i for i in kv.product(code)["inventories"] if i["branchId"] == branch)
    kv.control("POST", "/stock", json={"code": code, "branchId": branch, "onHand": on_branch["onHand"] + 7})
    expected = kv.available(code)
    assert expected == before + 7
    wait_for(lambda: hv.on_hand(variant, location) == expected, 60, f"Haravan stock of {code} = {expected}")
    d.say(f"stock of {code}: KiotViet {before} → {expected}, Haravan followed")

    # -- a Haravan web order arrives in KiotViet, once ---------------------------------------
    order = hv.web_order([{"sku": code, "quantity": 1}])
    kv_orders = wait_for(lambda: kv.orders_for(order["id"]), 60, f"Haravan order {order['name']} in KiotViet")
    assert len(kv_orders) == 1, kv_orders
    row = wait_for(
        lambda: (r := m.order(order["name"])) and r.state == "synced" and r, 30, "the order row synced"
    )
    assert row.kv_code == kv_orders[0]["code"], row
    d.say(f"order {order['name']} → KiotViet {row.kv_code}")

    # -- an order that fails (its SKU exists only on Haravan), the cause fixed, re-synced ------
    failing = hv.web_order([{"sku": "HRV-001", "quantity": 1}])
    row = wait_for(
        lambda: (r := m.order(failing["name"])) and r.state == "error" and r,
        60,
        f"{failing['name']} in error",
    )
    assert "HRV-001" in row.reason, row
    assert kv.orders_for(failing["id"]) == []
    m.transfer_all()  # "Chuyển dữ liệu": the Haravan-only products are created in KiotViet
    _finished(d, TRANSFER, 90)
    assert kv.product_codes()["HRV-001"] == 1
    m.resync_order(row)
    kv_orders = wait_for(
        lambda: kv.orders_for(failing["id"]), 60, f"{failing['name']} in KiotViet after re-sync"
    )
    row = wait_for(
        lambda: (r := m.order(failing["name"])) and r.state == "synced" and r, 30, "the row synced"
    )
    assert len(kv_orders) == 1 and row.kv_code == kv_orders[0]["code"], (kv_orders, row)
    d.say(f"order {failing['name']}: error, fixed by Transfer all, re-synced → KiotViet {row.kv_code}")

    # -- kill -9 the worker running a job: it finishes anyway, nothing twice -----------------
    m.set_auto_sync(False)  # the new products go with "Sync now", not one by one
    kv.control("POST", "/products/bulk", json={"products": BULK, "code_prefix": BULK_PREFIX})
    victim, stopped = stack.workers()
    # Stop the other worker cleanly first (its heartbeat row goes with it), so the job can only
    # run in the victim — which then dies in the middle of creating a product on Haravan: the
    # create is held 8 s by the emulator and applied after the worker is gone.
    stopped.send(signal.SIGINT)
    assert stopped.wait(30) == 0, stopped.tail()
    wait_for(lambda: _health(d)["workers"] == 1, 15, "/healthz: 1 worker after a clean stop")
    hv.control("POST", "/faults", json={"method": "POST", "path": "/com/products.json", "delay_s": 8})
    m.sync_now()
    wait_for(lambda: not hv.control("GET", "/faults")["faults"], 60, "the job's first product create")
    assert m.job(SYNC).state == "running"
    os.kill(victim.pid, signal.SIGKILL)
    assert victim.wait(10) == -signal.SIGKILL
    d.say("worker killed while creating a product on Haravan")
    health = wait_for(
        lambda: (h := _health(d))["status"] == 503 and h, 60, "/healthz: 503 once no worker beats"
    )
    assert health["state"] == "no worker", health
    stack.start_worker()
    stack.start_worker()
    wait_for(
        lambda: (h := _health(d))["status"] == 200 and h["workers"] == 2, 30, "/healthz: 200 with 2 workers"
    )
    d.say("2 new workers, /healthz green again; waiting for the job to be resumed")
    # The dead worker stopped beating: the next beat of a live worker releases its job and queues
    # it again (without waiting STALE_JOB for the job's own heartbeat to go stale).
    _finished(d, SYNC, 120)
    skus = hv.skus()
    bulk = {f"{BULK_PREFIX}{g:05d}" for g in range(1, BULK + 1)}
    assert bulk <= set(skus), f"not on Haravan: {sorted(bulk - set(skus))}"
    assert max(skus.values()) == 1, {s: n for s, n in skus.items() if n > 1}
    assert max(kv.order_codes().values()) == 1
    assert len(kv.orders_for(order["id"])) == 1 and len(kv.orders_for(failing["id"])) == 1
    health = _health(d)
    assert health["status"] == 200 and health["workers"] == 2, health
    assert health["tasks_registered"] == tasks, health
    d.say(f"job resumed and done: {BULK} new products on Haravan once each")

    # -- and no process of the app failed on the way ----------------------------------------
    failures = []
    for name, proc in stack.procs.items():
        if name == "serve" or name.startswith("worker-"):
            text = proc.log.read_text(errors="replace")
            errors = re.findall(r"^(?:\w+\.)*\w+(?:Error|Exception): .*$", text, re.M)
            if "Traceback" in text:
                at = text.index("Traceback")
                failures.append(
                    f"{name}: {errors[0] if errors else '?'}\n{text[max(0, at - 300) : at + 3000]}"
                )
    assert not failures, "a process of the app logged an exception:\n" + "\n".join(failures)
