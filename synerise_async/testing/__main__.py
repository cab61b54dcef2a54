"""Run the fake Synerise server standalone: ``python -m synerise_async.testing``.

It prints its URL and the seeded credentials (they are fake), then serves until
Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from ._server import FakeSynerise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m synerise_async.testing",
        description="Run a fake Synerise API server with seeded data.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks one (default 8080)")
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument("--workspaces", type=int, default=2, help="Workspaces (default 2)")
    parser.add_argument("--workflows", type=int, default=30, help="workflows per Workspace")
    parser.add_argument(
        "--token-lifetime", type=float, default=3600.0, help="token lifetime, seconds"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="added seconds per request")
    parser.add_argument(
        "--faults",
        type=float,
        default=0.0,
        help="share of requests failing transiently (429 or 503; default 0)",
    )
    parser.add_argument(
        "--retry-after",
        type=float,
        default=0.05,
        help="the Retry-After of those faults, seconds (default 0.05)",
    )
    parser.add_argument(
        "--encrypted-tokens", action="store_true", help="issue opaque JWE-shaped tokens"
    )
    return parser


def describe(fake: FakeSynerise) -> str:
    """The banner: URL first, then every seeded credential, each named by where it goes.

    Args:
        fake: A started server.

    Returns:
        Printable text.
    """
    lines = [f"Fake Synerise listening on {fake.url}", ""]
    for workspace in fake.workspaces:
        lines += [
            f"Workspace {workspace.name!r} ({workspace.workflow_count} workflows)",
            f"  UUID               {workspace.id}  (audit --workspace; UserAuth(workspace=))",
            f"  numeric id         {workspace.numeric_id}  (audit --workspace too)",
            f"  Workspace API key  {workspace.api_key}  (audit --api-key; WorkspaceAuth)",
            f"  Basic auth GUID    {workspace.guid}  (audit --basic-guid; BasicAuth(guid, key))",
            f"  Profile API key    {workspace.profile_api_key}",
        ]
        lines += [
            f"  Profile            {p.email} / {p.password}"
            for p in fake.profiles
            if p.workspace_id == workspace.id
        ]
        lines.append("")
    for user in fake.users:
        scope = "all Workspaces" if len(user.workspace_ids) == len(fake.workspaces) else "first"
        lines.append(f"User {user.username} / {user.password}  ({scope})")
        if user.mfa_type:
            lines.append(f"  MFA {user.mfa_type}: code {user.mfa_code} (audit --mfa-code)")
        if user.totp_secret:
            lines.append(f"  TOTP secret {user.totp_secret}  ($SYNERISE_TOTP_SECRET)")
    lines += [
        "",
        "Audit it as the first User (asks for the password above):",
        f"  synerise-async audit --base-url {fake.url} --username {fake.user.username}",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


async def _serve(args: argparse.Namespace) -> None:
    async with FakeSynerise(
        seed=args.seed,
        workspaces=args.workspaces,
        workflows_per_workspace=args.workflows,
        token_lifetime=args.token_lifetime,
        encrypted_tokens=args.encrypted_tokens,
        latency=args.latency,
        host=args.host,
        port=args.port,
    ) as fake:
        if args.faults:
            fake.faults.random(
                min(args.faults, 1.0),
                kinds=("rate_limit", "error"),
                seed=args.seed,
                retry_after=args.retry_after,
            )
        print(describe(fake), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until interrupted.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when ``None``).

    Returns:
        The exit status.
    """
    args = _parser().parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
