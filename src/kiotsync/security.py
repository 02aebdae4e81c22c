"""Production security settings derived from the configuration (``KIOTSYNC_PUBLIC_URL`` first).

Behind HTTPS (the public URL is ``https://…``, TLS ended by a reverse proxy that sets
``X-Forwarded-Proto``) cookies are ``Secure`` and HSTS is sent. A Content-Security-Policy allows
scripts only from the app itself. Showing the app inside another site's frame (Haravan's admin)
is off unless ``KIOTSYNC_FRAME_ANCESTORS`` names the origins — which needs HTTPS, because the
cookies must then be ``SameSite=None; Secure`` (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kiotsync.config import Config

LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
HSTS_SECONDS = 365 * 24 * 3600


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(config: Config) -> str:
    frames = " ".join(["'self'", *config.frame_ancestors])
    # The Haravan sign-in is reached by redirects after our own forms (Chrome checks those too).
    forms = " ".join(x for x in ["'self'", _origin(config.haravan_accounts_url)] if x)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: https: http:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {forms}",
            f"frame-ancestors {frames}",
        ]
    )


def security_settings(config: Config) -> dict[str, Any]:
    public = urlsplit(config.public_url)
    https = public.scheme == "https"
    hosts = [h for h in (public.hostname, *LOOPBACK, *config.allowed_hosts) if h]
    framed = bool(config.frame_ancestors)
    out: dict[str, Any] = {
        "ALLOWED_HOSTS": list(dict.fromkeys(hosts)),
        "CSRF_TRUSTED_ORIGINS": [config.public_url],
        "SESSION_COOKIE_SECURE": https,
        "CSRF_COOKIE_SECURE": https,
        "LANGUAGE_COOKIE_SECURE": https,
        "SECURE_HSTS_SECONDS": HSTS_SECONDS if https else 0,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if https else None,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "SAMEORIGIN",
        "KIOTSYNC_CSP": content_security_policy(config),
        "KIOTSYNC_FRAMED": framed,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
    }
    if framed:
        if not https:
            raise ValueError(
                "KIOTSYNC_FRAME_ANCESTORS needs an https:// KIOTSYNC_PUBLIC_URL (cookies in frames must be Secure)"
            )
        # Inside another site's frame the cookies are third-party: they must be SameSite=None.
        out.update(
            {
                "SESSION_COOKIE_SAMESITE": "None",
                "CSRF_COOKIE_SAMESITE": "None",
                "LANGUAGE_COOKIE_SAMESITE": "None",
            }
        )
    return out
