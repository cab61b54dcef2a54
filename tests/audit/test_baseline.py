"""Baselines: comparing findings by (Workspace, workflow, rule), refusing a baseline of
another report schema or scope, and ``--baseline`` gating on new findings only."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from _reports import write
from test_command import assert_no_secret, demo, demo_secrets

from synerise_async import cli
from synerise_async.audit import (
    REPORT_SCHEMA_VERSION,
    BaselineError,
    Finding,
    FindingKey,
    ReportError,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    compare,
    overview,
    read_baseline,
)
from synerise_async.models import Workflow
from synerise_async.testing import FakeSynerise, WorkspaceSpec


def rec(n: int, *codes: str, ws: str = "A") -> WorkflowAudit:
    return WorkflowAudit(
        workspace=WorkspaceRef(guid=f"guid-{ws}", name=f"Workspace {ws}"),
        workflow=Workflow(diagram_id=f"wf-{n}", name=f"Workflow {n}"),
        findings=tuple(Finding(code=c, severity=Severity.WARNING, message=c) for c in codes),
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_compare_by_workspace_workflow_and_rule(tmp_path: Path, suffix: str) -> None:
    baseline = read_baseline(
        write(tmp_path / f"b{suffix}", rec(1, "stale-draft", "no-tags"), rec(2, "no-tags"))
    )
    assert baseline.workspaces == {"guid-A"}
    # wf-1 lost stale-draft, wf-2 gained long-paused; the same code elsewhere is another key.
    current = [rec(1, "no-tags"), rec(2, "no-tags", "long-paused"), rec(1, "no-tags", ws="B")]
    result = compare(current, baseline)
    assert result.new == {
        FindingKey("guid-A", "wf-2", "long-paused"),
        FindingKey("guid-B", "wf-1", "no-tags"),
    }
    assert result.resolved == {FindingKey("guid-A", "wf-1", "stale-draft")}
    assert result.unchanged == {
        FindingKey("guid-A", "wf-1", "no-tags"),
        FindingKey("guid-A", "wf-2", "no-tags"),
    }
    assert result.is_new(current[1], current[1].findings[1])
    assert not result.is_new(current[1], current[1].findings[0])
    # Keys work as well as records.
    assert compare([FindingKey("guid-A", "wf-1", "no-tags")], baseline).unchanged == {
        FindingKey("guid-A", "wf-1", "no-tags")
    }


def test_a_skipped_rule_is_neither_resolved_nor_unchanged(tmp_path: Path) -> None:
    baseline = read_baseline(write(tmp_path / "b.jsonl", rec(1, "stale-draft", "no-tags")))
    result = compare([rec(1, "stale-draft")], baseline, rules={"stale-draft"})
    assert (result.new, result.resolved) == (frozenset(), frozenset())
    assert result.unchanged == {FindingKey("guid-A", "wf-1", "stale-draft")}


def test_a_baseline_of_another_scope_is_refused(tmp_path: Path) -> None:
    baseline = read_baseline(write(tmp_path / "b.jsonl", rec(1, "no-tags", ws="Other")))
    with pytest.raises(BaselineError, match=r"another scope.*guid-Other"):
        compare([rec(1, "no-tags")], baseline, workspaces={"guid-A"})
    with pytest.raises(BaselineError, match="another scope"):
        overview([rec(1, "no-tags")], baseline=baseline)
    # A Workspace the baseline did not hold is fine: its findings are new.
    both = compare(
        [rec(1, "no-tags"), rec(2, ws="Other")], baseline, workspaces={"guid-A", "guid-Other"}
    )
    assert both.new == {FindingKey("guid-A", "wf-1", "no-tags")}


def test_a_baseline_of_another_report_schema_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "old.jsonl", rec(1, "no-tags"))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["schemaVersion"] == REPORT_SCHEMA_VERSION
    del lines[0]["schemaVersion"]  # a report written before schema versions: version 1
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(BaselineError, match=r"older synerise-async \(report schema 1"):
        read_baseline(path)
    lines[0]["schemaVersion"] = REPORT_SCHEMA_VERSION + 1
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(BaselineError, match="newer synerise-async"):
        read_baseline(path)
    with pytest.raises(BaselineError, match="not a file"):
        read_baseline(tmp_path / "missing.jsonl")
    assert issubclass(BaselineError, ReportError)


# --- the command ----------------------------------------------------------------------


def findings_of(path: Path) -> list[tuple[dict[str, object], dict[str, object]]]:
    """Each (record, finding) pair of a JSON Lines report."""
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [(r, f) for r in records for f in r["findings"]]


def key_of(record: dict[str, object], code: object) -> dict[str, object]:
    workspace = record["workspace"]
    assert isinstance(workspace, dict)
    return {"workspace": workspace["guid"], "workflow": record["diagramId"], "rule": code}


def test_baseline_gates_exactly_on_the_new_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One finding new and one resolved: exit 1 only because of the new one; with a
    baseline that has it too, exit 0 although the old warnings remain."""
    first = tmp_path / "first.jsonl"
    args = demo(tmp_path, "--quiet", "--no-summary")
    args[args.index("--out") + 1] = str(first)
    assert cli.main(args) == cli.EXIT_OK
    pairs = findings_of(first)
    warnings = [(r, f) for r, f in pairs if f["severity"] == "warning"]
    assert len(warnings) > 5
    # The baseline lacks one warning (it is new now) and has one this run does not
    # (resolved now): a warning on a workflow that has no stale-draft finding.
    gone_record, gone = warnings[0]
    records = [json.loads(line) for line in first.read_text().splitlines()]
    extra = next(
        r
        for r in records
        if r["diagramId"] != gone_record["diagramId"]
        and not any(f["code"] == "stale-draft" for f in r["findings"])
    )
    for r in records:
        if r["diagramId"] == gone_record["diagramId"]:
            r["findings"] = [f for f in r["findings"] if f["code"] != gone["code"]]
        if r is extra:
            r["findings"].append({"code": "stale-draft", "severity": "warning", "message": "x"})
    baseline = tmp_path / "baseline.jsonl"
    baseline.write_text("".join(json.dumps(r) + "\n" for r in records))

    summary = tmp_path / "summary.json"
    args = demo(tmp_path, "--fail-on", "warning", "--summary-json", str(summary), "--overwrite")
    capsys.readouterr()
    assert cli.main([*args, "--baseline", str(baseline)]) == cli.EXIT_FINDINGS
    out, err = capsys.readouterr()
    data = json.loads(summary.read_text())
    new = key_of(gone_record, gone["code"]) | {"severity": "warning"}
    assert data["baseline"]["new"] == 1
    assert data["baseline"]["new_findings"] == [new]
    assert data["baseline"]["resolved_findings"] == [key_of(extra, "stale-draft")]
    assert data["baseline"]["unchanged"] == len(pairs) - 1
    assert data["gating"] == [new]
    assert data["exit_code"] == cli.EXIT_FINDINGS
    # The terminal summary says it too.
    assert "Since the baseline" in out
    rows = [line.split() for line in out.splitlines()]
    assert ["new", "1"] in rows and ["resolved", "1"] in rows
    assert_no_secret(demo_secrets(90), out, err, summary.read_text())

    # The new finding in the baseline as well: nothing new, exit 0, old warnings remain.
    assert cli.main([*args, "--baseline", str(first)]) == cli.EXIT_OK
    data = json.loads(summary.read_text())
    assert (data["baseline"]["new"], data["baseline"]["resolved"]) == (0, 0)
    assert data["findings"]["by_severity"]["warning"] == len(warnings)
    # Without the baseline, those old warnings fail the run.
    assert cli.main(args) == cli.EXIT_FINDINGS


def test_the_command_refuses_a_baseline_of_another_schema_or_scope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path / "old.jsonl", rec(1, "no-tags"))
    old.write_text(old.read_text().replace(f'"schemaVersion":{REPORT_SCHEMA_VERSION},', ""))
    assert cli.main([*demo(tmp_path), "--baseline", str(old)]) == cli.EXIT_USAGE
    assert "--baseline: the baseline" in capsys.readouterr().err
    assert not (tmp_path / "report.jsonl").exists()  # refused before auditing

    other = write(tmp_path / "other.jsonl", rec(1, "no-tags", ws="elsewhere"))
    assert cli.main([*demo(tmp_path, "--quiet"), "--baseline", str(other)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "is of another scope" in err and "guid-elsewhere" in err


async def test_a_workspace_emptied_since_the_baseline_is_in_scope(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Workspace whose workflows are all gone was audited all the same: the baseline's
    findings there are resolved, not refused as another scope."""
    specs = [WorkspaceSpec(workflows=5), WorkspaceSpec(workflows=0)]
    async with FakeSynerise(seed=3, workspaces=specs) as fake:
        monkeypatch.setenv("SYNERISE_USERNAME", fake.user.username)
        monkeypatch.setenv("SYNERISE_PASSWORD", fake.user.password)
        empty = fake.workspaces[1]
        gone = WorkflowAudit(
            workspace=WorkspaceRef(guid=empty.id, name=empty.name),
            workflow=Workflow(diagram_id="deleted"),
            findings=(Finding(code="no-tags", severity=Severity.INFO, message="x"),),
        )
        baseline = write(tmp_path / "baseline.jsonl", gone)
        summary = tmp_path / "s.json"
        args = ["audit", "--base-url", fake.url, "--out", str(tmp_path / "r.jsonl"), "--quiet"]
        code = await asyncio.to_thread(
            cli.main, [*args, "--baseline", str(baseline), "--summary-json", str(summary)]
        )
    assert code == cli.EXIT_OK
    data = json.loads(summary.read_text())
    assert {w["key"] for w in data["scope"]["workspaces"]} == {ws.id for ws in fake.workspaces}
    assert data["baseline"]["resolved_findings"] == [
        {"workspace": empty.id, "workflow": "deleted", "rule": "no-tags"}
    ]
