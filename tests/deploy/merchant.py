"""The shop owner in a browser without JavaScript: one cookie jar, redirects followed across the
app and Haravan's sign-in pages, forms posted as the pages render them (with their CSRF token)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from .html import Form, form

CSRF_COOKIE = "kiotsync_csrftoken"


@dataclass(frozen=True)
class Job:
    state: str  # none | queued | running | done | failed
    percent: int
    text: str


@dataclass(frozen=True)
class OrderRow:
    pk: int
    name: str
    state: str
    kv_code: str
    reason: str


class Merchant:
    def __init__(self, app_url: str) -> None:
        self.app_url = app_url
        self.http = httpx.Client(follow_redirects=True, timeout=60)

    def close(self) -> None:
        self.http.close()

    def url(self, path: str) -> str:
        return urljoin(self.app_url + "/", path.lstrip("/"))

    def get(self, path: str) -> httpx.Response:
        resp = self.http.get(self.url(path))
        assert resp.status_code == 200, f"GET {path}: {resp.status_code} {resp.text[:1000]}"
        return resp

    def submit(self, page: httpx.Response, f: Form, **values: str) -> httpx.Response:
        """Post a form of ``page`` as a browser would (relative action resolved against the page)."""
        target = urljoin(str(page.url), f.action or str(page.url))
        return self.http.post(target, data=f.data(**values), headers={"Referer": str(page.url)})

    def htmx_post(self, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        """A click htmx sends: the CSRF token (from the cookie) in ``X-CSRFToken``."""
        token = self.http.cookies.get(CSRF_COOKIE) or ""
        headers = {"X-CSRFToken": token, "HX-Request": "true", "Referer": self.url(path)}
        return self.http.post(self.url(path), data=data or {}, headers=headers)

    @staticmethod
    def path(resp: httpx.Response) -> str:
        return urlsplit(str(resp.url)).path

    # -- Haravan sign-in and install (the real OAuth round trips) ----------------------------
    def install(self, email: str, password: str) -> httpx.Response:
        """The install ("Cài đặt"): /install → Haravan login → allow the login scopes → back to the app, on to
        the install consent → allow → /auth/install/callback → the KiotViet login page."""
        page = self.http.get(self.url("/install"))
        assert page.status_code == 200 and self.path(page) == "/account/login", (page.url, page.text[:500])
        page = self.submit(page, form(page.text, action="/account/login"), email=email, password=password)
        consents = 0
        while self.path(page) == "/connect/authorize":
            consent = form(page.text, action="/connect/consent")
            page = self.submit(page, consent, decision="allow")
            consents += 1
            assert consents <= 2, "asked for consent more than twice"
        assert consents == 2, f"expected the login then the install consent, saw {consents}: {page.url}"
        assert page.status_code == 200, (page.url, page.text[:1000])
        return page

    # -- KiotViet login, settings ----------------------------------------------------------
    def connect_kiotviet(self, retailer: str, client_id: str, client_secret: str) -> httpx.Response:
        page = self.get("/kiotviet/login")
        login = form(page.text, testid="kiotviet-login")
        return self.submit(page, login, retailer=retailer, client_id=client_id, client_secret=client_secret)

    def save_settings(self, **values: str) -> httpx.Response:
        page = self.get("/settings")
        return self.submit(page, form(page.text, testid="settings-form"), **values)

    # -- product screens -------------------------------------------------------------------
    def click(self, page_path: str, action: str, **values: str) -> httpx.Response:
        """Press the button of the form posting to ``action`` on the page at ``page_path``."""
        page = self.get(page_path)
        resp = self.submit(page, form(page.text, action=action, method="post"), **values)
        assert resp.status_code == 200, f"POST {action}: {resp.status_code} {resp.text[:1000]}"
        return resp

    def sync_now(self) -> httpx.Response:
        return self.click("/products/kiotviet", "/products/kiotviet/sync")

    def set_auto_sync(self, enabled: bool) -> httpx.Response:
        return self.click(
            "/products/kiotviet", "/products/kiotviet/auto-sync", enabled="1" if enabled else "0"
        )

    def transfer_all(self) -> httpx.Response:
        """ "Chuyển dữ liệu": the button opens the confirmation (opening stock from Haravan by default)."""
        assert "/products/haravan/transfer/confirm" in self.get("/products/haravan").text
        return self.click("/products/haravan/transfer/confirm", "/products/haravan/transfer")

    def job(self, kind: str) -> Job:
        """The progress panel the page polls (``sync_kv_hv`` or ``transfer_hv_kv``)."""
        html = self.get(f"/products/jobs/{kind}").text
        state = re.search(r'data-testid="job-panel" data-state="([^"]*)"', html)
        percent = re.search(r'data-testid="job-percent">(\d+)', html)
        text = re.sub(r"<[^>]+>", " ", html)
        return Job(
            state.group(1) if state else "?", int(percent.group(1)) if percent else 0, " ".join(text.split())
        )

    # -- orders screen ---------------------------------------------------------------------
    def orders(self, state: str = "") -> list[OrderRow]:
        html = self.get("/orders/" + (f"?state={state}" if state else "")).text
        rows = []
        for m in re.finditer(
            r'<tr id="order-(\d+)"[^>]*data-order="([^"]*)" data-state="([^"]*)">(.*?)</tr>', html, re.S
        ):
            body = m.group(4)
            code = re.search(r'data-testid="kv-code">([^<]*)<', body)
            reason = re.search(r'data-testid="reason">(.*?)</div>', body, re.S)
            rows.append(
                OrderRow(
                    int(m.group(1)),
                    m.group(2),
                    m.group(3),
                    code.group(1) if code else "",
                    " ".join(reason.group(1).split()) if reason else "",
                )
            )
        return rows

    def order(self, name: str) -> OrderRow | None:
        return next((r for r in self.orders() if r.name == name), None)

    def resync_order(self, row: OrderRow) -> httpx.Response:
        """The row's "Đồng bộ sang KiotViet" button (an htmx post answered with the row)."""
        resp = self.htmx_post(f"/orders/link/{row.pk}/sync")
        assert resp.status_code == 200, f"resync {row.name}: {resp.status_code} {resp.text[:1000]}"
        return resp

    def healthz(self) -> tuple[int, dict[str, Any]]:
        resp = httpx.get(self.url("/healthz"), timeout=30)
        return resp.status_code, resp.json()
