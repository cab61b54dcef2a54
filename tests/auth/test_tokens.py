"""Reading token expiry: sources in order, skew guards, unreadable tokens."""

from __future__ import annotations

import base64

import jwt
import pytest

from synerise_async.auth import IssuedToken, read_claims, token_timing


def make_jwt(**claims: float) -> str:
    return jwt.encode(dict(claims), "k" * 32, algorithm="HS256")


_JWE_HEADER = base64.urlsafe_b64encode(b'{"alg":"RSA-OAEP-256","enc":"A256GCM"}').decode()
JWE = ".".join([_JWE_HEADER.rstrip("="), "abc", "def", "ghi", "jkl"])


def test_expiration_field_wins_over_jwt_exp() -> None:
    token = make_jwt(iat=1000, exp=5000)
    timing = token_timing(
        IssuedToken(value=token, expiration=1100, created_ms=1_000_000),
        sent_at=50.0,
        wall_now=1000,
        default_lifetime=600,
    )
    assert timing.source == "expiration"
    assert timing.lifetime == pytest.approx(100)
    assert timing.expires_at == pytest.approx(50 + 100 - 1)  # 1 s safety


def test_jwt_exp_minus_iat_is_counted_from_the_send_time() -> None:
    timing = token_timing(
        IssuedToken(value=make_jwt(iat=1000, exp=4600)),
        sent_at=10.0,
        wall_now=999_999,  # a wildly wrong local clock changes nothing
        default_lifetime=600,
    )
    assert timing.source == "exp"
    assert timing.lifetime == pytest.approx(3600)
    assert timing.expires_at == pytest.approx(10 + 3600 - 1)


@pytest.mark.parametrize("local_offset", [-3600.0, 0.0, 3600.0])
def test_local_clock_skew_never_extends_a_token(local_offset: float) -> None:
    server_now = 2_000_000.0
    timing = token_timing(
        IssuedToken(value=make_jwt(iat=server_now, exp=server_now + 60)),
        sent_at=0.0,
        wall_now=server_now + local_offset,
        default_lifetime=600,
    )
    assert timing.expires_at <= 60


def test_created_milliseconds_are_used_for_profile_tokens() -> None:
    timing = token_timing(
        IssuedToken(value="opaque", expiration=2000.5, created_ms=1_000_500),
        sent_at=0.0,
        wall_now=0.0,
        default_lifetime=600,
    )
    assert timing.lifetime == pytest.approx(1000)


def test_date_header_stands_in_for_a_missing_issue_time() -> None:
    timing = token_timing(
        IssuedToken(value=make_jwt(exp=10_000), server_date=9_000),
        sent_at=0.0,
        wall_now=50_000,  # local clock far ahead: would say "expired"
        default_lifetime=600,
    )
    assert timing.lifetime == pytest.approx(1000)


def test_only_exp_uses_the_local_clock_but_distrusts_an_expired_result() -> None:
    timing = token_timing(
        IssuedToken(value=make_jwt(exp=10_000)), sent_at=0, wall_now=9_900, default_lifetime=600
    )
    assert timing.lifetime == pytest.approx(100)
    timing = token_timing(
        IssuedToken(value=make_jwt(exp=10_000)), sent_at=0, wall_now=20_000, default_lifetime=600
    )
    assert (timing.source, timing.lifetime) == ("default", 600)


@pytest.mark.parametrize("value", [JWE, "opaque-token", "a.b.c", "", "x.y", "é.é.é"])
def test_unreadable_tokens_fall_back_to_the_default_lifetime(value: str) -> None:
    assert read_claims(value) is None
    timing = token_timing(IssuedToken(value=value), sent_at=5, wall_now=0, default_lifetime=600)
    assert (timing.source, timing.lifetime) == ("default", 600)
    assert timing.expires_at == pytest.approx(5 + 600 - 1)


def test_short_lifetimes_get_a_proportional_safety_margin() -> None:
    timing = token_timing(
        IssuedToken(value=make_jwt(iat=100, exp=101)), sent_at=0, wall_now=0, default_lifetime=600
    )
    assert timing.expires_at == pytest.approx(0.9)


def test_date_header_parsing() -> None:
    assert IssuedToken.parse_date_header("Wed, 21 Oct 2015 07:28:00 GMT") == 1445412480.0
    assert IssuedToken.parse_date_header("garbage") is None
    assert IssuedToken.parse_date_header(None) is None
