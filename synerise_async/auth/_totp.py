"""Time-based one-time passwords (RFC 6238) for Users with an authenticator app's MFA.

``totp(secret)`` is what ``UserAuth(mfa=...)`` takes for unattended logins: a callable
that computes the code current at each call, so a login minutes later gets a fresh one.
It lives beside the credentials (not in the command line) because a library user
holding the secret wants the same thing. Standard library only: HMAC-SHA-1 over the
30-second step counter, dynamic truncation to 6 digits (RFC 4226 section 5.3).

The secret and the codes are never shown: not in a repr, not in an error message.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import struct
from collections.abc import Callable
from typing import Final

from .._clock import SYSTEM_CLOCK
from .._exceptions import InvalidArgumentError

__all__ = ["TOTP_DIGITS", "TOTP_STEP", "Totp", "totp", "totp_code"]

#: Seconds per code (RFC 6238's default, what authenticator apps use).
TOTP_STEP: Final = 30
#: Digits per code.
TOTP_DIGITS: Final = 6


def _decode_secret(secret: object) -> bytes:
    if not isinstance(secret, str | bytes):
        raise InvalidArgumentError(
            "totp_secret", f"must be a base32 string; got {type(secret).__name__}"
        )
    text = secret.decode("ascii", "replace") if isinstance(secret, bytes) else secret
    # Apps show the secret in groups ("JBSW Y3DP ..."), upper or lower case, unpadded.
    cleaned = "".join(text.split()).upper().rstrip("=")
    try:
        key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise InvalidArgumentError(
            "totp_secret", "must be a non-empty base32 string (the value is not shown)"
        )
    return key


#: Most digits a code can have: dynamic truncation yields a 31-bit value (10 digits).
_MAX_DIGITS: Final = 10


def _code(key: bytes, at: float, *, step: int, digits: int, digest: str) -> str:
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise InvalidArgumentError("step", f"must be a whole number of seconds >= 1; got {step!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= _MAX_DIGITS:
        raise InvalidArgumentError("digits", f"must be 1 to {_MAX_DIGITS}; got {digits!r}")
    # The time step counter is an unsigned 64-bit number (RFC 4226 section 5.1).
    if not (isinstance(at, int | float) and 0 <= at < step * 2**64):
        raise InvalidArgumentError(
            "at", f"must be seconds since the epoch, not before it; got {at!r}"
        )
    counter = int(at // step)
    try:
        mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    except ValueError:  # an unknown hash name
        raise InvalidArgumentError(
            "digest", f"is not a hash this Python has; got {digest!r}"
        ) from None
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def totp_code(
    secret: str | bytes,
    at: float,
    *,
    step: int = TOTP_STEP,
    digits: int = TOTP_DIGITS,
    digest: str = "sha1",
) -> str:
    """The RFC 6238 code of ``secret`` at the time ``at``.

    Args:
        secret: the base32 secret (spaces, lower case and missing padding are accepted).
        at: the time, in seconds since the epoch.
        step: seconds per code.
        digits: digits per code.
        digest: the HMAC hash (``"sha1"``, what authenticator apps use; ``"sha256"``,
            ``"sha512"``).

    Returns:
        The code, zero-padded to ``digits``.

    Raises:
        InvalidArgumentError: ``secret`` is not base32, or ``at``, ``step``, ``digits``
            or ``digest`` cannot make a code (the secret is not shown).
    """
    return _code(_decode_secret(secret), at, step=step, digits=digits, digest=digest)


class Totp:
    """A callable that returns the TOTP code current at each call (see :func:`totp`).

    Its repr shows neither the secret nor a code.
    """

    __slots__ = ("_clock", "_key")

    def __init__(
        self, secret: str | bytes, *, clock: Callable[[], float] = SYSTEM_CLOCK.wall
    ) -> None:
        self._key = _decode_secret(secret)
        self._clock = clock

    def __call__(self) -> str:
        """The code for the current time."""
        return _code(self._key, self._clock(), step=TOTP_STEP, digits=TOTP_DIGITS, digest="sha1")

    def __repr__(self) -> str:
        return "<Totp secret=<redacted>>"


def totp(secret: str | bytes, *, clock: Callable[[], float] = SYSTEM_CLOCK.wall) -> Totp:
    """A code source for ``UserAuth(mfa=...)`` from an authenticator app's secret.

    Each call computes the code current by ``clock`` (30-second steps, 6 digits,
    HMAC-SHA-1: what Synerise's authenticator-app MFA and the apps use), so every
    login, including one minutes later, gets a fresh code.

    Args:
        secret: the base32 secret shown when the authenticator was set up.
        clock: seconds since the epoch; the system's wall clock by default (a
            client's ``clock.wall`` keeps codes in step with a fake clock).

    Returns:
        A callable returning the current code.

    Raises:
        InvalidArgumentError: ``secret`` is not base32 (the value is not shown).
    """
    return Totp(secret, clock=clock)
