"""What every kubectl command gets: the cluster, the options common to all, and somewhere to print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from k8scourse.master.apiserver import APIServer

from .flags import Flag


@dataclass
class Context:
    """One kubectl invocation: the apiserver, the time, ``-n`` and stdin; ``write`` prints."""

    api: APIServer
    #: The time now, as seconds since ``timefmt.EPOCH`` (``clock.since(EPOCH)``): the printers read
    #: every timestamp on that scale, so an age is right whatever date the cluster's clock started on.
    now: float
    namespace: str
    explicit_namespace: bool
    stdin: str | None
    output: list[str] = field(default_factory=list)
    clock: Any = None  # the virtual clock: `rollout status` waits on it

    def write(self, text: str) -> None:
        self.output.append(text)


Handler = Callable[[Context, list[str], dict[str, Any]], None]


@dataclass(frozen=True)
class Command:
    """A kubectl command: what it does, its own flags, its usage line and kubectl's one-line summary.

    A command with ``subcommands`` (``rollout``, ``set``) hands a command line whose first
    argument names one to that subcommand, which parses its own flags (cobra's Find)."""

    run: Handler
    flags: Sequence[Flag]
    usage: str
    short: str
    subcommands: Mapping[str, "Command"] = field(default_factory=dict)
