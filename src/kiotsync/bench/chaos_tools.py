"""What goes wrong in a chaos run, as tools: a worker killed mid-job (:class:`Killer`), webhooks
lost, repeated or late (:class:`WebhookChaos`), and time passing for the app (:class:`AppClock`).
Used by :mod:`.chaos_world` (the merchant's and the platforms' actions) and ``tests/chaos``."""

from __future__ import annotations

import importlib
import io
import random
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

# -- a worker killed mid-job ---------------------------------------------------------------------------


class WorkerKilled(KeyboardInterrupt):
    """A worker dying mid-job: it bypasses every ``except Exception`` (nothing gets recorded), and only
    the queue's task boundary stops it (Huey takes a KeyboardInterrupt for "did not finish")."""


KILL_POINTS: dict[str, tuple[str, str, str]] = {
    "kv.create_order": ("kiotsync.kiotviet.client", "KiotVietClient", "create_order"),
    "kv.create_invoice": ("kiotsync.kiotviet.client", "KiotVietClient", "create_invoice"),
    "kv.cancel_order": ("kiotsync.kiotviet.client", "KiotVietClient", "cancel_order"),
    "hv.create_order": ("kiotsync.haravan.client", "HaravanClient", "create_order"),
    "hv.create_fulfillment": ("kiotsync.haravan.client", "HaravanClient", "create_fulfillment"),
    "hv.adjust_or_set": ("kiotsync.haravan.client", "HaravanClient", "adjust_or_set"),
    "hv.create_product": ("kiotsync.haravan.client", "HaravanClient", "create_product"),
    "hv.update_variant": ("kiotsync.haravan.client", "HaravanClient", "update_variant"),
    "hv.update_product": ("kiotsync.haravan.client", "HaravanClient", "update_product"),
    "ingest.apply_stock": ("kiotsync.catalog.ingest", "", "apply_stock"),
    "catalog.sync_products": ("kiotsync.catalog.usecases", "", "sync_products"),
}


class Killer:
    """Arms one-shot kills: the next call of a point dies before it, or right after it returned (the
    platform committed, the answer is lost with the worker)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[str, tuple[Any, str, Any]] = {}
        self.fired: list[str] = []

    def arm(self, point: str, after: bool) -> None:
        module, cls, name = KILL_POINTS[point]
        owner: Any = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        with self._lock:
            if point in self._armed:
                return
            original = getattr(owner, name)
            self._armed[point] = (owner, name, original)

        def dying(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                live = self._armed.pop(point, None) is not None
                if live:
                    setattr(owner, name, original)
                    self.fired.append(point)
            if not live:
                return original(*args, **kwargs)
            if after:
                original(*args, **kwargs)
            raise WorkerKilled(point)

        setattr(owner, name, dying)

    def disarm(self) -> None:
        with self._lock:
            for owner, name, original in self._armed.values():
                setattr(owner, name, original)
            self._armed.clear()


# -- webhooks lost, repeated, late ---------------------------------------------------------------------


class WebhookChaos:
    """WSGI middleware in front of the app: each webhook delivery passes, is dropped (answered 200,
    never seen), duplicated (handled twice), or held (answered 200, handled later by
    :meth:`release` — so after newer ones). Fates come from :attr:`plan` first, else from ``rates``."""

    def __init__(self, app: Any, rates: dict[str, float] | None = None, seed: int = 0) -> None:
        self.app = app
        self.rates = rates or {}
        self.rng = random.Random(seed)
        self.plan: deque[str] = deque()
        self.held: list[tuple[dict[str, Any], bytes]] = []
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _fate(self) -> str:
        with self._lock:
            if self.plan:
                return self.plan.popleft()
            roll = self.rng.random()
        for fate, rate in sorted(self.rates.items()):
            if roll < rate:
                return fate
            roll -= rate
        return "pass"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or not str(environ.get("PATH_INFO", "")).startswith(
            "/webhooks/"
        ):
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        fate = self._fate()
        self.stats[fate] += 1
        if fate in ("drop", "hold"):
            if fate == "hold":
                with self._lock:
                    self.held.append((dict(environ), body))
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b""]
        result = self._call(environ, body, start_response)
        if fate == "dup":
            self._call(environ, body, lambda *a: None)
        return result

    def _call(self, environ: dict[str, Any], body: bytes, start_response: Callable[..., Any]) -> list[bytes]:
        env = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        started: list[bool] = []

        def respond(*args: Any) -> Any:
            started.append(True)
            return start_response(*args)

        try:
            out = self.app(env, respond)
            try:
                return list(out)
            finally:
                getattr(out, "close", lambda: None)()
        except WorkerKilled:  # the web process stored it and answered; the worker died
            from django.db import close_old_connections

            close_old_connections()  # what the end of the request would have done
            if not started:
                start_response("200 OK", [("Content-Type", "text/plain")])
            return [b""]

    def release(self, reverse: bool = True) -> int:
        with self._lock:
            held, self.held = self.held, []
        for environ, body in reversed(held) if reverse else held:
            self._call(environ, body, lambda *a: None)
        return len(held)


class AppClock:
    """The app's clock (``django.utils.timezone.now``) moved forward with the platforms' clocks: time
    passing for leases, retries, stale jobs and Auto-sync intervals without waiting for it."""

    def __init__(self) -> None:
        from django.utils import timezone

        self._tz = timezone
        self._real = timezone.now
        self.offset = timedelta(0)

    def _now(self) -> Any:
        return self._real() + self.offset

    def install(self) -> None:
        self._tz.now = self._now

    def uninstall(self) -> None:
        self._tz.now = self._real
