"""HTML pages of the accounts host: login, consent, form_post auto-submit, error.

Plain server-rendered forms a browser (or an httpx test posting the same fields) can click
through. Labels are Vietnamese like the real Haravan account pages; element ids are stable for
browser tests: ``#email``, ``#password``, ``#login``, ``#allow``, ``#deny``, ``#orgid``.
"""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}"
    ".card{max-width:420px;margin:60px auto;background:#fff;padding:28px;border-radius:8px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:20px;color:#2962ff}"
    "label{display:block;margin:12px 0 4px}input[type=email],input[type=password],select{width:100%;"
    "padding:8px;box-sizing:border-box}button{margin-top:16px;padding:9px 18px;border:0;border-radius:4px;"
    "cursor:pointer}.primary{background:#2962ff;color:#fff}.secondary{background:#e0e0e0}"
    ".error{color:#c62828}ul{padding-left:20px}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head>'
        f'<body><div class="card">{body}</div></body></html>'
    )


def _hidden(fields: dict[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def login(return_url: str, error: str | None = None, email: str = "") -> str:
    err = f'<p class="error" id="error">{escape(error)}</p>' if error else ""
    return _page(
        "Đăng nhập - Haravan",
        "<h1>Đăng nhập Haravan</h1>"
        f"{err}"
        '<form method="post" action="/account/login">'
        f"{_hidden({'ReturnUrl': return_url})}"
        '<label for="email">Email</label>'
        f'<input type="email" id="email" name="email" value="{escape(email)}" required autofocus>'
        '<label for="password">Mật khẩu</label>'
        '<input type="password" id="password" name="password" required>'
        '<button type="submit" id="login" class="primary">Đăng nhập</button>'
        "</form>",
    )


def consent(
    app_name: str,
    user_email: str,
    scopes: list[tuple[str, str]],
    hidden: dict[str, str],
    orgs: list[tuple[int, str]],
    fixed_org: tuple[int, str] | None,
) -> str:
    items = "".join(
        f'<li data-scope="{escape(s)}">{escape(label)} <code>{escape(s)}</code></li>' for s, label in scopes
    )
    if fixed_org is not None:
        org_html = f"<p>Cửa hàng: <strong>{escape(fixed_org[1])}</strong></p>"
    else:
        options = "".join(f'<option value="{oid}">{escape(name)}</option>' for oid, name in orgs)
        org_html = f'<label for="orgid">Chọn cửa hàng</label><select id="orgid" name="selected_orgid">{options}</select>'
    return _page(
        "Cấp quyền ứng dụng - Haravan",
        f"<h1>Ứng dụng {escape(app_name)} yêu cầu quyền truy cập</h1>"
        f"<p>Đăng nhập với <strong>{escape(user_email)}</strong></p>"
        '<form method="post" action="/connect/consent">'
        f"{_hidden(hidden)}{org_html}"
        f"<p>Ứng dụng sẽ được phép:</p><ul>{items}</ul>"
        '<button type="submit" id="allow" name="decision" value="allow" class="primary">Cho phép</button> '
        '<button type="submit" id="deny" name="decision" value="deny" class="secondary">Từ chối</button>'
        "</form>",
    )


def form_post(action: str, fields: dict[str, Any]) -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Đang chuyển hướng…</title></head>'
        '<body onload="document.forms[0].submit()">'
        f'<form method="post" action="{escape(action)}">{_hidden({k: str(v) for k, v in fields.items()})}'
        '<noscript><button type="submit">Tiếp tục</button></noscript></form></body></html>'
    )


def error(message: str) -> str:
    return _page("Lỗi - Haravan", f'<h1>Đã xảy ra lỗi</h1><p class="error" id="error">{escape(message)}</p>')
