"""``audit --html`` and ``synerise-async report REPORT --html``: the HTML report of a
finished, incomplete, resumed or interrupted run, from the demo and from report files."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest
from test_command import (
    assert_no_secret,
    command,
    demo,
    demo_secrets,
    report_keys,
    run_cli,
    start,
    wait_for_lines,
)

from synerise_async import cli
from synerise_async.testing import HOSTILE_NAME, FakeSynerise

ESCAPED_HOSTILE = "&lt;script&gt;alert(1)&lt;/script&gt;"


def audited(page: str) -> int:
    """The "Workflows audited" figure at the top of a page."""
    found = re.search(r"<li><b>([\d,]+)</b>Workflows audited</li>", page)
    assert found, "no 'Workflows audited' figure"
    return int(found.group(1).replace(",", ""))


def finding_rows(page: str) -> int:
    return page.count("<tr data-w=")


def test_the_demo_writes_the_html_report_next_to_its_report_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(demo(tmp_path)) == cli.EXIT_OK
    out, _ = capsys.readouterr()
    html = tmp_path / "report.html"
    assert f"HTML report: {html.resolve()}" in out
    page = html.read_text(encoding="utf-8")
    assert audited(page) == 90
    assert ESCAPED_HOSTILE in page
    assert HOSTILE_NAME not in page
    assert page.count("<svg") == 4
    assert_no_secret(demo_secrets(90), page)
    assert not list(tmp_path.glob(".*.tmp"))  # written whole, through a temporary file


def test_quiet_writes_it_and_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "elsewhere.html"
    args = demo(tmp_path, "--quiet", "--no-summary", "--html", str(html))
    assert cli.main(args) == cli.EXIT_OK
    assert capsys.readouterr() == ("", "")
    assert audited(html.read_text(encoding="utf-8")) == 90
    assert not (tmp_path / "report.html").exists()  # --html wins over the demo's default


def test_the_demo_on_stdout_writes_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = demo(tmp_path, "--quiet", workflows=9)
    args[args.index("--out") + 1] = "-"
    assert cli.main(args) == cli.EXIT_OK
    assert list(tmp_path.iterdir()) == []


def test_with_a_baseline_new_findings_are_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "baseline.jsonl"
    assert cli.main(demo(tmp_path, "--quiet", "--out", str(baseline))) == cli.EXIT_OK
    lines = baseline.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = [json.loads(line) for line in lines[:5]]
    baseline.write_text("".join(lines[5:]), encoding="utf-8")  # their findings are new
    new = sum(len(record["findings"]) for record in dropped)
    assert new > 0
    html = tmp_path / "report.html"
    assert cli.main(demo(tmp_path, "--quiet", "--baseline", str(baseline))) == cli.EXIT_OK
    page = html.read_text(encoding="utf-8")
    assert page.count('<span class="new">new</span>') == new
    assert f"<li><b>{new}</b>New since the baseline</li>" in page
    assert "<li><b>0</b>Resolved since the baseline</li>" in page
    capsys.readouterr()


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("{tmp}", "is a directory"),
        ("{tmp}/missing/r.html", "no directory"),
        ("{tmp}/report.jsonl", "--html and --out name the same file"),
    ],
)
def test_bad_html_paths_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], html: str, message: str
) -> None:
    assert cli.main(demo(tmp_path, "--html", html.format(tmp=tmp_path))) == cli.EXIT_USAGE
    assert message in capsys.readouterr().err
    assert not (tmp_path / "report.jsonl").exists()


async def test_an_incomplete_run_still_writes_the_records_there_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "r.html"
    async with FakeSynerise(seed=5, workspaces=1, workflows_per_workspace=150) as fake:
        monkeypatch.setenv("SYNERISE_API_KEY", fake.workspace.api_key)
        # The second listing page keeps failing: the first page's records are all there are.
        fake.faults.error(
            503, count=10_000, path="/automation-brain/v2/diagrams", query={"page": "2"}
        )
        code = await run_cli(
            "audit", "--base-url", fake.url, "--out", str(tmp_path / "r.jsonl"), "--html", str(html)
        )
    assert code == cli.EXIT_INCOMPLETE
    written = (tmp_path / "r.jsonl").read_text().count("\n")
    assert written == 100  # one page
    assert audited(html.read_text(encoding="utf-8")) == written
    assert f"HTML report: {html.resolve()}" in capsys.readouterr().out


@pytest.mark.slow
def test_an_interrupted_run_writes_the_records_there_are(tmp_path: Path) -> None:
    out = tmp_path / "report.jsonl"
    process = start(command(out, "--concurrency", "2", latency="0.01"), tmp_path)
    try:
        wait_for_lines(out, 40, process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == cli.EXIT_INTERRUPTED, stderr
    html = tmp_path / "report.html"
    assert f"HTML report: {html.resolve()}" in stdout
    assert audited(html.read_text(encoding="utf-8")) == len(report_keys(out)) < 300


def test_report_of_a_resumed_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.jsonl"
    assert cli.main(demo(tmp_path, "--quiet")) == cli.EXIT_OK
    whole = (tmp_path / "report.html").read_text(encoding="utf-8")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:30]) + lines[30][:25])  # interrupted, a torn last line
    # The torn report: the whole lines are reported, the file is only read.
    torn = path.read_bytes()
    assert cli.main(["report", str(path), "--html", str(tmp_path / "torn.html")]) == cli.EXIT_OK
    assert path.read_bytes() == torn
    assert audited((tmp_path / "torn.html").read_text(encoding="utf-8")) == 30
    # Resumed to the end, its report is the same as the uninterrupted run's.
    assert cli.main(demo(tmp_path, "--quiet", "--resume")) == cli.EXIT_OK
    capsys.readouterr()
    out_html = tmp_path / "resumed.html"
    assert cli.main(["report", str(path), "--html", str(out_html)]) == cli.EXIT_OK
    assert f"HTML report of 90 workflows: {out_html.resolve()}" in capsys.readouterr().err
    page = out_html.read_text(encoding="utf-8")
    assert audited(page) == 90
    assert finding_rows(page) == finding_rows(whole) > 0
    # The resumed run's own HTML report covers the earlier records too.
    assert audited((tmp_path / "report.html").read_text(encoding="utf-8")) == 90
    assert ESCAPED_HOSTILE in page


def test_report_of_a_csv_report(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    assert cli.main(demo(tmp_path, "--quiet", "--out", str(path))) == cli.EXIT_OK
    html = tmp_path / "from-csv.html"
    assert cli.main(["report", str(path), "--html", str(html)]) == cli.EXIT_OK
    from_csv = html.read_text(encoding="utf-8")
    assert audited(from_csv) == 90
    assert finding_rows(from_csv) == finding_rows(
        (tmp_path / "report.html").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ["missing.jsonl", "--html", "r.html"], "no such report file"),
        ("not a record\n", ["r.jsonl", "--html", "r.html"], "not an audit record"),
        ("", ["r.jsonl", "--html", "r.jsonl"], "would replace the report"),
        ("", ["r.jsonl", "--html", "nowhere/r.html"], "no directory"),
    ],
)
def test_report_problems_are_usage_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    setup: str | None,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    if setup is not None:
        (tmp_path / "r.jsonl").write_text(setup)
    assert cli.main(["report", *args]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("synerise-async report: ")
    assert message in err
    assert not (tmp_path / "r.html").exists()


def test_report_needs_html(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["report", "r.jsonl"]) == cli.EXIT_USAGE
    assert "--html" in capsys.readouterr().err
