"""Configuration from the environment (``../shared/interfaces.md``).

The defaults give the embedded mode: SQLite database and SQLite queue in the data dir, real
platform URLs. Nothing else reads ``os.environ`` for these settings.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REAL_URLS = {
    "KIOTVIET_TOKEN_URL": "https://id.kiotviet.vn/connect/token",
    "KIOTVIET_API_URL": "https://public.kiotapi.com",
    "HARAVAN_ACCOUNTS_URL": "https://accounts.haravan.com",
    "HARAVAN_API_URL": "https://apis.haravan.com",
    "HARAVAN_WEBHOOK_URL": "https://webhook.haravan.com",
}


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    queue_url: str
    secret_key: str
    public_url: str
    kiotviet_token_url: str
    kiotviet_api_url: str
    haravan_accounts_url: str
    haravan_api_url: str
    haravan_webhook_url: str
    haravan_client_id: str
    haravan_client_secret: str
    haravan_webhook_verify_token: str = ""
    debug: bool = False
    log_format: str = "text"
    # Haravan leaky bucket as the client should assume it (a time-scaled emulator leaks faster).
    haravan_bucket_size: float = 80.0
    haravan_leak_rate: float = 4.0
    # KiotViet GET budget per hour.
    kiotviet_get_budget: int = 5000
    demo_banner: str = ""
    # More host names the web process answers to (besides the public URL's and loopback).
    allowed_hosts: tuple[str, ...] = ()
    # Origins allowed to show the app in a frame (e.g. Haravan's admin); empty: none.
    frame_ancestors: tuple[str, ...] = ()
    # Bearer token for ``/metrics``; empty: answered to loopback callers only (docs/deploy.md).
    metrics_token: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def is_redis_queue(self) -> bool:
        return self.queue_url.startswith(("redis://", "rediss://", "unix://"))


def _secret_key(data_dir: Path, env: Mapping[str, str]) -> str:
    """The configured key, or one generated once and kept in the data dir (embedded mode)."""
    if env.get("KIOTSYNC_SECRET_KEY"):
        return env["KIOTSYNC_SECRET_KEY"]
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_config(env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    data_dir = Path(env.get("KIOTSYNC_DATA_DIR", "./.kiotsync")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return Config(
        data_dir=data_dir,
        database_url=env.get("KIOTSYNC_DATABASE_URL") or f"sqlite:///{data_dir / 'kiotsync.sqlite3'}",
        queue_url=env.get("KIOTSYNC_QUEUE_URL") or f"sqlite:///{data_dir / 'queue.sqlite3'}",
        secret_key=_secret_key(data_dir, env),
        public_url=(env.get("KIOTSYNC_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        kiotviet_token_url=env.get("KIOTVIET_TOKEN_URL", REAL_URLS["KIOTVIET_TOKEN_URL"]),
        kiotviet_api_url=env.get("KIOTVIET_API_URL", REAL_URLS["KIOTVIET_API_URL"]).rstrip("/"),
        haravan_accounts_url=env.get("HARAVAN_ACCOUNTS_URL", REAL_URLS["HARAVAN_ACCOUNTS_URL"]).rstrip("/"),
        haravan_api_url=env.get("HARAVAN_API_URL", REAL_URLS["HARAVAN_API_URL"]).rstrip("/"),
        haravan_webhook_url=env.get("HARAVAN_WEBHOOK_URL", REAL_URLS["HARAVAN_WEBHOOK_URL"]).rstrip("/"),
        haravan_client_id=env.get("HARAVAN_CLIENT_ID", ""),
        haravan_client_secret=env.get("HARAVAN_CLIENT_SECRET", ""),
        haravan_webhook_verify_token=env.get("HARAVAN_WEBHOOK_VERIFY_TOKEN", ""),
        debug=_bool(env.get("KIOTSYNC_DEBUG")),
        log_format=env.get("KIOTSYNC_LOG_FORMAT", "text"),
        haravan_bucket_size=float(env.get("HARAVAN_BUCKET_SIZE", "80")),
        haravan_leak_rate=float(env.get("HARAVAN_LEAK_RATE", "4")),
        kiotviet_get_budget=int(env.get("KIOTVIET_GET_BUDGET", "5000")),
        demo_banner=env.get("KIOTSYNC_DEMO_BANNER", ""),
        allowed_hosts=tuple(_words(env.get("KIOTSYNC_ALLOWED_HOSTS"))),
        frame_ancestors=tuple(_words(env.get("KIOTSYNC_FRAME_ANCESTORS"))),
        metrics_token=env.get("KIOTSYNC_METRICS_TOKEN", "").strip(),
    )


def _words(value: str | None) -> list[str]:
    return [w for w in (value or "").replace(",", " ").split() if w]


def parse_database_url(url: str) -> dict[str, object]:
    """Django DATABASES entry for ``sqlite:///path`` or ``postgresql://user:pw@host:port/db``."""
    from urllib.parse import parse_qs, unquote, urlparse

    if url.startswith("sqlite:///"):
        name = url[len("sqlite:///") :]
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            # A file, not shared-cache memory: webhooks delivered by the emulators' threads
            # must wait on locks (busy timeout, WAL), not fail with "table is locked".
            "TEST": {"NAME": name.removesuffix(".sqlite3") + "-test.sqlite3"},
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        options: dict[str, object] = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ValueError(f"unsupported KIOTSYNC_DATABASE_URL: {url!r} (use sqlite:///path or postgresql://...)")
