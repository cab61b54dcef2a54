"""``synerise-async`` output and exit: ``--out -``, ``--version``, help texts, a failure
printed once; and the standalone fake server's banner and ``--demo``'s reproduction,
whose values the command accepts."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import shlex
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_command import PROCESS_DEADLINE, demo, report_keys, run_cli, subprocess_env

from synerise_async import __version__, cli
from synerise_async.audit import _command
from synerise_async.testing import FakeSynerise
from synerise_async.testing.__main__ import describe


def stdout_demo(*extra: str, workflows: int = 60) -> list[str]:
    args = demo(Path("unused"), "--demo-faults", "0", *extra, workflows=workflows)
    args[args.index("--out") + 1] = "-"
    return args


def test_out_dash_writes_jsonl_to_stdout_and_the_summary_to_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(stdout_demo("--progress-interval", "0.05")) == cli.EXIT_OK
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]  # every line is a record
    assert len(records) == 60
    assert len({(r["workspace"]["guid"], r["diagramId"]) for r in records}) == 60
    assert "Workflows by status" in err
    assert "Report: <stdout> (60 workflows, 60 new" in err
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_out_dash_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(stdout_demo("--format", "csv")) == cli.EXIT_OK
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 60
    assert rows[0]["diagram_id"]
    assert "Findings by code" in err


def test_out_dash_cannot_resume(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(stdout_demo("--resume")) == cli.EXIT_USAGE
    assert "--resume needs a report file" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == cli.EXIT_OK
    assert capsys.readouterr().out.strip() == f"synerise-async {__version__}"


def test_help_texts(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["audit", "--help"]) == cli.EXIT_OK
    text = " ".join(capsys.readouterr().out.split())
    assert "flag active workflows that fewer Profiles than this started in the period" in text
    assert "{info,warning,error}" in text
    for flag in ("--mfa-code", "--proxy", "SYNERISE_TOTP_SECRET", "- for stdout"):
        assert flag in text


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=55, workspaces=3, workflows_per_workspace=12) as server:
        yield server


async def test_a_refused_login_is_printed_once(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNERISE_PASSWORD", "wrong")
    code = await run_cli(
        "audit", "--base-url", fake.url, "--username", fake.user.username, "--out", "-"
    )
    assert code == cli.EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    lines = [line for line in err.splitlines() if "refused" in line.lower()]
    assert len(lines) == 1, err  # not a log warning and the error again
    assert lines[0].startswith("synerise-async audit: authentication failed:")


async def test_with_v_the_library_log_lines_show_too(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNERISE_PASSWORD", "wrong")
    args = ("audit", "--base-url", fake.url, "--username", fake.user.username, "--out", "-")
    assert await run_cli(*args, "-v") == cli.EXIT_USAGE
    assert "INFO synerise_async.auth:" in capsys.readouterr().err


def banner_values(banner: str, label: str) -> list[str]:
    return re.findall(rf"^  {label}\s+(\S+)", banner, flags=re.MULTILINE)


@pytest.mark.parametrize("label", ["UUID", "numeric id"])
async def test_the_banner_s_workspace_ids_are_what_workspace_takes(
    label: str,
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    banner = describe(fake)
    chosen = banner_values(banner, label)[1]
    second = fake.workspaces[1]
    assert chosen == (second.id if label == "UUID" else str(second.numeric_id))
    monkeypatch.setenv("SYNERISE_PASSWORD", fake.user.password)
    out_file = tmp_path / "r.jsonl"
    code = await run_cli(
        "audit",
        "--base-url",
        fake.url,
        "--username",
        fake.user.username,
        "--workspace",
        chosen,
        "--out",
        str(out_file),
        "--quiet",
    )
    assert code == cli.EXIT_OK
    assert {ws for ws, _ in report_keys(out_file)} == {second.id}
    assert len(report_keys(out_file)) == len(fake.workflows(second.id))


async def test_the_banner_s_basic_guid_is_what_basic_auth_takes(
    fake: FakeSynerise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    banner = describe(fake)
    guid = banner_values(banner, "Basic auth GUID")[0]
    key = banner_values(banner, "Workspace API key")[0]
    assert (guid, key) == (fake.workspace.guid, fake.workspace.api_key)
    monkeypatch.setenv("SYNERISE_API_KEY", key)
    monkeypatch.setenv("SYNERISE_BASIC_GUID", guid)
    out_file = tmp_path / "r.jsonl"
    code = await run_cli("audit", "--base-url", fake.url, "--out", str(out_file), "--quiet")
    assert code == cli.EXIT_OK
    assert len(report_keys(out_file)) == len(fake.workflows(fake.workspace.id))
    assert {r.auth for r in fake.requests} == {"basic"}


async def test_demo_prints_two_commands_that_reproduce_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await run_cli(*demo(tmp_path, "--demo-faults", "0", workflows=90)) == cli.EXIT_OK
    err = capsys.readouterr().err
    demo_keys = report_keys(tmp_path / "report.jsonl")
    commands = [line.strip() for line in err.splitlines() if line.startswith("  ")][:2]
    server, audit = (shlex.split(c) for c in commands)
    assert server[:3] == ["python", "-m", "synerise_async.testing"]
    assert audit[:2] == ["synerise-async", "audit"]
    # Run the first on a free port, then the second against it, answering the prompt
    # with the password the first one printed.
    server[server.index("--port") + 1] = "0"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *server[1:],
        stdout=subprocess.PIPE,
        env=subprocess_env(),
    )
    try:
        async with asyncio.timeout(PROCESS_DEADLINE):
            assert process.stdout is not None
            banner = ""
            while "Press Ctrl-C" not in banner:
                banner += (await process.stdout.readline()).decode()
        url = re.search(r"listening on (\S+)", banner)
        user = audit[audit.index("--username") + 1]
        password = re.search(rf"^User {re.escape(user)} / (\S+)", banner, flags=re.MULTILINE)
        assert url is not None and password is not None
        audit[audit.index("--base-url") + 1] = url.group(1)
        monkeypatch.setattr(_command, "_stdin_is_terminal", lambda: True)
        monkeypatch.setattr(_command, "_ask_secret", lambda prompt: password.group(1))
        out_file = tmp_path / "again.jsonl"
        async with asyncio.timeout(PROCESS_DEADLINE):
            code = await run_cli(*audit[1:], "--out", str(out_file), "--quiet")
        assert code == cli.EXIT_OK
        assert report_keys(out_file) == demo_keys  # the same Workspaces and workflows
    finally:
        process.terminate()
        await process.wait()
