"""Issuing and checking the fake's tokens.

Policy:

- One 2048-bit RSA key per process, made on first use and shared by every fake server;
  tokens are RS512 JWTs signed with it.
- Each server keeps a table of the tokens it issued: a token is valid only on the server
  that issued it, which also makes checking a dictionary lookup, not an RSA verification.
- With ``encrypted=True`` tokens are opaque, JWE-shaped strings (five base64url parts)
  that no JWT library can read; the table is the only way to know their claims.
- Revocation is a sequence number: every token issued up to it is revoked; each
  revocation is counted.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REALM_PROFILE: Final = "client"
REALM_ANONYMOUS: Final = "anonymous_client"
REALM_WORKSPACE: Final = "business_profile"
REALM_USER: Final = "user"

_ISSUER: Final = "Synerise"
_AUDIENCE: Final = "API"
_JWE_HEADER: Final = (
    base64.urlsafe_b64encode(b'{"alg":"RSA-OAEP-256","enc":"A256GCM"}').rstrip(b"=").decode()
)

_key_lock = threading.Lock()
_key: list[rsa.RSAPrivateKey] = []


def signing_key() -> rsa.RSAPrivateKey:
    """Return the process's RSA signing key, generating it on first use."""
    if _key:
        return _key[0]
    with _key_lock:
        if not _key:
            _key.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return _key[0]


def public_key_pem() -> str:
    """Return the PEM of the public half of :func:`signing_key`."""
    pem = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return pem.decode()


@attrs.frozen
class TokenRecord:
    """What the server knows about a token it issued."""

    token: str = attrs.field(repr=False)
    seq: int
    realm: str
    subject: str
    iat: float
    exp: float
    workspace_id: str | None
    username: str | None
    mfa_pending: bool
    origin: str
    custom_id: Any
    claims: Mapping[str, Any]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenIssuer:
    """Issues tokens and answers what a presented token is.

    Args:
        encrypted: Issue opaque JWE-shaped tokens instead of readable JWTs.
    """

    def __init__(self, *, encrypted: bool) -> None:
        self.encrypted = encrypted
        self._tokens: dict[str, TokenRecord] = {}
        self._seq = 0
        self._revoked_through = 0
        #: How many times :meth:`revoke_all` ran.
        self.revocations = 0

    def issue(
        self,
        *,
        realm: str,
        subject: str,
        now: float,
        lifetime: float,
        workspace_id: str | None,
        workspace_numeric_id: int | None,
        username: str | None = None,
        mfa_pending: bool = False,
        origin: str = "SYNERISE",
        custom_id: Any = None,
    ) -> TokenRecord:
        """Issue a new token valid from ``now`` for ``lifetime`` seconds."""
        self._seq += 1
        iat = round(now, 3)
        exp = round(iat + lifetime, 3)
        claims: dict[str, Any] = {
            "sub": subject,
            "iat": iat,
            "exp": exp,
            "rlm": realm,
            "bpi": workspace_numeric_id,
            "wsp": workspace_id,
            "jti": str(uuid.uuid4()),
            "iss": _ISSUER,
            "aud": _AUDIENCE,
        }
        if realm == REALM_USER:
            claims["mfa"] = mfa_pending
        if self.encrypted:
            token = ".".join(
                (
                    _JWE_HEADER,
                    _b64(secrets.token_bytes(256)),
                    _b64(secrets.token_bytes(12)),
                    _b64(secrets.token_bytes(len(json.dumps(claims)))),
                    _b64(secrets.token_bytes(16)),
                )
            )
        else:
            token = jwt.encode(claims, signing_key(), algorithm="RS512", headers={"typ": None})
        record = TokenRecord(
            token=token,
            seq=self._seq,
            realm=realm,
            subject=subject,
            iat=iat,
            exp=exp,
            workspace_id=workspace_id,
            username=username,
            mfa_pending=mfa_pending,
            origin=origin,
            custom_id=custom_id,
            claims=claims,
        )
        self._tokens[token] = record
        return record

    def lookup(self, token: str) -> TokenRecord | None:
        """Return the record of a token this issuer made, else ``None``."""
        return self._tokens.get(token)

    def is_revoked(self, record: TokenRecord) -> bool:
        """Tell whether ``record`` was issued before the last :meth:`revoke_all`."""
        return record.seq <= self._revoked_through

    def revoke_all(self) -> None:
        """Revoke every token issued so far."""
        self._revoked_through = self._seq
        self.revocations += 1

    def __iter__(self) -> Iterator[TokenRecord]:
        """Every token issued, in issuing order."""
        return iter(self._tokens.values())
