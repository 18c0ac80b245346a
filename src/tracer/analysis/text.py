"""Words for steps: readable names from code names, and rule text templates."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracer.index.model import Arg

PREPOSITIONS = {"by", "for", "from", "on", "with", "in", "to", "of", "and"}
_STRING = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")  # a string literal, kept whole
_QUALIFIED = re.compile(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)\b")
_FIELD = re.compile(r"\{(\w+)\}")


def words(name: str) -> list[str]:
    """`_check_auto_disk_config` -> [check, auto, disk, config]; CamelCase too."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w.lower() for w in spaced.split("_") if w]


def humanise(name: str, cls: str | None = None) -> str:
    """A readable phrase; a class name goes after the verb: get instance by uuid."""
    ws = words(name)
    if cls:
        noun = words(cls)
        if len(ws) == 1 or (len(ws) > 1 and ws[1] in PREPOSITIONS):
            ws = ws[:1] + noun + ws[1:]
    return " ".join(ws)


def short_value(text: str) -> str:
    """`task_states.PAUSING` -> `PAUSING`; `[vm_states.ACTIVE]` -> `[ACTIVE]`;
    string literals are left as written (`"%s.start" % delete_type`)."""
    parts = _STRING.split(" ".join(text.split()))
    return "".join(part if i % 2 else _QUALIFIED.sub(r"\1", part) for i, part in enumerate(parts))


MAX_VALUE = 48


def arg_value(arg: Arg) -> str:
    """An argument for a note: literals unquoted, names shortened, long
    values cut (`[None, REBOOTING, ...]`)."""
    text = arg.literal if arg.literal is not None else short_value(arg.text)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3].rstrip(" ,") + "..."


def render(template: str, args: tuple[Arg, ...], fields: dict[str, str]) -> str:
    """Fill {0} {kw} {name} {args} ... ; a missing field becomes `?`."""
    positional = [a for a in args if a.keyword is None]
    values = dict(fields)
    values.update({str(i): arg_value(a) for i, a in enumerate(positional)})
    values.update({a.keyword: arg_value(a) for a in args if a.keyword})
    values.setdefault("args", ", ".join(
        f"{a.keyword}={arg_value(a)}" if a.keyword else arg_value(a) for a in args))
    return _FIELD.sub(lambda m: values.get(m.group(1), "?"), template).strip()


def wsd_text(text: str) -> str:
    """Text safe on one WSD line: newlines become the two characters `\\n`."""
    return " ".join(text.replace("\n", "\\n").split()).replace(" \\n ", "\\n")
