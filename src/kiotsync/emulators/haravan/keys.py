"""The accounts server's RS256 signing key, generated lazily once per emulator instance.

Generation is deferred to first use so test suites that never touch OIDC stay fast. The
public half is published in the JWKS (``kid`` in every id_token header).
"""

from __future__ import annotations

import json
import secrets
import threading
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class SigningKey:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._private: rsa.RSAPrivateKey | None = None
        self.kid = secrets.token_hex(16).upper()

    def _key(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._private is None:
                self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._private

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key().public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._key(), algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})
