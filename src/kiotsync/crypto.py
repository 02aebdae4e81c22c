"""Secrets at rest: Fernet encryption with a key derived from ``KIOTSYNC_SECRET_KEY``.

The KiotViet client secret, platform tokens and webhook secrets are stored only in this form.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"kiotsync/secrets-at-rest/v1"


@functools.lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kiotsync", info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt(plaintext: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt a stored secret: was KIOTSYNC_SECRET_KEY changed?") from exc


def mask(secret: str | None, keep: int = 4) -> str:
    """What the UI and the admin may show of a secret: its last few characters."""
    if not secret:
        return ""
    return "•" * 8 + secret[-keep:] if len(secret) > keep * 2 else "•" * 8
