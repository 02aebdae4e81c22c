"""One chaos run in-process: fresh emulators (demo shops), the app wired to them, a new tenant.

Deterministic on purpose: both emulators' webhook dispatchers stay paused and deliver only when
the world asks (after each action, all that is due, one dispatcher at a time, while the test's
thread waits); Huey runs jobs inline (``HUEY.immediate``), so a webhook's work is done when its
delivery returns. What stays nondeterministic is wall-clock only (receipt-time versions, retry due
times), which the settle step makes irrelevant by moving every clock forward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from django.conf import settings

from kiotsync.bench.chaos import Outcome, play
from kiotsync.bench.chaos_tools import AppClock, WebhookChaos
from kiotsync.bench.chaos_world import Action, Env, World
from kiotsync.wiring import Wiring, set_wiring
from tests.web.conftest import PUBLIC, django_wsgi

KV_BASE, HV_BASE = "http://kiotviet.test", "http://haravan.test"


@contextmanager
def in_process_world() -> Iterator[World]:
    from kiotsync.emulators.haravan import create_app as create_hv
    from kiotsync.emulators.kiotviet import create_app as create_kv
    from kiotsync.tenants.models import Tenant

    kv, hv = create_kv(), create_hv()
    chaos = WebhookChaos(django_wsgi())
    hooks = httpx.WSGITransport(app=chaos)
    for dispatcher in (kv.webhooks, hv.webhooks):
        dispatcher.set_transport(hooks)
        dispatcher.pause()
    config = settings.CONFIG
    kv_creds = kv.control_seed({"preset": "demo", "seed": 1})
    hv_creds = hv.control_seed(
        {
            "preset": "demo",
            "seed": 1,
            "app": {
                "client_id": config.haravan_client_id,
                "client_secret": config.haravan_client_secret,
                "redirect_uris": [f"{PUBLIC}/auth/callback", f"{PUBLIC}/auth/install/callback"],
            },
        }
    )
    kv_http = httpx.Client(transport=httpx.WSGITransport(app=kv), base_url=KV_BASE)
    hv_http = httpx.Client(transport=httpx.WSGITransport(app=hv), base_url=HV_BASE)
    hv_http.put("/_emulator/config", json={"leak_rate": 200}).raise_for_status()
    set_wiring(
        Wiring(
            dataclasses.replace(config, public_url=PUBLIC, haravan_leak_rate=200.0),
            transports={"kiotviet": httpx.WSGITransport(app=kv), "haravan": httpx.WSGITransport(app=hv)},
        )
    )
    hv_http.post(
        "/_emulator/apps",
        json={
            "client_id": config.haravan_client_id,
            "webhook_url": f"{PUBLIC}/webhooks/haravan",
            "webhook_verify_token": config.haravan_webhook_verify_token,
        },
    ).raise_for_status()
    browser = httpx.Client(
        mounts={PUBLIC: httpx.WSGITransport(app=chaos), HV_BASE: httpx.WSGITransport(app=hv)},
        base_url=PUBLIC,
        follow_redirects=True,
    )

    def deliver() -> None:
        """Everything due, until neither platform has anything left to send."""
        dispatchers = (kv.webhooks, hv.webhooks)
        for _ in range(200):
            before = [len(d.history) for d in dispatchers]
            for d in dispatchers:
                d.resume()
                d.drain(60)
                d.pause()
            if [len(d.history) for d in dispatchers] == before:
                return

    clock = AppClock()
    clock.install()
    env = Env(kv_http, hv_http, browser, [kv_http, hv_http], chaos, deliver, kv_creds, hv_creds)
    world = World(env, clock=clock)
    try:
        yield world
    finally:
        world.killer.disarm()
        kv.webhooks.stop()
        hv.webhooks.stop()
        clock.uninstall()
        set_wiring(None)
        for client in (kv_http, hv_http, browser):
            client.close()
        Tenant.objects.filter(orgid=str(hv_creds["orgid"])).delete()


def run(actions: list[Action], settings_: dict[str, Any] | None = None, max_rounds: int = 8) -> Outcome:
    """Set the shop up with ``settings_``, let it settle, play ``actions``, settle and check."""
    with in_process_world() as world:
        world.setup(settings_ or {})
        world.settle(max_rounds)
        return play(world, actions, max_rounds)
