"""``--format junit``: each workflow a test case, the findings that fail the run as
failures, names escaped (control characters too); parsed with xml.etree and counted."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_command import assert_no_secret, demo, demo_secrets

from synerise_async import cli
from synerise_async.audit import (
    Finding,
    ReportFormat,
    ReportWriter,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    junit_xml,
    overview,
    read_baseline,
)
from synerise_async.models import Workflow

HOSTILE = '<script>alert(1)</script> & "q" \x01\x1b\n\ufffe ]]>'


def rec(n: int, *findings: tuple[str, Severity], name: str | None = None) -> WorkflowAudit:
    return WorkflowAudit(
        workspace=WorkspaceRef(guid="guid-A", name=name or "Workspace A"),
        workflow=Workflow(diagram_id=f"wf-{n}", name=name or f"Workflow {n}"),
        findings=tuple(Finding(code=c, severity=s, message=f"{c} {name}") for c, s in findings),
    )


def cases(data: bytes) -> list[ET.Element]:
    return list(ET.fromstring(data).iter("testcase"))


def test_failures_are_the_findings_at_or_above_fail_on() -> None:
    records = [
        rec(1, ("last-run-failed", Severity.ERROR), ("no-tags", Severity.INFO)),
        rec(2, ("stale-draft", Severity.WARNING)),
        rec(3),
    ]
    data = junit_xml(records, overview(records, fail_on="warning"))
    root = ET.fromstring(data)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "2", "0")
    one, two, three = cases(data)
    assert (one.get("classname"), one.get("name")) == ("Workspace A", "Workflow 1 (wf-1)")
    failure = one.find("failure")
    assert failure is not None and failure.get("type") == "last-run-failed"
    assert "no-tags" in (one.findtext("system-out") or "")  # below --fail-on: not a failure
    assert two.find("failure") is not None and three.find("failure") is None
    # Without --fail-on nothing fails the run, so no case fails.
    assert ET.fromstring(junit_xml(records, overview(records))).get("failures") == "0"


def test_with_a_baseline_only_new_findings_fail(tmp_path: Path) -> None:
    old = [rec(1, ("last-run-failed", Severity.ERROR)), rec(2)]
    path = tmp_path / "b.jsonl"
    with ReportWriter(path, ReportFormat.JSONL) as writer:
        for record in old:
            writer.write(record)
    now = [rec(1, ("last-run-failed", Severity.ERROR)), rec(2, ("last-run-failed", Severity.ERROR))]
    data = junit_xml(now, overview(now, fail_on="error", baseline=read_baseline(path)))
    one, two = cases(data)
    assert one.find("failure") is None and "last-run-failed" in (one.findtext("system-out") or "")
    assert two.find("failure") is not None


def test_names_and_messages_are_escaped_and_stay_xml() -> None:
    records = [rec(1, ("no-tags", Severity.INFO), name=HOSTILE)]
    data = junit_xml(records, overview(records, fail_on="info"))
    assert b"<script>" not in data and b"\x01" not in data
    (case,) = cases(data)  # it parses: no control character made it in raw
    assert case.get("classname") == '<script>alert(1)</script> & "q" \ufffd\ufffd\n\ufffd ]]>'
    failure = case.find("failure")
    assert failure is not None and "<script>" in (failure.text or "")


def test_the_command_writes_junit_that_counts_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, summary = tmp_path / "audit.xml", tmp_path / "summary.json"
    args = demo(tmp_path, "--fail-on", "error", "--summary-json", str(summary), "--quiet")
    args[args.index("--out") + 1] = str(out)
    assert cli.main(args) == cli.EXIT_FINDINGS  # junit from the .xml suffix
    stdout, stderr = capsys.readouterr()
    root = ET.parse(out).getroot()
    data = json.loads(summary.read_text())
    assert int(root.get("tests") or 0) == data["workflows"] == 90
    assert len(list(root.iter("testcase"))) == 90
    assert len(list(root.iter("testsuite"))) == 3
    failing = {
        case.get("name") for case in root.iter("testcase") if case.find("failure") is not None
    }
    assert (
        int(root.get("failures") or 0)
        == len(failing)
        == len({g["workflow"] for g in data["gating"]})
    )
    assert all(any(g["workflow"] in name for g in data["gating"]) for name in failing if name)
    assert_no_secret(demo_secrets(90), stdout, stderr, out.read_text())
    assert not (tmp_path / "report.jsonl").exists()


def test_junit_cannot_be_resumed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*demo(tmp_path), "--format", "junit", "--resume"]) == cli.EXIT_USAGE
    assert "JUnit is written at the end of a run" in capsys.readouterr().err
