"""Reading a token's lifetime: pure functions, no I/O, no clock of their own.

Where the expiry comes from, in order:

1. the response's ``expiration`` (epoch seconds), when the operation returns one;
2. the JWT's ``exp``, read with PyJWT without checking the signature (the API checks it);
3. the configured default lifetime, for tokens that cannot be read (encrypted 5-part JWE
   tokens, opaque strings).

Clock skew: the lifetime is measured on the *server's* clock, as ``exp`` minus the
moment the server issued the token (the response's ``created`` in milliseconds, else the
JWT's ``iat``, else the response's ``Date`` header), and then counted on the local
monotonic clock from the moment the request was *sent*, which is before the server
issued it. A local clock that is behind or ahead therefore never makes a token look
valid past its real expiry. Only when the server gives no issue time at all is the local
wall clock used, and then a result that is already in the past falls back to the default
lifetime rather than trusting a clock that is evidently wrong.

An expiry at or before the issue time (a server clock gone wrong, an issue time sent in
milliseconds where seconds were expected) is not believed either: the default lifetime
applies and ``TokenTiming.implausible`` says why, so the session can warn once per token
instead of logging in for every request.
"""

from __future__ import annotations

import email.utils
from typing import Any

import attrs
import jwt

from .._config import DEFAULT_EXPIRY_SAFETY
from .._redaction import Redacted

__all__ = ["IssuedToken", "TokenTiming", "read_claims", "token_timing"]


@attrs.frozen(kw_only=True)
class IssuedToken:
    """What a login or refresh returned, before any clock is applied.

    Attributes:
        value: the token itself (never shown in a repr).
        expiration: the response's ``expiration`` in epoch seconds, when given.
        created_ms: the response's ``created`` in epoch milliseconds, when given.
        server_date: the response's ``Date`` header, in epoch seconds, when given.
    """

    value: str = attrs.field(repr=False, converter=Redacted)
    expiration: float | None = None
    created_ms: float | None = None
    server_date: float | None = None

    @staticmethod
    def parse_date_header(value: str | None) -> float | None:
        """Epoch seconds of an HTTP ``Date`` header, or None."""
        if not value:
            return None
        try:
            return email.utils.parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError):
            return None


@attrs.frozen(kw_only=True)
class TokenTiming:
    """When, on the local monotonic clock, a token stops being usable.

    Attributes:
        lifetime: seconds the token is valid for, as measured.
        expires_at: the monotonic time from which the token is treated as expired.
        source: where the expiry came from ("expiration", "exp" or "default").
        implausible: why the expiry that came was not believed (then the default
            lifetime applies), or None.
    """

    lifetime: float
    expires_at: float
    source: str
    implausible: str | None = None


def read_claims(token: str) -> dict[str, Any] | None:
    """The token's JWT claims without verifying its signature, or None if unreadable.

    Never raises: encrypted (JWE) and opaque tokens simply have no readable claims.
    """
    if token.count(".") != 2:
        return None
    try:
        claims = jwt.decode(
            token,
            options={"verify_signature": False, "verify_exp": False, "verify_aud": False},
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return float(value)
    return None


def token_timing(
    issued: IssuedToken,
    *,
    sent_at: float,
    wall_now: float,
    default_lifetime: float,
) -> TokenTiming:
    """Compute when ``issued`` expires on the monotonic clock.

    Args:
        issued: the token and what came with it.
        sent_at: monotonic time at which the request that returned it was sent.
        wall_now: local wall-clock time (epoch seconds) at about the same moment; used
            only when the server gave no issue time.
        default_lifetime: lifetime to assume when no expiry can be read.
    """
    claims = read_claims(issued.value)
    expiry = _number(issued.expiration)
    source = "expiration"
    if expiry is None and claims is not None:
        expiry = _number(claims.get("exp"))
        source = "exp"
    if expiry is None:
        return _timing(default_lifetime, sent_at, "default")

    issued_at: float | None = None
    if issued.created_ms is not None:
        issued_at = issued.created_ms / 1000.0
    elif claims is not None and (iat := _number(claims.get("iat"))) is not None:
        issued_at = iat
    elif issued.server_date is not None:
        issued_at = issued.server_date  # whole seconds; the safety margin covers the rest
    if issued_at is not None:
        lifetime = expiry - issued_at
        if lifetime > 0:
            return _timing(lifetime, sent_at, source)
        why = f"{source} {expiry:.0f} is not after the issue time {issued_at:.0f}"
        return _timing(default_lifetime, sent_at, "default", implausible=why)
    remaining = expiry - wall_now
    if remaining <= 0:
        why = f"{source} {expiry:.0f} has passed by the local clock"
        return _timing(default_lifetime, sent_at, "default", implausible=why)
    return _timing(remaining, sent_at, source)


def _timing(
    lifetime: float, sent_at: float, source: str, *, implausible: str | None = None
) -> TokenTiming:
    safety = min(DEFAULT_EXPIRY_SAFETY, lifetime / 10)
    return TokenTiming(
        lifetime=lifetime,
        expires_at=sent_at + lifetime - safety,
        source=source,
        implausible=implausible,
    )
