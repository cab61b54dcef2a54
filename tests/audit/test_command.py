"""The ``synerise-async audit`` command: in process against the fake Synerise, and as a
subprocess that is killed, interrupted and resumed."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from synerise_async import cli
from synerise_async.audit import ReportFormat, _command, read_report
from synerise_async.testing import FakeSynerise, WorkspaceSpec

ENV_NAMES = (
    "SYNERISE_API_KEY",
    "SYNERISE_BASIC_GUID",
    "SYNERISE_USERNAME",
    "SYNERISE_PASSWORD",
    "SYNERISE_BASE_URL",
    "SYNERISE_MFA_CODE",
    "SYNERISE_TOTP_SECRET",
)
#: Every JWT starts with the base64 of '{"'.
JWT_PREFIX = "eyJ"
#: The directory holding the package under test.
SOURCE_ROOT = Path(cli.__file__).resolve().parents[1]
STATS = "/automation-brain/diagrams/*"
LIST = "/automation-brain/v2/diagrams"
CURRENT_WORKSPACE = "/uauth/business-profile/current"
#: Seconds a subprocess of the command may run (it starts a Python) before it is killed.
PROCESS_DEADLINE = 30


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def demo_secrets(workflows: int) -> set[str]:
    """The credentials the demo's fake server seeds (the same seed gives the same ones)."""
    share, extra = divmod(workflows, _command.DEMO_WORKSPACES)
    specs = [WorkspaceSpec(workflows=share + (i < extra)) for i in range(_command.DEMO_WORKSPACES)]
    fake = FakeSynerise(seed=_command.DEMO_SEED, workspaces=specs)
    found = {u.password for u in fake.users}
    for ws in fake.workspaces:
        found |= {ws.api_key, ws.profile_api_key}
    return found


def assert_no_secret(secrets: set[str], *texts: str) -> None:
    for text in texts:
        assert JWT_PREFIX not in text
        for secret in secrets:
            assert secret not in text


def report_keys(path: Path) -> Counter[tuple[str, str]]:
    keys: Counter[tuple[str, str]] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        keys[(data["workspace"]["guid"], data["diagramId"])] += 1
    return keys


def demo(tmp_path: Path, *extra: str, workflows: int = 90) -> list[str]:
    return [
        "audit",
        "--demo",
        "--demo-workflows",
        str(workflows),
        "--demo-latency",
        "0",
        "--out",
        str(tmp_path / "report.jsonl"),
        *extra,
    ]


# --- the demo, in process ---------------------------------------------------------------------


def test_demo_writes_the_report_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert cli.main(demo(tmp_path, "--progress-interval", "0.05", "-vv")) == cli.EXIT_OK
    out, err = capsys.readouterr()
    path = tmp_path / "report.jsonl"
    keys = report_keys(path)
    assert len(keys) == 90
    assert set(keys.values()) == {1}
    assert len({ws for ws, _ in keys}) == 3
    assert "Workflows by status" in out
    assert "Findings by code" in out
    assert "last-run-failed" in out
    assert f"Report: {path.resolve()} (90 workflows, 90 new" in out
    assert "Demo: a fake Synerise API" in err
    assert "audit: 90/90 workflows (100%)" in err
    assert_no_secret(demo_secrets(90), out, err, caplog.text, path.read_text())


def test_demo_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.csv"
    args = demo(tmp_path, "--quiet", "--no-summary", "--demo-faults", "0")
    args[args.index("--out") + 1] = str(path)
    assert cli.main(args) == cli.EXIT_OK
    assert capsys.readouterr() == ("", "")  # --quiet --no-summary
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("workspace_guid,workspace_id,workspace_name,diagram_id,")
    assert len(lines) == 91
    assert len(read_report(path, ReportFormat.CSV).keys) == 90


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        (["--fail-on", "error"], cli.EXIT_FINDINGS),
        (["--fail-on", "warning"], cli.EXIT_FINDINGS),
        ([], cli.EXIT_OK),
        # No rule left that could find a warning or an error: only info findings.
        (
            [
                "--fail-on",
                "warning",
                "--no-last-run",
                "--min-started",
                "0",
                "--stale-draft-days",
                "100000",
                "--paused-days",
                "100000",
            ],
            cli.EXIT_OK,
        ),
        # ... which --fail-on info counts.
        (
            [
                "--fail-on",
                "info",
                "--no-last-run",
                "--min-started",
                "0",
                "--stale-draft-days",
                "100000",
                "--paused-days",
                "100000",
            ],
            cli.EXIT_FINDINGS,
        ),
    ],
)
def test_fail_on(tmp_path: Path, flags: list[str], code: int) -> None:
    assert cli.main(demo(tmp_path, "--quiet", *flags)) == code


def test_resume_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.jsonl"
    assert cli.main(demo(tmp_path, "--quiet")) == cli.EXIT_OK
    full = report_keys(path)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:30]) + lines[30][:25])  # a torn last line
    assert cli.main(demo(tmp_path, "--resume")) == cli.EXIT_OK
    out, err = capsys.readouterr()
    assert "dropped a partial last line (25 bytes)" in err
    assert "30 workflows already in" in err
    assert "(90 workflows, 60 new" in out  # the summary covers the whole report
    assert report_keys(path) == full


def test_resume_refuses_a_foreign_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "report.jsonl").write_text("hello\n")
    assert cli.main(demo(tmp_path, "--resume")) == cli.EXIT_USAGE
    assert "not an audit record" in capsys.readouterr().err
    assert (tmp_path / "report.jsonl").read_text() == "hello\n"


def test_an_existing_report_is_never_replaced_unasked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.jsonl"
    assert cli.main(demo(tmp_path, "--quiet")) == cli.EXIT_OK
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:30]))  # an interrupted run's report
    capsys.readouterr()
    assert cli.main(demo(tmp_path, "--quiet")) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "already holds a report" in err
    assert "--resume" in err
    assert "--overwrite" in err
    assert path.read_bytes() == b"".join(lines[:30])
    # Said so: a fresh report.
    assert cli.main(demo(tmp_path, "--quiet", "--overwrite")) == cli.EXIT_OK
    assert len(report_keys(path)) == 90
    assert len(path.read_bytes().splitlines()) == 90
    # Both at once make no sense.
    assert cli.main(demo(tmp_path, "--resume", "--overwrite")) == cli.EXIT_USAGE
    # An empty file holds no report.
    path.write_bytes(b"")
    assert cli.main(demo(tmp_path, "--quiet")) == cli.EXIT_OK


# --- real credentials against a fake server ---------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=21, workspaces=2, workflows_per_workspace=40) as server:
        yield server


async def run_cli(*args: str) -> int:
    # The fake serves on the test's loop; the command runs its own loop in a thread.
    return await asyncio.to_thread(cli.main, list(args))


async def test_workspace_key_from_the_environment_never_shows(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SYNERISE_API_KEY", fake.workspace.api_key)
    monkeypatch.setenv("SYNERISE_BASE_URL", fake.url)
    out_file = tmp_path / "r.jsonl"
    fake.faults.rate_limit(2, retry_after=0.01).error(503, count=2, retry_after=0.01)
    code = await run_cli("audit", "--out", str(out_file), "-vv", "--progress-interval", "0.05")
    assert code == cli.EXIT_OK
    out, err = capsys.readouterr()
    assert len(report_keys(out_file)) == 40
    assert fake.workspace.name in out
    assert "audit: 40/40 workflows (100%)" in err  # the progress lines were checked too
    secrets = {fake.workspace.api_key, *(u.password for u in fake.users)}
    assert_no_secret(secrets, out, err, caplog.text, out_file.read_text())
    assert "obtained token" in caplog.text  # the logs were on, and said nothing secret


async def test_user_flags_and_chosen_workspaces(
    fake: FakeSynerise, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "r.csv"
    user = fake.user
    second = fake.workspaces[1]
    code = await run_cli(
        "audit",
        "--base-url",
        fake.url,
        "--username",
        user.username,
        "--password",
        user.password,
        "--workspace",
        second.name,
        "--out",
        str(out_file),
        "--quiet",
    )
    assert code == cli.EXIT_OK
    contents = read_report(out_file, ReportFormat.CSV)
    assert {ws for ws, _ in contents.keys} == {second.id}
    assert len(contents.keys) == 40
    assert_no_secret({user.password}, *capsys.readouterr(), out_file.read_text())


async def test_a_user_audits_all_workspaces_by_default(
    fake: FakeSynerise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNERISE_USERNAME", fake.user.username)
    monkeypatch.setenv("SYNERISE_PASSWORD", fake.user.password)
    out_file = tmp_path / "r.jsonl"
    code = await run_cli("audit", "--base-url", fake.url, "--out", str(out_file), "--quiet")
    assert code == cli.EXIT_OK
    assert len({ws for ws, _ in report_keys(out_file)}) == 2


async def test_wrong_password_is_exit_2_and_not_shown(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "wrong-" + fake.user.password
    monkeypatch.setenv("SYNERISE_PASSWORD", wrong)
    out_file = tmp_path / "r.jsonl"
    out_file.write_text("an earlier report\n")
    code = await run_cli(
        "audit",
        "--base-url",
        fake.url,
        "--username",
        fake.user.username,
        "--out",
        str(out_file),
        "--overwrite",
    )
    assert code == cli.EXIT_USAGE
    out, err = capsys.readouterr()
    assert "authentication failed" in err
    assert_no_secret({wrong, fake.user.password}, out, err, caplog.text)
    assert out_file.read_text() == "an earlier report\n"  # left as it was


async def test_an_unknown_workspace_is_a_usage_error(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNERISE_USERNAME", fake.user.username)
    monkeypatch.setenv("SYNERISE_PASSWORD", fake.user.password)
    code = await run_cli(
        "audit", "--base-url", fake.url, "--workspace", "Nowhere", "--out", str(tmp_path / "r")
    )
    assert code == cli.EXIT_USAGE
    assert "Nowhere" in capsys.readouterr().err


async def test_fail_on_error_fails_when_no_workflow_could_be_inspected(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNERISE_API_KEY", fake.workspace.api_key)
    fake.faults.error(403, count=10_000, path=STATS)
    out_file = tmp_path / "r.jsonl"
    code = await run_cli(
        "audit", "--base-url", fake.url, "--out", str(out_file), "--fail-on", "error"
    )
    assert code == cli.EXIT_FINDINGS
    out = capsys.readouterr().out
    assert "Not inspected: 40 of 40 workflows" in out
    assert "fetch-failed" in out
    assert "permission_denied" in out
    records = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert len(records) == 40
    assert all(r["error"]["kind"] == "permission_denied" for r in records)
    assert all(r["findings"][0]["code"] == "fetch-failed" for r in records)


async def test_a_workspace_that_cannot_be_read_fails_the_start(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNERISE_API_KEY", fake.workspace.api_key)
    fake.faults.error(503, count=10_000, path=CURRENT_WORKSPACE, retry_after=0.01)
    out_file = tmp_path / "r.jsonl"
    code = await run_cli("audit", "--base-url", fake.url, "--out", str(out_file), "--quiet")
    assert code == cli.EXIT_INCOMPLETE
    err = capsys.readouterr().err
    assert "the audit stopped: HTTP 503" in err
    assert "/uauth/business-profile/current" in err
    assert "stopped before any record" in err  # the note says what the audit was doing
    assert err.count("HTTP 503") == 1  # printed once: not also as a log line
    assert not out_file.exists()  # no record under another key
    assert fake.count(LIST) == 0


async def test_resume_recognises_records_keyed_by_the_numeric_workspace_id(
    fake: FakeSynerise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNERISE_API_KEY", fake.workspace.api_key)
    out_file = tmp_path / "r.jsonl"
    args = ("audit", "--base-url", fake.url, "--out", str(out_file), "--quiet")
    assert await run_cli(*args) == cli.EXIT_OK
    # As a run that could not read the current Workspace wrote them: no UUID, the
    # numeric id from the listing.
    lines = []
    for line in out_file.read_text().splitlines()[:15]:
        record = json.loads(line)
        record["workspace"] = {"guid": None, "id": fake.workspace.numeric_id, "name": None}
        lines.append(json.dumps(record) + "\n")
    out_file.write_text("".join(lines))
    assert await run_cli(*args, "--resume") == cli.EXIT_OK
    diagrams = Counter(json.loads(line)["diagramId"] for line in out_file.read_text().splitlines())
    assert diagrams == Counter(w["diagramId"] for w in fake.workflows(fake.workspace.id))


async def test_a_listing_given_up_makes_the_run_incomplete(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNERISE_API_KEY", fake.workspace.api_key)
    fake.faults.error(503, count=10_000, path=LIST, retry_after=0.01)
    code = await run_cli("audit", "--base-url", fake.url, "--out", str(tmp_path / "r.jsonl"))
    assert code == cli.EXIT_INCOMPLETE
    out, err = capsys.readouterr()
    assert "Incomplete: the listing of" in out
    assert "the audit is incomplete; run again with --resume" in err


async def run_process(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the command in a subprocess while this loop serves the fake; kill it if it
    outlives :data:`PROCESS_DEADLINE` seconds."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "synerise_async",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(PROCESS_DEADLINE):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.communicate()
        raise AssertionError(f"still running after {PROCESS_DEADLINE} s") from None
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_fatal_error_once_listed_exits_2_promptly(tmp_path: Path) -> None:
    # Every statistics request answers 401 that a new token cannot fix, once the
    # listing (one page) is over: the command used to wait for ever on 3.11 and 3.12.
    async with FakeSynerise(seed=22, workspaces=1, workflows_per_workspace=5) as fake:
        fake.faults.error(401, count=10_000, path=STATS)
        env = subprocess_env(SYNERISE_API_KEY=fake.workspace.api_key)
        out_file = tmp_path / "r.jsonl"
        code, out, err = await run_process(
            "audit", "--base-url", fake.url, "--out", str(out_file), env=env
        )
    assert code == cli.EXIT_USAGE, err
    assert "authentication failed: HTTP 401" in err
    assert not out_file.exists()
    assert_no_secret({fake.workspace.api_key}, out, err)


# --- usage ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "no credentials"),
        (["--api-key", "k", "--username", "u"], {}, "not both"),
        (["--workspace", "x"], {"SYNERISE_API_KEY": "k"}, "need User credentials"),
        (["--all-workspaces", "--api-key", "k"], {}, "need User credentials"),
        (["--demo", "--api-key", "k"], {}, "drop --api-key"),
        (["--username", "u"], {}, "no password"),
        (["--password", "p"], {}, "needs a username"),
        (["--demo-workflows", "5", "--api-key", "k"], {}, "need --demo"),
        (["--api-key", "k", "--out", "/nonexistent-dir/r.jsonl"], {}, "no directory"),
    ],
)
def test_usage_errors(
    args: list[str],
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["audit", *args]) == cli.EXIT_USAGE
    assert message in capsys.readouterr().err


def test_flags_win_over_the_environment_for_the_kind_of_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SYNERISE_USERNAME", "someone")
    monkeypatch.setenv("SYNERISE_PASSWORD", "secret")
    args = _command.build_parser().parse_args(["audit", "--api-key", "key"])
    settings = _command.settings_from(args, os.environ)
    assert type(settings.auth).__name__ == "WorkspaceAuth"
    args = _command.build_parser().parse_args(["audit", "--api-key", "key", "--basic-guid", "g"])
    assert type(_command.settings_from(args, os.environ).auth).__name__ == "BasicAuth"
    args = _command.build_parser().parse_args(["audit", "--region", "geb"])
    settings = _command.settings_from(args, os.environ)
    assert settings.base_url == "https://api.geb.synerise.com"
    assert type(settings.auth).__name__ == "UserAuth"
    assert "secret" not in repr(settings)


def test_a_mistyped_flag_does_not_echo_its_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["audit", "--api-ky", "super-secret-key"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--api-ky" in err
    assert "super-secret-key" not in err


def test_help_and_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["audit", "--help"]) == cli.EXIT_OK
    assert "--fail-on" in capsys.readouterr().out
    assert cli.main([]) == cli.EXIT_USAGE


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "synerise_async", "audit", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "--all-workspaces" in result.stdout


def test_rich_progress_and_summary_render(tmp_path: Path) -> None:
    from rich.console import Console

    from synerise_async.audit import AuditProgress
    from synerise_async.audit._console import RichProgress, render_summary, snapshot

    buffer = io.StringIO()
    display = RichProgress(Console(file=buffer, force_terminal=True, width=140))
    progress = AuditProgress(workspaces_total=1, totals={"ws": 10}, audited=4)
    snap = snapshot(progress, None, started=0.0, now=2.0)
    display.show(snap)
    display.close(snap)
    assert "4/10" in buffer.getvalue()
    assert "ETA 3s" in buffer.getvalue()
    summary_out = io.StringIO()
    render_summary(
        read_report(tmp_path / "none.jsonl", ReportFormat.JSONL).summary,
        stream=summary_out,
        report="r.jsonl",
        new_records=0,
        elapsed=1.0,
        rich=True,
    )
    assert "Workflows by status" in summary_out.getvalue()
    assert "Report: r.jsonl (0 workflows, 0 new" in summary_out.getvalue()


# --- as a subprocess: killed, interrupted, resumed ----------------------------------------------


def command(out: Path, *extra: str, workflows: int = 300, latency: str = "0") -> list[str]:
    return [
        sys.executable,
        "-m",
        "synerise_async",
        "audit",
        "--demo",
        "--demo-workflows",
        str(workflows),
        "--demo-latency",
        latency,
        "--out",
        str(out),
        *extra,
    ]


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNERISE_")}
    # The package under test, wherever the tests run from (an editable install may
    # point at another checkout).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_ROOT), env.get("PYTHONPATH")]))
    return env | extra


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args,
        cwd=cwd,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lines(path: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        assert process.poll() is None, "the audit ended before it could be interrupted"
        time.sleep(0.02)  # polling another process: no clock of ours to inject
    raise AssertionError("the report did not grow")


def assert_whole_lines(path: Path) -> None:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    for line in data.splitlines():
        json.loads(line)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Counter[tuple[str, str]]:
    where = tmp_path_factory.mktemp("uninterrupted")
    result = subprocess.run(
        command(where / "full.jsonl", "--quiet"),
        cwd=where,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == cli.EXIT_OK, result.stderr
    keys = report_keys(where / "full.jsonl")
    assert len(keys) == 300
    return keys


@pytest.mark.slow
def test_killed_then_resumed_equals_uninterrupted(
    tmp_path: Path, uninterrupted: Counter[tuple[str, str]]
) -> None:
    out = tmp_path / "report.jsonl"
    process = start(command(out, "--concurrency", "2", latency="0.01"), tmp_path)
    try:
        wait_for_lines(out, 40, process)
        process.send_signal(signal.SIGKILL)
    finally:
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    written = report_keys(out)
    assert 40 <= len(written) < 300
    # A write torn by the kill, as a crash at the wrong moment could leave it.
    with out.open("ab") as handle:
        handle.write(b'{"workspace": {"guid": "torn')
    resumed = subprocess.run(
        command(out, "--resume"),
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert resumed.returncode == cli.EXIT_OK, resumed.stderr
    assert "dropped a partial last line" in resumed.stderr
    assert f"{len(written)} workflows already in" in resumed.stderr
    assert_whole_lines(out)
    assert report_keys(out) == uninterrupted  # each exactly once
    assert "(300 workflows" in resumed.stdout
    assert_no_secret(demo_secrets(300), resumed.stdout, resumed.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_exits_130_with_a_consistent_report(
    tmp_path: Path, uninterrupted: Counter[tuple[str, str]], signum: signal.Signals
) -> None:
    out = tmp_path / "report.jsonl"
    process = start(
        command(out, "--concurrency", "2", "--progress-interval", "0.1", latency="0.01"), tmp_path
    )
    try:
        wait_for_lines(out, 40, process)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == cli.EXIT_INTERRUPTED, stderr
    assert f"interrupted ({signum.name})" in stderr
    assert "--resume" in stderr
    assert "audit: " in stderr  # plain progress lines, stderr not being a terminal
    assert "Workflows by status" in stdout
    assert_whole_lines(out)
    written = report_keys(out)
    assert set(written.values()) == {1}
    assert set(written) < set(uninterrupted)
    assert_no_secret(demo_secrets(300), stdout, stderr)
    # And the interrupted report resumes to the full one.
    assert cli.main(command(out, "--resume", "--quiet")[3:]) == cli.EXIT_OK
    assert report_keys(out) == uninterrupted


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_rich_a_terminal_gets_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    from synerise_async.audit import AuditSummary
    from synerise_async.audit._console import PlainProgress, make_progress, render_summary

    for name in ("rich", "rich.console", "rich.progress", "rich.table"):
        monkeypatch.setitem(sys.modules, name, None)  # `import rich...` now fails
    terminal = FakeTerminal()
    assert isinstance(make_progress(terminal), PlainProgress)
    render_summary(AuditSummary(), stream=terminal, report="r", new_records=0, elapsed=0.0)
    assert "Workflows by status\n  status  workflows\n  (none)" in terminal.getvalue()


def test_importing_the_command_does_not_import_rich() -> None:
    code = "import sys, synerise_async.cli, synerise_async.audit; print('rich' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"
