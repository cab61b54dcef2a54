"""A fake Synerise API server for tests: real HTTP, real expiring JWTs, seeded data, faults.

Example::

    from synerise_async.testing import FakeSynerise

    async with FakeSynerise(seed=1) as fake:
        ...  # point a client at fake.url, log in with fake.workspace.api_key

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

__all__ = [
    "FakeSynerise",
    "Faults",
    "IssuedToken",
    "ManualClock",
    "RecordedRequest",
    "SeededProfile",
    "SeededUser",
    "SeededWorkspace",
    "WorkspaceSpec",
]
