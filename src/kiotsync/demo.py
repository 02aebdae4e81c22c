"""``kiotsync demo``: the app, its worker and both emulators (seeded) in one process tree."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
from pathlib import Path
from typing import IO, Any

import httpx

DEMO_VERIFY_TOKEN = "kiotsync-demo-verify"


def run_demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    kiotviet_port: int = 8101,
    haravan_port: int = 8102,
    data_dir: str | None = None,
    keep_data: bool = False,
) -> int:
    from kiotsync.emulators.common import ServerThread
    from kiotsync.emulators.run import create

    data = Path(data_dir or ".kiotsync/demo").resolve()
    data.parent.mkdir(parents=True, exist_ok=True)
    # Nothing is wiped before this demo holds its data dir and all three ports: a second
    # `make demo` must not delete the data of the one already running.
    lock = _hold(data.parent / f"{data.name}.lock")
    if lock is None:
        print(
            f"kiotsync demo: another demo is running with {data} (stop it first, or use --data-dir)",
            file=sys.stderr,
        )
        return 1
    web_app = _LateApp()
    kv_app = create("kiotviet")
    hv_app = create("haravan")
    try:
        web = ServerThread(web_app, host, port)
        kv_server = ServerThread(kv_app, host, kiotviet_port)
        hv_server = ServerThread(hv_app, host, haravan_port)
    except OSError as exc:
        print(
            f"kiotsync demo: a port is taken ({exc}); is another demo running? (--port, --kiotviet-port, --haravan-port)",
            file=sys.stderr,
        )
        return 1
    if data.exists() and not keep_data:
        # Emulator state lives in memory: a demo always starts from a fresh app database too.
        shutil.rmtree(data)
    data.mkdir(parents=True, exist_ok=True)

    public_url = f"http://{host}:{port}"
    kv_server.start()
    hv_server.start()
    kv = kv_app.control_seed({"preset": "demo", "seed": 1, "base_url": kv_server.url})
    hv = hv_app.control_seed(
        {
            "preset": "demo",
            "seed": 1,
            "base_url": hv_server.url,
            "app": {
                "redirect_uris": [f"{public_url}/auth/callback", f"{public_url}/auth/install/callback"],
            },
        }
    )
    banner = {
        "retailer": kv["retailer"],
        "client_id": kv["client_id"],
        "client_secret": kv["client_secret"],
        "haravan_email": hv["owner"]["email"],
        "haravan_password": hv["owner"]["password"],
    }
    os.environ.update(
        {
            "KIOTSYNC_DATA_DIR": str(data),
            "KIOTSYNC_PUBLIC_URL": public_url,
            "KIOTVIET_TOKEN_URL": f"{kv_server.url}/connect/token",
            "KIOTVIET_API_URL": kv_server.url,
            "HARAVAN_ACCOUNTS_URL": hv_server.url,
            "HARAVAN_API_URL": hv_server.url,
            "HARAVAN_WEBHOOK_URL": hv_server.url,
            "HARAVAN_CLIENT_ID": hv["client_id"],
            "HARAVAN_CLIENT_SECRET": hv["client_secret"],
            "HARAVAN_WEBHOOK_VERIFY_TOKEN": DEMO_VERIFY_TOKEN,
            "KIOTSYNC_DEMO_BANNER": json.dumps(banner, ensure_ascii=False),
        }
    )
    from kiotsync.runtime import migrate, run_worker, setup_django, wsgi_app

    setup_django()
    migrate(verbosity=0)
    web_app.app = wsgi_app()
    web.start()
    # Like saving the webhook in Haravan's partner dashboard: Haravan checks hub.challenge now.
    from kiotsync.inbox.dispatch import haravan_topics

    registered = httpx.post(
        f"{hv_server.url}/_emulator/apps",
        json={
            "client_id": hv["client_id"],
            "webhook_url": f"{public_url}/webhooks/haravan",
            "webhook_verify_token": DEMO_VERIFY_TOKEN,
            "topics": haravan_topics(),
        },
        timeout=10,
    )
    print("=" * 72)
    print(f" KiotSync demo — open {public_url}/")
    print(f"   Haravan login (shop owner): {hv['owner']['email']} / {hv['owner']['password']}")
    print(f"   KiotViet API login: retailer={kv['retailer']}  client_id={kv['client_id']}")
    print(f"                       secret={kv['client_secret']}")
    print(f"   Emulators: KiotViet {kv_server.url}  Haravan {hv_server.url}  (control plane: /_emulator/)")
    print(f"   KiotViet back office (Quản lý, bán tại quầy): {kv_server.url}/_emulator/admin")
    print(f"   Haravan admin + storefront (Quản trị, đặt hàng): {hv_server.url}/_emulator/admin")
    if registered.status_code >= 300:
        print(
            f"   warning: Haravan webhook registration answered {registered.status_code}: {registered.text[:200]}"
        )
    print("   Ctrl-C to stop.")
    print("=" * 72, flush=True)
    try:
        run_worker()
    except KeyboardInterrupt:
        pass
    finally:
        web.stop()
        kv_server.stop()
        hv_server.stop()
    print("demo stopped", file=sys.stderr)
    lock.close()
    return 0


class _LateApp:
    """The web socket is bound before Django is set up; requests are served once it is."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"starting"]
        return self.app(environ, start_response)


def _hold(path: Path) -> IO[str] | None:
    """An exclusive lock on ``path`` for as long as the process lives, or ``None`` if taken."""
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle
