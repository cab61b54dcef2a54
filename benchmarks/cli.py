"""The command line: ``python -m benchmarks run [options]`` and ``python -m benchmarks list``."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

import orjson

from .clients import BASELINE, CLIENTS
from .report import render
from .runner import SuiteResult, run_suite
from .scenarios import SCENARIO_IDS, scenarios

__all__ = ["main"]


def _names(text: str, known: tuple[str, ...] | list[str], what: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})"
        )
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Ratio benchmarks of synerise-async."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the suite and print the report")
    run.add_argument("--out", type=Path, help="also write the Markdown report here")
    run.add_argument(
        "--smoke", action="store_true", help="tiny sizes, one run: checks that it all works"
    )
    run.add_argument(
        "--scenario",
        type=lambda text: _names(text, SCENARIO_IDS, "scenario"),
        default=list(SCENARIO_IDS),
        help=f"comma-separated ids (default: all of {','.join(SCENARIO_IDS)})",
    )
    run.add_argument(
        "--clients",
        type=lambda text: _names(text, list(CLIENTS), "client"),
        default=list(CLIENTS),
        help=f"comma-separated names (default: all; {BASELINE} is always added)",
    )
    run.add_argument("--runs", type=int, help="runs per cell (default 5; smoke 1)")
    run.add_argument(
        "--timeout", type=float, help="seconds one run may take (default 600; smoke 60)"
    )
    run.add_argument(
        "--jobs",
        type=int,
        help="client processes at once (default 1; smoke 2): above 1 timings are disturbed",
    )
    commands.add_parser("list", help="list scenarios and clients")
    return parser


def _write(result: SuiteResult, report: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report + "\n")
    raw = [
        {"scenario": cell.scenario.to_json(), "client": cell.client, "runs": cell.runs}
        for cell in result.cells
    ]
    out.with_suffix(".raw.json").write_bytes(orjson.dumps(raw, option=orjson.OPT_INDENT_2))


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # SystemExit unwinds through the runner, which stops the server and its harnesses.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run; exit status 1 if any run of an available client failed."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = _parser().parse_args(argv)
    if args.command == "list":
        for scenario in scenarios():
            print(f"{scenario.id:3} {scenario.title}")
        print("clients:", ", ".join(CLIENTS))
        return 0
    clients = [name for name in CLIENTS if name in args.clients or name == BASELINE]
    runs = args.runs or (1 if args.smoke else 5)
    selected = [s for s in scenarios(smoke=args.smoke) if s.id in args.scenario]
    result = run_suite(
        selected,
        clients,
        runs=runs,
        smoke=args.smoke,
        timeout=args.timeout or (60.0 if args.smoke else 600.0),
        jobs=args.jobs or (2 if args.smoke else 1),
    )
    report = render(result)
    print(report)
    if args.out is not None:
        _write(result, report, args.out)
    if result.failed:
        print("some runs failed; see the report", file=sys.stderr)
        return 1
    return 0
