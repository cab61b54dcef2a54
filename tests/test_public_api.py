"""The curated surface stays honest, and every operation module has the same shape."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import traceback
import types

import pytest

import synerise_async
import synerise_async.api
from synerise_async.api import _paths

OPERATION_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(synerise_async.api.__path__, "synerise_async.api.")
    if not info.ispkg and not info.name.rsplit(".", 1)[1].startswith("_")
)
SHAPE = ["_get_kwargs", "_parse_response", "_build_response", "asyncio_detailed", "asyncio"]


def test_all_is_sorted_and_complete() -> None:
    exported = synerise_async.__all__
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n))  # constants first
    public = {
        name
        for name, value in vars(synerise_async).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(exported) - {"__version__"}


@pytest.mark.parametrize(
    "package",
    [
        "synerise_async.api.auth",
        "synerise_async.api.workspaces",
        "synerise_async.api.automation",
        "synerise_async.models",
        "synerise_async.auth",
    ],
)
def test_subpackage_all_is_sorted(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name)


def test_there_are_22_operations() -> None:
    assert len(OPERATION_MODULES) == 22


@pytest.mark.parametrize("name", OPERATION_MODULES)
def test_operation_module_shape(name: str) -> None:
    module = importlib.import_module(name)
    doc = (module.__doc__ or "").strip().splitlines()[0]
    assert doc.split(" ", 1)[0] in {"GET", "POST"}, "first line names method and path"
    assert "operation" in (module.__doc__ or "")
    functions = [
        n for n, v in vars(module).items() if inspect.isfunction(v) and v.__module__ == name
    ]
    assert functions[: len(SHAPE)] == SHAPE, "same functions, in the same order"
    for public in ("asyncio_detailed", "asyncio", "paginate"):
        fn = getattr(module, public, None)
        if fn is None:
            continue
        params = list(inspect.signature(fn).parameters.values())
        assert params[0].name == "client"
        assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params), (
            f"{public} takes keyword-only arguments"
        )
        assert fn.__doc__, f"{public} has a docstring"
        leftovers = re.findall(r"\b[a-z]+(?:_[a-z]+)+\d+\b", fn.__doc__)
        assert not leftovers, f"{public}'s docstring has template leftovers: {leftovers}"
    assert inspect.iscoroutinefunction(module.asyncio)
    assert inspect.iscoroutinefunction(module.asyncio_detailed)
    if name.endswith(("list_workflows", "list_workflows_v1")):
        assert not inspect.iscoroutinefunction(module.paginate)


def test_unconfirmed_paths_are_marked_in_their_modules() -> None:
    users = []
    for name in OPERATION_MODULES:
        module = importlib.import_module(name)
        source = inspect.getsource(module)
        uses_unconfirmed = any(
            f"_paths import {const}\n" in source or f" {const}," in source
            for const, value in vars(_paths).items()
            if isinstance(value, str) and value in _paths.UNCONFIRMED
        )
        if uses_unconfirmed:
            users.append(name)
            assert "UNCONFIRMED" in (module.__doc__ or ""), name
    assert len(users) == len(_paths.UNCONFIRMED)  # every unconfirmed path was found in use


def test_public_errors_show_their_public_module_in_tracebacks() -> None:
    errors = [
        value
        for value in map(vars(synerise_async).get, synerise_async.__all__)
        if isinstance(value, type) and issubclass(value, BaseException)
    ]
    assert len(errors) >= 15
    for error in errors:
        assert error.__module__ == "synerise_async", error
        assert getattr(synerise_async, error.__name__) is error
    try:
        raise synerise_async.NotFoundError(
            "HTTP 404",
            request=synerise_async.RequestInfo("GET", "http://x/y"),
            status_code=404,
            body=None,
        )
    except synerise_async.NotFoundError as exc:
        shown = "".join(traceback.format_exception(exc))
    assert "synerise_async.NotFoundError: HTTP 404" in shown
    assert "_exceptions" not in shown.splitlines()[-1]
