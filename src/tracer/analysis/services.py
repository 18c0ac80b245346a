"""Other services a walk reaches through their client libraries.

A client call (`[[clients]]` in the caller's rules) is a request to another
service. That service's rules, when there are any, say through `[[routes]]`
which REST request the client method sends and which of its operations
serves it; when its source tree is given too, the walk goes on inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Protocol

from tracer.analysis.text import humanise
from tracer.rules import Rules, available_projects, load_rules

if TYPE_CHECKING:
    from tracer.analysis.discover import Operation
    from tracer.analysis.resolve import Resolver
    from tracer.index.tree import SourceTree


class Service(Protocol):
    """A project bound to its tree (pipeline.Project is one)."""

    rules: Rules
    resolver: "Resolver"
    tree: "SourceTree"

    def start(self, name: str, granularity: str | None = None) -> tuple["Operation", Rules, str]:
        """The operation, the rules to draw it with, its first participant."""
        ...


@dataclass(frozen=True)
class Request:
    service: str
    method: str             # the client method: create_port, volumes.reserve
    request: str | None     # the REST request it sends, when the routes know it
    operation: str | None   # the service's operation that serves it

    @property
    def reads(self) -> bool:
        """A GET: it changes nothing in the other service."""
        return (self.request or "").startswith("GET ")

    @property
    def text(self) -> str:
        said = " ".join(humanise(part) for part in self.method.split("."))
        return f"{said}: {self.request}" if self.request else said


def _rules_of(service: str) -> Rules | None:
    return load_rules(service) if service in available_projects() else None


@dataclass
class Services:
    """The trees given for other services (by name), and their rules."""

    trees: Mapping[str, Service] = field(default_factory=dict)
    load: Callable[[str], Rules | None] = _rules_of
    _rules: dict[str, Rules | None] = field(default_factory=dict)

    def rules(self, service: str) -> Rules | None:
        if service in self.trees:
            return self.trees[service].rules
        if service not in self._rules:
            self._rules[service] = self.load(service)
        return self._rules[service]

    def request(self, service: str, method: str) -> Request:
        rules = self.rules(service)
        found = rules.route(method) if rules else None
        return Request(service, method, *(found or (None, None)))

    def tree(self, service: str) -> Service | None:
        return self.trees.get(service)
