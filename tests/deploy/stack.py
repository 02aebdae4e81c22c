"""Start the deployed topology as separate OS processes, exactly as docs/deploy.md says, and
take it down again.

Every process gets a fresh environment: the caller's (PATH, locale…) without any ``KIOTSYNC_*``,
``KIOTVIET_*``, ``HARAVAN_*`` or ``DJANGO_*`` variable, plus the deployment's own configuration.
Each process writes stdout and stderr to its own log file in the stack's directory; ``tails()``
gives the end of each log for a failure report.

Two stacks:
- embedded (default): SQLite database and SqliteHuey queue in a fresh ``KIOTSYNC_DATA_DIR``, all
  processes on one machine sharing that directory;
- scale-out, when the pytest run itself is on PostgreSQL + Redis (``make test-scaleout``): a
  separate PostgreSQL database created for the test and dropped afterwards, a separate Redis db
  number flushed before and after, and every process with its own data dir (as if on its own
  machine) and the shared ``KIOTSYNC_SECRET_KEY``. The pytest run's own database is never touched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

T = TypeVar("T")

CONFIG_PREFIXES = ("KIOTSYNC_", "KIOTVIET_", "HARAVAN_", "DJANGO_")
VERIFY_TOKEN = "deploy-test-verify-token"
DEPLOY_REDIS_DB = 13


def kiotsync_command() -> list[str]:
    """The console script installed next to this interpreter (``.venv/bin/kiotsync``)."""
    script = Path(sys.executable).parent / "kiotsync"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "kiotsync.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(CONFIG_PREFIXES)}
    env.pop("PYTEST_CURRENT_TEST", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_for(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.25) -> T:
    """Poll ``predicate`` until it returns something truthy (returned) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = predicate()
        except (httpx.HTTPError, AssertionError, KeyError, ValueError) as exc:
            last = exc
        else:
            if last:
                return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")
        time.sleep(interval)


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with self.log.open("ab") as out:
            out.write(f"$ {' '.join(self.argv)}\n".encode())
            out.flush()
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C to pytest is not sent to it; the fixture stops it
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def send(self, signum: int) -> None:
        if self.alive():
            os.kill(self.pid, signum)

    def wait(self, timeout: float) -> int | None:
        assert self.popen is not None
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        if not self.alive():
            return
        self.send(signum)
        if self.wait(timeout) is None:
            self.send(signal.SIGKILL)
            self.wait(5)

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        if not self.alive():
            code = self.popen.returncode if self.popen else None
            raise AssertionError(f"{self.name} exited (code {code}); log tail:\n{self.tail()}")


@dataclass
class Backend:
    """Where the deployment keeps its database and queue."""

    kind: str  # "embedded" | "scaleout"
    database_url: str = ""
    queue_url: str = ""
    admin_url: str = ""
    database: str = ""

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Backend:
        env = os.environ if env is None else env
        db = env.get("KIOTSYNC_DATABASE_URL", "")
        queue = env.get("KIOTSYNC_QUEUE_URL", "")
        if not (db.startswith(("postgresql://", "postgres://")) and queue.startswith("redis://")):
            return cls("embedded")
        name = f"kiotsync_deploy_{secrets.token_hex(4)}"
        parts = urlsplit(db)
        # CREATE/DROP DATABASE from the server's maintenance database, as Django's test runner does.
        admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
        q = urlsplit(queue)
        own_db = (q.path.strip("/") or "0").split("?")[0]
        number = DEPLOY_REDIS_DB if own_db != str(DEPLOY_REDIS_DB) else DEPLOY_REDIS_DB - 1
        return cls(
            "scaleout",
            database_url=urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, "")),
            queue_url=urlunsplit((q.scheme, q.netloc, f"/{number}", q.query, "")),
            admin_url=admin,
            database=name,
        )

    def setup(self) -> None:
        if self.kind != "scaleout":
            return
        import psycopg
        import redis
        from psycopg import sql

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
        redis.Redis.from_url(self.queue_url).flushdb()

    def teardown(self) -> None:
        if self.kind != "scaleout":
            return
        import psycopg
        import redis
        from psycopg import sql

        try:
            redis.Redis.from_url(self.queue_url).flushdb()
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.database))
                )

    def env(self) -> dict[str, str]:
        if self.kind != "scaleout":
            return {}
        return {"KIOTSYNC_DATABASE_URL": self.database_url, "KIOTSYNC_QUEUE_URL": self.queue_url}


@dataclass
class Stack:
    root: Path
    backend: Backend
    serve_port: int = field(default_factory=free_port)
    kv_port: int = field(default_factory=free_port)
    hv_port: int = field(default_factory=free_port)
    procs: dict[str, Proc] = field(default_factory=dict)
    app_env: dict[str, str] = field(default_factory=dict)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    _workers_started: int = 0

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.serve_port}"

    @property
    def kv_url(self) -> str:
        return f"http://127.0.0.1:{self.kv_port}"

    @property
    def hv_url(self) -> str:
        return f"http://127.0.0.1:{self.hv_port}"

    # -- processes ---------------------------------------------------------------------------
    def _proc(self, name: str, args: list[str], env: dict[str, str]) -> Proc:
        proc = Proc(name, [*kiotsync_command(), *args], env, self.root, self.root / f"{name}.log")
        self.procs[name] = proc
        return proc.start()

    def _wait_http(self, proc: Proc, url: str, timeout: float = 60.0) -> None:
        def up() -> bool:
            proc.check_alive()
            try:
                httpx.get(url, timeout=5)
            except httpx.TransportError:
                return False
            return True

        deadline = time.monotonic() + timeout
        while not up():
            if time.monotonic() > deadline:
                raise AssertionError(f"{proc.name} did not answer {url} in {timeout:.0f} s:\n{proc.tail()}")
            time.sleep(0.2)

    def start_emulators(self) -> None:
        env = base_environment()
        kv = self._proc("emulator-kiotviet", ["emulator", "kiotviet", "--port", str(self.kv_port)], env)
        hv = self._proc("emulator-haravan", ["emulator", "haravan", "--port", str(self.hv_port)], env)
        self._wait_http(kv, f"{self.kv_url}/_emulator/config")
        self._wait_http(hv, f"{self.hv_url}/_emulator/config")

    def configure(self, hv_client_id: str, hv_client_secret: str) -> None:
        """The deployment's environment (docs/deploy.md, "Configuration")."""
        self.app_env = {
            "KIOTSYNC_PUBLIC_URL": self.public_url,
            "KIOTVIET_TOKEN_URL": f"{self.kv_url}/connect/token",
            "KIOTVIET_API_URL": self.kv_url,
            "HARAVAN_ACCOUNTS_URL": self.hv_url,
            "HARAVAN_API_URL": self.hv_url,
            "HARAVAN_WEBHOOK_URL": self.hv_url,
            "HARAVAN_CLIENT_ID": hv_client_id,
            "HARAVAN_CLIENT_SECRET": hv_client_secret,
            "HARAVAN_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN,
            **self.backend.env(),
        }
        if self.backend.kind == "scaleout":
            # Machines share nothing but the database, the queue and the secret key.
            self.app_env["KIOTSYNC_SECRET_KEY"] = self.secret_key

    def _env_for(self, name: str) -> dict[str, str]:
        data = self.root / ("data" if self.backend.kind == "embedded" else f"data-{name}")
        return {**base_environment(), **self.app_env, "KIOTSYNC_DATA_DIR": str(data)}

    def migrate(self) -> None:
        proc = self._proc("migrate", ["migrate"], self._env_for("migrate"))
        code = proc.wait(180)
        assert code == 0, f"kiotsync migrate exited with {code}:\n{proc.tail()}"

    def start_serve(self) -> None:
        proc = self._proc(
            "serve",
            ["serve", "--host", "127.0.0.1", "--port", str(self.serve_port), "--threads", "8"],
            self._env_for("serve"),
        )
        self._wait_http(proc, f"{self.public_url}/healthz")

    def start_worker(self, threads: int = 2) -> Proc:
        self._workers_started += 1
        name = f"worker-{self._workers_started}"
        return self._proc(name, ["worker", "--workers", str(threads)], self._env_for(name))

    def workers(self) -> list[Proc]:
        return [p for n, p in self.procs.items() if n.startswith("worker-") and p.alive()]

    # -- teardown ----------------------------------------------------------------------------
    def stop(self) -> None:
        order = [p for n, p in self.procs.items() if n.startswith("worker-")]
        order += [p for n, p in self.procs.items() if not n.startswith("worker-")]
        for proc in order:
            proc.send(signal.SIGTERM)
        for proc in order:
            proc.stop(signal.SIGTERM, timeout=10)

    def tails(self, lines: int = 40) -> str:
        out = []
        for name, proc in self.procs.items():
            state = "running" if proc.alive() else f"exited {proc.popen.returncode if proc.popen else '?'}"
            out.append(f"----- {name} (pid {proc.popen.pid if proc.popen else '?'}, {state}) -----")
            out.append(proc.tail(lines))
        return "\n".join(out)

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
