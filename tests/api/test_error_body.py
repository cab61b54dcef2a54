"""An error body's ``errors[].code`` keeps what came: an integer (as in Synerise's
generated client) stays an integer, a string stays a string. Over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from synerise_async import BadRequestError, ClientConfig, SyneriseClient, WorkspaceAuth
from synerise_async.api.automation import list_workflows
from synerise_async.testing import FakeSynerise

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)


@pytest.mark.parametrize(
    ("code", "kept"),
    [
        (1001, 1001),
        (0, 0),
        ("InvalidValue", "InvalidValue"),
        (None, None),
        (True, "True"),  # a JSON boolean is not an integer code
        (2.5, "2.5"),
    ],
)
async def test_a_field_error_code_is_kept_as_it_came(
    fake: FakeSynerise, code: Any, kept: int | str | None
) -> None:
    body = {
        "status": 400,
        "error": "Bad Request",
        "message": "Validation failed",
        "errors": [{"code": code, "field": "status", "message": "bad", "rejectedValue": "x"}],
    }
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=FAST
    ) as client:
        fake.faults.body(body, status_code=400, path="/automation-brain/v2/diagrams")
        with pytest.raises(BadRequestError) as info:
            await list_workflows.asyncio(client=client)
    assert info.value.body is not None
    (error,) = info.value.body.errors
    assert error.code == kept
    assert type(error.code) is type(kept)
    assert error.field == "status"
