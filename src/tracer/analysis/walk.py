"""Walk an operation from its entry function into diagram statements.

The walk follows calls in execution order. A call that crosses into another
participant is a message (and the walk goes on inside); an RPC cast or call
is a message to the service the rules name, continued in its manager; rules
turn some calls into notes or database messages; helpers that stay inside
one participant are inlined, or drawn as a note when nothing happens in
them. Every function that draws something starts with an anchor comment.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterator

if TYPE_CHECKING:
    import networkx as nx


from tracer.analysis.decide import UNKNOWN, Options, decide, literal
from tracer.analysis.flows import Added, Cond, arrange
from tracer.analysis.fold import guard, negate
from tracer.analysis.limits import DETAILS, Limits  # noqa: F401 (DETAILS: for importers)
from tracer.analysis.memo import CalleeMemo, Check, Kept, frame_key
from tracer.analysis.plugins import Plugins, defined_targets
from tracer.index.options import UNSET
from tracer.analysis.resolve import UNDECIDED, Context, Ref, Resolver, without_args
from tracer.analysis.sequence import rename
from tracer.analysis.services import Request, Services
from tracer.analysis.steps import STOPPED, Landmark, _trim, reading, sends, common_ends, has_message, messages_only, size, without_reads
from tracer.analysis.text import humanise, named, render, short_value, words, wsd_text
from tracer.globs import any_match, matches
from tracer.index.model import Arg, Bind, Call, Event, Function, If, Loop, Raise, Return, SetAttr, Try, Yield, straight
from tracer.problems import TracerError
from tracer.rules import ClientRule, FlowRule, NoteRule, PersistRule, PluginRule, RpcRule, Rules
from tracer.wsd.model import Branch, Comment, Group, Lifeline, Message, Note, Statement

BUILTINS = set(dir(builtins))
_MANAGED = (".__enter__", ".__exit__")  # the calls a `with X(...)` or `with self.x` makes
_YIELDED = Comment("\0yield")  # where a generator context manager hands over: never drawn (_at_yield)
_CHAIN = re.compile(r"^[A-Za-z_][\w.()\[\]]*$")


@dataclass(frozen=True)
class Unresolved:
    """A call the walk did not follow (unresolved, or stopped by a limit), or
    followed but drawn folded (`folded`: only what the helper sends)."""

    where: str            # path:line
    call: str
    reason: str
    limit: bool = False
    folded: bool = False


@dataclass
class Frame:
    ref: Ref
    path: str
    fn: Function
    ctx: Context
    participant: str
    depth: int
    inline: int
    changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # obj -> field -> values
    locals: set[str] = field(default_factory=set)
    known: dict[str, Any] = field(default_factory=dict)  # parameters passed as literals
    passed: dict[str, str] = field(default_factory=dict)  # parameter -> the caller's argument text
    aliases: dict[str, str] = field(default_factory=dict)  # local -> the chain it holds
    callbacks: dict[str, tuple["Frame", Function | Ref]] = field(default_factory=dict)  # parameter -> the caller's function
    alternatives: dict[str, tuple[Ref, Ref]] = field(default_factory=dict)  # local -> what each if/else arm bound
    reanchor: bool = True
    started: bool = False
    followed: bool = False  # walked for a call (_follow): its `yield` is marked
    level: int = 0  # the conditions open when its walk began
    # a `with` block's closing steps (its manager's after its `yield`): its anchor, the
    # steps, and where the steps before them ended (the anchor is left out right there)
    exits: dict[tuple[int, str], tuple[Comment, list[Statement], list[Statement], int]] = \
        field(default_factory=dict)

    @property
    def anchor(self) -> Comment:
        return Comment(f"{self.path} {self.fn.name}()")


@dataclass
class Walk:
    statements: list[Statement]
    edges: list[tuple[str, str, dict[str, str]]]  # caller, callee, {line, kind, via}
    unresolved: list[Unresolved]
    external: int = 0
    roles: dict[str, str] = field(default_factory=dict)

    def graph(self) -> "nx.DiGraph":
        """The call graph walked, as networkx (imported here: only `explain`
        needs it, and it is a fifth of a warm run's start-up)."""
        import networkx as nx

        graph = nx.DiGraph()
        for caller, callee, data in self.edges:
            graph.add_edge(caller, callee, **data)
        return graph


def _raises(events: tuple[Event, ...]) -> bool:
    return any(isinstance(e, Raise) for e in straight(events))


def _reads(name: str) -> bool:
    """Is reading what a function is for (`get_instance`, `_show`)?"""
    return reading(" ".join(words(name)))


def _receiver(ref: Ref) -> tuple[str, str | None]:
    """A function and the class of `self` it runs with (a method's own class
    where the caller's is not known)."""
    return ref.name, ref.bound or (ref.owner if ref.kind == "method" else None)


def _reply(source: str, target: str, text: str) -> Message:
    """The answer to a message that activated `source`: dashed, and ending it."""
    return Message(source, target, text, style="dotted", activation="-")


def _change(fields: dict[str, list[str]], name: str, value: str) -> None:
    """Record `obj.name = value`; values set on other paths are kept as 'or'."""
    values = fields.setdefault(name, [])
    if value not in values:
        values.append(value)


def _params(ref: Ref, fn: Function) -> tuple[str, ...]:
    """The parameters a call's arguments fill (without `self`/`cls`)."""
    if ref.kind == "method" and fn.params and fn.params[0] in ("self", "cls"):
        return fn.params[1:]
    return fn.params


def _every(events: tuple[Event, ...]) -> Iterator[Event]:
    """Each event in source order, inside branches and loops too."""
    for ev in events:
        yield ev
        if isinstance(ev, If):
            yield from _every(ev.body)
            yield from _every(ev.orelse)
        elif isinstance(ev, Loop):
            yield from _every(ev.body)
        elif isinstance(ev, Try):
            yield from _every(ev.body)
            for handler in ev.handlers:
                yield from _every(handler.events)


def _pairs(call: Call, params: tuple[str, ...]) -> list[tuple[str, Arg]]:
    """(parameter, argument) for the positional arguments, then every keyword
    argument (a keyword the parameters lack may still travel in `**kw`)."""
    positional = []
    for a in call.args:
        if a.text.startswith("*"):
            break  # `*args`: which parameters the rest fill is not known here
        if a.keyword is None:
            positional.append(a)
    return [*zip(params, positional), *((a.keyword, a) for a in call.args if a.keyword)]


def _passed(call: Call, params: tuple[str, ...]) -> dict[str, str]:
    """Each parameter the call fills, with the text of the argument given."""
    return {name: arg.text for name, arg in _pairs(call, params) if name in params}


def _lambda_call(text: str, line: int) -> Call | None:
    """`lambda: self._get_flow(task)` as the call it makes when run (a
    lambda without parameters whose body is one call of a dotted name)."""
    if not text.startswith("lambda"):
        return None
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not (isinstance(node, ast.Lambda) and not node.args.args and not node.args.vararg
            and not node.args.kwarg and isinstance(node.body, ast.Call)):
        return None
    callee = ast.unparse(node.body.func)
    if not _CHAIN.match(callee):
        return None
    lit = lambda v: v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else None  # noqa: E731
    args = [Arg(None, ast.unparse(a), lit(a)) for a in node.body.args] + \
        [Arg(k.arg, ast.unparse(k.value), lit(k.value)) for k in node.body.keywords if k.arg]
    return Call(callee, tuple(args), line, nested=True)


def _manager(fn: Function) -> bool:
    """Is the function a context manager made of a generator (`@contextlib.contextmanager`)?"""
    return any(d.name.rsplit(".", 1)[-1] == "contextmanager" for d in fn.decorators)


def _at_yield(steps: list[Statement]) -> tuple[list[Statement], list[Statement]]:
    """The steps before and after a generator context manager's `yield`
    (all of them and none where it has none)."""
    for i, step in enumerate(steps):
        if step == _YIELDED:
            return steps[:i], steps[i + 1:]
    return steps, []


def _returns(events: tuple[Event, ...]) -> bool:
    return bool(events) and isinstance(events[-1], Return)


def _value(text: str) -> str:
    """An assigned value for a message: constants by their last name, calls
    by their callee (`self._get_power_state(ctx, i)` -> `_get_power_state()`)."""
    if "(" in text:
        head = text.split("(", 1)[0].strip()
        if _CHAIN.match(head):
            parts = [p for p in head.split(".") if p != "self"]
            return ".".join(parts[-2:]) + "()"
    return short_value(text)


class Walker:
    def __init__(self, resolver: Resolver, rules: Rules, limits: Limits = Limits(),
                 services: Services | None = None, visiting: frozenset[tuple[str, str]] = frozenset(),
                 memo: CalleeMemo | None = None) -> None:
        self.r = resolver
        self.rules = rules
        self.limits = limits
        self.services = services or Services()
        self.visiting = visiting  # (service, operation) walked into above this walk
        self.remote_size = 0  # steps drawn by other services' walks
        self.walked: set[tuple[str, str]] = set()  # (service, operation) drawn in this draft, shared below
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.unresolved: list[Unresolved] = []
        self.external = 0
        self.count = 0
        self.stack: list[str] = []
        # (function, receiver class) of each frame walked into: one base method run by
        # a chain of proxy classes (`super().add()` in each layer) is not a recursion
        self.receivers: list[tuple[str, str | None]] = []
        self.roles: dict[str, str] = {}  # role participant -> its service
        self.stopped = False
        self.entry = ""  # the participant the operation starts in
        self.processes: set[str] = set()
        self.said: set[str] = set()  # options whose default a note has named
        self.served: set[tuple[str, str]] = set()  # (service, RPC method) walked in this draft
        self.pending: list[list[Statement]] = []  # per scope: the work of casts sent in it
        self.tasks: list[Added] = []  # task classes of the flow built last
        self.flow_ran = False
        self.lines: dict[int, dict[int, list[Call]]] = {}  # id(function) -> its calls by line
        self.conditions: list[Cond] = []  # the if arms and loops being walked (tasks added there run there)
        self.plugins = Plugins(rules.plugins, resolver.tree)
        self.flow_ends = {p.rsplit(".", 1)[-1] for r in rules.flows for p in (r.add, *r.run)}  # calls resolved
        # callee walks kept for reuse (tracer.analysis.memo), and what they ask of the state here
        self.memo = memo
        self.checks: list[Check] = []  # each look at the stack, the options named, the RPC methods served
        self.peak = 0                  # the largest count seen at a step-limit check
        self.deepest = 0               # the deepest frame asked for
        self.depth_stops = 0           # calls the depth limit stopped
        self.unkept = 0                # requests walked on, flows, plugins, bodies not read: their walks are not kept

    def walk(self, entry: Ref, participant: str, message: str) -> Walk:
        self.entry = participant
        self.r.tree.trail.clear()  # what this walk reads from here on
        self.processes = {participant, *(r.service for r in self.rules.rpc)}  # the services: one process each
        out: list[Statement] = [Message(self.rules.client, participant, message, activation="+")]
        frame = self._frame(entry, participant, {}, depth=0, inline=0)
        self.pending.append([])
        if frame is not None:
            out += self._function(frame)
        out.append(Lifeline("deactivate", participant))  # the operation has answered
        out += self.pending.pop()
        return Walk(out, self.edges, self.unresolved, self.external, self.roles)

    def _scoped(self, run: Callable[[], list[Statement]]) -> list[Statement]:
        """The steps `run` draws, then the work of the casts sent among them:
        a cast does not wait, so what it starts comes after the sender's
        remaining steps (in a branch: at the branch's end)."""
        self.pending.append([])
        steps = run()
        return steps + self.pending.pop()

    # frames ----------------------------------------------------------------
    def _frame(self, ref: Ref, participant: str, env: dict[str, Ref], depth: int,
               inline: int) -> Frame | None:
        found = self.r.find_function(ref.name)
        if found is None:
            return None
        mod, cls, fn = found
        defining = f"{mod.name}.{cls.name}" if cls else None
        self_cls = ref.bound if ref.kind == "method" and ref.bound and defining else defining
        ctx = Context(mod.name, self_cls, tuple(env.items()), defining)
        return Frame(ref, mod.path, fn, ctx, participant, depth, inline)

    def _function(self, frame: Frame) -> list[Statement]:
        frame.level = len(self.conditions)
        self.stack.append(frame.ref.name)
        self.receivers.append(_receiver(frame.ref))
        out: list[Statement] = []
        for deco in frame.fn.decorators:
            rule = self._note_rule(deco=deco.name)
            if rule:
                self._emit(frame, out, Landmark("over", (frame.participant,),
                                                render(rule.text, deco.args, {"name": humanise(deco.name)})))
        if (problem := frame.fn.parsed().problem):
            self.unkept += 1  # reported by the walk that meets it
            self.r.tree.report(f"{frame.path}:{frame.fn.line}: {problem}")
        self._events(frame, frame.fn.events, out)
        self.stack.pop()
        self.receivers.pop()
        return out

    def _looked(self, check: Check) -> bool:
        """Is the function on the stack (the option named, the RPC method
        served)? The question is kept for the callee walks around this one
        (tracer.analysis.memo)."""
        self.checks.append(check)
        return self._present(check)

    def _role_of(self, participant: str) -> str | None:
        """The service a host-role participant is of (None: no role); the
        answer is kept for the callee walks around this one, as a check."""
        service = self.roles.get(participant)
        self.checks.append(("role", (participant, service)))
        return service

    def _present(self, check: Check, said: set[str] | None = None, served: set[tuple[str, str]] | None = None,
                 roles: dict[str, str] | None = None) -> bool:
        """The answer to a check now (or, for the sets that only grow, in the
        ones given: as they were when a walk started)."""
        kind, item = check
        if kind == "role":  # (participant, the service it was of): still so?
            return (self.roles if roles is None else roles).get(item[0]) == item[1]
        if kind == "receiver":
            return item in self.receivers
        if kind == "stack":
            return item in self.stack
        if kind == "said":
            return item in (self.said if said is None else said)
        return item in (self.served if served is None else served)

    def _walked(self, inner: Frame) -> list[Statement]:
        """`_function(inner)`: a walk kept from the same call made before
        where it holds here, else walked (and kept)."""
        if self.memo is None or inner.callbacks:
            return self._function(inner)
        key = frame_key(inner.ref, inner.participant, inner.ctx.env, self._inline_class(inner.inline),
                        inner.known, inner.passed, self.entry)
        kept = self.memo.usable(key, inner.depth, self.count, self._present)
        if kept is not None:
            return self._replay(kept, inner)
        return self._record(key, inner, self.memo)

    def _inline_class(self, inline: int) -> int:
        """What a walk's helper nesting can change: the walk only asks whether
        a frame is the participant's own (0), a first helper (<= 1) or past the
        helpers drawn (> limits.helpers), and each frame under it is as deep or
        deeper; from max(2, helpers + 1) on, every answer is the same."""
        return min(inline, max(2, self.limits.helpers + 1))

    def _record(self, key: Hashable, inner: Frame, memo: CalleeMemo) -> list[Statement]:
        """`_function(inner)`, kept in `memo` with what it asked and did
        (unless it met what is never kept, or the step limit)."""
        tree, scope = self.r.tree, self.pending[-1]
        checks, trail, edges, unresolved = len(self.checks), len(tree.trail), len(self.edges), len(self.unresolved)
        external, count, stops, unkept, sent = self.external, self.count, self.depth_stops, self.unkept, len(scope)
        roles, said, served = dict(self.roles), set(self.said), set(self.served)
        outer_peak, outer_deepest = self.peak, self.deepest
        self.peak, self.deepest = count, inner.depth
        steps = self._function(inner)
        peak, deepest = self.peak, self.deepest
        self.peak, self.deepest = max(outer_peak, peak), max(outer_deepest, deepest)
        if self.unkept == unkept and not self.stopped:
            looked = frozenset(self.checks[checks:])
            memo.keep(key, Kept(
                tuple(steps), {t: {f: tuple(v) for f, v in fs.items()} for t, fs in inner.changes.items()},
                tuple(self.edges[edges:]), tuple(self.unresolved[unresolved:]), self.external - external,
                self.count - count, peak - count, inner.depth, deepest - inner.depth, self.depth_stops != stops,
                looked, frozenset(c for c in looked if self._present(c, said, served, roles)),
                tuple((k, v) for k, v in self.roles.items() if roles.get(k) != v),
                frozenset(self.said - said), frozenset(self.served - served), tuple(scope[sent:]),
                tree.trail_since(trail)))
        return steps

    def _replay(self, kept: Kept, inner: Frame) -> list[Statement]:
        """What a kept walk did, done again; its steps."""
        self.edges += kept.edges
        self.unresolved += kept.unresolved
        self.external += kept.external
        self.peak = max(self.peak, self.count + kept.peak)
        self.count += kept.counted
        self.deepest = max(self.deepest, inner.depth + kept.deepest)
        self.depth_stops += kept.stopped_deep
        self.checks += kept.checks
        self.roles.update(kept.roles)
        self.said |= kept.said
        self.served |= kept.served
        self.pending[-1] += kept.pending
        self.r.tree.reread(kept.reads)
        inner.changes = {t: {f: list(v) for f, v in fs.items()} for t, fs in kept.changes.items()}
        return list(kept.steps)

    def _emit(self, frame: Frame, out: list[Statement], *stmts: Statement, new: int | None = None) -> None:
        """Append steps under this function's anchor. When the steps open with
        a helper's anchor, one anchor is enough: the function's own when it
        has drawn nothing yet, else the helper's. `new` counts the steps made
        here toward the step limit (steps passed up from callees were counted
        where they were made)."""
        if not stmts:
            return
        lead = isinstance(stmts[0], Comment)
        if frame.reanchor and not (lead and frame.started):
            out.append(frame.anchor)
            stmts = stmts[1:] if lead else stmts
        frame.reanchor = False
        frame.started = True
        out.extend(stmts)
        self.count += len(stmts) if new is None else new

    # events ------------------------------------------------------------------
    def _events(self, frame: Frame, events: tuple[Event, ...], out: list[Statement]) -> None:
        for i, ev in enumerate(events):
            if isinstance(ev, If) and _returns(ev.body) and not ev.orelse and events[i + 1:]:
                # `if c: ...; return` then more: the rest runs only when not c
                self._if(frame, replace(ev, orelse=events[i + 1:]), out)
                return
            self.peak = max(self.peak, self.count)
            if self.count >= self.limits.steps:
                if not self.stopped:  # said once, where it stopped
                    self.stopped = True
                    out.append(Note("over", (frame.participant,),
                                    f"{STOPPED} step limit {self.limits.steps} reached"))
                return
            if isinstance(ev, SetAttr):
                # a field set from a parameter shows what the caller passed for it
                _change(frame.changes.setdefault(ev.target, {}), ev.attr, _value(frame.passed.get(ev.value, ev.value)))
            elif isinstance(ev, Bind):
                self._bind(frame, ev)
            elif isinstance(ev, Call):
                self._call(frame, ev, out)
            elif isinstance(ev, If):
                self._if(frame, ev, out)
            elif isinstance(ev, Try):
                self._try(frame, ev, out)
            elif isinstance(ev, Yield):
                if frame.followed and len(self.conditions) == frame.level and _manager(frame.fn):
                    out.append(_YIELDED)  # not a step: _follow splits the steps here
            elif isinstance(ev, Loop):
                body = self._under(Cond("loop", ev.header, f"{frame.path}:{ev.line}"),
                                   lambda: self._branch(frame, ev.body))
                if body and (has_message(body) or not frame.inline):
                    self._emit(frame, out, Group("loop", (Branch(wsd_text(ev.header), tuple(body)),)), new=0)
                    frame.reanchor = any(isinstance(s, Comment) for s in body)

    def _bind(self, frame: Frame, ev: Bind) -> None:
        frame.alternatives.pop(ev.name, None)
        if ev.name in frame.known:  # a parameter bound anew no longer holds what was passed (or its default)
            frame.known = {k: v for k, v in frame.known.items() if k != ev.name}
        if "(" not in ev.value and "." in ev.value:
            frame.aliases[ev.name] = ev.value  # `rpc_method = cctxt.cast`
        else:
            frame.aliases.pop(ev.name, None)
        ref = self.r.eval(ev.value, frame.ctx) if ev.index is None else \
            self.r.item(ev.value, ev.index, frame.ctx) or self._handed_back(frame, ev)
        # `with open(p) as f`: what a library's manager hands over is no local
        # whose method calls are drawn (`f.write()`); a class of the tree's is
        if ev.value.endswith(".__enter__()") and (ref is None or ref.kind == "external"):
            frame.locals.discard(ev.name)
        else:
            frame.locals.add(ev.name)
        env = dict(frame.ctx.env)
        if ref is None:
            env.pop(ev.name, None)
        else:
            env[ev.name] = ref
        frame.ctx = frame.ctx.with_env(tuple(env.items()))

    def _handed_back(self, frame: Frame, ev: Bind) -> Ref | None:
        """`tmpl, stack, new = self._prepare(ctx, stack)` where _prepare returns
        the stack it was given: that item is the caller's argument."""
        found = self.r.handed_back(ev.value, ev.index or 0, frame.ctx)
        fn = self.r.find_function(found[0].name) if found else None
        call = next((c for c in _every(frame.fn.events) if isinstance(c, Call) and c.line == ev.line
                     and without_args(c.callee) == ev.value[:-2]), None)
        if found is None or fn is None or call is None:
            return None
        arg = _passed(call, _params(found[0], fn[2])).get(found[1])
        return self._arg_ref(frame, arg) if arg else None

    def _under(self, cond: Cond, run: Callable[[], list[Statement]]) -> list[Statement]:
        """`run()` walking one arm of an if, or a loop's body."""
        self.conditions.append(cond)
        try:
            return run()
        finally:
            self.conditions.pop()

    def _branch(self, frame: Frame, events: tuple[Event, ...]) -> list[Statement]:
        """A branch's steps; the anchor state is left as it was before."""
        if _raises(events):
            return []  # a branch that raises handles an error: left out
        def steps() -> list[Statement]:
            out: list[Statement] = []
            self._events(frame, events, out)
            return out
        saved = frame.reanchor
        frame.reanchor = False
        out = self._scoped(steps)
        frame.reanchor = saved
        return out

    def _if(self, frame: Frame, ev: If, out: list[Statement]) -> None:
        settled = decide(ev.test, frame.known)
        if settled is not None:  # the arguments decide it: only that branch runs
            self._events(frame, ev.body if settled else ev.orelse, out)
            return
        if self.limits.folds and (taken := self._configured(frame, ev, out)) is not None:
            self._events(frame, taken, out)
            return
        if self.limits.folds and not frame.inline and not ev.orelse and _raises(ev.body):
            # a precondition: one note, the error path left out
            self._emit(frame, out, Note("over", (frame.participant,), f"ensure {guard(negate(ev.test))}"))
            return
        before = frame.ctx.env
        site = f"{frame.path}:{ev.line}"
        body = self._under(Cond("opt", ev.test, site, 0), lambda: self._branch(frame, ev.body))
        if self.limits.folds and _returns(ev.body) and not sends(body):
            # `if c: <notes>; return` before the rest: an early way out, not the path
            self._events(frame, ev.orelse, out)
            return
        after_body = frame.ctx.env
        frame.ctx = frame.ctx.with_env(before)
        orelse = self._under(Cond("opt", ev.test, site, 1), lambda: self._branch(frame, ev.orelse))
        self._both_bindings(frame, dict(after_body), dict(frame.ctx.env))
        head, body, orelse, tail = common_ends(body, orelse)
        if head:
            self._emit(frame, out, *head, new=0)
        self._group(frame, ev, body, orelse, out)
        if tail:
            self._emit(frame, out, *tail, new=0)
        # after a helper's section, the next step needs this function's anchor again
        frame.reanchor = frame.reanchor or any(isinstance(s, Comment) for s in (*head, *body, *orelse, *tail))

    @staticmethod
    def _both_bindings(frame: Frame, body: dict[str, Ref], orelse: dict[str, Ref]) -> None:
        """After an if/else: what either arm bound holds, and a name the arms
        bound to different things keeps both (`driver = A()` / `driver = B()`)."""
        merged = {**body, **orelse}
        for name in body.keys() & orelse.keys():
            if body[name] != orelse[name]:
                frame.alternatives[name] = (body[name], orelse[name])
        frame.ctx = frame.ctx.with_env(tuple(merged.items()))

    def _try(self, frame: Frame, ev: Try, out: list[Statement]) -> None:
        """A try's body is the way; its handlers handle errors and are left
        out, except a handler that is the fallback implementation: where the
        body calls what is not implemented here (a method that only raises
        NotImplementedError), `except NotImplementedError:` is the main path."""
        fallback = next((h for h in ev.handlers if "NotImplementedError" in h.types), None)
        if fallback is not None and self._not_implemented(frame, ev.body):
            self._events(frame, fallback.events, out)
        else:
            self._events(frame, ev.body, out)

    def _not_implemented(self, frame: Frame, events: tuple[Event, ...]) -> bool:
        """Does a call here reach a method that only raises?"""
        for call in (e for e in straight(events) if isinstance(e, Call) and e.callee != "?"):
            ref = self.r.eval(call.callee, frame.ctx)
            found = self.r.find_function(ref.name) if ref is not None and ref.kind in ("function", "method") \
                else None
            if found is not None and found[2].events and all(isinstance(e, Raise) for e in found[2].events):
                return True
        return False

    def _configured(self, frame: Frame, ev: If, out: list[Statement]) -> tuple[Event, ...] | None:
        """A branch on configuration takes the side the options' declared
        defaults choose; a note names the options (what the other side does
        is left out). None when no option settles it."""
        options = Options(self.r.tree.options(frame.ctx.module.split(".")[0]), UNSET, settings=self.rules.settings)
        settled = decide(ev.test, options)
        if settled is None or not options.used:
            return None
        other = ev.orelse if settled else ev.body
        fresh = [name for name in options.used if not self._looked(("said", name.split(".")[-1]))]
        if other and fresh and not _raises(other):  # said once per draft; kept a helper deep
            self.said.update(name.split(".")[-1] for name in fresh)
            said = ", ".join(f"{name.split('.')[-1]} = {options[name]!r}" for name in fresh)
            kind = Landmark if frame.inline <= 1 else Note
            self._emit(frame, out, kind("over", (frame.participant,), f"{said} by default (the other case is not drawn)"))
        return ev.body if settled else ev.orelse

    def _group(self, frame: Frame, ev: If, body: list[Statement], orelse: list[Statement],
               out: list[Statement]) -> None:
        if frame.inline and not has_message(body + orelse):
            return  # a helper's branch that only makes notes: detail left out
        if body and orelse:
            group = Group("alt", (Branch(wsd_text(ev.test), tuple(body)), Branch("", tuple(orelse))))
        elif body or orelse:
            label = ev.test if body else f"not ({ev.test})"
            group = Group("opt", (Branch(wsd_text(label), tuple(body or orelse)),))
        else:
            return
        self._emit(frame, out, group, new=0)

    # calls -------------------------------------------------------------------
    def _call(self, frame: Frame, call: Call, out: list[Statement]) -> None:
        if self.rules.wrappers:
            unwrapped = self._unwrapped(frame, call)
            if unwrapped is None:
                return
            call = unwrapped
        head = call.callee.split(".", 1)[0]
        if "." in call.callee and head in frame.alternatives:
            self._either(frame, call, head, out)
        else:
            self._call_one(frame, call, out)

    def _unwrapped(self, frame: Frame, call: Call) -> Call | None:
        """`tpool_wrap(self._client.call)(ctx, 2, 'upload')`, where the rules
        name the wrapper (`[runners] wrappers`), is the call
        `self._client.call(ctx, 2, 'upload')`; the wrapping itself is no step
        (None)."""
        here = self._calls_by_line(frame.fn).get(call.line, [])
        wraps = call.callee.endswith("()") and \
            next((c for c in here if c.callee == call.callee[:-2] and c.args and c.args[0].keyword is None), None)
        if wraps and self._wrapper(frame, wraps.callee):
            return Call(without_args(wraps.args[0].text), call.args, call.line, call.dotted, call.nested)
        called = any(c.callee == f"{call.callee}()" for c in here)
        return None if called and call.args and self._wrapper(frame, call.callee) else call

    def _calls_by_line(self, fn: Function) -> dict[int, list[Call]]:
        """A function's calls by line (asked for each call it makes)."""
        found = self.lines.get(id(fn))
        if found is None:
            found = self.lines[id(fn)] = {}
            for ev in _every(fn.events):
                if isinstance(ev, Call):
                    found.setdefault(ev.line, []).append(ev)
        return found

    def _wrapper(self, frame: Frame, callee: str) -> bool:
        ref = self.r.eval(callee, frame.ctx) if _CHAIN.match(callee) else None
        return self._skipped(ref.name if ref else callee, self.rules.wrappers)

    def _either(self, frame: Frame, call: Call, name: str, out: list[Statement]) -> None:
        """A call on a name the arms of an if/else bound to different things:
        one arm per binding, drawn where they differ."""
        refs = frame.alternatives.pop(name)
        saved = frame.ctx.env
        arms: list[list[Statement]] = []
        for ref in refs:
            frame.ctx = frame.ctx.with_env(tuple({**dict(saved), name: ref}.items()))
            arms.append(self._scoped(lambda: self._drawn(frame, call)))
        frame.ctx = frame.ctx.with_env(saved)
        frame.alternatives[name] = refs
        if arms[0] == arms[1]:
            self._emit(frame, out, *arms[0], new=0)
        elif any(arms):
            label = lambda r: f"{name} is {r.name.rsplit('.', 1)[-1]}"  # noqa: E731
            self._emit(frame, out, Group("alt", (Branch(label(refs[0]), tuple(arms[0])),
                                                 Branch(label(refs[1]), tuple(arms[1])))), new=0)
            frame.reanchor = True

    def _drawn(self, frame: Frame, call: Call) -> list[Statement]:
        steps: list[Statement] = []
        saved = frame.reanchor
        frame.reanchor = False
        self._call_one(frame, call, steps)
        frame.reanchor = saved
        return steps

    def _call_one(self, frame: Frame, call: Call, out: list[Statement]) -> None:
        where = f"{frame.path}:{call.line}"
        if call.callee in frame.aliases:
            call = replace(call, callee=frame.aliases[call.callee])
        flow = self._flow_rule(frame, call)
        if flow is not None:
            self._flow(frame, call, flow, out)
            return
        plugin = self._plugin_rule(frame, call)
        if plugin is not None:
            self._plugin(frame, call, plugin, out)
            return
        rpc = self._rpc_rule(frame, call)
        if rpc is not None:
            self._rpc(frame, call, rpc, out)
            return
        if call.callee in frame.fn.nested:
            self._nested(frame, frame.fn.nested[call.callee], out)
            return
        if call.callee in frame.callbacks:
            self._callback(frame, call, out)
            return
        closing = frame.exits.pop((call.line, call.callee.removesuffix("().__exit__")), None) \
            if call.callee.endswith("().__exit__") else None
        if closing is not None:  # the end of a `with` block: its manager's steps after its `yield`
            anchor, steps, before, end = closing
            if before is out and len(out) == end:  # nothing drawn in the block: the same section goes on
                frame.reanchor = False
                self._emit(frame, out, *steps, new=0)
            else:
                self._emit(frame, out, anchor, *steps, new=0)
            frame.reanchor = True
            return
        ref = self.r.eval(call.callee, frame.ctx) if call.callee != "?" else None
        if call.callee.endswith(_MANAGED) and (ref is None or ref.kind != "method"):
            return  # `with` on what is not a class of the tree (a library's context manager)
        in_tree = ref is not None and ref.kind in ("function", "method", "class")
        # skip patterns name what resolved by its qualified name, the rest by its text
        skipped = self._skipped(ref.name if in_tree else call.callee, self.rules.skip) or \
            not in_tree and self.rules.skips_unknown(call.callee, ref.name if ref else call.callee)
        runner = bool(self.rules.runners) and self._skipped(ref.name if ref else call.callee, self.rules.runners)
        if skipped or runner or not (ref is not None and ref.kind in ("function", "method")
                                     and self.r.find_function(ref.name)):
            for arg in call.args:  # a local function handed over to run later: spawn_n(_do_build, ...)
                if arg.keyword is None and arg.text in frame.fn.nested:
                    self._nested(frame, frame.fn.nested[arg.text], out)
        client = self._client_rule(frame, call, ref)
        if client is not None:
            self._request(frame, call, *client, out)
            return
        if runner:
            self._handed_over(frame, call, out)
        if skipped:
            self._hidden(frame, call, ref, in_tree)
            return
        # an instance called (`runner(timeout=...)`) is its __call__, not the class a rule names
        name = (f"{ref.name}.__call__" if ref.kind == "instance" else ref.name) if ref else call.callee
        note = self._note_rule(call=call.callee, qual=name)
        if note is not None:
            text = render(note.text, call.args, self._fields(call, ref), frame.known, self._constant(frame))
            self._emit(frame, out, Landmark("over", (frame.participant,), text))
            return
        persist = self._persist_rule(call.callee, name)
        if persist is not None:
            self._persist(frame, call, ref, persist, out)
            return
        if ref is None:
            self._unresolved(frame, call, where, out)
        elif ref.kind == "external":
            self.external += 1
            self._object_note(frame, call, out)  # a library object's method: `dom.suspend()`
        elif ref.kind in ("function", "method"):
            self._follow(frame, call, ref, out)

    def _hidden(self, frame: Frame, call: Call, ref: Ref | None, in_tree: bool) -> None:
        """A skipped call that a note or persist rule would draw: the skip
        pattern is too wide (reported by `explain` and `rules check --source`)."""
        name = ref.name if ref else call.callee
        kind = "notes" if self._note_rule(call=call.callee, qual=name) else \
            "persist" if self._persist_rule(call.callee, name) else None
        if kind:
            patterns = self.rules.skip + (() if in_tree else self.rules.skip_unknown)
            pattern = next(p for p in patterns if matches(name if p in self.rules.skip and in_tree
                                                              else call.callee, p))
            self.unresolved.append(Unresolved(f"{frame.path}:{call.line}", call.callee,
                                              f"skip pattern '{pattern}' hides a call a {kind} rule would draw"))

    def _follow(self, frame: Frame, call: Call, ref: Ref, out: list[Statement], target: str | None = None) -> None:
        """Follow a call into the tree (into `target` when the caller knows
        where it runs: a callback to the caller's participant)."""
        where = f"{frame.path}:{call.line}"
        found = self.r.find_function(ref.name)
        if found is None:
            return
        target = target or self._receiver_participant(frame, call) or \
            self.rules.participant_of(found[0].name) or frame.participant
        if self._role_of(frame.participant) == target or self._same_process(frame.participant, target):
            target = frame.participant  # still on the same host, in the same process
        target = self._on_host(frame.participant, target)
        self.edges.append((frame.ref.name, ref.name, {"line": where, "kind": "call", "via": ref.via}))
        if UNDECIDED in ref.via:  # its object is one of two classes a branch returns: the first is followed
            told = ref.via.split(UNDECIDED, 1)[1].split(")", 1)[0]
            self.unresolved.append(Unresolved(where, call.callee, f"returns {told}: the first followed"))
        if self._looked(("receiver", _receiver(ref))):
            self.unresolved.append(Unresolved(where, call.callee, "recursion: not followed again", True))
            self._emit(frame, out, Note("over", (frame.participant,),
                                        humanise(found[2].name) + " (recursive call: not followed)"))
            return
        self.deepest = max(self.deepest, frame.depth + 1)
        if frame.depth + 1 > self.limits.depth:
            self.depth_stops += 1
            self.unresolved.append(Unresolved(where, call.callee, "depth limit", True))
            self._emit(frame, out, Note("over", (frame.participant,),
                                        humanise(found[2].name) + " (not followed: depth limit)"))
            return
        crossing = target != frame.participant
        env = self._bind_args(frame, call, ref, found[2])
        # a method that only hands its work to a helper is drawn as that helper
        level = 0 if crossing else frame.inline + (0 if self.limits.folds and self._delegates(frame.fn) else 1)
        inner = self._frame(ref, target, env, frame.depth + 1, level)
        assert inner is not None
        inner.followed = True
        inner.known = self._known_args(frame, call, _params(ref, found[2]), found[2].defaults)
        inner.passed = _passed(call, _params(ref, found[2]))
        inner.callbacks = self._callbacks(frame, call, _params(ref, found[2]))
        count, remote = self.count, self.remote_size
        if self.rules.is_opaque(target):
            steps = []
        elif crossing:
            steps = self._scoped(lambda: self._walked(inner))
        else:
            steps = self._walked(inner)
            self._hand_back(frame, inner)
        # `with manager(...)`: what follows its `yield` is drawn where the block ends
        steps, after = _at_yield(steps) if _manager(found[2]) else (steps, [])
        if after and (crossing or not self._entered(frame, call)):
            steps, after = steps + after, []
        if crossing:
            self._emit(frame, out, Message(frame.participant, target, humanise(found[2].name), activation="+"),
                       *steps, _reply(target, frame.participant, "done"), new=2)
            frame.reanchor = True
        elif inner.inline > self.limits.helpers:
            # a helper deep inside one participant: only the messages it sends; drawn
            # for its purpose: what it reads on the way is its own business (all of it,
            # unless reading is its purpose: `get_instance`, or it runs a function it
            # is given: `run_in_cell(ctx, cell, Instance.get_by_uuid)`)
            purpose = _reads(found[2].name) or any(r.kind in ("function", "method") for r in env.values())
            kept, after = (self._purpose(part, frame.participant, purpose) for part in (steps, after))
            # what it kept counts here, but for other services' steps: those had their own limit
            self.count = count + size(kept) + size(after) - (self.remote_size - remote)
            self.unresolved.append(Unresolved(where, call.callee, "followed; only what it sends and its landmarks drawn",
                                              folded=True))
            if kept:
                self._emit(frame, out, *kept, new=0)
                frame.reanchor = True
            elif not call.nested and not after:
                self._emit(frame, out, Note("over", (frame.participant,), humanise(found[2].name)))
        elif steps:
            self._emit(frame, out, *steps, new=0)
            frame.reanchor = True
        elif not call.nested and not after:
            self._emit(frame, out, Note("over", (frame.participant,), humanise(found[2].name)))
        if after:
            frame.exits[(call.line, call.callee)] = (inner.anchor, after, out, len(out))

    def _purpose(self, steps: list[Statement], participant: str, purpose: bool) -> list[Statement]:
        """A deep helper's steps as drawn: the messages it sends, and its reads
        too where reading is its purpose (at full detail, all it sends)."""
        kept = messages_only(steps, participant)
        return _trim(without_reads(kept, participant, everywhere=not purpose), lambda s: True) \
            if self.limits.folds else kept

    def _entered(self, frame: Frame, call: Call) -> bool:
        """Is the call the manager of a `with` here (`with f(...):`)?"""
        return any(c.callee == f"{call.callee}().__enter__" for c in self._calls_by_line(frame.fn).get(call.line, ()))

    def _delegates(self, fn: Function) -> bool:
        """Does the function do nothing but call one other (`power_on` ->
        `self._hard_reboot(...)`), logging aside?"""
        calls = [e for e in straight(fn.events) if isinstance(e, Call) and not e.nested
                 and not self._skipped(e.callee, self.rules.skip)]
        return len(calls) == 1 and not any(isinstance(e, (If, Loop)) for e in fn.events)

    def _same_process(self, here: str, there: str) -> bool:
        """A service's code called directly from another service runs in the
        caller's process (the compute API used inside the compute manager):
        only RPC and requests cross between services."""
        return there in self.processes and (here in self.processes or self._role_of(here) in self.processes)

    def _on_host(self, here: str, there: str) -> str:
        """What a service in a host role calls that is no service of its own
        (its hypervisor driver) is drawn per host too: driver_src, driver_dest."""
        service = self._role_of(here)
        if service is None or service not in self.processes or there == here or there in self.processes \
                or self._role_of(there) is not None or self.rules.is_opaque(there):
            return there
        placed = there + here[len(service):]
        self.roles[placed] = there
        return placed

    def _nested(self, frame: Frame, fn: Function, out: list[Statement]) -> None:
        """A function defined inside the current one and called there."""
        if self._looked(("stack", fn.qualname)):
            return
        inner = replace(frame, ref=Ref("function", f"{frame.ref.name}.{fn.name}", "nested def"), fn=fn,
                        changes={}, locals=set(frame.locals), aliases=dict(frame.aliases),
                        reanchor=True, started=False)
        steps = self._function(inner)
        if steps:
            self._emit(frame, out, *steps, new=0)
            frame.reanchor = True

    @staticmethod
    def _hand_back(frame: Frame, inner: Frame) -> None:
        """Fields a helper set on an object it was passed and did not save
        are the caller's to save (`_update_instance_after_spawn`)."""
        for target, fields in inner.changes.items():
            head, _, rest = target.partition(".")
            mine = inner.passed.get(head)
            if mine and _CHAIN.match(mine) and "(" not in mine:
                for name, values in fields.items():
                    for value in values:
                        _change(frame.changes.setdefault(mine + ("." + rest if rest else ""), {}), name, value)

    def _callbacks(self, frame: Frame, call: Call, params: tuple[str, ...]) -> dict[str, tuple[Frame, Function | Ref]]:
        """The parameters that receive a local function of the caller, one of
        its methods (`self._post_live_migration`) or a callback it was given:
        each is drawn where the callee calls it."""
        found: dict[str, tuple[Frame, Function | Ref]] = {}
        for name, arg in _pairs(call, params):
            if arg.text in frame.fn.nested:
                found[name] = (frame, frame.fn.nested[arg.text])
            elif arg.text in frame.callbacks:
                found[name] = frame.callbacks[arg.text]
            elif arg.text.startswith("self.") and _CHAIN.match(arg.text) and "(" not in arg.text:
                ref = self.r.eval(arg.text, frame.ctx)
                if ref is not None and ref.kind == "method" and self.r.find_function(ref.name):
                    found[name] = (frame, ref)
        return found

    def _callback(self, frame: Frame, call: Call, out: list[Statement]) -> None:
        """A function handed in by the caller, run here: a local function is
        drawn in this participant, resolved where it was defined, with these
        arguments (`update_task_state(task_state=IMAGE_UPLOADING)` in the
        driver); a method of the caller is a call back to the caller's
        participant (its host kept)."""
        outer, fn = frame.callbacks[call.callee]
        if isinstance(fn, Ref):
            self._follow(frame, call, fn, out, target=outer.participant)
            return
        ref = Ref("function", f"{outer.ref.name}.{fn.name}", "callback")
        if self._looked(("stack", ref.name)):
            return
        inner = replace(outer, ref=ref, fn=fn, participant=frame.participant, depth=frame.depth + 1,
                        changes={}, locals=set(), aliases=dict(outer.aliases), callbacks={},
                        known=self._known_args(frame, call, fn.params), passed=_passed(call, fn.params),
                        reanchor=True, started=False)
        steps = self._function(inner)
        if steps:
            self._emit(frame, out, *steps, new=0)
            frame.reanchor = True

    def _handed_over(self, frame: Frame, call: Call, out: list[Statement]) -> None:
        """A runner's first function argument is called there with the
        arguments after it: `spawn(self._allocate, ctx, instance)`, or
        `execute_with_retries(client().stacks.create, **kwargs)` (a request)."""
        positional = [a for a in call.args if a.keyword is None]
        for i, arg in enumerate(positional):
            rest = tuple(positional[i + 1:]) + tuple(a for a in call.args if a.keyword)
            handed = _lambda_call(arg.text, call.line) or Call(without_args(arg.text), rest, call.line, nested=True)
            ref = self.r.eval(handed.callee, frame.ctx) if _CHAIN.match(handed.callee) else None
            if ref is not None and ref.kind in ("function", "method"):
                self._follow(frame, handed, ref, out)
                return
            client = self._client_rule(frame, handed, ref)
            if client is not None:
                self._request(frame, handed, *client, out)
                return

    def _receiver_participant(self, frame: Frame, call: Call) -> str | None:
        """The participant of the object a method is called on (`self.network_api`
        belongs where its class is, even where the method is inherited from a base module)."""
        if "." not in call.callee:
            return None
        recv = self.r.eval(call.callee.rsplit(".", 1)[0], frame.ctx)
        if recv is None or recv.kind not in ("instance", "class") or recv.via == "self":
            return None
        return self.rules.participant_of(recv.name.rsplit(".", 1)[0])

    def _rpc_rule(self, frame: Frame, call: Call) -> RpcRule | None:
        if not frame.ctx.cls or "." not in call.callee:
            return None
        method = call.callee.rsplit(".", 1)[1]
        mro = self.r.mro(frame.ctx.cls)
        for rule in self.rules.rpc:
            if rule.client in mro and method in (*rule.cast, *rule.call):
                return rule
        return None

    def _rpc(self, frame: Frame, call: Call, rule: RpcRule, out: list[Statement]) -> None:
        where = f"{frame.path}:{call.line}"
        name = next((a.literal for a in call.args if a.literal), None) or self._named_here(frame, call, where)
        if name is None:
            self.unresolved.append(Unresolved(where, call.callee, "RPC method name is not a literal"))
            return
        is_call = call.callee.rsplit(".", 1)[1] in rule.call
        service = self._role(frame, rule)
        server = self.r.method(rule.server, name)
        self.edges.append((frame.ref.name, server.name if server else f"{rule.server}.{name}",
                           {"line": where, "kind": "rpc-call" if is_call else "rpc-cast", "via": "rule rpc"}))
        steps: list[Statement] = []
        if server is None:
            self.unresolved.append(Unresolved(where, name, f"no method {name} on {rule.server}"))
        elif self.limits.folds and self._looked(("served", (service, name))):  # the same work again says nothing new
            steps = [Note("over", (service,), f"{name}: as drawn above")]
        else:
            self.served.add((service, name))
            env = {a.keyword: r for a in call.args if a.keyword and (r := self._arg_ref(frame, a.text))}
            inner = self._frame(server, service, env, frame.depth + 1, 0)
            if inner is not None:
                # what the client knew of its arguments holds for the server's parameters
                # of the same name (`live` passed on in `**kw`); without `**kw`, the
                # parameters the message leaves out hold their defaults (_known_args)
                inner.known = {k: v for k, v in frame.known.items() if k in inner.fn.params} \
                    if any(a.text.startswith("*") for a in call.args) else {}
                inner.known.update(self._known_args(frame, call, (), inner.fn.defaults))
                steps = self._scoped(lambda: self._walked(inner))
        if is_call:  # the caller waits for the result
            self._emit(frame, out, Message(frame.participant, service, name, activation="+"), *steps,
                       _reply(service, frame.participant, f"{name} result"), new=2)
        else:  # the caller goes on; the server's work is drawn after the caller's steps
            self._emit(frame, out, Message(frame.participant, service, name, head="open"), new=1)
            if steps:
                self.pending[-1] += [Lifeline("activate", service), *steps, Lifeline("deactivate", service)]
        frame.reanchor = True

    def _named_here(self, frame: Frame, call: Call, where: str) -> str | None:
        """An RPC method name held in a local the function sets to a string
        (`method = 'migrate_volume'`, another on an older-version branch): the
        first one set, in source order; the others are reported."""
        positional = [a.text for a in call.args if a.keyword is None][:2]
        for text in positional:
            if isinstance(frame.known.get(text), str):
                return frame.known[text]
            names = list(dict.fromkeys(b.literal for b in _every(frame.fn.events)
                                         if isinstance(b, Bind) and b.name == text and b.literal))
            if names:
                if len(names) > 1:
                    self.unresolved.append(Unresolved(where, call.callee, f"RPC method '{text}' is one of "
                                                      f"{', '.join(names)}: the first is drawn"))
                return names[0]
        return None

    def _flow_rule(self, frame: Frame, call: Call) -> FlowRule | None:
        """The flow rule whose `add` (or, once tasks were added, `run`)
        matches the call as written or what it resolves to."""
        if not self.rules.flows:
            return None
        names = self._names(frame, call, self.flow_ends)
        for rule in self.rules.flows:
            if any(matches(n, rule.add) for n in names):
                return rule
            if any(matches(n, p) for n in names for p in rule.run):
                self.unkept += 1  # a flow run or not, by the tasks added before
                if self.tasks:
                    return rule
        return None

    def _names(self, frame: Frame, call: Call, ends: set[str]) -> tuple[str, ...]:
        """A call's text, and what it resolves to where its last name is one
        of `ends` (`flow.add` -> `pkg.patterns.linear_flow.Flow().add`)."""
        if call.callee.rsplit(".", 1)[-1] not in ends or not _CHAIN.match(call.callee):
            return (call.callee,)
        ref = self.r.eval(call.callee, frame.ctx)
        return (call.callee, ref.name) if ref is not None else (call.callee,)

    def _flow(self, frame: Frame, call: Call, rule: FlowRule, out: list[Statement]) -> None:
        """At `add`, remember the task classes in the arguments (constructed
        there or held by a name), with the if arms and loops around the add
        (a new flow once the last one ran); at `run`, walk each task's method
        in order, as calls made here, in those arms."""
        self.unkept += 1
        if any(matches(n, rule.add) for n in self._names(frame, call, {rule.add.rsplit(".", 1)[-1]})):
            if self.flow_ran:
                self.tasks, self.flow_ran = [], False
            for arg in call.args:
                cls, known = self._task_class(frame, arg.text, rule)
                if cls is not None:
                    self.tasks.append(Added(cls, tuple(self.conditions) if rule.arms else ()))
                elif not known and arg.keyword is None:
                    self.unresolved.append(Unresolved(f"{frame.path}:{call.line}", call.callee,
                                                      f"flow task '{arg.text}': no class with {rule.method}() known"))
            return
        self.flow_ran = True
        if not any(t.conds for t in self.tasks) and rule.text is None:
            for cls in [t.cls for t in self.tasks]:  # one after another, as calls made here
                self._follow(frame, self._task_call(cls, rule, call), self._task_ref(cls, rule), out)
            return
        saved, frame.reanchor = frame.reanchor, False
        steps = arrange(list(self.tasks), lambda cls: self._task_steps(frame, cls, rule, call))
        frame.reanchor = saved
        if steps:
            frame.started = frame.started or isinstance(steps[0], Comment)  # the first task keeps its anchor
            self._emit(frame, out, *steps, new=0)
            frame.reanchor = True

    def _task_class(self, frame: Frame, text: str, rule: FlowRule) -> tuple[str | None, bool]:
        """The class of a task argument (`Verify(...)`, or a name bound to
        one) when it has the flow's method (a flow has none), and whether
        the walk knows what the argument is at all."""
        chain = without_args(text) if text.endswith(")") else text
        ref = self.r.eval(chain, frame.ctx) if _CHAIN.match(chain) else None
        if ref is None or ref.kind not in ("class", "instance"):
            return None, ref is not None
        return (ref.name if self.r.method(ref.name, rule.method) else None), True

    def _task_ref(self, cls: str, rule: FlowRule) -> Ref:
        meth = self.r.method(cls, rule.method)
        assert meth is not None
        return Ref("method", meth.name, "rule flows", bound=cls)

    @staticmethod
    def _task_call(cls: str, rule: FlowRule, run: Call) -> Call:
        return Call(f"{cls.rsplit('.', 1)[1]}.{rule.method}", (), run.line, nested=True)

    def _task_steps(self, frame: Frame, cls: str, rule: FlowRule, run: Call) -> list[Statement]:
        """One task's steps, under its method's anchor, led by the rule's note."""
        steps: list[Statement] = []
        ref = self._task_ref(cls, rule)
        self._follow(frame, self._task_call(cls, rule, run), ref, steps)
        if rule.text is None:
            return steps
        found = self.r.find_function(ref.name)
        assert found is not None
        anchor = Comment(f"{found[0].path} {found[2].name}()")
        rest = steps[1:] if steps and steps[0] == anchor else steps
        task = humanise(cls.rsplit(".", 1)[1].lstrip("_"))
        note = Landmark("over", (frame.participant,), wsd_text(rule.text.format(task=task)))
        return [anchor, note, *rest]

    def _plugin_rule(self, frame: Frame, call: Call) -> PluginRule | None:
        if not self.rules.plugins:
            return None
        return self.plugins.rule(call, self._names(frame, call, self.plugins.ends))

    def _plugin(self, frame: Frame, call: Call, rule: PluginRule, out: list[Statement]) -> None:
        """A call that loads a plugin and calls it (`invoke_on_load=True`):
        the function the entry point names is followed as a call made here
        (a class: its `__init__`)."""
        self.unkept += 1
        where = f"{frame.path}:{call.line}"
        loaded = self.plugins.loaded(call, rule, defined_targets(rule, self.r))
        if loaded.why:
            self.unresolved.append(Unresolved(where, call.callee, loaded.why))
        if loaded.target is None:
            return
        if not loaded.invoked:
            self.unresolved.append(Unresolved(where, call.callee, f"loads plugin '{loaded.name}' without calling it"))
            return
        ref: Ref | None = Ref("function", loaded.target, "rule plugins")
        if self.r.find_class(loaded.target):
            init = self.r.method(loaded.target, "__init__")
            ref = Ref("method", init.name, "rule plugins", bound=loaded.target) if init else None
        elif not self.r.find_function(loaded.target):
            ref = None
        if ref is None:
            self.unresolved.append(Unresolved(where, call.callee, f"plugin '{loaded.name}': "
                                              f"{loaded.target} is not defined in the tree"))
            return
        handed = Call(loaded.target.rsplit(".", 1)[1], (), call.line, nested=True)
        self._follow(frame, handed, ref, out)

    def _client_rule(self, frame: Frame, call: Call, ref: Ref | None) -> tuple[ClientRule, str] | None:
        """A call on another service's client object, and the client method it
        calls (`volumeclient(ctx).volumes.reserve` -> volumes.reserve)."""
        if not self.rules.clients or "." not in call.callee or call.callee.count(".") == 1 and \
                call.callee.startswith("self."):  # a class's own method is no request
            return None
        if ref is not None and ref.kind == "method":  # a client class in the tree (a wrapper)
            found = self._client_object(ref.bound or ref.owner, call.callee.rsplit(".", 1)[1], call)
        elif ref is not None and ref.kind == "external":  # a library's object: `pkg.Client().volumes.reserve`
            parts = ref.name.split(".")  # the object is what the first call made
            first = next((i for i in range(1, len(parts)) if parts[i - 1].endswith("()")), None)
            found = self._client_object(".".join(parts[:first])[:-2], ".".join(parts[first:]), call) \
                if first else None
        elif ref is None:  # a method the tree does not define, on an object whose class it does
            parts = call.callee.split(".")
            found = None
            for i in range(1, len(parts)):
                recv = self.r.eval(".".join(parts[:i]), frame.ctx)
                if recv is None:
                    break
                if recv.kind == "instance" and recv.via != "self":
                    found = self._client_object(recv.name, ".".join(parts[i:]), call)
                    if found:
                        break
        else:
            return None
        return found

    def _client_object(self, obj: str, method: str, call: Call) -> tuple[ClientRule, str] | None:
        if "()" in method:  # a call on what a client method returned: `client.list_ports().get`
            return None
        for rule in self.rules.clients:
            if not any(matches(obj, pat) for pat in rule.objects):
                continue
            if not any(matches(method, pat) for pat in rule.methods):
                return None
            if rule.method_arg is not None:
                positional = [a for a in call.args if a.keyword is None]
                method = positional[rule.method_arg].literal or "" if rule.method_arg < len(positional) else ""
            # the call may pick its own prefix by keyword: `controller='image_members'`
            chosen = next((a.literal for a in call.args if rule.prefix_kw and a.keyword == rule.prefix_kw
                           and a.literal), None)
            return (rule, (f"{chosen}." if chosen else rule.prefix) + method) if method else None
        return None

    def _request(self, frame: Frame, call: Call, rule: ClientRule, method: str, out: list[Statement]) -> None:
        """A request to another service; walked on in its tree when that is given."""
        where = f"{frame.path}:{call.line}"
        req = self.services.request(rule.service, method)
        if req.reads and frame.inline > self.limits.helpers:
            self.unresolved.append(Unresolved(where, call.callee, "a read request inside a folded helper: left out",
                                              True))
            return
        self.edges.append((frame.ref.name, f"{rule.service}:{req.request or method}",
                           {"line": where, "kind": "request", "via": "rule clients"}))
        steps = self._remote(frame, req, where)
        self._emit(frame, out, Message(frame.participant, req.service, wsd_text(req.text), activation="+"), *steps,
                   _reply(req.service, frame.participant, "done"), new=2)
        frame.reanchor = True

    def _remote(self, frame: Frame, req: Request, where: str) -> list[Statement]:
        """The steps of the operation serving a request, walked in the other
        service's tree with its rules; its client is the service itself."""
        remote = self.services.tree(req.service)
        key = (req.service, req.operation or "")
        if remote is None or req.operation is None or key in self.visiting:
            return []
        self.unkept += 1  # other trees' walks, once per draft: a walk that makes one is not kept
        if key in self.walked:  # drawn once per draft: the same steps again say nothing new
            return [Note("over", (req.service,), f"{req.operation}: as drawn above")]
        try:
            op, rules, entry = remote.start(req.operation)
        except TracerError as err:
            self.unresolved.append(Unresolved(where, req.method, f"{req.service}: {err}"))
            return []
        self.walked.add(key)
        # the other service's steps have a limit of their own, as its own draft would
        sub = Walker(remote.resolver, rules, replace(self.limits, depth=max(1, self.limits.depth - frame.depth)),
                     self.services, self.visiting | {key})
        sub.walked = self.walked
        walk = sub.walk(op.ref, entry, op.name)
        self.edges += sub.edges
        self.unresolved += sub.unresolved
        self.external += sub.external
        self.remote_size += size(walk.statements)
        names = {rules.client: req.service, **self._clashes(rules, req.service)}
        self.roles.update({names.get(k, k): names.get(v, v) for k, v in sub.roles.items()})
        return [rename(s, names) for s in walk.statements]

    def _clashes(self, other: Rules, service: str) -> dict[str, str]:
        """Participants of another service named like ours get its name as prefix."""
        ours = {self.rules.client, self.rules.database, *(p.name for p in self.rules.participants),
                *(r.service for r in self.rules.rpc)}
        theirs = {other.database, *(p.name for p in other.participants), *(r.service for r in other.rpc)}
        return {name: f"{service}_{name}" for name in theirs & ours}

    def _role(self, frame: Frame, rule: RpcRule) -> str:
        """The service, split by host role when the rules know the `server=`
        the client prepares (`host` -> compute_dest)."""
        server = next((a.text for c in _every(frame.fn.events) if isinstance(c, Call)
                       for a in c.args if a.keyword == "server"), None)
        roles = dict(rule.roles)
        # what the caller passed for it says more (`host=self.source`) than the parameter's
        # name, also inside an expression (`_compute_host(host, instance)` given `src_host`)
        given = frame.passed.get(server or "", "").removeprefix("self.")
        inside = re.sub(r"\b\w+\b", lambda m: frame.passed.get(m.group(0), m.group(0)), server or "")
        named = [frame.passed[n] for n in re.findall(r"\b\w+\b", server or "") if n in frame.passed]
        role = roles.get(given) or roles.get(inside) or \
            next((roles[n] for n in named if n in roles), None) or roles.get(server or "")
        if role is None:
            return rule.service
        self.roles[f"{rule.service}_{role}"] = rule.service
        return f"{rule.service}_{role}"

    def _persist(self, frame: Frame, call: Call, ref: Ref | None, rule: PersistRule,
                 out: list[Statement]) -> None:
        receiver = call.callee.rsplit(".", 1)[0] if "." in call.callee else ""
        changes = frame.changes.pop(receiver, {})
        fields = self._fields(call, ref)
        listed = "\n".join(f"{k} = {' or '.join(v)}" for k, v in changes.items())
        fields["changes"] = listed or f"save {humanise(receiver.split('.')[-1])}"
        text = wsd_text(render(rule.text, call.args, fields, frame.known, self._constant(frame)))
        db = self.rules.database
        self._emit(frame, out, Message(frame.participant, db, text), Message(db, frame.participant, "done", "dotted"))
        self.edges.append((frame.ref.name, ref.name if ref else call.callee,
                           {"line": f"{frame.path}:{call.line}", "kind": "persistence", "via": "rule persist"}))

    def _unresolved(self, frame: Frame, call: Call, where: str, out: list[Statement]) -> None:
        head = call.callee.split(".")[0].replace("()", "")
        if head in BUILTINS and "." not in call.callee:
            return
        reason = self._why(frame, call)
        self.unresolved.append(Unresolved(where, call.callee, reason))
        self._object_note(frame, call, out)

    def _object_note(self, frame: Frame, call: Call, out: list[Statement]) -> None:
        """A method called on a local, parameter or attribute the walk cannot
        follow is drawn as it is written: `guest._domain.suspend()`."""
        head = call.callee.split(".")[0].replace("()", "")
        local = head in frame.fn.params or head in frame.locals or head == "self"
        if local and not call.nested and "." in call.callee:
            self._emit(frame, out, Note("over", (frame.participant,), call.callee + "()"))

    def _why(self, frame: Frame, call: Call) -> str:
        parts = call.callee.split(".")
        method = parts[-1]
        if method in ("cast", "call") and len(call.args) >= 2:
            return "no rule for this RPC client"
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            if self.r.eval(prefix, frame.ctx) is not None:
                break
            if prefix.endswith("()") and self.r.eval(prefix[:-2], frame.ctx) is not None:
                return f"unknown factory: what {prefix} returns"
        else:
            if parts[0] in frame.fn.params:
                return f"parameter '{parts[0]}' of unknown type"
            if parts[0] in frame.locals:
                return f"local '{parts[0]}' of unknown type"
            return f"unknown name '{parts[0]}'"
        return f"dynamic attribute: {'.'.join(parts[:i + 1])}"

    # helpers -------------------------------------------------------------------
    def _known_args(self, frame: Frame, call: Call, params: tuple[str, ...],
                    defaults: dict[str, object] | None = None) -> dict[str, Any]:
        """Parameters that receive literals (`live=False`), known values or a
        constant's string, and those the call leaves to a literal default
        (unless it hands over `*args` or `**kwargs`, which may fill them)."""
        known: dict[str, Any] = {}
        pairs = _pairs(call, params)
        for name, arg in pairs:
            if (value := literal(arg, frame.known)) is not UNKNOWN:
                known[name] = value
            elif "." in arg.text and (held := named(arg.text, {}, self._constant(frame))) is not None:
                known[name] = held  # a constant's string: `phase=fields.NotificationPhase.START`
        if defaults and not any(a.text.startswith("*") for a in call.args):
            given = {name for name, _ in pairs}
            known.update((name, value) for name, value in defaults.items() if name not in given)
        return known

    def _bind_args(self, frame: Frame, call: Call, ref: Ref, fn: Function) -> dict[str, Ref]:
        params = _params(ref, fn)
        return {name: r for name, arg in _pairs(call, params)
                if name in params and (r := self._arg_ref(frame, arg.text)) is not None}

    def _arg_ref(self, frame: Frame, text: str) -> Ref | None:
        """What an argument holds: a chain, or what a call makes
        (`clients.OpenStackClients(context)`)."""
        text = without_args(text)
        if not _CHAIN.match(text):
            return None
        ref = self.r.eval(text, frame.ctx)
        # a library's module or class says nothing; an object it made may be a client
        return ref if ref is not None and (ref.kind != "external" or ref.name.endswith("()")) else None

    def _fields(self, call: Call, ref: Ref | None) -> dict[str, str]:
        """{name} and {class} for templates; the class as the code names it
        (`objects.Instance.get_by_uuid` -> Instance), else the defining one.
        A function called through a name that holds it (`fn(ctx, uuid)`, a
        parameter given `objects.Instance.get_by_uuid`) goes by its own name."""
        name = call.callee.rsplit(".", 1)[-1].replace("()", "")
        if ref is not None and ref.kind in ("function", "method") and "." not in call.callee:
            name = ref.name.rsplit(".", 1)[-1]
        owner = call.callee.rsplit(".", 1)[0].split(".")[-1] if "." in call.callee else ""
        cls = owner if owner[:1].isupper() else None
        if cls is None and ref is not None and ref.kind == "method":
            cls = ref.owner.rsplit(".", 1)[-1]
        return {"name": humanise(name, cls), "class": humanise(cls or "object")}

    def _constant(self, frame: Frame) -> Callable[[str], str | None]:
        """The strings module constants hold, as named in this frame's module."""
        return lambda chain: self.r.constant(chain, frame.ctx)

    @staticmethod
    def _skipped(name: str, patterns: tuple[str, ...]) -> bool:
        return any_match(name, patterns)

    def _note_rule(self, call: str = "", qual: str = "", deco: str = "") -> NoteRule | None:
        return self.rules.note_rule(call, qual, deco)

    def _persist_rule(self, call: str, qual: str) -> PersistRule | None:
        return self.rules.persist_rule(call, qual)
