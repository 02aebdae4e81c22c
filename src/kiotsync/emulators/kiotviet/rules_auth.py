"""Who may call (§1.3, §2.2, §2.9): the client-credentials grant and per-request authentication.

A token is granted to a shop's ``client_id`` + ``client_secret`` for the single scope
``PublicApi.Access``. Every API call then needs ``Authorization: Bearer <token>`` and a
``Retailer`` header naming the token's own shop; GETs count against the shop's sliding-hour
limit. Run with the state lock held.
"""

from __future__ import annotations

from .errors import KvError, token_error
from .model import Shop
from .state import KvState

SCOPE = "PublicApi.Access"


class GrantRefused(Exception):
    """The token endpoint says no; ``error`` is the OAuth error code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def grant_token(
    state: KvState, grant_type: str | None, client_id: str | None, secret: str | None, scope: str | None
) -> tuple[str, int]:
    """A new access token and its lifetime in seconds."""
    if grant_type != "client_credentials":
        raise GrantRefused("unsupported_grant_type")
    shop = next((s for s in state.shops.values() if s.client_id == client_id), None)
    if shop is None or not secret or secret != shop.client_secret:
        raise GrantRefused("invalid_client")
    if scope and SCOPE not in scope.replace(",", " ").split():
        raise GrantRefused("invalid_scope")
    ttl = int(state.config["token_ttl_s"])
    return state.tokens.issue(shop.retailer, shop.client_id, state.clock.time(), ttl), ttl


def authenticate(state: KvState, authorization: str, retailer: str, counts_as_get: bool) -> Shop:
    """The shop a call may act on, given its ``Authorization`` and ``Retailer`` headers."""
    if not authorization[:7].lower() == "bearer " or not authorization[7:].strip():
        raise token_error("Thiếu access token")
    now_s = state.clock.time()
    info = state.tokens.check(authorization[7:].strip(), now_s)
    retailer = retailer.strip()
    if not retailer:
        raise KvError(400, "Thiếu header Retailer", "ArgumentException")
    if retailer.lower() != info.retailer:
        raise token_error(f'Access token không thuộc về cửa hàng "{retailer}"')
    shop = state.shop(retailer)
    if shop is None:
        raise token_error("Cửa hàng không tồn tại")
    if counts_as_get:
        cfg = state.config
        state.rate.hit(
            (info.retailer, info.client_id),
            now_s,
            int(cfg["rate_limit_get_per_hour"]),
            float(cfg["rate_limit_window_s"]),
        )
    return shop
