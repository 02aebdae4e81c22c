"""KiotViet Public API (retail) adapter: client, wire models, webhook verification."""

from .auth import CachedToken, InMemoryTokenCache, TokenCache, TokenManager
from .client import DEFAULT_API_URL, DEFAULT_TOKEN_URL, GET_BUDGETS, KiotVietClient, encode_webhook_secret
from .errors import (
    InvalidClientError,
    InvalidRetailerError,
    KiotVietCredentialsError,
    SettingDisabledError,
    UnknownClientIdError,
    WrongClientSecretError,
)
from .webhooks import SIGNATURE_HEADER, Notification, WebhookEvent, parse_webhook, verify_signature

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TOKEN_URL",
    "GET_BUDGETS",
    "SIGNATURE_HEADER",
    "CachedToken",
    "InMemoryTokenCache",
    "InvalidClientError",
    "InvalidRetailerError",
    "KiotVietClient",
    "KiotVietCredentialsError",
    "Notification",
    "SettingDisabledError",
    "TokenCache",
    "TokenManager",
    "UnknownClientIdError",
    "WebhookEvent",
    "WrongClientSecretError",
    "encode_webhook_secret",
    "parse_webhook",
    "verify_signature",
]
