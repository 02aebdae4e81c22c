"""Fixtures of the deployed-topology tests: the stack of separate processes (docs/deploy.md),
brought up the way an operator does it, and always taken down again — with the end of every
process's log attached to the report of a test that failed."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .merchant import Merchant
from .platforms import Haravan, KiotViet
from .stack import VERIFY_TOKEN, Backend, Stack, wait_for

STACK = pytest.StashKey["Stack"]()
FAILED = pytest.StashKey[bool]()

# The Haravan webhook topics KiotSync handles: what the partner dashboard registration lists
# (docs/deploy.md; `kiotsync demo` registers kiotsync.inbox.dispatch.haravan_topics()).
HARAVAN_TOPICS = [
    "app/uninstalled",
    "orders/cancelled",
    "orders/create",
    "orders/fulfilled",
    "orders/paid",
    "orders/updated",
    "products/create",
    "products/delete",
    "products/deleted",
    "products/update",
]


@dataclasses.dataclass
class Deployed:
    stack: Stack
    kv: KiotViet
    hv: Haravan
    merchant: Merchant
    started: float

    def say(self, what: str) -> None:
        """Progress on stdout (shown with -s, and in the report of a failed test)."""
        print(f"[{time.monotonic() - self.started:6.1f}s] {what}", flush=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    stack = item.stash.get(STACK, None)
    if report.failed:
        item.stash[FAILED] = True
    if report.failed and stack is not None:
        report.sections.append((f"deployed processes — logs in {stack.root}", stack.tails(60)))


@pytest.fixture
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    backend = Backend.from_environment()
    root = Path(tempfile.mkdtemp(prefix=f"kiotsync-deploy-{backend.kind}-"))
    stack = Stack(root, backend)
    request.node.stash[STACK] = stack
    try:
        backend.setup()
        yield stack
    finally:
        try:
            stack.stop()
        finally:
            backend.teardown()
            # A failed run keeps its logs on disk (their path is in the report).
            if not request.node.stash.get(FAILED, False):
                stack.cleanup()


@pytest.fixture
def deployed(stack: Stack) -> Iterator[Deployed]:
    """docs/deploy.md "Quick start", step by step: emulators, the Haravan app registered, the
    environment, ``kiotsync migrate``, ``kiotsync serve``, two ``kiotsync worker``, the webhook
    URL saved in the partner dashboard (Haravan checks it with hub.challenge), /healthz green."""
    started = time.monotonic()
    stack.start_emulators()
    kv, hv = KiotViet(stack.kv_url), Haravan(stack.hv_url)
    kv.control("POST", "/reset")
    kv.creds = kv.control("POST", "/seed", json={"preset": "demo", "seed": 1, "base_url": stack.kv_url})
    hv.control("POST", "/reset")
    hv.creds = hv.control(
        "POST",
        "/seed",
        json={
            "preset": "demo",
            "seed": 1,
            "base_url": stack.hv_url,
            "app": {
                "redirect_uris": [
                    f"{stack.public_url}/auth/callback",
                    f"{stack.public_url}/auth/install/callback",
                ]
            },
        },
    )
    stack.configure(hv.creds["client_id"], hv.creds["client_secret"])
    stack.migrate()
    stack.start_serve()
    stack.start_worker()
    stack.start_worker()
    registered = hv.control(
        "POST",
        "/apps",
        json={
            "client_id": hv.creds["client_id"],
            "webhook_url": f"{stack.public_url}/webhooks/haravan",
            "webhook_verify_token": VERIFY_TOKEN,
            "topics": HARAVAN_TOPICS,
        },
    )
    assert registered["webhook_verified"], registered
    merchant = Merchant(stack.public_url)
    deployed = Deployed(stack, kv, hv, merchant, started)

    def two_workers() -> bool:
        for proc in stack.workers():
            proc.check_alive()
        status, body = merchant.healthz()
        return status == 200 and body["queues"]["default"]["workers"] == 2

    wait_for(two_workers, 60, "/healthz: 200 with 2 workers")
    deployed.say(f"{stack.backend.kind} stack up: serve on {stack.public_url}, 2 workers")
    try:
        yield deployed
    finally:
        merchant.close()
        kv.http.close()
        hv.http.close()
