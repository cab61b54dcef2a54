"""Session review: the public surface of this session's modules stays curated.

``synerise_async.events``, ``synerise_async.otel`` and ``synerise_async.audit``: each
``__all__`` sorted (constants first, as the package's), without duplicates or private
names, every name there and documented; every public name a module defines is in its
``__all__``; and no name is exported by two of them (one import path per idea).
"""

from __future__ import annotations

import importlib
import inspect
import types

import pytest

import synerise_async

MODULES = ["synerise_async.events", "synerise_async.otel", "synerise_async.audit"]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_unique_public_and_documented(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n))
    assert len(exported) == len(set(exported))
    assert not [n for n in exported if n.startswith("_")]
    for item in exported:
        value = getattr(module, item)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name}.{item} has no docstring"


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_a_module_defines_is_exported(name: str) -> None:
    module = importlib.import_module(name)
    source = inspect.getsource(module)
    defined = {
        item
        for item, value in vars(module).items()
        if not item.startswith("_")
        and not isinstance(value, types.ModuleType)
        and item != "annotations"
        and item != "logger"
        # Defined here (not imported): a class or function of this package's module, or
        # a constant assigned at the top of this file.
        and (
            getattr(value, "__module__", None) in (name, f"{name}._{item.lower()}")
            or f"\n{item} = " in source
            or f"\n{item}: " in source
        )
    }
    if name == "synerise_async.audit":
        defined = {item for item in vars(module) if not item.startswith("_")} - {
            "annotations",
            *(item for item, value in vars(module).items() if isinstance(value, types.ModuleType)),
        }
    assert defined <= set(module.__all__), sorted(defined - set(module.__all__))


def test_no_name_is_exported_twice() -> None:
    seen: dict[str, str] = dict.fromkeys(synerise_async.__all__, "synerise_async")
    for name in MODULES:
        for item in importlib.import_module(name).__all__:
            assert item not in seen, f"{item} is exported by {seen[item]} and {name}"
            seen[item] = name


def test_the_modules_are_reachable_from_the_package() -> None:
    from synerise_async import audit, events

    assert synerise_async.events is events
    assert audit.__name__ == "synerise_async.audit"
