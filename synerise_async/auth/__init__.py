"""Credentials and the token session that keeps their token valid."""

from ._credentials import (
    BasicAuth,
    Credentials,
    MfaCode,
    ProfileAuth,
    TokenAuth,
    UserAuth,
    WorkspaceAuth,
)
from ._session import SessionToken, TokenSession
from ._tokens import IssuedToken, TokenTiming, read_claims, token_timing

__all__ = [
    "BasicAuth",
    "Credentials",
    "IssuedToken",
    "MfaCode",
    "ProfileAuth",
    "SessionToken",
    "TokenAuth",
    "TokenSession",
    "TokenTiming",
    "UserAuth",
    "WorkspaceAuth",
    "read_claims",
    "token_timing",
]
