"""Credentials: password hashes, random tokens and their digests, API keys, and signed access tokens.

- Passwords: argon2id (argon2-cffi defaults, ~150 ms a verify here; logins are throttled before it runs).
- Refresh, e-mail and API-key tokens: 256 random bits, stored as a SHA-256 digest. They cannot be guessed,
  so a slow hash would add nothing but ~100 ms to every API-key request.
- Access tokens: HS256 JWTs signed with the newest ``jwt_signing`` key of the secrets store, its ``kid`` in
  the header; any valid version verifies, so a rotation logs nobody out and the old key retires once every
  token it signed has expired.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fairedge.secretstore.store import SecretStore

JWT_SECRET = "jwt_signing"
JWT_ALGORITHM = "HS256"
JWT_LEEWAY = timedelta(seconds=10)
API_KEY_PREFIX = "fe_"
API_KEY_SHOWN = 11  # "fe_" and 8 characters: enough to tell a user's keys apart, far too few to guess

_hasher = PasswordHasher()  # argon2id
# Verified against when the e-mail is unknown, so a login costs the same whether the account exists or not.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def is_api_key(credential: str) -> bool:
    return credential.startswith(API_KEY_PREFIX)


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_version: int
    expires_at: datetime


class InvalidAccessToken(Exception):
    """Expired, forged, signed by a retired key, or malformed; the message says which, for the log only."""


class TokenSigner:
    def __init__(self, store: SecretStore, *, lifetime: timedelta) -> None:
        self._store = store
        self.lifetime = lifetime

    def issue(self, user_id: int, session_version: int, now: datetime) -> tuple[str, datetime]:
        key = self._store.ensure_random(JWT_SECRET)
        expires_at = now + self.lifetime
        token = jwt.encode(
            {"sub": str(user_id), "ver": session_version, "iat": now, "exp": expires_at, "typ": "access"},
            key.value,
            algorithm=JWT_ALGORITHM,
            headers={"kid": key.kid},
        )
        return token, expires_at

    def verify(self, token: str, now: datetime) -> AccessClaims:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken("malformed") from exc
        key = self._store.version(JWT_SECRET, kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidAccessToken("unknown or retired signing key")
        try:
            claims = jwt.decode(
                token,
                key.value,
                algorithms=[JWT_ALGORITHM],  # never the header's own choice (alg=none, key confusion)
                options={"require": ["exp", "iat", "sub"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken(type(exc).__name__) from exc
        expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo)
        # Expiry against the application's clock (a fake one in tests), with a little leeway for skew.
        if expires_at + JWT_LEEWAY <= now:
            raise InvalidAccessToken("expired")
        if claims.get("typ") != "access" or not str(claims["sub"]).isdigit():
            raise InvalidAccessToken("not an access token")
        return AccessClaims(int(claims["sub"]), int(claims.get("ver", 0)), expires_at)

    def rotate(self, *, cache_seconds: float) -> str:
        """A new signing key; the old ones verify until every token they signed has expired (tokens may
        still be signed with them for ``cache_seconds`` by processes that have not reloaded yet)."""
        grace = self.lifetime + timedelta(seconds=cache_seconds) + JWT_LEEWAY
        return self._store.rotate(JWT_SECRET, secrets.token_urlsafe(64), grace=grace).kid
