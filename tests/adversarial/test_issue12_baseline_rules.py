"""Issue 12 adversary: baselines and rule selection together. Only the rules a run
applied are compared, on both sides: a finding of another rule (in records an
application filtered itself, or resumed from a run with other rules) is neither new nor
resolved, so it cannot gate. A renamed workflow (same id) and a finding whose message
changed are unchanged; ``--rules`` given twice applies both lists.

Found failing on main: ``compare(..., rules=...)`` left only the baseline's side to
those rules, so the current findings of other rules were all "new" even when the
baseline held them, and ``--fail-on`` with ``--baseline`` failed on them (a run resumed
with ``--skip-rules no-tags`` failed on the no-tags findings of its first part); and a
second ``--rules`` silently replaced the first.
"""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest
from _adversarial import quiet_demo
from _reports import write

from synerise_async import cli
from synerise_async.audit import (
    Finding,
    FindingKey,
    ReportFormat,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    compare,
    overview,
    read_baseline,
    read_report,
)
from synerise_async.models import Workflow


def rec(n: int, *codes: str, name: str = "W") -> WorkflowAudit:
    return WorkflowAudit(
        workspace=WorkspaceRef(guid="guid-A", name="A"),
        workflow=Workflow(diagram_id=f"wf-{n}", name=f"{name} {n}"),
        findings=tuple(Finding(code=c, severity=Severity.WARNING, message=c) for c in codes),
    )


def test_findings_of_rules_not_applied_are_not_compared(tmp_path: Path) -> None:
    baseline = read_baseline(write(tmp_path / "b.jsonl", rec(1, "no-tags", "stale-draft")))
    current = [rec(1, "no-tags", "stale-draft"), rec(2, "no-tags")]
    comparison = compare(current, baseline, rules={"stale-draft"})
    assert comparison.new == frozenset()
    assert comparison.resolved == frozenset()
    assert comparison.unchanged == {FindingKey("guid-A", "wf-1", "stale-draft")}
    view = overview(current, baseline=baseline, fail_on="info", rules=["stale-draft"])
    assert view.gating == ()
    assert view.exit_code == cli.EXIT_OK


def test_a_renamed_workflow_and_a_reworded_finding_are_unchanged(tmp_path: Path) -> None:
    baseline = read_baseline(write(tmp_path / "b.jsonl", rec(1, "no-tags")))
    renamed = attrs.evolve(
        rec(1, name="Renamed"),
        findings=(Finding(code="no-tags", severity=Severity.WARNING, message="other words"),),
    )
    comparison = compare([renamed], baseline)
    assert comparison.unchanged == {FindingKey("guid-A", "wf-1", "no-tags")}
    assert not comparison.new and not comparison.resolved


def test_a_run_resumed_with_a_rule_skipped_does_not_fail_on_its_findings(
    tmp_path: Path,
) -> None:
    baseline = tmp_path / "base.jsonl"
    assert cli.main(quiet_demo(baseline, workflows=60)) == cli.EXIT_OK
    # The first part of a run, with every rule: the baseline's first 20 records.
    out = tmp_path / "r.jsonl"
    out.write_text("".join(baseline.read_text(encoding="utf-8").splitlines(True)[:20]))
    summary = tmp_path / "s.json"
    args = ["--resume", "--skip-rules", "no-tags", "--baseline", str(baseline)]
    args += ["--fail-on", "info", "--summary-json", str(summary)]
    assert read_report(out, ReportFormat.JSONL).summary.findings_by_code["no-tags"] > 0
    assert cli.main(quiet_demo(out, *args, workflows=60)) == cli.EXIT_OK
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["baseline"]["new"] == 0
    assert data["gating"] == []


def test_rules_given_twice_apply_both(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    args = ["--rules", "no-tags", "--rules", "stale-draft", "--summary-json", str(summary)]
    assert cli.main(quiet_demo(tmp_path / "r.jsonl", *args, workflows=60)) == cli.EXIT_OK
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["scope"]["rules"] == ["stale-draft", "no-tags"]


@pytest.mark.parametrize("flag", ["--rules", "--skip-rules"])
def test_a_rule_name_in_another_case_is_an_error_listing_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    assert (
        cli.main(quiet_demo(tmp_path / "r.jsonl", flag, "No-Tags", workflows=60)) == cli.EXIT_USAGE
    )
    err = capsys.readouterr().err
    assert "unknown rule No-Tags; the rules are last-run-failed" in err
