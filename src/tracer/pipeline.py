"""The whole flow for one project: rules -> tree -> index -> walk -> diagram."""

from __future__ import annotations

import difflib
import hashlib
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, ContextManager

from tracer.analysis.limits import Limits
from tracer.analysis.services import Services
from tracer.drafts import DraftCache, root_of
from tracer.index.cache import IndexCache
from tracer.index.tree import SourceTree
from tracer.problems import TracerError
from tracer.rules import Rules, rules_dir

if TYPE_CHECKING:  # the walk is imported when a draft is drawn, not when it is kept
    from tracer.analysis.discover import Operation
    from tracer.analysis.memo import CalleeMemo
    from tracer.analysis.resolve import Resolver
    from tracer.analysis.walk import Walk
    from tracer.wsd.model import Diagram


@dataclass
class Draft:
    operation: "Operation"
    diagram: "Diagram"
    walk: "Walk"
    problems: list[str]


@dataclass
class Drafted:
    """A draft as WSD text (drawn now or kept from an earlier run)."""

    text: str
    problems: list[str]
    kept: bool = False


class Project:
    """A project's rules bound to one source tree, indexed lazily (and kept
    in `cache` across runs when given)."""

    def __init__(self, rules: Rules, root: Path, options: dict[str, str] | None = None,
                 cache: IndexCache | None = None) -> None:
        self.rules = rules
        self.tree = SourceTree(root, cache)
        self.options = options
        self.services = Services()  # other services' trees, added by `with_service`
        self.drafts = DraftCache(cache.root) if cache else None
        self._ops: list[Operation] | None = None
        self._memos: dict[tuple[str, Limits], "CalleeMemo"] = {}  # callee walks kept, per granularity and limits
        self._levels: dict[str, Rules] = {}  # the rules at each granularity
        self._ops_reads: list[tuple[str, str]] = []  # what discovering them read
        self._looked = False  # whether an operation was looked for quickly

    @cached_property
    def _rules_digest(self) -> str:
        """The rules files' digest, read once: a batch's drafts share it."""
        return _rules_digest()

    @cached_property
    def resolver(self) -> "Resolver":
        from tracer.analysis.resolve import Resolver
        return Resolver(self.tree, self.rules, self.options)

    def with_service(self, other: "Project") -> None:
        """Walk requests to `other`'s service on in its tree."""
        self.services.trees = {**self.services.trees, other.rules.project: other}
        other.services = self.services

    def operations(self, prefetch: bool = False) -> list[Operation]:
        """Every operation of the tree; with `prefetch`, a second process
        indexes the API modules from the other end meanwhile."""
        from tracer.analysis.discover import discover
        if self._ops is None:
            outer, self.tree.log = self.tree.log, {}
            api = [self.tree.module_name(p) for p in self.tree.files(self.rules.discovery.api_modules)]
            try:
                with self._indexing(api[::-1] if prefetch else []):
                    self._ops = discover(self.tree, self.rules)
                self._ops_reads = list(self.tree.log)
            finally:
                self.tree.log = outer if outer is None else {**outer, **self.tree.log}
        elif self.tree.log is not None:
            for read in self._ops_reads:
                self.tree.log.setdefault(read)
        return self._ops

    def find(self, name: str) -> Operation:
        from tracer.analysis.discover import discover
        target = self.rules.alias(name) or name
        if self._ops is None and not self._looked:  # a quick look for the first one asked for: only
            self._looked = True                        # the files naming it (a batch then finds all at once)
            quick = {op.name: op for op in discover(self.tree, self.rules, only=target)}
            if target in quick:
                return quick[target]
        ops = {op.name: op for op in self.operations()}
        if target in ops:
            return ops[target]
        if target != name:
            raise TracerError(f"'{name}' is an alias of '{target}', which this {self.rules.project} tree "
                              f"does not serve (`trace ops {self.rules.project}` lists what it does)")
        qualified = sorted(n for n in ops if n.endswith("." + name))  # one name several handlers serve
        close = qualified or difflib.get_close_matches(name, [n for n in [*ops, *dict(self.rules.aliases)]
                                                              if n != name], n=1)
        hint = f"; did you mean {' or '.join(repr(n) for n in close)}?" if close else \
            "; `trace ops " + self.rules.project + "` lists them"
        unread = self.tree.unread()  # its handler may be there
        if unread:
            hint += f" ({len(unread)} file{'s' if len(unread) > 1 else ''} of the tree not read: {unread[0]})"
        raise TracerError(f"no operation '{name}' in {self.rules.project}{hint}")

    def start(self, name: str, granularity: str | None = None) -> tuple[Operation, Rules, str]:
        """The operation, the rules at the granularity to draw it with
        (default: the rules' choice for that name), its first participant."""
        op = self.find(name)
        if op.removed:
            raise TracerError(f"operation '{name}' ({op.handler}, {op.path}:{op.line}) was removed "
                              f"in {op.removed}: this tree only answers it with an error", exit_code=1)
        level = self._level(name, granularity)
        if level not in self._levels:  # one object per level: its answers are remembered across drafts
            self._levels[level] = self.rules.at(level)
        rules = self._levels[level]
        entry = rules.participant_of(self.tree.module_name(self.tree.root / op.path))
        return op, rules, entry or "api"

    def _level(self, name: str, granularity: str | None) -> str:
        """The granularity to draw an operation at: asked for, else the rules' choice."""
        return granularity or self.rules.granularity_of(name)

    def draft(self, name: str, limits: Limits = Limits(), granularity: str | None = None) -> Draft:
        """Draw one operation; granularity 'service' or 'module'. Requests to
        the services in `self.services` are walked on in their trees. The
        detail (`limits.detail`): `full` draws all the walk met, `normal`
        folds what a person leaves out, `brief` keeps only the messages
        between participants other than databases."""
        from tracer.analysis.fold import fold
        from tracer.analysis.sequence import to_diagram
        from tracer.analysis.steps import brief
        from tracer.analysis.memo import CalleeMemo
        from tracer.analysis.walk import Walker
        op, rules, entry = self.start(name, granularity)
        key = (self._level(name, granularity), limits)
        if key not in self._memos:
            self._memos[key] = CalleeMemo(limits.steps, limits.depth)
        walk = Walker(self.resolver, rules, limits, self.services,
                      frozenset({(self.rules.project, op.name)}), self._memos[key]).walk(op.ref, entry, name)
        title = self._title(op, name).format(op=name)
        steps = walk.statements
        if limits.folds:
            steps = fold(steps)
        if limits.detail == "brief":
            databases = {self.rules.database, *(name for n, s in self.services.trees.items()
                                                for name in (s.rules.database, f"{n}_{s.rules.database}"))}
            steps = brief(steps, databases)
        diagram = to_diagram(title, steps, self.rules.client, walk.roles)
        return Draft(op, diagram, walk, self._problems())

    def _title(self, op: Operation, name: str) -> str:
        """The title template: the one the rules give this name, else a
        resource method's, else an action's (by the file serving it, where
        the rules name one); an alias (`create`) is titled as an action."""
        if name in (titles := dict(self.rules.titles)):
            return titles[name]
        if op.resource and name == op.name:
            return self.rules.resource_title
        return dict(self.rules.file_titles).get(PurePosixPath(op.path).stem, self.rules.title)

    def drafted(self, name: str, limits: Limits = Limits(), granularity: str | None = None,
                prefetch: bool = False) -> Drafted:
        """One operation as WSD text: kept from an earlier run when nothing
        that draft read has changed since (tracer.drafts), else drawn and kept.
        With `prefetch` (and a second core), the modules the rules name are
        indexed into the cache by a second process meanwhile."""
        trees = {"": self.tree, **{n: s.tree for n, s in self.services.trees.items()}}
        drafts = self.drafts if self.rules.digest else None  # rules made in code have no text to key by
        key = drafts.key(self._request(name, limits, granularity)) if drafts else ""
        record = drafts.load(key) if drafts else None
        if record is not None and set(record["reads"]) == set(trees) and \
                all(trees[n].unchanged(reads) for n, reads in record["reads"].items()):
            for n, reads in record["reads"].items():
                trees[n].replay(reads)
            return Drafted(record["text"], self._problems(), kept=True)
        from tracer.wsd.emit import emit
        for tree in trees.values():
            tree.log = {}
        try:
            with self._indexing(self.likely_modules() if prefetch else []):
                text = emit(self.draft(name, limits, granularity).diagram)
            reads = {n: tree.reads() for n, tree in trees.items()}
        finally:
            for tree in trees.values():
                tree.log = None
        if drafts:
            drafts.store(key, text, reads)
        return Drafted(text, self._problems())

    def _indexing(self, names: list[str]) -> ContextManager[None]:
        """While the block runs, a second process indexes `names` into the
        cache (when there are a cache, a second core and names)."""
        from tracer.workers import alongside, cores
        if not names or self.tree.index_cache is None or cores() < 2:
            return nullcontext()
        return alongside(_prefetch, (self.tree.root, self.tree.index_cache, names))

    def likely_modules(self) -> list[str]:
        """The modules the rules name (participants, and the classes bindings,
        attributes and RPC clients give) that the tree has, largest first:
        what most walks read."""
        named = [m for r in self.rules.participants if not r.opaque for m in r.modules if "*" not in m]
        chosen = self.options or {}
        picked = [dict(b.choices).get(chosen.get(b.option or "", "")) for b in self.rules.bindings]
        classes = [*(c for b, pick in zip(self.rules.bindings, picked) for c in ([pick] if pick else b.candidates)),
                   *(c for a in self.rules.attributes for c in a.candidates), *(r.client for r in self.rules.rpc)]
        for qualname in classes:
            parts = qualname.split(".")
            named += [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)][:2]  # its module, or package
        sized = {name: path.stat().st_size for name in dict.fromkeys(named) if (path := self.tree.located(name))}
        return sorted(sized, key=lambda n: -sized[n])

    def _problems(self) -> list[str]:
        return [*self.tree.problems, *(p for s in self.services.trees.values() for p in s.tree.problems)]

    def _request(self, name: str, limits: Limits, granularity: str | None) -> object:
        """All a draft depends on besides what its walk reads in the trees."""
        from tracer.index.cache import build_id  # the index's code and LibCST's version
        return {"project": self.rules.project, "rules": self._rules_digest, "index": build_id().hex(),
                "root": root_of(self.tree.root),
                "services": sorted((n, root_of(s.tree.root)) for n, s in self.services.trees.items()),
                "options": self.options or {}, "operation": name, "limits": asdict(limits),
                "granularity": granularity}


def _prefetch(job: tuple[Path, IndexCache, list[str]]) -> None:
    """Index modules into the cache (in a process of its own: see drafted)."""
    root, cache, names = job
    tree = SourceTree(root, IndexCache(cache.root))
    for name in names:
        tree.module(name)


def _rules_digest() -> str:
    """Every rules file: a walk reads other services' routes too."""
    digest = hashlib.sha256()
    folder = rules_dir()
    for path in sorted(p for p in folder.glob("*.toml") if p.is_file()):  # a folder named x.toml is none
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
