"""The SDK's path table (``api/_paths.py``) and the fake server's (``testing/_paths.py``)
agree path for path: the same templates, the same permissions, the same methods.

The fake keeps its own table on purpose (it plays the server, so it does not read the
SDK's); the SDK's is the source, and these tests hold the fake to it.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import re
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

import synerise_async.api
from synerise_async import Request
from synerise_async.api import _paths as paths
from synerise_async.testing import FakeSynerise
from synerise_async.testing import _paths as fake_paths

OPERATION_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(synerise_async.api.__path__, "synerise_async.api.")
    if not info.ispkg and not info.name.rsplit(".", 1)[1].startswith("_")
)

DIAGRAM = "0b6a2d7e-3c1f-4e8a-9b2d-5f7c9e1a3b4d"


def as_fake_template(template: str) -> str:
    """An SDK path template in the fake's spelling: it names the workflow as the API does."""
    return template.replace("{workflow_id}", "{diagram_id}")


def _templates(module: object, *, skip: frozenset[str] = frozenset()) -> dict[str, str]:
    return {
        name: value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and value.startswith("/") and name not in skip
    }


#: The SDK's path templates, by constant.
SDK_TEMPLATES = _templates(paths)
#: The fake's route templates, by constant (its select-Workspace prefix is not a route).
FAKE_TEMPLATES = _templates(fake_paths, skip=frozenset({"SELECT_WORKSPACE_PREFIX"}))


def test_the_fake_serves_every_path_of_the_sdk_and_no_other() -> None:
    assert len(SDK_TEMPLATES) == len(set(SDK_TEMPLATES.values())) == 22
    assert {as_fake_template(t) for t in SDK_TEMPLATES.values()} == set(FAKE_TEMPLATES.values())


def test_the_fake_needs_the_same_permissions() -> None:
    sdk = {as_fake_template(path): needed.permission for path, needed in paths.PERMISSIONS.items()}
    assert sdk == fake_paths.PERMISSIONS


def test_a_filled_path_finds_its_permission_and_no_other_path_does() -> None:
    assert (
        paths.required_permission(paths.RUN_WORKFLOW.format(workflow_id=DIAGRAM))
        == (paths.PERMISSIONS[paths.RUN_WORKFLOW])
    )
    assert (
        paths.required_permission(
            paths.BLOCK_STATISTICS.format(workflow_id=DIAGRAM, block_id="b-1")
        )
        == (paths.PERMISSIONS[paths.BLOCK_STATISTICS])
    )
    assert (
        paths.required_permission(paths.LIST_WORKFLOWS_V1)
        == (paths.PERMISSIONS[paths.LIST_WORKFLOWS_V1])
    )
    for path in (
        paths.CURRENT_WORKSPACE,
        paths.WORKSPACE_LOGIN,
        paths.LIST_WORKFLOWS_V1 + "/x",
        f"/automation-brain/diagrams/{DIAGRAM}/run/x",
        f"/automation-brain/diagrams/{DIAGRAM}/",
    ):
        assert paths.required_permission(path) is None, path


def test_the_three_unconfirmed_paths_stay_where_they_are_marked() -> None:
    assert {
        "/sauth/v3/auth/login/client/server",
        "/automation-brain/diagrams/{workflow_id}/run",
        "/automation-brain/diagrams/{workflow_id}/pause",
    } == paths.UNCONFIRMED
    for source in (inspect.getsource(paths), inspect.getsource(fake_paths)):
        lines = source.splitlines()
        for path in paths.UNCONFIRMED:
            spellings = (f'"{path}"', f'"{as_fake_template(path)}"')
            index = next(i for i, line in enumerate(lines) if any(s in line for s in spellings))
            marked = lines[index] + lines[index - 1]  # the comment beside it or above it
            assert "nconfirmed" in marked.replace("UNCONFIRMED", "unconfirmed"), path


def _arguments(name: str, fake: FakeSynerise) -> dict[str, Any]:
    """Arguments for the operation's ``_get_kwargs``, with ids the fake knows."""
    profile = {"api_key": fake.workspace.profile_api_key, "identity_provider": "SYNERISE"}
    by_parameter: dict[str, Any] = {
        "diagram_id": fake.workflows()[0]["diagramId"],
        "block_id": "block-1",
        "workspace_uuid": fake.workspace.id,
        "api_key": fake.workspace.api_key,
        "uuid": "7b6e9a52-2d4f-4c1e-9a1b-3c5d7e9f1a2b",
        "token": "a-token",
        "as_profile": False,
        "ip_address": "203.0.113.7",
        "username": fake.user.username,
        "password": fake.user.password,
        "verification_code": "123456",
        "page": 1,
        "limit": 10,
    }
    parameters = inspect.signature(importlib.import_module(name)._get_kwargs).parameters.values()
    arguments = {
        p.name: by_parameter[p.name]
        for p in parameters
        if p.default is p.empty and p.kind is p.KEYWORD_ONLY
    }
    if any(p.kind is p.VAR_KEYWORD for p in parameters) and "login" in name:
        arguments.update(profile)
    return arguments


def _template(request: Request) -> str:
    filled = [t for t in SDK_TEMPLATES.values() if _fills(t, request.path)]
    assert len(filled) == 1, (request.path, filled)
    return filled[0]


def _request(name: str, fake: FakeSynerise) -> Request:
    request: Request = importlib.import_module(name)._get_kwargs(**_arguments(name, fake))
    return request


async def test_each_path_is_one_operations(fake: FakeSynerise) -> None:
    used = sorted(_template(_request(name, fake)) for name in OPERATION_MODULES)
    assert used == sorted(SDK_TEMPLATES.values())


@pytest.mark.parametrize("name", OPERATION_MODULES)
async def test_the_fake_answers_each_operation_at_its_path_and_method(
    fake: FakeSynerise, name: str
) -> None:
    request = _request(name, fake)
    _template(request)
    other = "GET" if request.method == "POST" else "POST"
    async with aiohttp.ClientSession(fake.url) as http, asyncio.timeout(10):
        # Unauthenticated and with no body: refused, but by the route, not for lack of one.
        async with http.request(request.method, request.path, params=request.params) as reply:
            assert reply.status not in (404, 405), (request.method, request.path)
        async with http.request(other, request.path) as reply:
            assert reply.status == 405, (other, request.path)


def _fills(template: str, path: str) -> bool:
    """Whether ``path`` is ``template`` with each ``{parameter}`` filled by one segment."""
    expected, actual = template.split("/"), path.split("/")
    return len(expected) == len(actual) and all(
        e == a or (e.startswith("{") and e.endswith("}") and a != "")
        for e, a in zip(expected, actual, strict=True)
    )


@pytest.mark.parametrize("name", OPERATION_MODULES)
def test_each_operation_names_itself_and_its_path_template(fake: FakeSynerise, name: str) -> None:
    """Events name the operation by its module and the path by its template: the request
    of every ``_get_kwargs`` says the one, ``api._paths`` derives the other."""
    request = _request(name, fake)
    assert request.operation == name.rsplit(".", 1)[1]
    assert paths.path_template(request.path) == _template(request)


_SEGMENT = st.text(st.characters(blacklist_characters="/"), min_size=1, max_size=12)


@given(st.sampled_from(sorted(SDK_TEMPLATES.values())), st.lists(_SEGMENT, min_size=2, max_size=2))
def test_path_template_names_the_one_template_a_path_fills(
    template: str, values: list[str]
) -> None:
    """``path_template`` (one regex alternation) agrees with the plain reading: the path
    of a template with any one-segment values names that template, and a path that no
    template fills names itself."""
    path = template
    for value in values:
        path = re.sub(r"\{[a-z_]+\}", lambda _, value=value: value, path, count=1)
    filling = [t for t in SDK_TEMPLATES.values() if t == path or _fills(t, path)]
    expected = path if path in SDK_TEMPLATES.values() else (filling[0] if filling else path)
    assert len(set(filling)) <= 1 or path in SDK_TEMPLATES.values()
    assert paths.path_template(path) == expected
    assert paths.path_template(path + "/more") == (path + "/more")
