"""Session review: a second demo run against the first one's report gates on nothing.

The demo's data is seeded, so two runs find the same findings: with every output at once
(``--html``, ``--summary-json``, ``--summary-md``) and the first report as ``--baseline``,
the second run reports 0 new and 0 resolved everywhere and passes ``--fail-on info``.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from test_command import demo

from synerise_async import cli
from synerise_async.audit import summary_schema


@pytest.mark.parametrize("name", ["report.jsonl", "report.csv"])
def test_a_second_demo_run_against_the_first_reports_nothing_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    first = tmp_path / "first"
    second = tmp_path / "second"
    first.mkdir()
    second.mkdir()

    def outputs(where: Path) -> list[str]:
        args = demo(where, "--quiet", "--fail-on", "info")
        args[args.index("--out") + 1] = str(where / name)
        return [
            *args,
            "--html",
            str(where / "report.html"),
            "--summary-json",
            str(where / "summary.json"),
            "--summary-md",
            str(where / "summary.md"),
            "--no-step-summary",
        ]

    # Without a baseline the demo's info findings fail --fail-on info...
    assert cli.main(outputs(first)) == cli.EXIT_FINDINGS
    before = json.loads((first / "summary.json").read_text(encoding="utf-8"))
    total = sum(before["findings"]["by_severity"].values())
    assert total > 0
    capsys.readouterr()
    # ... and against the first run's report, nothing is new.
    assert cli.main([*outputs(second), "--baseline", str(first / name)]) == cli.EXIT_OK
    out, _ = capsys.readouterr()
    data = json.loads((second / "summary.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, summary_schema())
    assert data["exit_code"] == cli.EXIT_OK
    assert (data["baseline"]["new"], data["baseline"]["resolved"]) == (0, 0)
    assert data["baseline"]["unchanged"] == total
    assert data["gating"] == []
    page = (second / "report.html").read_text(encoding="utf-8")
    assert "<li><b>0</b>New since the baseline</li>" in page
    assert "<li><b>0</b>Resolved since the baseline</li>" in page
    assert '<span class="new">new</span>' not in page
    rows = [line.split() for line in out.splitlines()]
    assert ["new", "0"] in rows and ["resolved", "0"] in rows
    assert "new" in (second / "summary.md").read_text(encoding="utf-8").lower()
