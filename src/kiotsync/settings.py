"""Django settings, built from :mod:`kiotsync.config` (the environment)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from kiotsync.config import load_config, parse_database_url
from kiotsync.security import security_settings

CONFIG = load_config()
BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
# Host names, Secure cookies + HSTS behind HTTPS, the CSP and framing (kiotsync.security).
_SECURITY = security_settings(CONFIG)
ALLOWED_HOSTS = _SECURITY["ALLOWED_HOSTS"]
CSRF_TRUSTED_ORIGINS = _SECURITY["CSRF_TRUSTED_ORIGINS"]
SESSION_COOKIE_SECURE = _SECURITY["SESSION_COOKIE_SECURE"]
CSRF_COOKIE_SECURE = _SECURITY["CSRF_COOKIE_SECURE"]
LANGUAGE_COOKIE_SECURE = _SECURITY["LANGUAGE_COOKIE_SECURE"]
SECURE_HSTS_SECONDS = _SECURITY["SECURE_HSTS_SECONDS"]
SECURE_PROXY_SSL_HEADER = _SECURITY["SECURE_PROXY_SSL_HEADER"]
SECURE_REFERRER_POLICY = _SECURITY["SECURE_REFERRER_POLICY"]
X_FRAME_OPTIONS = _SECURITY["X_FRAME_OPTIONS"]
SESSION_COOKIE_SAMESITE = _SECURITY["SESSION_COOKIE_SAMESITE"]
CSRF_COOKIE_SAMESITE = _SECURITY["CSRF_COOKIE_SAMESITE"]
LANGUAGE_COOKIE_SAMESITE = _SECURITY["LANGUAGE_COOKIE_SAMESITE"]
KIOTSYNC_CSP = _SECURITY["KIOTSYNC_CSP"]
KIOTSYNC_FRAMED = _SECURITY["KIOTSYNC_FRAMED"]
# ``/metrics``: the bearer token it asks for; empty: loopback callers only (kiotsync.metrics).
KIOTSYNC_METRICS_TOKEN = CONFIG.metrics_token

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "kiotsync.tenants",
    "kiotsync.bookkeeping",
    "kiotsync.workers",
    "kiotsync.inbox",
    "kiotsync.connections",
    "kiotsync.catalog",
    "kiotsync.orders",
    "kiotsync.reconcile",
    "kiotsync.metrics",
    "kiotsync.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kiotsync.web.middleware.ContentSecurityPolicyMiddleware",
    "kiotsync.web.middleware.TenantMiddleware",
]

ROOT_URLCONF = "kiotsync.web.urls"
WSGI_APPLICATION = "kiotsync.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kiotsync.web.context.app_context",
            ],
        },
    }
]

DATABASES = {"default": parse_database_url(CONFIG.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if CONFIG.is_redis_queue:
    HUEY = {
        # Priorities are the lanes of workers/lanes.py (a sorted set; plain RedisHuey ignores them).
        "huey_class": "huey.PriorityRedisHuey",
        "name": "kiotsync",
        "url": CONFIG.queue_url,
        "immediate": False,
        "utc": True,
        "consumer": {"workers": 4, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kiotsync",
        "filename": CONFIG.queue_url.removeprefix("sqlite:///"),
        "immediate": False,
        "utc": True,
        # SQLite is polled: keep the idle back-off short so a webhook is picked up within ~0.5 s.
        "consumer": {
            "workers": 4,
            "worker_type": "thread",
            "initial_delay": 0.05,
            "backoff": 1.15,
            "max_delay": 0.5,
        },
    }

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = CONFIG.data_dir / "static"

SESSION_COOKIE_NAME = "kiotsync_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_NAME = "kiotsync_csrftoken"
LANGUAGE_COOKIE_NAME = "kiotsync_language"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "kiotsync.logs.TenantFilter"}},
    "formatters": {
        "text": {"()": "kiotsync.logs.TextFormatter"},
        "json": {"()": "kiotsync.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant"],
            "formatter": "json" if CONFIG.log_format == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
    },
}
