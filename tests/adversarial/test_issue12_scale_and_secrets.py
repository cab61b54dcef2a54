"""Issue 12 adversary: no credential or token in any output of the command (report, HTML,
JUnit on stdout, summary JSON and Markdown, step summary, terminal, ``-v`` logs), for a
User's login and for an API key; and the HTML report of 20,000 workflows stays
a file a browser opens (measured: about 1.6 MB and 0.4 s with the default 5,000 listed
findings, 7.5 MB listing all of about 27,000).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import pytest
from _adversarial import watchdog

from synerise_async import cli
from synerise_async.audit import (
    DEFAULT_HTML_ROWS,
    Finding,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    render_html,
)
from synerise_async.models import Workflow, WorkflowStatus
from synerise_async.testing import FakeSynerise, WorkspaceSpec

JWT_PREFIX = "eyJ"  # every token the fake (and Synerise) issues is a JWT


def files_in(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()]


@pytest.mark.parametrize("login", ["user", "api-key"])
async def test_no_secret_in_any_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    login: str,
) -> None:
    step = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    outputs = {
        "html": tmp_path / "r.html",
        "summary-json": tmp_path / "s.json",
        "summary-md": tmp_path / "s.md",
    }
    flags = [part for name, path in outputs.items() for part in (f"--{name}", str(path))]
    async with (
        watchdog(60, "the audit"),
        FakeSynerise(seed=12, workspaces=[WorkspaceSpec(workflows=40)] * 2) as fake,
    ):
        monkeypatch.setenv("SYNERISE_BASE_URL", fake.url)
        if login == "user":
            monkeypatch.setenv("SYNERISE_USERNAME", fake.user.username)
            monkeypatch.setenv("SYNERISE_PASSWORD", fake.user.password)
        else:
            monkeypatch.setenv("SYNERISE_API_KEY", fake.workspace.api_key)
        secrets = {u.password for u in fake.users}
        secrets |= {k for ws in fake.workspaces for k in (ws.api_key, ws.profile_api_key)}
        fake.faults.rate_limit(2, retry_after=0.01)
        runs = [
            ["--out", str(tmp_path / "r.jsonl"), *flags, "--fail-on", "info"],
            ["--out", str(tmp_path / "r.csv"), "--fail-on", "warning", "-v"],
            ["--out", "-", "--format", "junit", "--fail-on", "info", "--no-step-summary"],
        ]
        for args in runs:
            code = await asyncio.to_thread(cli.main, ["audit", *args])
            assert code == cli.EXIT_FINDINGS
    out, err = capsys.readouterr()
    assert "<testsuites" in out  # the JUnit of the last run
    texts = [out, err, *files_in(tmp_path)]
    assert len(texts) == 2 + 6  # r.jsonl, r.csv, r.html, s.json, s.md, step.md
    for text in texts:
        assert JWT_PREFIX not in text
        for secret in secrets:
            assert secret not in text


def test_the_html_report_of_20000_workflows() -> None:
    at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    statuses = list(WorkflowStatus)
    records = [
        WorkflowAudit(
            workspace=WorkspaceRef(guid=f"guid-{n % 7}", name=f"Workspace {n % 7}"),
            workflow=Workflow(
                diagram_id=f"{n:08x}-0000-4000-8000-000000000000",
                name=f"Workflow number {n} <of many>",
                status=statuses[n % len(statuses)],
                updated=at - dt.timedelta(days=n % 900),
            ),
            findings=tuple(
                Finding(code=code, severity=severity, message=f"{code} of workflow {n}")
                for code, severity in (
                    ("no-tags", Severity.INFO),
                    ("stale-draft", Severity.WARNING),
                    ("last-run-failed", Severity.ERROR),
                )[: n % 3]
            ),
            audited_at=at,
        )
        for n in range(20_000)
    ]
    started = time.monotonic()
    page = render_html(records, generated_at=at)
    elapsed = time.monotonic() - started
    size = len(page.encode("utf-8"))
    assert elapsed < 20, f"{elapsed:.1f} s"  # about 0.4 s here: generous for a busy CI
    assert size < 4_000_000, f"{size:,} bytes"
    assert page.count("<tr data-w=") == DEFAULT_HTML_ROWS
    assert "<li><b>20,000</b>Workflows audited</li>" in page
    assert f"the first {DEFAULT_HTML_ROWS:,} are listed here" in page
    assert page.count("<svg") == 4
