"""A text field stored encrypted (see :mod:`kiotsync.crypto`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from kiotsync.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Plain ``str`` in Python, Fernet ciphertext in the database."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value, settings.SECRET_KEY)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), settings.SECRET_KEY)
