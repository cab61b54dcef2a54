"""Session review: claims of the CHANGELOG and README that no test checked.

- a baseline does not record which rules made it: the findings of a rule it skipped and
  this run applies are new (the CHANGELOG says so);
- ``$GITHUB_STEP_SUMMARY`` gets the Markdown summary with or without ``--summary-md``
  (the README says so), and nothing with ``--no-step-summary``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_issue12_baseline_rules import rec, write

from synerise_async import cli
from synerise_async.audit import FindingKey, compare, overview, read_baseline


def test_findings_of_a_rule_the_baseline_skipped_are_new(tmp_path: Path) -> None:
    # The baseline was made with --skip-rules no-tags: its records hold no no-tags finding.
    baseline = read_baseline(write(tmp_path / "b.jsonl", rec(1, "stale-draft")))
    current = [rec(1, "stale-draft", "no-tags")]
    comparison = compare(current, baseline, rules={"stale-draft", "no-tags"})
    assert comparison.new == {FindingKey("guid-A", "wf-1", "no-tags")}
    assert comparison.unchanged == {FindingKey("guid-A", "wf-1", "stale-draft")}
    view = overview(current, baseline=baseline, fail_on="warning", rules=["stale-draft", "no-tags"])
    assert view.exit_code == cli.EXIT_FINDINGS


def _demo(tmp_path: Path, *extra: str) -> list[str]:
    return [
        "audit",
        "--demo",
        "--demo-workflows",
        "12",
        "--demo-latency",
        "0",
        "--quiet",
        "--no-summary",
        "--overwrite",
        "--out",
        str(tmp_path / "report.jsonl"),
        *extra,
    ]


def test_the_step_summary_is_written_without_summary_md(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    step = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    assert cli.main(_demo(tmp_path)) == cli.EXIT_OK
    first = step.read_text(encoding="utf-8")
    assert first.startswith("## Workflow audit")
    assert cli.main(_demo(tmp_path)) == cli.EXIT_OK
    before = step.read_text(encoding="utf-8")
    assert before.startswith(first) and before.count("## Workflow audit") == 2  # appended
    assert cli.main(_demo(tmp_path, "--no-step-summary")) == cli.EXIT_OK
    assert step.read_text(encoding="utf-8") == before
    capsys.readouterr()
