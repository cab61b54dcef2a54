"""Deterministic seeding of Workspaces, Users and Profiles.

Every random choice comes from a ``random.Random`` seeded by the server seed and a
purpose label (see :func:`rng`), so each area is stable on its own: adding workflows to
one Workspace does not change another Workspace's data, nor its users' passwords.
"""

from __future__ import annotations

import base64
import random
import re
import uuid
from collections.abc import Sequence

import attrs

from ._models import MfaType, SeededProfile, SeededUser, SeededWorkspace, WorkspaceSpec

_WORKSPACE_NAMES = (
    "Acme Retail",
    "Nordic Outdoor",
    "Vistula Pharmacy",
    "Baltic Fashion",
    "Carpathian Coffee",
    "Helios Electronics",
    "Amber Cosmetics",
    "Mazury Travel",
    "Oak & Pine Furniture",
    "Bluewave Telecom",
)
_PROFILE_NAMES = ("jan.kowalski", "anna.nowak", "john.smith")
#: 2019-01-01T00:00:00Z: Workspace creation dates are spread over the year after it.
_WORKSPACE_EPOCH = 1546300800.0


def rng(seed: int, *labels: object) -> random.Random:
    """Return a generator for one purpose, seeded by ``seed`` and ``labels``."""
    return random.Random(":".join(["synerise-fake", str(seed), *map(str, labels)]))


def random_uuid(gen: random.Random) -> str:
    """Draw a version-4 UUID string from ``gen``."""
    return str(uuid.UUID(int=gen.getrandbits(128), version=4))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@attrs.frozen
class World:
    """The seeded Workspaces, Users and Profiles of one fake server."""

    workspaces: tuple[SeededWorkspace, ...]
    users: tuple[SeededUser, ...]
    profiles: tuple[SeededProfile, ...]
    #: Workspace UUID -> creation time (epoch seconds).
    workspace_created: dict[str, float]


def _specs(workspaces: int | Sequence[WorkspaceSpec], per_workspace: int) -> list[WorkspaceSpec]:
    if isinstance(workspaces, int):
        if workspaces < 1:
            raise ValueError(f"workspaces must be at least 1, got {workspaces}")
        specs = [WorkspaceSpec() for _ in range(workspaces)]
    else:
        specs = list(workspaces)
        if not specs:
            raise ValueError("workspaces must not be empty")
    if per_workspace < 0 or any(s.workflows is not None and s.workflows < 0 for s in specs):
        raise ValueError("workflow counts must not be negative")
    return specs


def build_world(
    seed: int, workspaces: int | Sequence[WorkspaceSpec], workflows_per_workspace: int
) -> World:
    """Seed the Workspaces, Users and Profiles.

    Args:
        seed: The server seed.
        workspaces: How many Workspaces, or one spec per Workspace.
        workflows_per_workspace: Workflows per Workspace unless a spec says otherwise.

    Returns:
        The seeded world.

    Raises:
        ValueError: A count is out of range.
    """
    specs = _specs(workspaces, workflows_per_workspace)
    gen = rng(seed, "workspaces")
    numeric_ids = gen.sample(range(10_000, 99_999), len(specs))
    seeded: list[SeededWorkspace] = []
    created: dict[str, float] = {}
    for index, spec in enumerate(specs):
        base = _WORKSPACE_NAMES[index % len(_WORKSPACE_NAMES)]
        round_ = index // len(_WORKSPACE_NAMES)
        name = spec.name or (base if round_ == 0 else f"{base} {round_ + 1}")
        workspace = SeededWorkspace(
            id=random_uuid(gen),
            numeric_id=numeric_ids[index],
            name=name,
            subdomain=_slug(name) or f"workspace-{index + 1}",
            api_key=random_uuid(gen),
            guid=random_uuid(gen),
            profile_api_key=random_uuid(gen).upper(),
            workflow_count=(
                spec.workflows if spec.workflows is not None else workflows_per_workspace
            ),
            directory_ids=tuple(random_uuid(gen) for _ in range(4)),
        )
        seeded.append(workspace)
        created[workspace.id] = round(_WORKSPACE_EPOCH + gen.uniform(0, 365 * 86400), 3)

    all_ids = tuple(w.id for w in seeded)
    user_gen = rng(seed, "users")

    def user(username: str, name: str, mfa: MfaType | None, ids: tuple[str, ...]) -> SeededUser:
        # Its own generator: adding the secret changed no other seeded value.
        secret_gen = rng(seed, "totp", username)
        secret = base64.b32encode(secret_gen.randbytes(20)).decode()
        return SeededUser(
            username=username,
            password=f"fake-{user_gen.getrandbits(48):012x}",
            mfa_type=mfa,
            mfa_code=f"{user_gen.randrange(1_000_000):06d}" if mfa else None,
            workspace_ids=ids,
            id=user_gen.randrange(1_000, 999_999),
            name=name,
            totp_secret=secret if mfa == "TOTP_AUTHENTICATOR" else None,
        )

    users = (
        user("ada.lovelace@fake-synerise.test", "Ada Lovelace", None, all_ids),
        user("grace.hopper@fake-synerise.test", "Grace Hopper", "TOTP_AUTHENTICATOR", all_ids),
        user("alan.turing@fake-synerise.test", "Alan Turing", "EMAIL", all_ids),
        user("edsger.dijkstra@fake-synerise.test", "Edsger Dijkstra", None, all_ids[:1]),
    )

    profiles: list[SeededProfile] = []
    for index, workspace in enumerate(seeded):
        profile_gen = rng(seed, "profiles", index)
        profiles.extend(
            SeededProfile(
                workspace_id=workspace.id,
                email=f"{name}@{workspace.subdomain}.example.com",
                password=f"pw-{profile_gen.getrandbits(48):012x}",
                uuid=random_uuid(profile_gen),
                custom_id=f"card-{profile_gen.randrange(1_000_000):06d}",
            )
            for name in _PROFILE_NAMES
        )
    return World(tuple(seeded), users, tuple(profiles), created)
