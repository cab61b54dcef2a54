"""The benchmark suite's smoke mode runs end to end: every scenario, every client.

Skipped when the bench extras (``pip install -e '.[bench]'``) are not installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("httpx")
pytest.importorskip("pydantic")
pytest.importorskip("orjson")

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("a", "b", "c1", "c2", "d1", "d2", "e", "f", "g")
CLIENTS = (
    "raw_aiohttp",
    "raw_aiohttp_attrs",
    "httpx_pydantic",
    "synerise_async",
    "synerise_async_hook",
)


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_smoke_run_reports_every_scenario_and_client(tmp_path: Path) -> None:
    out = tmp_path / "smoke.md"
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=140,  # six clients, on a shared machine
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    report = out.read_text()
    missing = [
        f"{scenario}/{client}"
        for scenario in SCENARIOS
        for client in CLIENTS
        if f"| {scenario} | {client} |" not in report
    ]
    assert not missing, f"rows missing from the report: {missing}"
    assert "## Targets" in report
    assert out.with_suffix(".raw.json").exists()
