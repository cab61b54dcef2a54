"""A fake Synerise API server for tests: real HTTP, real expiring JWTs, seeded data, faults.

Example::

    from synerise_async.testing import FakeSynerise

    async with FakeSynerise(seed=1) as fake:
        ...  # point a client at fake.url, log in with fake.workspace.api_key

The first seeded workflow of the first Workspace is named :data:`HOSTILE_NAME`
(``<script>alert(1)</script>``), so a test can check that whatever shows names escapes them.

Run it standalone with ``python -m synerise_async.testing --port 8080``.
"""

from ._clock import ManualClock
from ._faults import Faults
from ._models import (
    IssuedToken,
    RecordedRequest,
    SeededProfile,
    SeededUser,
    SeededWorkspace,
    WorkspaceSpec,
)
from ._server import FakeSynerise
from ._workflows import HOSTILE_NAME

__all__ = [
    "FakeSynerise",
    "Faults",
    "HOSTILE_NAME",
    "IssuedToken",
    "ManualClock",
    "RecordedRequest",
    "SeededProfile",
    "SeededUser",
    "SeededWorkspace",
    "WorkspaceSpec",
]
