"""Every User with MFA can run the audit from the command line, whichever second factor
the account has (the fake seeds one with EMAIL MFA): the method the login offers is
verified unless --mfa-type or $SYNERISE_MFA_TYPE says another."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_command import assert_no_secret, run_cli

from synerise_async import cli
from synerise_async.audit import _command
from synerise_async.testing import FakeSynerise, SeededUser

DEADLINE = 60


@pytest.fixture
def email_user(fake: FakeSynerise, monkeypatch: pytest.MonkeyPatch) -> SeededUser:
    """The fake's User with EMAIL MFA, given to the command through its environment."""
    user = next(u for u in fake.users if u.mfa_type == "EMAIL")
    assert user.mfa_code is not None
    monkeypatch.setattr(_command, "_stdin_is_terminal", lambda: False)
    monkeypatch.setenv("SYNERISE_USERNAME", user.username)
    monkeypatch.setenv("SYNERISE_PASSWORD", user.password)
    monkeypatch.setenv("SYNERISE_MFA_CODE", user.mfa_code)
    return user


async def test_a_user_with_email_mfa_runs_the_audit(
    fake: FakeSynerise,
    email_user: SeededUser,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = email_user
    out_file = tmp_path / "r.jsonl"
    async with asyncio.timeout(DEADLINE):
        code = await run_cli("audit", "--base-url", fake.url, "--out", str(out_file), "--quiet")
    out, err = capsys.readouterr()
    assert_no_secret({user.password, user.mfa_code}, out, err)
    assert code == cli.EXIT_OK, err
    assert out_file.read_text(encoding="utf-8").count("\n") > 0


async def test_mfa_type_chooses_the_method_and_a_bad_one_is_a_usage_error(
    fake: FakeSynerise,
    email_user: SeededUser,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = email_user
    args = ("audit", "--base-url", fake.url, "--out", str(tmp_path / "r.jsonl"), "--quiet")
    async with asyncio.timeout(DEADLINE):
        # Said explicitly, in any casing: the same method is verified.
        assert await run_cli(*args, "--mfa-type", "email") == cli.EXIT_OK
        # Another method than the account has: the API refuses it, the run does not start.
        monkeypatch.setenv("SYNERISE_MFA_TYPE", "totp_authenticator")
        assert await run_cli(*args, "--overwrite") == cli.EXIT_USAGE
        refused = capsys.readouterr()
        assert "method" in refused.err
        monkeypatch.setenv("SYNERISE_MFA_TYPE", "SMS")
        assert await run_cli(*args, "--overwrite") == cli.EXIT_USAGE
    out, err = capsys.readouterr()
    assert "$SYNERISE_MFA_TYPE: must be one of 'TOTP_AUTHENTICATOR', 'EMAIL'; got 'SMS'" in err
    assert_no_secret({user.password, user.mfa_code}, out, err, refused.out, refused.err)
