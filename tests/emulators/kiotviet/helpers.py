"""Helpers for the KiotViet emulator tests: an authorised API client, a recording webhook
receiver and control-plane shortcuts."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

BASE = "http://kv.test"
HOOK_URL = "http://hooks.test/kv"


class Api:
    """An authorised client for one shop (token fetched with ``scopes``)."""

    def __init__(self, http: httpx.Client, creds: dict[str, Any]) -> None:
        self.http = http
        self.creds = creds
        self.retailer = creds["retailer"]
        self.token = self.fetch_token()

    def fetch_token(self) -> str:
        r = self.http.post(
            "/connect/token",
            data={
                "scopes": "PublicApi.Access",
                "grant_type": "client_credentials",
                "client_id": self.creds["client_id"],
                "client_secret": self.creds["client_secret"],
            },
        )
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Retailer": self.retailer, "Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kw)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.request("GET", path, params=params or None)

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        r = self.request(method, path, **kw)
        assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    def all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Walk every page of a list endpoint."""
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            env = self.ok(
                "GET", path, params={**params, "pageSize": 100, "currentItem": offset, "orderBy": "id"}
            )
            out.extend(env["data"])
            offset += env["pageSize"]
            if offset >= env["total"] or not env["data"]:
                return out

    def product(self, code: str) -> dict[str, Any]:
        return dict(self.ok("GET", f"/products/code/{code}"))

    def stock(self, code: str, branch_id: int) -> dict[str, Any]:
        rows = self.product(code)["inventories"]
        return next(r for r in rows if r["branchId"] == branch_id)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Webhook endpoint: records deliveries; answers the queued statuses, then 200."""

    statuses: list[int] = field(default_factory=list)
    calls: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        with self.lock:
            self.calls.append(Received(headers, body))
            status = self.statuses.pop(0) if self.statuses else 200
        start_response(f"{status} X", [("Content-Type", "application/json")])
        return [b"{}"]

    def actions(self) -> list[str]:
        return [n["Action"] for c in self.calls for n in c.json["Notifications"]]

    def data(self, type_: str) -> list[Any]:
        return [
            item
            for c in self.calls
            for n in c.json["Notifications"]
            if n["Action"].startswith(type_ + ".")
            for item in n["Data"]
        ]


def seed(http: httpx.Client, **body: Any) -> dict[str, Any]:
    body.setdefault("preset", "demo")
    body.setdefault("seed", 1)
    r = http.post("/_emulator/seed", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def register(api: Api, type_: str, secret: str | None = None, url: str = HOOK_URL) -> dict[str, Any]:
    hook: dict[str, Any] = {"Type": type_, "Url": url, "IsActive": True, "Description": "test"}
    if secret is not None:
        hook["Secret"] = secret
    return dict(api.ok("POST", "/webhooks", json={"Webhook": hook}))


def ctl(http: httpx.Client, method: str, path: str, body: Any = None, **params: Any) -> Any:
    r = http.request(method, f"/_emulator{path}", json=body, params=params or None)
    assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()
