"""Read one module with LibCST into an index `Module`.

Expressions are reduced to chains: `self._host.get_guest(x).pause` becomes
`self._host.get_guest().pause`; `()` marks a call's result, `[]` an item.
"""

from __future__ import annotations

import io
import keyword
import tokenize
import warnings
from dataclasses import fields
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Sequence

import libcst as cst

from tracer.index.cache import bodies
from tracer.index.guard import Refused, check
from tracer.index.lines import start_lines
from tracer.index.model import (
    Arg, Bind, Body, Call, ClassDef, Decorator, Event, Function, Handler, If, Loop, Module, Raise, Return, SetAttr,
    Source, Try, Yield,
)
from tracer.index.skeleton import outline

PY2_NAMES = ("async", "await")
MAX_CONSTANT = 200  # characters of a module's string constant kept for notes


def parse(text: str) -> cst.Module:
    """`cst.parse_module` without LibCST's check of every node it builds.

    The parser's own output needs no check (LibCST says as much where it
    makes it, `CSTNode.__post_init__`), and the check is a fifth of a parse.
    """
    check = cst.CSTNode.__post_init__
    cst.CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        cst.CSTNode.__post_init__ = check  # type: ignore[method-assign]


def _unchecked(self: cst.CSTNode) -> None:
    return None


def parse_source(text: str) -> tuple[cst.Module, str | None]:
    """Parse text; on failure retry with Python-2-era `async` names renamed.

    Returns the module and a note saying what was rewritten, if anything.
    Raises cst.ParserSyntaxError when the text still cannot be parsed.
    """
    try:
        return parse(text), None
    except cst.ParserSyntaxError:
        fixed, lines = rename_py2_keywords(text)
        if not lines:
            raise
        return parse(fixed), f"read 'async' used as a name on line {lines[0]}"


def rename_py2_keywords(text: str) -> tuple[str, list[int]]:
    """Rename `async`/`await` used as plain names to `async_`/`await_`."""
    rows = text.splitlines(keepends=True)
    hits: list[tuple[int, int, str]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text, []
    for tok, nxt in zip(tokens, tokens[1:]):
        if tok.type == tokenize.NAME and tok.string in PY2_NAMES and _used_as_name(nxt):
            hits.append((tok.start[0], tok.start[1], tok.string))
    for row, col, word in reversed(hits):
        line = rows[row - 1]
        rows[row - 1] = line[:col] + word + "_" + line[col + len(word):]
    return "".join(rows), sorted({h[0] for h in hits})


def _used_as_name(following: tokenize.TokenInfo) -> bool:
    """`async=False`, `async and x`, `(async)`: a name; `async def`, `await f()`: a keyword."""
    if following.type == tokenize.NAME:
        return keyword.iskeyword(following.string) and following.string not in ("def", "for", "with", "lambda")
    return following.type in (tokenize.OP, tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT)


def build_module(name: str, path: str, is_package: bool, text: str, put_off: bool = True) -> Module:
    """Index one module's source text (raises cst.ParserSyntaxError, and
    guard.Refused for what LibCST must not be given); the bodies of its
    functions are indexed when first asked for (skeleton.py) unless
    `put_off` is False."""
    found = outline(text) if put_off else None
    if found is not None:
        try:
            check(found.text)
        except Refused as err:
            raise Refused(found.real[err.line], err.why) from None
        try:
            return _Builder(name, path, is_package, parse(found.text), None, spans=found.spans,
                            lines=text.split("\n"), real=found.real, attrs=found.attrs).module()
        except cst.ParserSyntaxError:
            pass  # read whole below: the same error, or Python-2-era names put right
    check(text)
    tree, note = parse_source(text)
    return _Builder(name, path, is_package, tree, note).module()


def build_body(fn: Function) -> Body:
    """The body of a function whose module was indexed without it, from the
    index cache or parsed (and kept there)."""
    assert fn.source is not None
    cache = bodies.cache
    key = cache.body_key(fn.qualname, fn.source.line, fn.source.text) if cache else b""
    found = cache.load(key) if cache else None
    if isinstance(found, Body):
        return found
    body = _parse_body(fn, fn.source)
    if cache:
        cache.store(key, body)
    return body


def _parse_body(fn: Function, source: Source) -> Body:
    """Index a function's body from its text; an empty body and the reason
    when LibCST cannot take it."""
    text, line = source.text, source.line
    try:
        check(text)
        if text[:1] in (" ", "\t"):  # a method: put under a block so its indentation holds
            tree = parse("if 1:\n" + text)
            node, offset = tree.body[0].body.body[0], line - 2  # type: ignore[attr-defined]
        else:
            tree = parse(text)
            node, offset = tree.body[0], line - 1
        # no module facts come from here: a body that imports is never put off (skeleton.py)
        built = _Builder("", "", False, tree, None, offset=offset)._function(node, fn.qualname)  # type: ignore[arg-type]
    except cst.ParserSyntaxError as err:
        return Body((), {}, f"cannot read the body of {fn.name}() (syntax error: {err.message}); not walked")
    except Refused as err:
        return Body((), {}, f"cannot read the body of {fn.name}() ({err.why}); not walked")
    except RecursionError:
        return Body((), {}, f"cannot read the body of {fn.name}() (an expression nested too deep for the tracer "
                            f"to index); not walked")
    return built.parsed()


class _Builder:
    def __init__(self, name: str, path: str, is_package: bool, tree: cst.Module, note: str | None,
                 spans: dict[int, int] | None = None, lines: list[str] | None = None, offset: int = 0,
                 real: list[int] | None = None, attrs: dict[int, dict[str, str]] | None = None) -> None:
        self.name, self.path, self.is_package = name, path, is_package
        self.tree = tree
        self.starts = start_lines(tree)
        if real:  # parsed from an outline: its lines back to the module's
            self.starts = {k: real[v] for k, v in self.starts.items()}
        elif offset:
            self.starts = {k: v + offset for k, v in self.starts.items()}
        self.spans = spans or {}  # def line -> last line, of the functions whose bodies were left out
        self.attrs = attrs or {}  # def line -> what such a body sets on `self`
        self.lines = lines or []
        self.note = note
        self.imports: dict[str, str] = {}
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, ClassDef] = {}
        self.assigns: dict[str, str] = {}
        self.constants: dict[str, str] = {}
        self.stars: list[str] = []

    def module(self) -> Module:
        self._top(self.tree.body)
        problems = (f"{self.path}: {self.note}",) if self.note else ()
        return Module(self.name, self.path, self.is_package, self.imports,
                      self.functions, self.classes, self.assigns, problems, tuple(self.stars), self.constants)

    def line(self, node: cst.CSTNode) -> int:
        """The line a node starts on: its own, or its first recorded child's."""
        if not isinstance(node, cst.Decorator) and id(node) in self.starts:
            return self.starts[id(node)]
        for child in _kids(node):
            if (found := self.line(child)):
                return found
        return 0

    # module level -------------------------------------------------------
    def _top(self, body: Sequence[cst.CSTNode]) -> None:
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef):
                fn = self._function(stmt, stmt.name.value)
                self.functions[fn.name] = fn
            elif isinstance(stmt, cst.ClassDef):
                self.classes[stmt.name.value] = self._class(stmt)
            elif isinstance(stmt, (cst.If, cst.Try, cst.With)):
                self._top(_blocks(stmt))
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._top_small(small)

    def _top_small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
            self.stars.append(_import_base(small, self.name, self.is_package))
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            self.imports.update(_imports(small, self.name, self.is_package))
        elif isinstance(small, cst.Assign):
            value, text = chain(small.value) or "", _constant(small.value)
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    self.assigns.setdefault(target.target.value, value)
                    if text is not None:
                        self.constants.setdefault(target.target.value, text)

    # classes and functions ---------------------------------------------
    def _class(self, node: cst.ClassDef) -> ClassDef:
        bases = tuple(c for a in node.bases if a.keyword is None and (c := chain(a.value)))
        methods: dict[str, Function] = {}
        init: dict[str, str] = {}
        other: dict[str, str] = {}
        body: dict[str, str] = {}
        constants: dict[str, str] = {}
        for stmt in _flat(node.body.body):
            if isinstance(stmt, cst.FunctionDef):
                fn = self._function(stmt, f"{node.name.value}.{stmt.name.value}")
                accessor = any(d.name.endswith((".setter", ".deleter")) for d in fn.decorators)
                if not (accessor and fn.name in methods):  # a property is its getter
                    methods[fn.name] = fn
                found = self.attrs.get(fn.line, {}) if fn.body is None else _self_attrs(stmt)
                if fn.name == "__init__":
                    init.update(found)
                else:
                    other.update({k: v for k, v in found.items() if k not in other})
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and isinstance(small.targets[0].target, cst.Name):
                        body.setdefault(small.targets[0].target.value, chain(small.value) or "")
                        if (text := _constant(small.value)) is not None:  # `START = 'start'`
                            constants.setdefault(small.targets[0].target.value, text)
        attrs = {**other, **body, **init}  # __init__ wins, then the class body
        return ClassDef(node.name.value, bases, methods, attrs,
                        self._decorators(node.decorators), self.line(node), constants)

    def _function(self, node: cst.FunctionDef, qualname: str) -> Function:
        params = tuple(p.name.value for p in _all_params(node.params))
        defaults = {p.name.value: value for p in _all_params(node.params)
                    if p.default is not None and (value := _default(p.default)) is not _NO_DEFAULT}
        decorators = self._decorators(node.decorators)
        is_cm = any(d.name.split(".")[-1].endswith("classmethod") for d in decorators)
        line = self.line(node.name)
        if line in self.spans:  # its body was left out: kept as text until asked for
            source = Source("\n".join(self.lines[line - 1:self.spans[line]]) + "\n", line)
            return Function(node.name.value, qualname, params, decorators, line, is_cm, source=source,
                            defaults=defaults)
        events = tuple(self._body(_suite(node.body)))
        nested = {n.name.value: self._function(n, f"{qualname}.{n.name.value}")
                  for n in _inner_defs(node.body)}
        return Function(node.name.value, qualname, params, decorators, line, is_cm, Body(events, nested),
                        defaults=defaults)

    def _decorators(self, decorators: Sequence[cst.Decorator]) -> tuple[Decorator, ...]:
        out = []
        for d in decorators:
            expr = d.decorator
            args: tuple[Arg, ...] = ()
            if isinstance(expr, cst.Call):
                args = self._args(expr.args)
                expr = expr.func
            out.append(Decorator(chain(expr) or self.code(expr), args, self.line(d)))
        return tuple(out)

    def code(self, node: cst.CSTNode) -> str:
        return self.tree.code_for_node(node)

    def _args(self, args: Sequence[cst.Arg]) -> tuple[Arg, ...]:
        out = []
        for a in args:
            kw = a.keyword.value if a.keyword else None
            lit = None
            if isinstance(a.value, (cst.SimpleString, cst.ConcatenatedString)):
                with warnings.catch_warnings():  # old code has '\d' in plain strings
                    warnings.simplefilter("ignore")
                    val = a.value.evaluated_value
                lit = val if isinstance(val, str) else None
            out.append(Arg(kw, a.star + " ".join(self.code(a.value).split()), lit))  # `*args`, `**kw` keep their stars
        return tuple(out)

    # statements -> events ----------------------------------------------
    def _body(self, body: Iterable[cst.CSTNode]) -> list[Event]:
        events: list[Event] = []
        for stmt in body:
            events.extend(self._statement(stmt))
        return events

    def _statement(self, stmt: cst.CSTNode) -> list[Event]:
        if isinstance(stmt, cst.SimpleStatementLine):
            return [e for small in stmt.body for e in self._small(small)]
        if isinstance(stmt, cst.If):
            return self._if(stmt)
        if isinstance(stmt, (cst.For, cst.While)):
            head = stmt.iter if isinstance(stmt, cst.For) else stmt.test
            label = self.code(stmt.target) + " in " + self.code(head) \
                if isinstance(stmt, cst.For) else self.code(head)
            return self._calls(head) + [Loop(" ".join(label.split()), tuple(self._body(_suite(stmt.body))),
                                             self.line(stmt))]
        if isinstance(stmt, cst.Try):
            handlers = tuple(Handler(" ".join(self.code(h.type).split()) if h.type else "",
                                     tuple(self._body(_suite(h.body))), self.line(h)) for h in stmt.handlers)
            out: list[Event] = [Try(tuple(self._body(_suite(stmt.body))), handlers, self.line(stmt))]
            if stmt.orelse:
                out += self._body(_suite(stmt.orelse.body))
            if stmt.finalbody:
                out += self._body(_suite(stmt.finalbody.body))
            return out
        if isinstance(stmt, cst.With):
            return self._with(stmt)
        return []  # nested def/class: indexed nowhere, walked never

    def _with(self, stmt: cst.With) -> list[Event]:
        """Item by item, as Python runs them: the manager's calls, its
        `__enter__` (`with X(...)`, `with self.x`), the `as` name bound to
        what `__enter__` returns; then the body, and the `__exit__`s in
        reverse. An `as` target that is a tuple or an attribute binds nothing."""
        out: list[Event] = []
        leave: list[Event] = []
        for item in stmt.items:
            out += self._calls(item.item)
            manager, line = chain(item.item), self.line(item.item)
            if manager is None:
                continue
            base = manager[:-2] if isinstance(item.item, cst.Call) else manager
            if "(" not in base and "[" not in base:
                out.append(Call(f"{manager}.__enter__", (), line, False, True))
                leave.insert(0, Call(f"{manager}.__exit__", (), line, False, True))
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                out.append(Bind(item.asname.name.value, f"{manager}.__enter__()", self.line(item.asname.name)))
        return out + self._body(_suite(stmt.body)) + leave

    def _if(self, stmt: cst.If) -> list[Event]:
        orelse: list[Event] = []
        if isinstance(stmt.orelse, cst.If):
            orelse = self._if(stmt.orelse)
        elif isinstance(stmt.orelse, cst.Else):
            orelse = self._body(_suite(stmt.orelse.body))
        test = " ".join(self.code(stmt.test).split())
        body = self._body(_suite(stmt.body))
        return self._calls(stmt.test) + [If(test, tuple(body), tuple(orelse), self.line(stmt))]

    def _small(self, small: cst.BaseSmallStatement) -> list[Event]:
        if isinstance(small, cst.Raise):
            return [Raise(self.line(small))]
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            self.imports.update(_imports(small, self.name, self.is_package))
            return []
        if isinstance(small, cst.Assert):
            return []
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Yield):
            return self._calls(small.value) + [Yield(self.line(small))]
        if isinstance(small, cst.Return):
            if small.value is None:
                return [Return("", self.line(small))]
            items = tuple(value_chain(e.value) or "" for e in small.value.elements) \
                if isinstance(small.value, cst.Tuple) else ()
            return self._calls(small.value) + [Return(value_chain(small.value) or "", self.line(small), items)]
        if isinstance(small, cst.Assign):
            out = self._calls(small.value)
            for t in small.targets:
                out += self._assigned(t.target, small.value)
            return out
        if isinstance(small, (cst.AnnAssign, cst.AugAssign)) and small.value is not None:
            return self._calls(small.value)
        return self._calls(small)

    def _assigned(self, target: cst.BaseExpression, value: cst.BaseExpression) -> list[Event]:
        line = self.line(target)
        if isinstance(target, cst.Attribute) and (owner := chain(target.value)):
            return [SetAttr(owner, target.attr.value, " ".join(self.code(value).split()), line)]
        if isinstance(target, cst.Name) and (val := value_chain(value)):
            return [Bind(target.value, val, line)]
        if isinstance(target, cst.Name) and isinstance(value, cst.SimpleString) and \
                isinstance(text := _string(value), str):
            return [Bind(target.value, "", line, literal=text)]
        if isinstance(target, (cst.Tuple, cst.List)) and (val := value_chain(value)) and val.endswith(")"):
            return [Bind(e.value.value, val, line, i) for i, e in enumerate(target.elements)
                    if isinstance(e, cst.Element) and isinstance(e.value, cst.Name)]
        return []

    def _calls(self, node: cst.CSTNode) -> list[Event]:
        out: list[Event] = []
        for call, nested in _iter_calls(node):
            text = chain(call.func)
            dotted = text is not None and "(" not in text and "[" not in text
            out.append(Call(text or "?", self._args(call.args), self.line(call), dotted, nested))
        return out


def _kids(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Direct children in field order (cheaper than LibCST's `children`),
    whitespace and punctuation left out: nothing the index reads is in them,
    and they are half the nodes."""
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if _is_content(value):
            yield value
        elif type(value) is tuple or type(value) is list:
            yield from (v for v in value if _is_content(v))


@lru_cache(maxsize=None)
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def _type_test(*bases: type, but: tuple[type, ...] = ()) -> Callable[[object], bool]:
    """isinstance(x, bases) and not isinstance(x, but), answered once per
    concrete type: LibCST's base classes are ABCs, whose isinstance checks
    cost more than the walk."""
    known: dict[type, bool] = {}

    def test(value: object) -> bool:
        kind = type(value)
        hit = known.get(kind)
        if hit is None:
            hit = known[kind] = issubclass(kind, bases) and not issubclass(kind, but)
        return hit
    return test


_PUNCTUATION = (cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace, cst.Newline, cst.Comment,
                cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
                cst.RightCurlyBrace, cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual, cst.BaseBinaryOp,
                cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp, cst.ImportStar, cst.Asynchronous)
_is_content = _type_test(cst.CSTNode, but=_PUNCTUATION)  # a node other than whitespace or punctuation
_is_statement_part = _type_test(cst.BaseSmallStatement, cst.BaseCompoundStatement, cst.BaseSuite,
                                cst.SimpleStatementLine, cst.Else, cst.ExceptHandler, cst.Finally)
_is_def = _type_test(cst.FunctionDef, cst.ClassDef)
_is_opaque = _type_test(cst.ClassDef, cst.Lambda, cst.BaseExpression)


def _iter_calls(node: cst.CSTNode, nested: bool = False) -> Iterator[tuple[cst.Call, bool]]:
    """Calls in evaluation order (post-order), not inside lambdas or defs;
    `nested` when the call is an argument of another call."""
    if isinstance(node, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
        return
    if isinstance(node, cst.Call):
        yield from _iter_calls(node.func, nested)
        for arg in node.args:
            yield from _iter_calls(arg, True)
        yield node, nested
        return
    for kid in _kids(node):
        yield from _iter_calls(kid, nested)


def chain(expr: cst.CSTNode) -> str | None:
    """`a.b(x).c` -> 'a.b().c'; None for anything else (literals, operators)."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        head = chain(expr.value)
        return f"{head}.{expr.attr.value}" if head else None
    if isinstance(expr, cst.Call):
        head = chain(expr.func)
        return f"{head}()" if head else None
    if isinstance(expr, cst.Subscript):
        head = chain(expr.value)
        return f"{head}[]" if head else None
    return None


def _string(node: cst.SimpleString) -> str | bytes:
    """A string literal's value; the project's own invalid escapes (`'\\s'`) warn nobody."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (SyntaxWarning, DeprecationWarning))
        return node.evaluated_value


def value_chain(expr: cst.CSTNode) -> str | None:
    """The chain a value most likely holds: `x or API()` -> 'API()'."""
    if isinstance(expr, cst.BooleanOperation):
        return value_chain(expr.right) or value_chain(expr.left)
    if isinstance(expr, cst.IfExp):
        return value_chain(expr.body) or value_chain(expr.orelse)
    if isinstance(expr, cst.Name) and expr.value in ("None", "True", "False"):
        return None  # `self._client = None` until set: the later value tells
    return chain(expr)


def _imports(node: cst.Import | cst.ImportFrom, module: str, is_package: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = _dotted_name(alias.name)
            if alias.asname:
                out[alias.asname.name.value] = full
            else:
                out[full.split(".")[0]] = full.split(".")[0]
        return out
    base = _import_base(node, module, is_package)
    if isinstance(node.names, cst.ImportStar):
        return out
    for alias in node.names:
        name = _dotted_name(alias.name)
        local = alias.asname.name.value if alias.asname else name
        out[local] = f"{base}.{name}" if base else name
    return out


def _import_base(node: cst.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a `from ... import` reads from."""
    base = _dotted_name(node.module) if node.module else ""
    if node.relative:
        parts = module.split(".") if is_package else module.split(".")[:-1]
        up = len(node.relative) - 1
        parts = parts[: len(parts) - up] if up else parts
        base = ".".join(p for p in [*parts, base] if p)
    return base


def _dotted_name(node: cst.CSTNode) -> str:
    return chain(node) or ""


def _self_attrs(fn: cst.FunctionDef) -> dict[str, str]:
    """`self.x = value` anywhere in a method (first one wins)."""
    found: dict[str, str] = {}
    for node in _iter_assigns(fn.body):
        for t in node.targets:
            tgt = t.target
            if isinstance(tgt, cst.Attribute) and isinstance(tgt.value, cst.Name) \
                    and tgt.value.value == "self" and (val := value_chain(node.value)):
                found.setdefault(tgt.attr.value, val)
    return found


def _iter_assigns(node: cst.CSTNode) -> Iterator[cst.Assign]:
    if type(node) is cst.Assign:
        yield node
    elif _is_statement_part(node) and not _is_def(node):
        for kid in _kids(node):
            yield from _iter_assigns(kid)


def _inner_defs(node: cst.CSTNode) -> Iterator[cst.FunctionDef]:
    """Functions defined in a function's body, in blocks too, not deeper."""
    for kid in _kids(node):
        if isinstance(kid, cst.FunctionDef):
            yield kid
        elif not _is_opaque(kid):
            yield from _inner_defs(kid)


def _constant(value: cst.BaseExpression) -> str | None:
    """The string a constant is set to, when short (a policy name, a
    notification's phase: for notes), else None."""
    text = _string(value) if isinstance(value, cst.SimpleString) else None
    return text if isinstance(text, str) and len(text) <= MAX_CONSTANT else None


_NO_DEFAULT = object()


def _default(node: cst.BaseExpression) -> object:
    """A parameter's default when it is a plain literal (a string, a number,
    True, False, None), else _NO_DEFAULT."""
    if isinstance(node, cst.SimpleString):
        value = _string(node)
        return value if isinstance(value, str) else _NO_DEFAULT
    if isinstance(node, cst.Integer):
        try:
            return int(node.value, 0)  # 10, 0x1f, 1_000
        except ValueError:  # a Python-2-era octal (0755)
            return _NO_DEFAULT
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    return _NO_DEFAULT


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    out = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.append(star)
    return out


def _suite(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return body.body if isinstance(body, cst.IndentedBlock) else [body]


def _blocks(stmt: cst.CSTNode) -> list[cst.CSTNode]:
    """Statements inside module-level if/try/with (imports guarded for py2)."""
    out: list[cst.CSTNode] = list(_suite(stmt.body))
    for h in getattr(stmt, "handlers", ()):
        out += list(_suite(h.body))
    orelse = getattr(stmt, "orelse", None)
    if isinstance(orelse, cst.If):
        out += _blocks(orelse)
    elif orelse is not None:
        out += list(_suite(orelse.body))
    return out


def _flat(body: Sequence[cst.CSTNode]) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    for stmt in body:
        out += _blocks(stmt) if isinstance(stmt, (cst.If, cst.Try)) else [stmt]
    return out
