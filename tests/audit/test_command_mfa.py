"""``synerise-async audit`` run by a User with MFA: the code from ``--mfa-code``,
``$SYNERISE_MFA_CODE``, ``$SYNERISE_TOTP_SECRET`` or a prompt, in that order, against the
fake Synerise; no code or secret ever shows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_command import assert_no_secret, report_keys, run_cli

from synerise_async import cli
from synerise_async.audit import _command
from synerise_async.auth import totp_code
from synerise_async.testing import FakeSynerise

VERIFY = "/uauth/auth/login/user/mfa/verification"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=33, workspaces=2, workflows_per_workspace=25) as server:
        yield server


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No terminal unless a test says so; the prompts asked are recorded."""
    asked: list[str] = []

    def refuse(prompt: str) -> str:
        asked.append(prompt)
        raise AssertionError(f"asked {prompt!r} without a terminal")

    monkeypatch.setattr(_command, "_stdin_is_terminal", lambda: False)
    monkeypatch.setattr(_command, "_ask_secret", refuse)
    return asked


def secrets_of(fake: FakeSynerise) -> set[str]:
    user = fake.mfa_user
    assert user.mfa_code is not None and user.totp_secret is not None
    now = fake.now()
    codes = {totp_code(user.totp_secret, now + lag) for lag in range(-120, 121, 30)}
    return {user.password, user.mfa_code, user.totp_secret, *codes}


def assert_audited_everything(fake: FakeSynerise, out_file: Path) -> None:
    keys = report_keys(out_file)
    expected = {(ws.id, w["diagramId"]) for ws in fake.workspaces for w in fake.workflows(ws.id)}
    assert set(keys) == expected
    assert set(keys.values()) == {1}


async def audit_as_mfa_user(fake: FakeSynerise, out_file: Path, *extra: str) -> int:
    return await run_cli(
        "audit",
        "--base-url",
        fake.url,
        "--username",
        fake.mfa_user.username,
        "--out",
        str(out_file),
        "--progress-interval",
        "0.05",
        *extra,
    )


@pytest.mark.parametrize("way", ["flag", "code variable", "totp secret", "prompt"])
async def test_a_user_with_mfa_audits_every_workflow(
    way: str,
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    prompts: list[str],
) -> None:
    user = fake.mfa_user
    assert user.mfa_code is not None and user.totp_secret is not None
    monkeypatch.setenv("SYNERISE_PASSWORD", user.password)
    extra: list[str] = []
    if way == "flag":
        extra = ["--mfa-code", user.mfa_code]
    elif way == "code variable":
        monkeypatch.setenv("SYNERISE_MFA_CODE", user.mfa_code)
    elif way == "totp secret":
        monkeypatch.setenv("SYNERISE_TOTP_SECRET", user.totp_secret.lower())
    else:
        monkeypatch.setattr(_command, "_stdin_is_terminal", lambda: True)
        code = user.mfa_code

        def answer(prompt: str) -> str:
            prompts.append(prompt)
            return code + "\n"

        monkeypatch.setattr(_command, "_ask_secret", answer)
    out_file = tmp_path / "r.jsonl"
    assert await audit_as_mfa_user(fake, out_file, *extra, "-vv") == cli.EXIT_OK
    assert_audited_everything(fake, out_file)
    assert fake.count(VERIFY) == 1
    assert prompts == (["Synerise MFA code: "] if way == "prompt" else [])
    out, err = capsys.readouterr()
    assert_no_secret(secrets_of(fake), out, err, caplog.text, out_file.read_text())
    assert "obtained token" in caplog.text  # the logs were on, and said nothing secret


async def test_the_totp_secret_gives_the_current_code_not_the_fixed_one(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prompts: list[str],
) -> None:
    user = fake.mfa_user
    assert user.totp_secret is not None
    monkeypatch.setenv("SYNERISE_PASSWORD", user.password)
    monkeypatch.setenv("SYNERISE_TOTP_SECRET", user.totp_secret)
    fake.shift_clock(-10 * 60)  # the fake's clock: a code by the local clock is refused
    code = await audit_as_mfa_user(fake, tmp_path / "r.jsonl", "--quiet")
    assert code == cli.EXIT_USAGE
    fake.shift_clock(10 * 60)
    assert await audit_as_mfa_user(fake, tmp_path / "r.jsonl", "--quiet") == cli.EXIT_OK


async def test_precedence_flag_then_code_variable_then_secret_then_prompt(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    prompts: list[str],
) -> None:
    user = fake.mfa_user
    assert user.mfa_code is not None and user.totp_secret is not None
    wrong = f"{(int(user.mfa_code) + 1) % 1_000_000:06d}"
    other_secret = "JBSWY3DPEHPK3PXP"  # valid base32, not this user's
    monkeypatch.setenv("SYNERISE_PASSWORD", user.password)
    monkeypatch.setattr(_command, "_stdin_is_terminal", lambda: True)  # the prompt is last
    out_file = tmp_path / "r.jsonl"
    cases = [
        # (flag, code variable, secret, exit code): the first one given is used.
        (user.mfa_code, wrong, "not base32 at all!", cli.EXIT_OK),
        (wrong, user.mfa_code, user.totp_secret, cli.EXIT_USAGE),
        (None, user.mfa_code, "not base32 at all!", cli.EXIT_OK),
        (None, wrong, user.totp_secret, cli.EXIT_USAGE),
        (None, None, user.totp_secret, cli.EXIT_OK),
        (None, None, other_secret, cli.EXIT_USAGE),
    ]
    for flag, variable, secret, expected in cases:
        monkeypatch.setenv("SYNERISE_MFA_CODE", variable or "")
        monkeypatch.setenv("SYNERISE_TOTP_SECRET", secret)
        extra = ["--mfa-code", flag] if flag else []
        code = await audit_as_mfa_user(fake, out_file, "--overwrite", "--quiet", *extra)
        assert code == expected, (flag, variable, secret)
    assert prompts == []  # never asked while any of the three was given
    err = capsys.readouterr().err
    assert_no_secret(secrets_of(fake) | {wrong, other_secret}, err)


async def test_a_bad_totp_secret_is_a_usage_error_that_does_not_show_it(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    prompts: list[str],
) -> None:
    monkeypatch.setenv("SYNERISE_PASSWORD", fake.mfa_user.password)
    monkeypatch.setenv("SYNERISE_TOTP_SECRET", "s3cr3t-not-base32")
    assert await audit_as_mfa_user(fake, tmp_path / "r.jsonl") == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "SYNERISE_TOTP_SECRET is not a base32 secret" in err
    assert "s3cr3t" not in err
    assert fake.requests == []  # refused before anything was sent


async def test_no_way_to_get_a_code_names_the_four(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    prompts: list[str],
) -> None:
    monkeypatch.setenv("SYNERISE_PASSWORD", fake.mfa_user.password)
    out_file = tmp_path / "r.jsonl"
    assert await audit_as_mfa_user(fake, out_file) == cli.EXIT_USAGE
    out, err = capsys.readouterr()
    message = err.strip().splitlines()[-1]
    for way in ("--mfa-code", "$SYNERISE_MFA_CODE", "$SYNERISE_TOTP_SECRET", "terminal"):
        assert way in message
    assert "pass mfa=" not in err  # the library's advice is not the command's
    assert err.count("this User has MFA") == 1  # said once
    assert fake.count(VERIFY) == 0
    assert not out_file.exists()
    assert_no_secret(secrets_of(fake), out, err)


async def test_a_user_without_mfa_ignores_the_mfa_settings(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prompts: list[str],
) -> None:
    monkeypatch.setenv("SYNERISE_PASSWORD", fake.user.password)
    monkeypatch.setenv("SYNERISE_MFA_CODE", "123456")
    out_file = tmp_path / "r.jsonl"
    code = await run_cli(
        "audit", "--base-url", fake.url, "--username", fake.user.username, "--out", str(out_file)
    )
    assert code == cli.EXIT_OK
    assert fake.count(VERIFY) == 0
    assert_audited_everything(fake, out_file)
