"""Compiled decoding functions for attrs models: the converter's fast path.

cattrs' generated functions call a hook for every field, and its ``X | None`` hook
dispatches on every call; decoding a page of workflows then costs far more than parsing
its JSON. For each attrs class this module writes one plain function instead: each
field is read with ``dict.get``, checked for its JSON type inline, and only nested
models, enums and datetimes cost a call.

The fast path does not coerce and does not explain: any value that is not exactly of
the expected JSON type raises ``Mismatch``, and the caller then decodes the whole body
again with the detailed cattrs converter, which coerces where cattrs would and names
every bad field. So results are the same as cattrs', only faster.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import enum
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["EXTRA_KEYS", "Mismatch", "compile_structure", "extra_keys_field"]

#: Field metadata marking the attribute that collects the keys no other attribute names.
EXTRA_KEYS = "synerise_async.extra_keys"


def extra_keys_field() -> Any:
    """An attribute that receives every key of the JSON object no other attribute names
    (counters the API adds, say), as a dict."""
    return attrs.field(factory=dict, metadata={EXTRA_KEYS: True})


Hook = Callable[[Any, Any], Any]
GetHook = Callable[[Any], Hook]

_PRIMITIVES: dict[Any, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    float: (float, int),
    bool: (bool,),
}
_MISSING = object()
_FACTORY: type = type(attrs.Factory(list))


class Mismatch(Exception):
    """A value is not of the expected JSON type: decode again on the detailed path."""


def _mismatch() -> None:
    raise Mismatch


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return None


class _Writer:
    """Writes the body of one class's function, field by field."""

    def __init__(self, get_hook: GetHook) -> None:
        self.get_hook = get_hook
        self.globals: dict[str, Any] = {
            "_mismatch": _mismatch,
            "_MISSING": _MISSING,
            "_NUMBERS": (float, int),
        }
        self.lines: list[str] = []
        self._n = 0

    def name(self, value: Any, prefix: str) -> str:
        self._n += 1
        key = f"_{prefix}{self._n}"
        self.globals[key] = value
        return key

    def convert(self, var: str, tp: Any, indent: str) -> None:
        """Emit lines that check ``var`` (not None) and convert it in place to ``tp``."""
        emit = self.lines.append
        if tp is Any or tp is object:
            return
        if tp in _PRIMITIVES:
            classes = _PRIMITIVES[tp]
            if len(classes) == 1:
                emit(f"{indent}if {var}.__class__ is not {self.name(classes[0], 't')}: _mismatch()")
            else:
                emit(f"{indent}if {var}.__class__ not in {self.name(classes, 't')}: _mismatch()")
            return
        args = _union_args(tp)
        if args is not None:
            members = [a for a in args if a is not type(None)]
            if all(a in _PRIMITIVES for a in members):
                allowed = tuple({c for a in members for c in _PRIMITIVES[a]})
                emit(f"{indent}if {var}.__class__ not in {self.name(allowed, 't')}: _mismatch()")
                return
            if len(members) == 1:
                emit(f"{indent}if {var} is not None:")
                self.convert(var, members[0], indent + "    ")
                emit(f"{indent}    pass")
                return
        if tp is dt.datetime:
            # Epoch seconds inline; anything else (ISO strings, milliseconds) via the hook.
            fromtimestamp = self.name(dt.datetime.fromtimestamp, "f")
            utc = self.name(dt.UTC, "z")
            hook = self.name(self.get_hook(tp), "h")
            emit(f"{indent}if {var}.__class__ in _NUMBERS and -1e11 < {var} < 1e11:")
            emit(f"{indent}    {var} = {fromtimestamp}({var}, {utc})")
            emit(f"{indent}else:")
            emit(f"{indent}    {var} = {hook}({var}, {self.name(tp, 'c')})")
            return
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            table = self.name(tp._value2member_map_, "m")
            cls = self.name(tp, "c")
            emit(f"{indent}{var} = {table}.get({var}) or {cls}({var})")
            return
        origin = typing.get_origin(tp)
        targs = typing.get_args(tp)
        if origin is tuple and len(targs) == 2 and targs[1] is Ellipsis:
            emit(f"{indent}if {var}.__class__ is not list: _mismatch()")
            item = targs[0]
            if item is Any:
                emit(f"{indent}{var} = tuple({var})")
            else:
                hook = self.name(self.get_hook(item), "h")
                typ = self.name(item, "c")
                emit(f"{indent}{var} = tuple([{hook}(x, {typ}) for x in {var}])")
            return
        if origin in (dict, collections.abc.Mapping) and len(targs) == 2:
            emit(f"{indent}if {var}.__class__ is not dict: _mismatch()")
            value_type = targs[1]
            if value_type is not Any:
                hook = self.name(self.get_hook(value_type), "h")
                typ = self.name(value_type, "c")
                emit(f"{indent}{var} = {{k: {hook}(x, {typ}) for k, x in {var}.items()}}")
            return
        # Nested models, datetimes and anything else: the converter's own hook.
        hook = self.name(self.get_hook(tp), "h")
        typ = self.name(tp, "c")
        emit(f"{indent}{var} = {hook}({var}, {typ})")


def compile_structure(cls: type, *, wire_name: Callable[[str], str], get_hook: GetHook) -> Hook:
    """A function decoding a JSON object into ``cls``, or raising :class:`Mismatch`.

    Args:
        cls: an attrs class whose annotations are resolvable.
        wire_name: the JSON key of each attribute.
        get_hook: the converter's hook for a type (nested models, datetimes, ...).
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
        if field.metadata.get(EXTRA_KEYS):
            emit(
                f"    {var} = {{k: x for k, x in o.items() if k not in {writer.name(known, 'k')}}}"
            )
        elif field.default is attrs.NOTHING:
            emit(f"    {var} = o[{key}] if {key} in o else _mismatch()")
            if _union_args(tp) and type(None) in typing.get_args(tp):
                emit(f"    if {var} is not None:")
                writer.convert(var, tp, "        ")
                emit("        pass")
            else:
                writer.convert(var, tp, "    ")
        elif field.default is None:
            emit(f"    {var} = g({key})")
            emit(f"    if {var} is not None:")
            writer.convert(var, tp, "        ")
            emit("        pass")
        else:
            default = field.default
            factory = getattr(default, "factory", None)
            if isinstance(default, _FACTORY) and factory is not None:
                make = writer.name(factory, "f")
                fallback = f"{make}()"
            else:
                fallback = writer.name(default, "d")
            emit(f"    {var} = g({key}, _MISSING)")
            emit(f"    if {var} is _MISSING or {var} is None:")
            emit(f"        {var} = {fallback}")
            emit("    else:")
            writer.convert(var, tp, "        ")
            emit("        pass")
        name = field.alias or field.name
        arguments.append(f"{name}={var}")
    emit(f"    return {writer.name(cls, 'c')}({', '.join(arguments)})")
    source = "\n".join(writer.lines)
    namespace = dict(writer.globals)
    exec(compile(source, f"<synerise_async fast structure {cls.__qualname__}>", "exec"), namespace)
    function: Hook = namespace["structure"]
    function.__doc__ = source  # kept for debugging: the generated code
    return function
