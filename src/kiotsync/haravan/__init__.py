"""Haravan Omni API adapter: REST client, OAuth/OIDC, pacing, wire models, webhooks."""

from .client import (
    DEFAULT_API_URL,
    DEFAULT_WEBHOOK_URL,
    AccessTokenProvider,
    HaravanClient,
    StaticTokenProvider,
    StockLine,
)
from .errors import IdTokenError, InstallRevokedError, OAuthError
from .oauth import (
    DEFAULT_ACCOUNTS_URL,
    INSTALL_SCOPES,
    LOGIN_SCOPES,
    HaravanOAuth,
    IdTokenClaims,
    RefreshingTokenProvider,
    TokenSet,
)
from .pacing import SHOP_PACERS, LeakyBucketPacer, shop_pacer
from .webhooks import (
    HaravanWebhook,
    challenge_response,
    parse_webhook,
    verify_haravan_webhook,
    verify_webhook,
)

__all__ = [
    "DEFAULT_ACCOUNTS_URL",
    "DEFAULT_API_URL",
    "DEFAULT_WEBHOOK_URL",
    "INSTALL_SCOPES",
    "LOGIN_SCOPES",
    "SHOP_PACERS",
    "AccessTokenProvider",
    "HaravanClient",
    "HaravanOAuth",
    "HaravanWebhook",
    "IdTokenClaims",
    "IdTokenError",
    "InstallRevokedError",
    "LeakyBucketPacer",
    "OAuthError",
    "RefreshingTokenProvider",
    "StaticTokenProvider",
    "StockLine",
    "TokenSet",
    "challenge_response",
    "parse_webhook",
    "shop_pacer",
    "verify_haravan_webhook",
    "verify_webhook",
]
