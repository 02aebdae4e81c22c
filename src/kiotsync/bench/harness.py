"""Shared set-up for the benchmarks: emulators in a child process, the app in this one.

Why this shape: the figures must describe the *app* (its wall time, calls, CPU and memory), so
the two emulators run in a separate process (``python -m kiotsync.bench.harness``) sharing one
platform :class:`~kiotsync.emulators.common.Clock`, and this process runs the product exactly as
the embedded mode does — Django on a fresh data dir (SQLite + SqliteHuey by default), the WSGI
app served by waitress on a real socket as ``kiotsync serve`` does (webhooks arrive over HTTP),
the real Huey consumer with worker threads (``kiotsync worker``'s settings), and
the real clients with their pacers. The merchant's steps go through the real paths too: the
Haravan install is the OAuth round trip through the app's ``/install`` (Haravan auto-approves as
the owner), KiotViet is connected with :func:`kiotsync.connections.kiotviet.connect`
(which registers the webhooks) and the settings are saved with the settings service.
"""

from __future__ import annotations

import json
import os
import resource
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

VERIFY_TOKEN = "kiotsync-bench-verify"
HARAVAN_LEAK = 4.0  # calls per platform second (digest §2.4)
HARAVAN_BUCKET = 80
KIOTVIET_GETS_PER_HOUR = 5000  # digest §2.9


# -- emulators (child process) ----------------------------------------------------------------


@dataclass
class Emulators:
    """Both emulators, running in a child process; control-plane helpers over HTTP."""

    kv_url: str
    hv_url: str
    proc: subprocess.Popen[str]
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=120))

    def kv(self, method: str, path: str, **kw: Any) -> Any:
        return self._call(self.kv_url, method, path, **kw)

    def hv(self, method: str, path: str, **kw: Any) -> Any:
        return self._call(self.hv_url, method, path, **kw)

    def _call(self, base: str, method: str, path: str, **kw: Any) -> Any:
        resp = self.http.request(method, f"{base}/_emulator{path}", **kw)
        if resp.status_code >= 300:
            raise RuntimeError(f"{method} {base}/_emulator{path} → {resp.status_code}: {resp.text[:300]}")
        return resp.json()

    def set_time_scale(self, scale: float) -> None:
        # One shared clock: setting it through either emulator moves both.
        self.kv("PUT", "/config", json={"time_scale": scale})

    def clock_offset(self) -> float:
        """Platform time minus this process's ``time.time()`` (midpoint of a round trip)."""
        before = time.time()
        platform = float(self.kv("GET", "/clock")["time"])
        after = time.time()
        return platform - (before + after) / 2

    def requests(self, platform: str, since: int = 0) -> tuple[list[dict[str, Any]], int]:
        call = self.kv if platform == "kiotviet" else self.hv
        body = call("GET", "/requests", params={"since": since})
        return list(body["requests"]), int(body["last_seq"])

    def last_seq(self, platform: str) -> int:
        call = self.kv if platform == "kiotviet" else self.hv
        return int(call("GET", "/requests", params={"limit": 1})["last_seq"])

    def stop(self) -> None:
        self.http.close()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def start_emulators(time_scale: float = 1.0) -> Emulators:
    """Spawn ``python -m kiotsync.bench.harness`` and wait for its URLs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiotsync.bench.harness", "--time-scale", str(time_scale)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline() if ready else ""
    if not line:
        proc.kill()
        raise RuntimeError("the emulator process did not start")
    urls = json.loads(line)
    return Emulators(urls["kiotviet"], urls["haravan"], proc)


def _serve_emulators(time_scale: float) -> None:
    """Child process: both emulators on one clock until stdin closes (the parent exits)."""
    from kiotsync.emulators.common import Clock, ServerThread
    from kiotsync.emulators.haravan import create_app as create_hv
    from kiotsync.emulators.kiotviet import create_app as create_kv

    clock = Clock(time_scale=time_scale)
    kv = ServerThread(create_kv(clock), "127.0.0.1", 0).start()
    hv = ServerThread(create_hv(clock), "127.0.0.1", 0).start()
    print(json.dumps({"kiotviet": kv.url, "haravan": hv.url}), flush=True)
    sys.stdin.read()  # until EOF
    kv.stop()
    hv.stop()


def drive(base_url: str, steps: list[dict[str, Any]], timeout: float = 3600.0) -> list[dict[str, Any]]:
    """Make timed control-plane calls from a separate process and return when each was sent.

    ``steps``: ``{"at": seconds after the start, "method", "path", "json"}``. Why a process of
    its own: sending from the app's process would compete with the app for its interpreter
    lock (and be slowed by it), bending both the schedule and the app's figures. Returns
    ``{"sent": time.time() just before sending, "status"}`` per step."""
    proc = subprocess.run(
        [sys.executable, "-m", "kiotsync.bench.harness", "--drive", base_url],
        input=json.dumps(steps),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return list(json.loads(proc.stdout))


def _drive(base_url: str) -> None:
    steps = json.loads(sys.stdin.read())
    out = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        start = time.monotonic()
        for step in steps:
            pause = start + float(step["at"]) - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            sent = time.time()
            resp = client.request(step.get("method", "POST"), step["path"], json=step.get("json"))
            out.append({"sent": sent, "status": resp.status_code})
    print(json.dumps(out), flush=True)


# -- the app (this process) -------------------------------------------------------------------


class _AppServer:
    """The app on a real socket with waitress, as ``kiotsync serve`` runs it (a pool of 8
    threads), in a daemon thread of this process."""

    def __init__(self, app: Any, threads: int = 8) -> None:
        import waitress.server

        self.server: Any = waitress.server.create_server(
            app, host="127.0.0.1", port=0, threads=threads, ident="kiotsync"
        )
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self._thread = threading.Thread(target=self.server.run, name="app-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.close()
        self._thread.join(timeout=10)


class _LazyWsgi:
    """Lets the socket (and so the public URL) exist before Django reads its settings."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self.app(environ, start_response)


@dataclass
class Shop:
    """The installed, connected, configured tenant and what the emulators said about it."""

    tenant_id: int
    orgid: str
    retailer: str
    location_id: int
    kv_creds: dict[str, Any]
    hv_creds: dict[str, Any]


class App:
    """The product in this process: Django, web server, Huey consumer, clients."""

    def __init__(
        self,
        emulators: Emulators,
        *,
        data_dir: str | None = None,
        database_url: str | None = None,
        queue_url: str | None = None,
        time_scale: float = 1.0,
        workers: int | None = None,
    ) -> None:
        self.emulators = emulators
        self.time_scale = time_scale
        self.workers = workers
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="kiotsync-bench-")
        self.data_dir = Path(data_dir or self._tmp.name)  # type: ignore[union-attr]
        self._wsgi = _LazyWsgi()
        self.server = _AppServer(self._wsgi)
        self.url = self.server.url
        self.database_url = database_url
        self.queue_url = queue_url
        self.consumer: Any = None

    # -- start-up ------------------------------------------------------------------------------
    def start(self, hv_app: dict[str, Any]) -> None:
        """Configure from the environment (as ``kiotsync serve`` would), migrate, serve."""
        env = {
            "DJANGO_SETTINGS_MODULE": "kiotsync.settings",
            "KIOTSYNC_DATA_DIR": str(self.data_dir),
            "KIOTSYNC_PUBLIC_URL": self.url,
            "KIOTSYNC_SECRET_KEY": "kiotsync-bench-secret-key-0123456789abcdef",
            "KIOTVIET_TOKEN_URL": f"{self.emulators.kv_url}/connect/token",
            "KIOTVIET_API_URL": self.emulators.kv_url,
            "HARAVAN_ACCOUNTS_URL": self.emulators.hv_url,
            "HARAVAN_API_URL": self.emulators.hv_url,
            "HARAVAN_WEBHOOK_URL": self.emulators.hv_url,
            "HARAVAN_CLIENT_ID": hv_app["client_id"],
            "HARAVAN_CLIENT_SECRET": hv_app["client_secret"],
            "HARAVAN_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN,
            # The client paces to the bucket as it drains in *real* seconds.
            "HARAVAN_BUCKET_SIZE": str(HARAVAN_BUCKET),
            "HARAVAN_LEAK_RATE": str(HARAVAN_LEAK * self.time_scale),
            "KIOTSYNC_LOG_FORMAT": "text",
        }
        if self.database_url:
            env["KIOTSYNC_DATABASE_URL"] = self.database_url
        if self.queue_url:
            env["KIOTSYNC_QUEUE_URL"] = self.queue_url
        os.environ.update(env)
        import logging

        from kiotsync.runtime import migrate, setup_django, wsgi_app

        setup_django()
        migrate(verbosity=0)
        self._wsgi.app = wsgi_app()  # (sets Django up again, logging included)
        # The app logs as in production (INFO), into a file so the figures stay readable.
        self.log_path = self.data_dir / "app.log"
        self._log_file = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(self._log_file)

    def start_worker(self) -> None:
        """The real Huey consumer (worker threads + scheduler), without taking over signals."""
        import signal

        from django.conf import settings
        from huey.consumer import Consumer
        from huey.contrib.djhuey import HUEY

        huey_settings: dict[str, Any] = settings.HUEY
        options: dict[str, Any] = dict(huey_settings.get("consumer", {}))
        if self.workers:
            options["workers"] = self.workers
        options.setdefault("worker_type", "thread")
        HUEY.immediate = False
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        self.consumer = Consumer(HUEY, periodic=True, **options)
        self.consumer.start()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)

    def stop(self) -> None:
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
        self.server.stop()
        if getattr(self, "_log_file", None) is not None:
            import logging

            # Late lines (a thread still finishing) go nowhere rather than to a closed file.
            for handler in logging.getLogger().handlers:
                if isinstance(handler, logging.StreamHandler):
                    handler.setStream(open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
            self._log_file.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    # -- the merchant's steps ------------------------------------------------------------------
    def install(self, hv_creds: dict[str, Any]) -> str:
        """Install through the app's ``/install`` (OAuth round trip, Haravan auto-approves)."""
        self.emulators.hv("PUT", "/config", json={"auto_approve": {"email": hv_creds["owner"]["email"]}})
        with httpx.Client(follow_redirects=True, timeout=60) as browser:
            resp = browser.get(f"{self.url}/install")
        if resp.status_code != 200:
            raise RuntimeError(f"install ended with {resp.status_code}: {resp.text[:300]}")
        return str(hv_creds["orgid"])

    def connect_and_configure(self, orgid: str, kv_creds: dict[str, Any], hv_creds: dict[str, Any]) -> Shop:
        from kiotsync.connections import sync_settings
        from kiotsync.connections.kiotviet import Credentials, connect
        from kiotsync.tenants.models import SyncSettings, Tenant
        from kiotsync.wiring import get_wiring

        tenant = Tenant.objects.get(orgid=orgid)
        creds = Credentials(kv_creds["retailer"], kv_creds["client_id"], kv_creds["client_secret"])
        connect(tenant, creds, get_wiring())
        tenant.refresh_from_db()
        choices = sync_settings.load_choices(tenant, get_wiring())
        if choices.errors or not choices.branches or not choices.locations:
            raise RuntimeError(f"settings choices unavailable: {choices.errors}")
        cleaned: dict[str, Any] = {
            "order_branch": choices.branches[0][0],
            "stock_mode": SyncSettings.StockMode.ALL_BRANCHES,
            "haravan_location": choices.locations[0][0],
            "order_side": SyncSettings.OrderSide.KIOTVIET,
            "price_source": SyncSettings.PriceSource.BASE,
            "link_key": SyncSettings.LinkKey.CODE,
            "auto_sync_interval_minutes": 15,
        } | {flag: True for flag in SyncSettings.FIELD_FLAGS}
        sync_settings.save(tenant, cleaned, choices)
        return Shop(tenant.pk, orgid, kv_creds["retailer"], choices.locations[0][0], kv_creds, hv_creds)


def haravan_topics() -> list[str]:
    """The Haravan topics the app has a handler for (what its dashboard registration lists)."""
    from kiotsync.inbox.dispatch import haravan_topics as handled_topics

    return handled_topics()


def boot(
    *,
    kv_seed: dict[str, Any],
    time_scale: float,
    database_url: str | None = None,
    queue_url: str | None = None,
    workers: int | None = None,
) -> tuple[Emulators, App, Shop]:
    """Emulators seeded, app up, shop installed + connected + configured, worker running."""
    emulators = start_emulators(time_scale)
    try:
        app = App(
            emulators, database_url=database_url, queue_url=queue_url, time_scale=time_scale, workers=workers
        )
        kv_creds = emulators.kv("POST", "/seed", json={"preset": "empty", "seed": 1, **kv_seed})
        hv_creds = emulators.hv(
            "POST",
            "/seed",
            json={
                "preset": "empty",
                "seed": 1,
                "app": {"redirect_uris": [f"{app.url}/auth/callback", f"{app.url}/auth/install/callback"]},
            },
        )
        app.start(hv_creds)
        # Saving the webhook in the partner dashboard: Haravan checks hub.challenge now.
        emulators.hv(
            "POST",
            "/apps",
            json={
                "client_id": hv_creds["client_id"],
                "webhook_url": f"{app.url}/webhooks/haravan",
                "webhook_verify_token": VERIFY_TOKEN,
                "topics": haravan_topics(),
            },
        )
        app.start_worker()
        orgid = app.install(hv_creds)
        shop = app.connect_and_configure(orgid, kv_creds, hv_creds)
    except BaseException:
        emulators.stop()
        raise
    return emulators, app, shop


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Usage:
    """CPU seconds (user + system) and peak RSS of this process."""

    cpu_s: float
    peak_rss_mb: float

    @staticmethod
    def now() -> Usage:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return Usage(ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0)


def summarize_calls(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Calls, 429s and a per-endpoint breakdown (ids collapsed) from a request log slice."""
    by_endpoint: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for e in entries:
        by_endpoint[f"{e['method']} {_pattern(e['path'])}"] += 1
        statuses[int(e["status"])] += 1
    return {
        "calls": len(entries),
        "rate_limited_429": statuses.get(429, 0),
        "errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
        "by_endpoint": dict(sorted(by_endpoint.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def _pattern(path: str) -> str:
    return "/".join("{id}" if part.split(".")[0].isdigit() else part for part in path.split("/"))


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def inbox_settled() -> bool:
    """No stored webhook is still waiting for the worker."""
    from kiotsync.inbox.models import InboundEvent

    return not InboundEvent.objects.filter(state=InboundEvent.State.PENDING).exists()


@contextmanager
def sampler(fn: Callable[[], None], every_s: float) -> Iterator[None]:
    """Call ``fn`` every ``every_s`` seconds in a thread while the block runs."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_s):
            fn()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def profiled(target: Any, name: str, path: str | None) -> Iterator[None]:
    """With ``path``: run every call of ``target.name`` under cProfile (in whichever thread calls
    it, e.g. a Huey worker) and dump the stats there at the end (``python -m pstats path``)."""
    if not path:
        yield
        return
    import cProfile

    original = getattr(target, name)
    profile = cProfile.Profile()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return profile.runcall(original, *args, **kwargs)

    setattr(target, name, wrapper)
    try:
        yield
    finally:
        setattr(target, name, original)
        profile.dump_stats(path)


class Timings:
    """Wall time spent inside chosen functions (``--timings``): where a job's time goes,
    without a profiler's overhead. Patched as module attributes, so callers that look the
    function up through its module (``loaders.kv_rows(...)``) are measured."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = {}
        self._undo: list[tuple[Any, str, Any]] = []
        self._lock = threading.Lock()

    def wrap(self, target: Any, name: str, label: str | None = None) -> None:
        original = getattr(target, name)
        key = label or f"{getattr(target, '__name__', target)}.{name}"

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                with self._lock:
                    entry = self.totals.setdefault(key, [0, 0.0])
                    entry[0] += 1
                    entry[1] += elapsed

        setattr(target, name, timed)
        self._undo.append((target, name, original))

    def restore(self) -> None:
        for target, name, original in reversed(self._undo):
            setattr(target, name, original)
        self._undo.clear()

    def report(self) -> dict[str, dict[str, float]]:
        with self._lock:
            items = sorted(self.totals.items(), key=lambda kv: -kv[1][1])
            return {k: {"calls": int(n), "s": round(t, 3)} for k, (n, t) in items}


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (``pct`` in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * pct // 100)))
    return ordered[int(rank) - 1]


def say(message: str) -> None:
    print(message, flush=True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="benchmark child processes: the emulators, or a driver")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--drive", metavar="BASE_URL", help="run timed calls read from stdin (see drive())")
    cli = parser.parse_args()
    if cli.drive:
        _drive(cli.drive)
    else:
        _serve_emulators(cli.time_scale)
