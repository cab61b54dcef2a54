"""Credentials and the token session that keeps their token valid."""

from ._credentials import (
    BasicAuth,
    Credentials,
    MfaCode,
    ProfileAuth,
    Send,
    TokenAuth,
    TokenCredentials,
    UserAuth,
    WorkspaceAuth,
)
from ._session import SessionToken, TokenSession
from ._tokens import IssuedToken, TokenTiming, read_claims, token_timing
from ._totp import Totp, totp, totp_code

__all__ = [
    "BasicAuth",
    "Credentials",
    "IssuedToken",
    "MfaCode",
    "ProfileAuth",
    "Send",
    "SessionToken",
    "TokenAuth",
    "TokenCredentials",
    "TokenSession",
    "TokenTiming",
    "Totp",
    "UserAuth",
    "WorkspaceAuth",
    "read_claims",
    "token_timing",
    "totp",
    "totp_code",
]
