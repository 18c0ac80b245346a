"""Index entries to and from JSON: plain data that cannot run code when read.

A record is a list `[tag, field, ...]` (its tag an int, its class's place in
RECORDS), a tuple is a list, a dict an object (every key is a string).
Decoding checks every tag and the number of fields; anything else is refused
with ValueError.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from typing import Any, Union

from tracer.index.model import (
    Arg, Bind, Body, Call, ClassDef, Decorator, Function, Handler, If, Loop, Module, Raise, Return, SetAttr, Source,
    Try, Yield,
)

Entry = Union[Module, Body, str]  # an indexed module or function body, or why a file could not be read

RECORDS: tuple[type, ...] = (Arg, Call, SetAttr, Bind, If, Loop, Raise, Return, Decorator, Function,
                             ClassDef, Module, Handler, Try, Body, Source, Yield)
_TAGS = {kind: tag for tag, kind in enumerate(RECORDS)}
_FIELDS = tuple(tuple(f.name for f in fields(kind)) for kind in RECORDS)


def dumps(entry: Entry) -> bytes:
    return json.dumps(_plain(entry), ensure_ascii=False, separators=(",", ":")).encode()


def loads(data: bytes) -> Entry:
    """The entry in `data`; ValueError when it is not one."""
    try:
        entry = _record(json.loads(data))
    except (TypeError, IndexError, KeyError, AttributeError, RecursionError) as err:
        raise ValueError(f"not an index entry: {err}") from None
    if not isinstance(entry, (Module, Body, str)):
        raise ValueError("not an index entry")
    return entry


def _plain(value: Any) -> Any:
    kind = type(value)
    tag = _TAGS.get(kind)
    if tag is not None:
        fields = value.__dict__
        return [tag, *[_plain(fields[name]) for name in _FIELDS[tag]]]
    if kind is tuple:
        return [_plain(v) for v in value]
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if is_dataclass(value):
        raise TypeError(f"not an index record: {kind.__name__}")
    return value


# How each field of each record is read back: a plain value ("v"), a tuple
# of plain values ("t"), a record ("r"), a tuple of records ("R"), a dict of
# records ("D"), a record or None ("o"); a dict of plain values stays as it is ("v").
_SPECS: dict[type, str] = {
    Arg: "vvv", Call: "vRvvv", SetAttr: "vvvv", Bind: "vvvvv", If: "vRRv", Loop: "vRv", Raise: "v",
    Return: "vvt", Decorator: "vRv", Function: "vvtRvvoov", ClassDef: "vtDvRvv", Module: "vvvvDDvttv",
    Handler: "vRv", Try: "RRv", Body: "RDv", Source: "vv", Yield: "v",
}
_LAYOUT = tuple((kind, _FIELDS[tag], _SPECS[kind]) for tag, kind in enumerate(RECORDS))
_PLAIN = tuple(set(spec) == {"v"} for _, _, spec in _LAYOUT)


def _record(value: Any) -> Any:
    """The record a `[tag, field, ...]` list holds (a string stays a string)."""
    if type(value) is str:
        return value
    tag = value[0]
    if type(tag) is not int or tag < 0:
        raise TypeError(f"not a record tag: {tag!r}")
    kind, names, spec = _LAYOUT[tag]
    if len(value) != len(names) + 1:
        raise TypeError(f"{kind.__name__}: {len(value) - 1} fields")
    record = object.__new__(kind)
    if _PLAIN[tag]:
        record.__dict__.update(zip(names, value[1:]))
    else:
        record.__dict__.update(zip(names, map(_field, spec, value[1:])))
    return record


def _field(how: str, value: Any) -> Any:
    if how == "v":
        return value
    if how == "R":
        return tuple(map(_record, value))
    if how == "t":
        return tuple(value)
    if how == "D":
        return {k: _record(v) for k, v in value.items()}
    if how == "o" and value is None:
        return None
    return _record(value)
