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
        "--encrypted-tokens", action="store_true", help="issue opaque JWE-shaped tokens"
    )
    return parser


def describe(fake: FakeSynerise) -> str:
    """The banner: URL first, then every seeded credential.

    Args:
        fake: A started server.

    Returns:
        Printable text.
    """
    lines = [f"Fake Synerise listening on {fake.url}", ""]
    for workspace in fake.workspaces:
        lines += [
            f"Workspace {workspace.name!r} ({workspace.workflow_count} workflows)",
            f"  id (UUID)          {workspace.id}",
            f"  businessProfileId  {workspace.numeric_id}",
            f"  Workspace API key  {workspace.api_key}",
            f"  Basic auth GUID    {workspace.guid}",
            f"  Profile API key    {workspace.profile_api_key}",
        ]
        lines += [
            f"  Profile            {p.email} / {p.password}"
            for p in fake.profiles
            if p.workspace_id == workspace.id
        ]
        lines.append("")
    for user in fake.users:
        mfa = f"  MFA {user.mfa_type} code {user.mfa_code}" if user.mfa_type else ""
        scope = "all Workspaces" if len(user.workspace_ids) == len(fake.workspaces) else "first"
        lines.append(f"User {user.username} / {user.password}  ({scope}){mfa}")
    lines += ["", "Press Ctrl-C to stop."]
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
