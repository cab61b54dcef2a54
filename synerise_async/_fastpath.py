"""Compiled decoding functions for attrs models: the converter's fast path.

cattrs' generated functions call a hook for every field, even a string's; decoding a
page of workflows then costs far more than parsing its JSON. For each attrs class this
module writes one plain function instead. It means exactly what the detailed path
means (the rules are stated once, in :mod:`synerise_async._serde`); it only takes
a shortcut where a value is already what the rule would make of it:

- a scalar field (``str``, ``int``, ``float``, ``bool``, unions of them, ``X | None``)
  whose JSON value is exactly of the field's type is checked inline, and an integer for
  a ``float`` becomes a float inline;
- a missing key, or a null, for a field with a default gives the default inline;
- an enum member is found by the one lookup both paths use (``_types.member_of``:
  ``WorkflowStatus(value)``, with the enum's own value table read first);
- every other type (nested models, tuples, mappings, datetimes) is decoded by the
  converter's own hook for it, the same function the detailed path calls.

Any other value (one the rules would coerce, or refuse) raises :class:`Mismatch`, and
the caller decodes the whole body again on the detailed path, which coerces or names
every bad field. ``tests/test_decoding_differential.py`` checks on generated bodies
that both paths give the same result, of the same types, or the same error.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs

from ._types import member_of
from .models._fields import EXTRA_KEYS, collect_extra_keys

__all__ = ["SCALARS", "Mismatch", "compile_structure", "scalar_union_members"]

Hook = Callable[[Any, Any], Any]
GetHook = Callable[[Any], Hook]

#: The types a JSON scalar decodes to.
SCALARS: frozenset[Any] = frozenset({str, int, float, bool, type(None)})
_MISSING = object()
_FACTORY: Any = type(attrs.Factory(list))


class Mismatch(Exception):
    """A value is not exactly of the expected JSON type: decode again on the detailed path."""


def _mismatch() -> None:
    raise Mismatch


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return None


def scalar_union_members(tp: Any) -> frozenset[Any] | None:
    """The members of ``tp`` if it is a union of two or more scalar types besides None."""
    args = _union_args(tp)
    if args is None or not SCALARS.issuperset(args):
        return None
    if len([a for a in args if a is not type(None)]) < 2:
        return None
    return frozenset(args)


class _Writer:
    """Writes the body of one class's function, field by field."""

    def __init__(self, get_hook: GetHook) -> None:
        self.get_hook = get_hook
        self.globals: dict[str, Any] = {
            "_mismatch": _mismatch,
            "_MISSING": _MISSING,
            "_collect_extra_keys": collect_extra_keys,
        }
        self.lines: list[str] = []
        self._n = 0

    def name(self, value: Any, prefix: str) -> str:
        self._n += 1
        key = f"_{prefix}{self._n}"
        self.globals[key] = value
        return key

    def exact(self, var: str, classes: frozenset[Any], to_float: bool, indent: str) -> None:
        """Emit the inline check that ``var`` is of one of ``classes`` (an int made a float)."""
        emit = self.lines.append
        if len(classes) == 1:
            (only,) = classes
            test = f"{var}.__class__ is not {self.name(only, 't')}"
        else:
            test = f"{var}.__class__ not in {self.name(classes, 't')}"
        if not to_float:
            emit(f"{indent}if {test}: _mismatch()")
            return
        emit(f"{indent}if {test}:")
        emit(f"{indent}    if {var}.__class__ is int: {var} = float({var})")
        emit(f"{indent}    else: _mismatch()")

    def convert(self, var: str, tp: Any, indent: str) -> None:
        """Emit lines that convert ``var`` in place to ``tp``, or raise ``Mismatch``."""
        emit = self.lines.append
        if tp is Any:
            return
        if tp in SCALARS:
            self.exact(var, frozenset({tp}), tp is float, indent)
            return
        members = scalar_union_members(tp)
        if members is not None:
            self.exact(var, members, float in members and int not in members, indent)
            return
        args = _union_args(tp)
        if args is not None and len(args) == 2 and type(None) in args:
            (inner,) = (a for a in args if a is not type(None))
            emit(f"{indent}if {var} is not None:")
            self.convert(var, inner, indent + "    ")
            emit(f"{indent}    pass")
            return
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            emit(f"{indent}{var} = {self.name(member_of(tp), 'm')}({var})")
            return
        hook = self.name(self.get_hook(tp), "h")
        emit(f"{indent}{var} = {hook}({var}, {self.name(tp, 'c')})")


def compile_structure(cls: type, *, wire_name: Callable[[str], str], get_hook: GetHook) -> Hook:
    """A function decoding a JSON object into ``cls``, or raising :class:`Mismatch`.

    Args:
        cls: an attrs class whose annotations are resolvable.
        wire_name: the JSON key of each attribute.
        get_hook: the converter's hook for a type (nested models, tuples, datetimes, ...).
    """
    hints = typing.get_type_hints(cls)
    writer = _Writer(get_hook)
    emit = writer.lines.append
    emit("def structure(o, _):")
    emit("    if o.__class__ is not dict: _mismatch()")
    emit("    g = o.get")
    arguments = []
    known = frozenset(
        wire_name(f.name) for f in attrs.fields(cls) if not f.metadata.get(EXTRA_KEYS)
    )
    for index, field in enumerate(attrs.fields(cls)):
        var = f"v{index}"
        key = repr(wire_name(field.name))
        tp = hints[field.name]
        default = field.default
        if field.metadata.get(EXTRA_KEYS):
            emit(f"    {var} = _collect_extra_keys(o, {writer.name(known, 'k')})")
        elif default is attrs.NOTHING:
            emit(f"    {var} = o[{key}] if {key} in o else _mismatch()")
            writer.convert(var, tp, "    ")
        else:
            if isinstance(default, _FACTORY):
                if default.takes_self:  # pragma: no cover - no model has one
                    raise TypeError(f"{cls.__qualname__}.{field.name}: takes_self factory")
                fallback = f"{writer.name(default.factory, 'f')}()"
            else:
                fallback = "None" if default is None else writer.name(default, "d")
            emit(f"    {var} = g({key})")
            emit(f"    if {var} is None:")
            emit(f"        {var} = {fallback}")
            emit("    else:")
            writer.convert(var, tp, "        ")
            emit("        pass")
        arguments.append(f"{field.alias or field.name}={var}")
    emit(f"    return {writer.name(cls, 'c')}({', '.join(arguments)})")
    source = "\n".join(writer.lines)
    namespace = dict(writer.globals)
    exec(compile(source, f"<synerise_async fast structure {cls.__qualname__}>", "exec"), namespace)
    function: Hook = namespace["structure"]
    function.__doc__ = source  # kept for debugging: the generated code
    return function
