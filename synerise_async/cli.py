"""The ``synerise-async`` command (also ``python -m synerise_async``).

::

    export SYNERISE_USERNAME=... SYNERISE_PASSWORD=...
    synerise-async audit --all-workspaces --out report.jsonl --fail-on error
    synerise-async audit --resume --out report.jsonl     # go on after an interruption
    synerise-async audit --overwrite --out report.jsonl  # start again from scratch
    synerise-async audit --demo                          # against an embedded fake API
    synerise-async audit --out - | jq .diagramId         # the report on stdout
    synerise-async audit --out report.jsonl --html report.html  # and an HTML report
    synerise-async report report.jsonl --html report.html       # one of a report file

Exit codes:

- 0: the audit finished;
- 1: it finished, and a finding is at or above ``--fail-on``;
- 2: a usage, credentials or report-file problem (a report already in ``--out`` is
  never replaced without ``--overwrite``, nor added to without ``--resume``);
- 3: it could not finish: a listing or the API kept failing (``--resume`` goes on);
- 130: interrupted by SIGINT or SIGTERM; the report holds whole records only, and
  ``--resume`` goes on where it stopped.

``--html FILE`` writes an HTML report (charts and findings, one self-contained file)
at the end, also of an interrupted run (of the records there are); the demo writes one
next to its report. ``synerise-async report REPORT --html FILE`` makes one of a report
file, finished, resumed or interrupted (exit code 0, or 2 for a report-file problem).

Credentials come from flags or the environment and are shown nowhere: not in the
report, the progress, the summary, logs or error messages. Prefer the environment to
flags, which other users of the machine can see in the process list.

A User with MFA gives the code, first found wins: ``--mfa-code``, ``$SYNERISE_MFA_CODE``,
``$SYNERISE_TOTP_SECRET`` (the authenticator's base32 secret, for unattended runs: a
fresh code is computed for every login), or a prompt (no echo) when stdin is a terminal.

Proxies: ``--proxy URL``, else ``$HTTPS_PROXY`` / ``$HTTP_PROXY`` (and ``$NO_PROXY``).

This module is the entry point only: the command lives in :mod:`synerise_async.audit`
(``_command``: flags, environment, credentials, exit codes; ``_run``: one run).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from ._exceptions import InvalidArgumentError
from .audit._command import (
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    build_parser,
    report_settings_from,
    settings_from,
)
from .audit._run import command_logging, run_audit, run_report

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "main",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (see the module docstring).

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` by default.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "report":
        try:
            return run_report(report_settings_from(args), stderr=sys.stderr)
        except UsageError as exc:
            sys.stderr.write(f"synerise-async report: {exc}\n")
            return EXIT_USAGE
    if args.command != "audit":
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        settings = settings_from(args, os.environ)
    except (UsageError, InvalidArgumentError) as exc:
        sys.stderr.write(f"synerise-async audit: {exc}\n")
        return EXIT_USAGE
    with command_logging(args.verbose):
        try:
            return asyncio.run(run_audit(settings, stdout=sys.stdout, stderr=sys.stderr))
        except KeyboardInterrupt:  # before the handlers were in place, or after
            sys.stderr.write("synerise-async audit: interrupted\n")
            return EXIT_INTERRUPTED
