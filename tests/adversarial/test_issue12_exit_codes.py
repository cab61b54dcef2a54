"""Issue 12 adversary: the exit code the summary JSON states is the process's, in every
case; summaries, the step summary and the HTML report that cannot be written are a clear
usage error (exit 2, naming the flag or variable), found before the audit runs where a
path can tell; and a rule selection that leaves no rule is refused.

Found failing on main: with ``$GITHUB_STEP_SUMMARY`` (or ``--summary-md``) naming a
directory or a file in a missing directory, or an HTML report that could not be written,
the audit ran to its end, wrote a summary JSON saying ``"exit_code": 0`` and exited 2
("Is a directory: /tmp/..." without saying which output); a summary JSON of an earlier
run stayed in place, claiming its exit code, after a run that ended otherwise; and
``--rules ""``, ``--rules ,`` or ``--rules X --skip-rules X`` audited with no rule at
all and passed every ``--fail-on``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from _adversarial import quiet_demo, watchdog

from synerise_async import cli
from synerise_async.audit import summary_schema
from synerise_async.testing import FakeSynerise

DEADLINE = 60


def demo(tmp: Path, *extra: str, workflows: int = 30) -> list[str]:
    """A quick demo run into ``tmp`` with its summary JSON beside the report."""
    return quiet_demo(
        tmp / "r.jsonl",
        "--overwrite",
        "--summary-json",
        str(tmp / "s.json"),
        *extra,
        workflows=workflows,
    )


def stated(tmp: Path) -> int | None:
    """The exit code the summary JSON states (checked against its schema), or None when
    there is none."""
    path = tmp / "s.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, summary_schema())
    code: int = data["exit_code"]
    return code


@pytest.fixture(autouse=True)
def no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ((), cli.EXIT_OK),
        (("--fail-on", "info"), cli.EXIT_FINDINGS),
        (("--fail-on", "error", "--skip-rules", "last-run-failed,records-failed"), cli.EXIT_OK),
        (("--format", "junit", "--out", "{tmp}/j.xml", "--fail-on", "info"), cli.EXIT_FINDINGS),
        (("--baseline", "{tmp}/base.jsonl", "--fail-on", "info"), cli.EXIT_OK),
    ],
)
def test_the_stated_exit_code_is_the_exit_code(
    tmp_path: Path, extra: tuple[str, ...], code: int
) -> None:
    assert cli.main(demo(tmp_path, "--out", str(tmp_path / "base.jsonl"))) == cli.EXIT_OK
    args = demo(tmp_path, *(e.format(tmp=tmp_path) for e in extra))
    assert cli.main(args) == code
    assert stated(tmp_path) == code


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"GITHUB_STEP_SUMMARY": "{tmp}"}, "$GITHUB_STEP_SUMMARY {tmp} is a directory"),
        ({"GITHUB_STEP_SUMMARY": "{tmp}/no/s.md"}, "$GITHUB_STEP_SUMMARY {tmp}/no/s.md: no dir"),
        (("--summary-md", "{tmp}"), "--summary-md {tmp} is a directory"),
        (("--summary-md", "{tmp}/no/s.md"), "--summary-md {tmp}/no/s.md: no directory"),
        (("--summary-json", "{tmp}/no/s.json"), "--summary-json {tmp}/no/s.json: no directory"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_the_audit(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: dict[str, str] | tuple[str, ...],
    message: str,
) -> None:
    extra: tuple[str, ...] = ()
    if isinstance(where, dict):
        for name, value in where.items():
            monkeypatch.setenv(name, value.format(tmp=tmp_path))
    else:
        extra = tuple(w.format(tmp=tmp_path) for w in where)
    assert cli.main(demo(tmp_path, *extra)) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert message.format(tmp=tmp_path) in err
    assert "Traceback" not in err
    assert not (tmp_path / "r.jsonl").exists(), "refused before the audit ran"
    assert stated(tmp_path) is None


def test_an_html_report_that_cannot_be_written_leaves_no_summary_json_saying_otherwise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s.json").write_text('{"exit_code": 0}', encoding="utf-8")  # an earlier run's
    html = tmp_path / "h.html"
    (tmp_path / ".h.html.tmp").mkdir()  # where it is written first: fails at the end
    assert cli.main(demo(tmp_path, "--html", str(html))) == cli.EXIT_USAGE
    assert "could not write the HTML report" in capsys.readouterr().err
    assert stated(tmp_path) is None


def test_the_step_summary_is_appended_run_after_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    step = tmp_path / "step.md"
    step.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    assert cli.main(demo(tmp_path)) == cli.EXIT_OK
    assert cli.main(demo(tmp_path, "--fail-on", "info")) == cli.EXIT_FINDINGS
    text = step.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")
    assert text.count("## Workflow audit") == 2
    assert text.index("done (exit 0") < text.index("**failed** (exit 1)")
    assert cli.main(demo(tmp_path, "--no-step-summary")) == cli.EXIT_OK
    assert step.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    "selection",
    [("--rules", ""), ("--rules", ","), ("--rules", "no-tags", "--skip-rules", "no-tags")],
)
def test_a_selection_that_leaves_no_rule_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], selection: tuple[str, ...]
) -> None:
    assert cli.main(demo(tmp_path, *selection, "--fail-on", "info")) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "no rule to apply" in err
    assert "the rules are last-run-failed" in err
    assert stated(tmp_path) is None


@pytest.mark.slow
def test_an_interrupted_run_leaves_no_summary_json_of_another_exit_code(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text('{"exit_code": 0}', encoding="utf-8")  # an earlier run's
    out = tmp_path / "r.jsonl"
    args = demo(tmp_path, "--concurrency", "2", "--demo-latency", "0.01", workflows=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNERISE_", "GITHUB_"))}
    env["PYTHONPATH"] = str(Path(cli.__file__).resolve().parents[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "synerise_async", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + DEADLINE
        while not (out.exists() and out.read_bytes().count(b"\n") >= 20):
            assert process.poll() is None, "the audit ended before it could be interrupted"
            assert time.monotonic() < deadline, "watchdog: the report did not grow"
            time.sleep(0.02)  # polling another process: no clock of ours to inject
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=DEADLINE)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == cli.EXIT_INTERRUPTED, stderr
    assert stated(tmp_path) in (None, cli.EXIT_INTERRUPTED)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--summary-json", "{tmp}/r.jsonl"), "--summary-json and --out name the same file"),
        (("--summary-md", "{tmp}/r.jsonl"), "--summary-md and --out name the same file"),
        (("--summary-md", "{tmp}/s.json"), "--summary-md and --summary-json name the same"),
        (("--html", "{tmp}/s.json"), "--summary-json and --html name the same file"),
        (("--baseline", "{tmp}/s.json"), "--baseline and --summary-json name the same file"),
        (("--summary-md", "{tmp}/step.md"), "$GITHUB_STEP_SUMMARY and --summary-md name the"),
    ],
)
def test_two_outputs_naming_one_file_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    message: str,
) -> None:
    """A mistyped flag must not replace the report (or the baseline) with a summary."""
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "step.md"))
    report = tmp_path / "r.jsonl"
    assert cli.main(demo(tmp_path)) == cli.EXIT_OK
    kept = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    args = demo(tmp_path, *(e.format(tmp=tmp_path) for e in extra))
    assert cli.main(args) == cli.EXIT_USAGE
    assert message in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == kept
    assert report.read_bytes() == kept["r.jsonl"]


def test_a_baseline_may_be_the_report_it_is_replaced_by(tmp_path: Path) -> None:
    """``--baseline r.jsonl --out r.jsonl --overwrite``: compare with the last run and
    replace it (the baseline is read before the report is opened)."""
    assert cli.main(demo(tmp_path)) == cli.EXIT_OK
    args = demo(tmp_path, "--baseline", str(tmp_path / "r.jsonl"), "--fail-on", "info")
    assert cli.main(args) == cli.EXIT_OK
    assert stated(tmp_path) == cli.EXIT_OK


async def test_an_incomplete_run_states_exit_code_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        watchdog(60, "the incomplete audit"),
        FakeSynerise(seed=5, workspaces=1, workflows_per_workspace=150) as fake,
    ):
        monkeypatch.setenv("SYNERISE_API_KEY", fake.workspace.api_key)
        # The second listing page keeps failing: the listing is given up.
        fake.faults.error(
            503, count=10_000, path="/automation-brain/v2/diagrams", query={"page": "2"}
        )
        args = ["audit", "--base-url", fake.url, "--quiet", "--fail-on", "info"]
        args += ["--out", str(tmp_path / "r.jsonl"), "--summary-json", str(tmp_path / "s.json")]
        code = await asyncio.to_thread(cli.main, args)
    assert code == cli.EXIT_INCOMPLETE
    assert stated(tmp_path) == cli.EXIT_INCOMPLETE
