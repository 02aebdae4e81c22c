"""The deployed topology for ``kiotsync bench tenants``: ``kiotsync migrate``, ``serve`` and
``worker`` as separate OS processes on PostgreSQL + Redis (docs/deploy.md, "Scale-out"), what
they cost (CPU and RSS per process from ``/proc``, transactions from ``pg_stat_database``), and
a merchant's browser without JavaScript (forms posted as the pages render them, CSRF included).

Ported from ``tests/deploy/stack.py`` and ``tests/deploy/merchant.py`` (bench code does not
import tests): only what the benchmark needs.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

CONFIG_PREFIXES = ("KIOTSYNC_", "KIOTVIET_", "HARAVAN_", "DJANGO_")
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/kiotsync_bench_tenants"
DEFAULT_QUEUE = "redis://127.0.0.1:6379/9"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def kiotsync_command() -> list[str]:
    """The console script next to this interpreter (``.venv/bin/kiotsync``)."""
    script = Path(sys.executable).parent / "kiotsync"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kiotsync.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- storage ----------------------------------------------------------------------------------


@dataclass
class Backend:
    """PostgreSQL database and Redis db of the run. ``fresh``: drop and create the database and
    flush the Redis db first (the default ones only; a given database is used as it is)."""

    database_url: str
    queue_url: str
    fresh: bool

    @property
    def database(self) -> str:
        return urlsplit(self.database_url).path.strip("/")

    @property
    def admin_url(self) -> str:
        parts = urlsplit(self.database_url)
        return urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))

    def reachable(self) -> str:
        """'' when both answer, else why not."""
        import psycopg
        import redis

        try:
            with psycopg.connect(self.admin_url, connect_timeout=3):
                pass
            redis.Redis.from_url(self.queue_url, socket_connect_timeout=3).ping()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return ""

    def setup(self) -> None:
        import psycopg
        import redis
        from psycopg import sql

        if self.fresh:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                name = sql.Identifier(self.database)
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        redis.Redis.from_url(self.queue_url).flushdb()

    def commits(self) -> int:
        """Transactions committed in the run's database so far (read from another database,
        so that reading them commits none there)."""
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                (self.database,),
            ).fetchone()
        return int(row[0]) if row else 0


# -- processes --------------------------------------------------------------------------------


def proc_usage(pid: int) -> tuple[float, float, float]:
    """(CPU seconds user + system, RSS MB, peak RSS MB) of one process, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)
    rss = hwm = 0.0
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return cpu, rss, hwm


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        self.popen.send_signal(signum)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


@dataclass
class AppStack:
    """``kiotsync migrate``, one ``serve`` and K ``worker`` processes, configured only by the
    environment."""

    root: Path
    backend: Backend
    kv_url: str
    hv_url: str
    port: int = field(default_factory=free_port)
    procs: dict[str, Proc] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def configure(self, client_id: str, client_secret: str, verify_token: str) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith(CONFIG_PREFIXES)}
        self.env = {
            **base,
            "PYTHONUNBUFFERED": "1",
            "KIOTSYNC_DATABASE_URL": self.backend.database_url,
            "KIOTSYNC_QUEUE_URL": self.backend.queue_url,
            "KIOTSYNC_SECRET_KEY": "kiotsync-bench-tenants-secret-key-0123456789abcdefghijklmnop",
            "KIOTSYNC_PUBLIC_URL": self.url,
            "KIOTVIET_TOKEN_URL": f"{self.kv_url}/connect/token",
            "KIOTVIET_API_URL": self.kv_url,
            "HARAVAN_ACCOUNTS_URL": self.hv_url,
            "HARAVAN_API_URL": self.hv_url,
            "HARAVAN_WEBHOOK_URL": self.hv_url,
            "HARAVAN_CLIENT_ID": client_id,
            "HARAVAN_CLIENT_SECRET": client_secret,
            "HARAVAN_WEBHOOK_VERIFY_TOKEN": verify_token,
            "KIOTSYNC_LOG_FORMAT": "text",
        }

    def _start(self, name: str, args: list[str]) -> Proc:
        env = {**self.env, "KIOTSYNC_DATA_DIR": str(self.root / f"data-{name}")}
        proc = Proc(name, [*kiotsync_command(), *args], env, self.root / f"{name}.log").start()
        self.procs[name] = proc
        return proc

    def migrate(self) -> None:
        proc = self._start("migrate", ["migrate"])
        assert proc.popen is not None
        if proc.popen.wait(300) != 0:
            raise RuntimeError(f"kiotsync migrate failed:\n{proc.tail()}")

    def start(self, workers: int, threads: int | None, serve_threads: int = 8) -> None:
        serve = self._start(
            "serve",
            ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--threads", str(serve_threads)],
        )
        for i in range(1, workers + 1):
            self._start(f"worker-{i}", ["worker", *(["--workers", str(threads)] if threads else [])])
        deadline = time.monotonic() + 90
        while True:
            self.check_alive()
            try:
                status, body = self.healthz()
                if status == 200 and body["queues"]["default"]["workers"] == workers:
                    return
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the stack did not become healthy with {workers} workers:\n{serve.tail()}"
                )
            time.sleep(0.5)

    def healthz(self) -> tuple[int, dict[str, Any]]:
        resp = httpx.get(f"{self.url}/healthz", timeout=30)
        return resp.status_code, resp.json()

    def running(self) -> dict[str, Proc]:
        return {n: p for n, p in self.procs.items() if n != "migrate"}

    def check_alive(self) -> None:
        for proc in self.running().values():
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")

    def usage(self) -> dict[str, tuple[float, float, float]]:
        return {name: proc_usage(p.pid) for name, p in self.running().items() if p.alive()}

    def stop(self) -> None:
        """SIGTERM to each (a worker stops at once: the catalogue jobs may still be running)."""
        for proc in self.running().values():
            if proc.alive():
                assert proc.popen is not None
                proc.popen.send_signal(signal.SIGTERM)
        for proc in self.running().values():
            proc.stop(signal.SIGTERM, timeout=20)


# -- the merchant's browser -------------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page with what a browser would post (inputs, checked boxes, selects)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict[str, str], list[tuple[str, str]]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._fields = []
            self.forms.append((a, self._fields))
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif self._fields is None or not a.get("name") or "disabled" in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a["name"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, on in self._options if on] or [v for v, _ in self._options[:1]]
            if self._fields is not None and chosen:
                self._fields.append((self._select, chosen[0]))
            self._select = None


def page_form(html: str, **attrs: str) -> tuple[str, dict[str, str]]:
    """(action, fields) of the one form whose attributes include ``attrs`` (``testid`` means
    ``data-testid``)."""
    parser = _Forms()
    parser.feed(html)
    parser.close()
    wanted = {("data-" + k if k == "testid" else k): v for k, v in attrs.items()}
    found = [(a, f) for a, f in parser.forms if all(a.get(k) == v for k, v in wanted.items())]
    if len(found) != 1:
        raise RuntimeError(f"expected one form with {wanted}, found {len(found)}")
    fields: dict[str, str] = {}
    for name, value in found[0][1]:
        fields.setdefault(name, value)
    return found[0][0].get("action", ""), fields


class Browser:
    """One shop owner's browser: a cookie jar, redirects followed, forms posted."""

    def __init__(self, app_url: str) -> None:
        self.app_url = app_url
        self.http = httpx.Client(follow_redirects=True, timeout=120)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str) -> httpx.Response:
        resp = self.http.get(urljoin(self.app_url + "/", path.lstrip("/")))
        if resp.status_code != 200:
            raise RuntimeError(f"GET {path}: {resp.status_code} {resp.text[:300]}")
        return resp

    def submit(
        self, page: httpx.Response, values: dict[str, str] | None = None, **attrs: str
    ) -> httpx.Response:
        action, fields = page_form(page.text, **attrs)
        target = urljoin(str(page.url), action or str(page.url))
        resp = self.http.post(target, data={**fields, **(values or {})}, headers={"Referer": str(page.url)})
        if resp.status_code != 200:
            raise RuntimeError(f"POST {target}: {resp.status_code} {resp.text[:300]}")
        return resp

    @staticmethod
    def path(resp: httpx.Response) -> str:
        return urlsplit(str(resp.url)).path

    def install(self) -> None:
        """``/install`` with Haravan auto-approving as the owner: both OAuth round trips."""
        page = self.get("/install")
        if self.path(page) != "/kiotviet/login":
            raise RuntimeError(f"install ended on {page.url}")

    def connect(self, retailer: str, client_id: str, client_secret: str) -> None:
        page = self.get("/kiotviet/login")
        values = {"retailer": retailer, "client_id": client_id, "client_secret": client_secret}
        page = self.submit(page, values, testid="kiotviet-login")
        if self.path(page) != "/settings":
            raise RuntimeError(f"KiotViet login ended on {page.url}: {page.text[:300]}")
        page = self.submit(page, testid="settings-form")  # the defaults the form offers
        if self.path(page) != "/connection":
            raise RuntimeError(f"settings ended on {page.url}")

    def click(self, page_path: str, action: str, **values: str) -> None:
        self.submit(self.get(page_path), values, action=action, method="post")

    def job_state(self, kind: str = "sync_kv_hv") -> str:
        html = self.get(f"/products/jobs/{kind}").text
        state = re.search(r'data-testid="job-panel" data-state="([^"]*)"', html)
        return state.group(1) if state else "?"
