"""Browser tests: Playwright driving the system Chromium against the app and both emulators,
all on real sockets. Screenshots go to ``test-output/screenshots/``.

Without Chromium these tests skip on a developer machine, but fail in CI (``CI=true``),
where ``.ci/run`` installs it.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

from kiotsync.wiring import Wiring, set_wiring

# Playwright's sync API keeps an event loop in this thread; the Django ORM calls the tests make
# between page actions are ordinary blocking calls, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("KIOTSYNC_TEST_OUTPUT", ROOT / "test-output")) / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@dataclasses.dataclass
class Live:
    app_url: str
    kv: Any
    hv: Any
    kv_url: str
    hv_url: str
    kv_creds: dict[str, Any]
    hv_creds: dict[str, Any]

    def shot(self, page: Any, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run must install it")
        pytest.skip("system Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live(transactional_db: None) -> Iterator[Live]:
    from kiotsync.emulators.common import ServerThread
    from kiotsync.emulators.haravan import create_app as create_hv
    from kiotsync.emulators.kiotviet import create_app as create_kv
    from kiotsync.runtime import wsgi_app

    kv, hv = create_kv(), create_hv()
    kv_server, hv_server = ServerThread(kv).start(), ServerThread(hv).start()
    web = ServerThread(wsgi_app()).start()
    kv_creds = kv.control_seed({"preset": "demo", "seed": 1, "base_url": kv_server.url})
    hv_creds = hv.control_seed(
        {
            "preset": "demo",
            "seed": 1,
            "base_url": hv_server.url,
            "app": {
                "client_id": settings.CONFIG.haravan_client_id,
                "client_secret": settings.CONFIG.haravan_client_secret,
                "redirect_uris": [f"{web.url}/auth/callback", f"{web.url}/auth/install/callback"],
            },
        }
    )
    config = dataclasses.replace(
        settings.CONFIG,
        public_url=web.url,
        kiotviet_token_url=f"{kv_server.url}/connect/token",
        kiotviet_api_url=kv_server.url,
        haravan_accounts_url=hv_server.url,
        haravan_api_url=hv_server.url,
        haravan_webhook_url=hv_server.url,
        haravan_leak_rate=200.0,
    )
    set_wiring(Wiring(config))
    # Haravan's leaky bucket 50x faster, as in tests/web (pacing is tested at the real rate in
    # tests/clients).
    httpx.put(f"{hv_server.url}/_emulator/config", json={"leak_rate": 200}).raise_for_status()
    httpx.post(
        f"{hv_server.url}/_emulator/apps",
        json={
            "client_id": settings.CONFIG.haravan_client_id,
            "webhook_url": f"{web.url}/webhooks/haravan",
            "webhook_verify_token": settings.CONFIG.haravan_webhook_verify_token,
        },
    ).raise_for_status()
    try:
        yield Live(web.url, kv, hv, kv_server.url, hv_server.url, kv_creds, hv_creds)
    finally:
        kv.webhooks.stop()
        hv.webhooks.stop()
        for server in (web, kv_server, hv_server):
            server.stop()
        set_wiring(None)
