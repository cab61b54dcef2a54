"""Issue 9 review, item 14: one name for the HTTP status, everywhere, the fake server's
API included: no public parameter or attribute holding an HTTP status is called
``status`` (or ``statuses``); it is ``status_code`` (``status_codes``).

A workflow's or a run's ``status`` (a word, not a number) is not an HTTP status and keeps
its name: only names whose annotation is an ``int`` (or ints) are checked.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import attrs

import synerise_async

_STATUS_WORD = re.compile(r"(^|_)status(es)?$")
_INTEGER = re.compile(r"\bint\b")


def _public_modules() -> Iterator[Any]:
    """The package and its public modules (no ``_``-prefixed part): what users import."""
    yield synerise_async
    for info in pkgutil.walk_packages(synerise_async.__path__, "synerise_async."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            yield importlib.import_module(info.name)


def _public_objects() -> Iterator[tuple[str, Any]]:
    seen: set[int] = set()
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if id(obj) not in seen and (inspect.isclass(obj) or inspect.isfunction(obj)):
                seen.add(id(obj))
                yield f"{obj.__module__}.{obj.__qualname__}", obj


def _named_status(annotation: object) -> bool:
    return bool(_INTEGER.search(str(annotation)))


def _offenders() -> list[str]:
    found: list[str] = []
    for where, obj in _public_objects():
        callables = [obj]
        if inspect.isclass(obj):
            callables = [
                member
                for name, member in vars(obj).items()
                if not name.startswith("_") or name == "__init__"
                if inspect.isfunction(member)
            ]
            for name, member in vars(obj).items():
                if isinstance(member, property) and _STATUS_WORD.search(name):
                    hints = getattr(member.fget, "__annotations__", {})
                    if _named_status(hints.get("return")):
                        found.append(f"{where}.{name} (property)")
            if attrs.has(obj):
                for field in attrs.fields(obj):
                    if _STATUS_WORD.search(field.name) and _named_status(field.type):
                        found.append(f"{where}.{field.name} (attribute)")
        for function in callables:
            for parameter in inspect.signature(function).parameters.values():
                if _STATUS_WORD.search(parameter.name) and _named_status(parameter.annotation):
                    found.append(f"{where}: {function.__name__}({parameter.name}=...)")
    return sorted(set(found))


def test_no_public_name_calls_an_http_status_status() -> None:
    assert _offenders() == []
