"""Access tokens (short-lived JWT) and refresh tokens (opaque, hashed at rest)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import jwt

from .. import clock

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30  # phones' clocks drift; a little leeway avoids spurious 401s


class TokenError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def issue_access_token(secret: str, officer_id: int, session_id: str, device_id: str, ttl: int) -> str:
    now = clock.now()
    claims = {
        "sub": str(officer_id),
        "sid": session_id,
        "did": device_id,
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_access_token(secret: str, token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            leeway=LEEWAY_SECONDS,
            # lifetimes are checked below against the product's clock, not PyJWT's time.time()
            options={"require": ["exp", "iat", "sub", "sid", "typ"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise TokenError("auth.token_invalid") from exc
    now = clock.now().timestamp()
    if not isinstance(claims["exp"], (int, float)) or not isinstance(claims["iat"], (int, float)):
        raise TokenError("auth.token_invalid")
    if claims["exp"] <= now - LEEWAY_SECONDS:
        raise TokenError("auth.token_expired")
    if claims["iat"] > now + LEEWAY_SECONDS:
        raise TokenError("auth.token_invalid")
    if claims.get("typ") != "access":
        raise TokenError("auth.token_invalid")
    return claims


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_refresh_token(token: str) -> tuple[str, str]:
    """A refresh token is `<session id>.<secret>`; only the secret's hash is stored."""
    session_id, sep, secret = token.partition(".")
    if not sep or not session_id or not secret or len(token) > 200:
        raise TokenError("auth.refresh_invalid")
    return session_id, secret
