"""MFA for Users: RFC 6238 codes, and every form ``UserAuth(mfa=...)`` accepts, over HTTP
against the fake server."""

from __future__ import annotations

import base64
import logging

import pytest

from synerise_async import ClientConfig, InvalidArgumentError, SyneriseClient, TokenRefreshError
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.auth import UserAuth, totp, totp_code
from synerise_async.testing import FakeSynerise

#: RFC 6238 Appendix B: the seeds and the 8-digit codes at each time.
RFC_SEEDS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
RFC_VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("at", "sha1", "sha256", "sha512"), RFC_VECTORS)
def test_rfc_6238_test_vectors(at: int, sha1: str, sha256: str, sha512: str) -> None:
    for digest, expected in (("sha1", sha1), ("sha256", sha256), ("sha512", sha512)):
        secret = base64.b32encode(RFC_SEEDS[digest]).decode()
        assert totp_code(secret, at, digits=8, digest=digest) == expected
        # Six digits are the last six of the eight (the same truncation).
        assert totp_code(secret, at, digest=digest) == expected[-6:]


def test_totp_computes_a_fresh_code_at_each_call() -> None:
    secret = base64.b32encode(RFC_SEEDS["sha1"]).decode()
    now = [59.0]
    source = totp(secret.lower().rstrip("="), clock=lambda: now[0])  # as apps show it
    assert source() == "287082"
    now[0] = 1111111109.0
    assert source() == "081804"
    assert secret not in repr(source)
    assert "081804" not in repr(source)


@pytest.mark.parametrize("secret", ["", "not base32!", "   ", 12345])
def test_a_bad_secret_is_refused_without_showing_it(secret: object) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        totp(secret)  # type: ignore[arg-type]
    assert caught.value.argument == "totp_secret"
    if isinstance(secret, str) and secret.strip():
        assert secret not in str(caught.value)


async def logged_in(fake: FakeSynerise, auth: UserAuth, fast: ClientConfig) -> bool:
    async with SyneriseClient(auth, base_url=fake.url, config=fast) as client:
        await get_current_workspace.asyncio(client=client)
    return True


def mfa_verifications(fake: FakeSynerise) -> int:
    return sum(1 for r in fake.requests if r.path.endswith("/mfa/verification"))


async def test_mfa_takes_a_string_a_plain_callable_and_an_async_callable(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    user = fake.mfa_user
    assert user.mfa_code is not None

    async def async_code() -> str:
        return user.mfa_code or ""

    for mfa in (user.mfa_code, lambda: user.mfa_code, async_code):
        auth = UserAuth(user.username, user.password, mfa=mfa)  # type: ignore[arg-type]
        assert await logged_in(fake, auth, fast)
    assert mfa_verifications(fake) == 3


async def test_mfa_with_a_totp_secret_logs_in_again_with_a_fresh_code(
    fake: FakeSynerise, fast: ClientConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = fake.mfa_user
    assert user.totp_secret is not None
    codes: list[str] = []
    source = totp(user.totp_secret, clock=fake.now)

    def recording() -> str:
        codes.append(source())
        return codes[-1]

    auth = UserAuth(user.username, user.password, mfa=recording)
    async with SyneriseClient(auth, base_url=fake.url, config=fast) as client:
        await get_current_workspace.asyncio(client=client)
        fake.shift_clock(2 * 3600)  # the token expired, and many TOTP steps went by
        await get_current_workspace.asyncio(client=client)
    assert mfa_verifications(fake) == 2
    assert len(codes) == 2
    assert codes[0] != codes[1]
    assert codes[1] == totp_code(user.totp_secret, fake.now())
    for secret in (user.totp_secret, *codes):
        assert secret not in caplog.text
        assert all(secret not in str(r.body) for r in fake.requests)


async def test_the_fake_refuses_a_totp_code_of_another_time(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    user = fake.mfa_user
    assert user.totp_secret is not None
    stale = totp_code(user.totp_secret, fake.now() - 120)
    auth = UserAuth(user.username, user.password, mfa=lambda: stale)
    with pytest.raises(TokenRefreshError, match=r"401|verification|refused"):
        await logged_in(fake, auth, fast)


@pytest.mark.parametrize("mfa", [123456, b"123456", ["123456"]])
def test_anything_else_is_refused_naming_what_is_accepted(mfa: object) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        UserAuth("u@example.com", "pw", mfa=mfa)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "a code string" in message and "callable" in message and "async" in message
    assert "123456" not in message


async def test_a_callable_returning_no_string_is_a_typed_error(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    user = fake.mfa_user
    auth = UserAuth(user.username, user.password, mfa=lambda: 123456)  # type: ignore[arg-type, return-value]
    with pytest.raises(TokenRefreshError) as caught:
        await logged_in(fake, auth, fast)
    assert isinstance(caught.value.__cause__, InvalidArgumentError)
    assert "returned int" in str(caught.value)
    assert "123456" not in str(caught.value)
