"""``--rules``, ``--skip-rules``, ``--list-rules`` from the one rules table, ``--fail-on
info``, and the terminal: ``--quiet`` silences progress only, ``--no-summary`` the summary."""

from __future__ import annotations

import inspect
import json
from collections import Counter
from pathlib import Path

import pytest
from test_command import demo

from synerise_async import cli
from synerise_async.audit import DEFAULT_RULES, RULES, Severity, Thresholds, select_rules


def codes_in(path: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        found.update(f["code"] for f in json.loads(line)["findings"])
    return found


def test_the_table_is_the_rules_codes_severities_and_thresholds() -> None:
    assert tuple(info.rule for info in RULES) == DEFAULT_RULES
    thresholds = {a.name for a in Thresholds.__attrs_attrs__}
    for info in RULES:
        # The rule's docstring starts with its code and severity, as the table says.
        assert inspect.getdoc(info.rule).startswith(f"``{info.code}`` ({info.severity.value})")
        assert info.threshold is None or info.threshold in thresholds
    assert {info.threshold for info in RULES} - {None} == thresholds


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["audit", "--list-rules"]) == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines] == [
        [info.code, info.severity.value, info.flag or "-"] for info in RULES
    ]
    assert "stale-draft      warning  --stale-draft-days  a draft not updated" in "\n".join(lines)
    # Each threshold flag it names is a flag of the command.
    assert cli.main(["audit", "--help"]) == cli.EXIT_OK
    help_text = capsys.readouterr().out
    for info in RULES:
        assert info.flag is None or info.flag in help_text


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--rules", "stale-draft,no-tags"], {"stale-draft", "no-tags"}),
        (
            ["--skip-rules", "no-tags,no-description"],
            {i.code for i in RULES} - {"no-tags", "no-description"},
        ),
        (["--rules", "stale-draft,no-tags", "--skip-rules", "no-tags"], {"stale-draft"}),
    ],
)
def test_rules_and_skip_rules(
    tmp_path: Path, flags: list[str], expected: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "s.json"
    assert cli.main([*demo(tmp_path, "--quiet", "--summary-json", str(summary)), *flags]) == 0
    found = set(codes_in(tmp_path / "report.jsonl"))
    assert found <= expected and found  # the demo has findings of most rules
    assert json.loads(summary.read_text())["scope"]["rules"] == [
        i.code for i in RULES if i.code in expected
    ]


def test_an_unknown_rule_is_a_usage_error_that_lists_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for flag in ("--rules", "--skip-rules"):
        assert cli.main([*demo(tmp_path), flag, "stale-draft,no-such-rule"]) == cli.EXIT_USAGE
        err = capsys.readouterr().err
        assert "unknown rule no-such-rule" in err
        assert all(info.code in err for info in RULES)
    with pytest.raises(ValueError, match="unknown rule nope"):
        select_rules(["nope"])


def test_fail_on_info_counts_info_findings_only_rules(tmp_path: Path) -> None:
    # Only an info rule applied: --fail-on info fails, --fail-on warning does not.
    base = demo(tmp_path, "--quiet", "--no-summary", "--rules", "no-tags", "--overwrite")
    assert cli.main([*base, "--fail-on", "info"]) == cli.EXIT_FINDINGS
    assert cli.main([*base, "--fail-on", "warning"]) == cli.EXIT_OK
    assert {info.severity for info in RULES if info.code == "no-tags"} == {Severity.INFO}


def test_quiet_silences_progress_only_and_no_summary_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = demo(tmp_path, "--progress-interval", "0.01", "--overwrite")
    assert cli.main([*base, "--quiet"]) == cli.EXIT_OK
    out, err = capsys.readouterr()
    assert "Findings by code" in out and "Report:" in out
    assert "audit: " not in err and "Demo:" not in err
    assert cli.main([*base, "--no-summary"]) == cli.EXIT_OK
    out, err = capsys.readouterr()
    assert out == ""
    assert "audit: 90/90 workflows" in err
    assert cli.main([*base, "--quiet", "--no-summary"]) == cli.EXIT_OK
    assert capsys.readouterr() == ("", "")
