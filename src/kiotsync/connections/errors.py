"""Errors a service reports to the merchant: the message is already in their words."""

from __future__ import annotations


class UserFacingError(Exception):
    """``message`` is a translatable sentence a shop owner can act on; ``field`` is the form
    field it belongs to (None: the whole form)."""

    def __init__(self, message: object, field: str | None = None, code: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
