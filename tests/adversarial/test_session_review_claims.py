"""Session review: claims of the CHANGELOG and README that no test checked.

- a baseline does not record which rules made it: the findings of a rule it skipped and
  this run applies are new (the CHANGELOG says so). (That ``$GITHUB_STEP_SUMMARY`` gets
  the summary without ``--summary-md``, as the README says, is
  ``test_issue12_exit_codes.test_the_step_summary_is_appended_run_after_run``.)
"""

from __future__ import annotations

from pathlib import Path

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
