"""Words for steps: readable names from code names, and rule text templates."""

from __future__ import annotations

import ast
import re
import string
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from tracer.index.model import Arg

PREPOSITIONS = {"by", "for", "from", "on", "with", "in", "to", "of", "and"}
_STRING = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")  # a string literal, kept whole
_QUALIFIED = re.compile(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)\b")
_FIELD = re.compile(r"\{(\w+)\}")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z%]")


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
    string literals are left as written."""
    parts = _STRING.split(" ".join(text.split()))
    return "".join(part if i % 2 else _QUALIFIED.sub(r"\1", part) for i, part in enumerate(parts))


MAX_VALUE = 48


Constants = Callable[[str], "str | None"]  # the string a named constant holds, if any


def arg_value(arg: Arg, known: Mapping[str, Any] | None = None, constant: Constants | None = None) -> str:
    """An argument for a note: literals unquoted, names shortened, a string
    made by formatting or held by a name written out (`formatted`, `named`),
    long values cut (`[None, REBOOTING, ...]`)."""
    made = (formatted(arg.text, known or {}, constant) or named(arg.text, known or {}, constant)) \
        if arg.literal is None else None
    if made is not None and len(made) > MAX_VALUE:  # a name built from parts ends in what sets it apart
        return "..." + made[3 - MAX_VALUE:]
    text = arg.literal if arg.literal is not None else made or short_value(arg.text)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3].rstrip(" ,") + "..."


def named(text: str, known: Mapping[str, Any], constant: Constants | None = None) -> str | None:
    """The non-empty string a name holds: a parameter the walk knows to hold
    one (`delete_type`, passed 'soft_delete'), or a constant
    (`fields.NotificationPhase.START` -> `start`). None for anything else."""
    if not _DOTTED.fullmatch(text):
        return None
    value = known.get(text)
    if value is None and constant is not None:
        value = constant(text)
    return value if isinstance(value, str) and value else None


def formatted(text: str, known: Mapping[str, Any], constant: Constants | None = None) -> str | None:
    """The string an expression formats, its values filled in: a name the
    walk knows the value of as that value, anything else as <its short
    form>: `'aggregate.%s' % event_suffix` -> `aggregate.<event_suffix>`,
    `"%s.%s" % (action, phase)` with phase='end' -> `<action>.end`; also
    `'{}.start'.format(x)` and f-strings. The template may be a module's
    string constant (`POLICY_ROOT % 'pause'`), read through `constant`.
    None for any other expression."""
    if "%" not in text and "{" not in text and ".format(" not in text:
        return None
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None
    value = lambda n: _filled(n, known)  # noqa: E731
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and \
            (template := _template(node.left, constant)) is not None:
        items = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return _percent(template, [value(n) for n in items])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and (template := _template(node.func.value, constant)) is not None:
        keywords = {k.arg: value(k.value) for k in node.keywords if k.arg}
        return _braces(template, [value(n) for n in node.args], keywords)
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else
                       value(v.value) if isinstance(v, ast.FormattedValue) else "?" for v in node.values)
    return None


def _template(node: ast.expr, constant: Constants | None) -> str | None:
    """A format's template: a string literal, or a constant's string."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if constant is not None and isinstance(node, (ast.Name, ast.Attribute)):
        try:
            return constant(ast.unparse(node))
        except RecursionError:
            return None
    return None


def _filled(node: ast.expr, known: Mapping[str, Any]) -> str:
    """One value put into a formatted string."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.Name) and isinstance(known.get(node.id), (str, int, float)) \
            and not isinstance(known[node.id], bool):
        return str(known[node.id])
    return f"<{short_value(ast.unparse(node))}>"


def _percent(template: str, values: list[str]) -> str | None:
    """`template % values`; None for a mapping's `%(name)s` or a count that does not match."""
    specs = [m for m in _PERCENT.finditer(template) if m.group() != "%%"]
    if len(specs) != len(values) or any(m.group().startswith("%(") or "*" in m.group() for m in specs):
        return None
    rest = iter(values)
    return _PERCENT.sub(lambda m: "%" if m.group() == "%%" else next(rest), template)


def _braces(template: str, args: list[str], keywords: dict[str, str]) -> str | None:
    """`template.format(*args, **keywords)`, each field's spec dropped; None where a field is not given."""
    out, auto = [], iter(range(len(args)))
    try:
        for literal_text, field, _, _ in string.Formatter().parse(template):
            out.append(literal_text)
            if field is None:
                continue
            head = re.split(r"[.\[]", field, maxsplit=1)[0]
            if head == "":
                out.append(args[next(auto)])
            elif head.isdigit():
                out.append(args[int(head)])
            else:
                out.append(keywords[head])
    except (ValueError, IndexError, KeyError, StopIteration):
        return None
    return "".join(out)


def render(template: str, args: tuple[Arg, ...], fields: dict[str, str], known: Mapping[str, Any] | None = None,
           constant: Constants | None = None) -> str:
    """Fill {0} {kw} {name} {args} ... ; a missing field becomes `?`;
    `known`: the values of the caller's parameters the walk knows;
    `constant`: the strings the module's constants hold."""
    positional = [a for a in args if a.keyword is None]
    values = dict(fields)
    value = lambda a: arg_value(a, known, constant)  # noqa: E731
    values.update({str(i): value(a) for i, a in enumerate(positional)})
    values.update({a.keyword: value(a) for a in args if a.keyword})
    values.setdefault("args", ", ".join(f"{a.keyword}={value(a)}" if a.keyword else value(a) for a in args))
    return _FIELD.sub(lambda m: values.get(m.group(1), "?"), template).strip()


def wsd_text(text: str) -> str:
    """Text safe on one WSD line: newlines become the two characters `\\n`."""
    return " ".join(text.replace("\n", "\\n").split()).replace(" \\n ", "\\n")
