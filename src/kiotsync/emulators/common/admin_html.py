"""Building blocks of the emulators' back-office pages: escaping, number formats, the page
shell, and the in-process call into the JSON control plane.

Why a control-plane call rather than calling rules here: every button on the pages must behave
*exactly* like the documented ``/_emulator/...`` helper (same rules, same webhooks, same
validation), so a form handler only turns fields into that helper's JSON body and dispatches it
through the emulator's own WSGI callable. The pages can then never drift from the JSON path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from html import escape
from typing import Any
from urllib.parse import urlencode

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

ADMIN_PATH = "/_emulator/admin"

STYLE_TEMPLATE = (
    "*{box-sizing:border-box}body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;"
    "background:#eef1f5;color:#1f2937;font-size:14px}"
    "header{background:{accent};color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:center;"
    "flex-wrap:wrap}header h1{font-size:18px;margin:0}header a{color:#dbeafe;text-decoration:none}"
    "header .shop{margin-left:auto;font-weight:600}header .muted{color:#bfdbfe}"
    "main{padding:16px 20px;max-width:1500px;margin:0 auto}"
    "section{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:14px 16px;"
    "margin-bottom:16px}h2{font-size:16px;margin:0 0 10px;color:{accent}}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e5e7eb;padding:5px 6px;"
    "text-align:left;vertical-align:middle}th{background:#f3f6fa;font-weight:600;white-space:nowrap}"
    "td.num,th.num{text-align:right;white-space:nowrap}"
    "input,select,button{font:inherit;padding:4px 6px;border:1px solid #cbd5e1;border-radius:4px}"
    "input.n{width:86px}input.name{width:180px}select.branch{max-width:150px}th.branch{white-space:normal;min-width:90px}td.code{white-space:nowrap}"
    ".wrap{overflow-x:auto}button{background:{accent};color:#fff;border-color:{accent};"
    "cursor:pointer;white-space:nowrap}button.secondary{background:#fff;color:{accent}}"
    "button.danger{background:#fff;color:#b91c1c;border-color:#fca5a5}"
    "form.inline{display:inline-flex;gap:4px;align-items:center;margin:1px 0}"
    ".flash{padding:9px 12px;border-radius:4px;margin-bottom:12px}"
    ".ok{background:#dcfce7;color:#166534}.error{background:#fee2e2;color:#991b1b}"
    ".muted{color:#6b7280}.badge{display:inline-block;padding:1px 7px;border-radius:10px;"
    "background:#e0e7ff;color:#3730a3;font-size:12px;white-space:nowrap}"
    ".badge.off{background:#f3f4f6;color:#6b7280}.badge.bad{background:#fee2e2;color:#991b1b}"
    ".badge.good{background:#dcfce7;color:#166534}"
    ".grid{display:flex;gap:10px;flex-wrap:wrap;align-items:end}.grid label{display:flex;"
    "flex-direction:column;gap:3px;font-size:13px}.pager{margin-top:8px;display:flex;gap:12px}"
    "ul.settings{list-style:none;padding:0;columns:2}ul.settings li{margin:4px 0}"
)


def style(accent: str) -> str:
    """The shared stylesheet in the platform's colour."""
    return STYLE_TEMPLATE.replace("{accent}", accent)


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def money(value: float) -> str:
    """VND the way both back offices show it: ``149.000``."""
    return f"{value:,.0f}".replace(",", ".")


def qty(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def options(items: Iterable[tuple[object, str]], selected: object = None) -> str:
    out = []
    for value, label in items:
        sel = " selected" if selected is not None and str(value) == str(selected) else ""
        out.append(f'<option value="{esc(value)}"{sel}>{esc(label)}</option>')
    return "".join(out)


def hidden(fields: Mapping[str, object]) -> str:
    return "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in fields.items() if v is not None
    )


def badge(text: str, kind: str = "") -> str:
    return f'<span class="badge {kind}">{esc(text)}</span>'


def page(title: str, header: str, body: str, accent: str = "#0b6bcb") -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<style>{style(accent)}</style></head><body><header>{header}</header><main>{body}</main></body></html>"
    )


def html_response(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/html", content_type="text/html; charset=utf-8")


def admin_url(params: Mapping[str, object], anchor: str = "") -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return ADMIN_PATH + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


def control_call(
    app: Callable[..., Any], method: str, path: str, body: Mapping[str, Any] | None = None
) -> tuple[int, Any]:
    """Dispatch ``method /_emulator{path}`` with a JSON body through the emulator itself."""
    environ = EnvironBuilder(
        method=method, path=f"/_emulator{path}", json=dict(body) if body is not None else None
    ).get_environ()
    response = Response.from_app(app, environ)
    raw = response.get_data()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw.decode("utf-8", "replace")
    return response.status_code, data
