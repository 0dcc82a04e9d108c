"""``kubectl`` on the simulated cluster: parse a command line, run it, return what kubectl prints.

``Kubectl(api, clock).run("get pods -o wide")`` returns a :class:`KubectlResult`:
the text a terminal would show (stdout and stderr, in order) that also knows
the exit code. It never raises for bad input: a wrong flag, an unknown
resource or an invalid manifest come back as kubectl's error text with
``exit_code == 1``, as they would in a terminal. Check ``result.ok`` (or
``result.exit_code``) when the outcome matters.
"""

from __future__ import annotations

import shlex
from typing import Any

from k8scourse.clock import VirtualClock
from k8scourse.timefmt import EPOCH
from k8scourse.master.apiserver import APIServer

from . import autoscale, logs, read, rollout, scale, set_image, top, write
from .context import Command, Context
from .errors import ClientError, CommandError, SourcedError, Aggregate, error_text, flag_error
from .flags import BOOL, STRING, Flag, FlagError, parse

COMMANDS: dict[str, Command] = {**read.COMMANDS, **write.COMMANDS, **scale.COMMANDS, **rollout.COMMANDS,
                                **set_image.COMMANDS, **top.COMMANDS, **autoscale.COMMANDS, **logs.COMMANDS}
GLOBAL_FLAGS = (Flag("namespace", "n", STRING), Flag("help", "h", BOOL))
# Every command of a real kubectl: typos are matched against these, as cobra does.
KUBECTL_COMMANDS = (
    "alpha", "annotate", "api-resources", "api-versions", "apply", "attach", "auth", "autoscale", "certificate",
    "cluster-info", "completion", "config", "cordon", "cp", "create", "debug", "delete", "describe", "diff",
    "drain", "edit", "events", "exec", "explain", "expose", "get", "help", "kustomize", "label", "logs",
    "options", "patch", "plugin", "port-forward", "proxy", "replace", "rollout", "run", "scale", "set", "taint",
    "top", "uncordon", "version", "wait",
)
SUGGESTION_DISTANCE = 2  # cobra's SuggestionsMinimumDistance


class KubectlResult(str):
    """kubectl's output as a string, plus ``exit_code`` (0 on success, 1 on error) and ``ok``."""

    exit_code: int

    def __new__(cls, text: str, exit_code: int = 0) -> "KubectlResult":
        result = super().__new__(cls, text)
        result.exit_code = exit_code
        return result

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython shows the text as a terminal would, not as a quoted string."""
        printer.text(str(self))


class Kubectl:
    """A kubectl talking to one simulated cluster's apiserver, on its virtual clock."""

    def __init__(self, api: APIServer, clock: VirtualClock) -> None:
        self.api, self.clock = api, clock

    def run(self, command_line: str, stdin: str | None = None) -> KubectlResult:
        """Run one kubectl command line (the ``kubectl`` prefix is optional); ``stdin`` feeds ``-f -``.

        A wrong Python type is a TypeError: it is a mistake in the calling
        code, not a command kubectl could answer."""
        if not isinstance(command_line, str):
            raise TypeError(f"kubectl() takes a command line string, got {type(command_line).__name__}")
        if stdin is not None and not isinstance(stdin, str):
            raise TypeError(f"kubectl() takes stdin as a string (the text a pipe would give), "
                            f"got {type(stdin).__name__}")
        try:
            tokens = shlex.split(command_line)
        except ValueError as err:  # an unbalanced quote: the shell's complaint
            return KubectlResult(f"error: {err}\n", 1)
        if tokens[:1] == ["kubectl"]:
            tokens = tokens[1:]
        ctx: Context | None = None
        try:
            name, command, args, opts, given = _parse(tokens)
            if command is None or opts["help"]:
                return KubectlResult(_help(name, command))
            ctx = Context(self.api, self.clock.since(EPOCH), opts["namespace"] or "default", "namespace" in given,
                          stdin, clock=self.clock)
            command.run(ctx, args, opts)
        except (ValueError, CommandError, ClientError, SourcedError, Aggregate) as err:
            return KubectlResult("".join(ctx.output if ctx else []) + error_text(err), 1)
        return KubectlResult("".join(ctx.output))

    __call__ = run


def _parse(tokens: list[str]) -> tuple[str, Command | None, list[str], dict[str, Any], set[str]]:
    """Find the command (global flags may come first) and parse its flags."""
    position = _command_position(tokens)
    if position is None:
        _, opts, given = _flags("", tokens, GLOBAL_FLAGS)
        return "", None, [], opts, given
    name = tokens[position]
    command = COMMANDS.get(name)
    if command is None:
        raise _unknown_command(name)
    tokens = tokens[:position] + tokens[position + 1:]
    sub = _command_position(tokens[position:])
    if sub is not None and tokens[position + sub] in command.subcommands:  # `rollout undo`, `set image`
        name = f"{name} {tokens[position + sub]}"
        command = command.subcommands[tokens[position + sub]]
        del tokens[position + sub]
    args, opts, given = _flags(name, tokens, (*GLOBAL_FLAGS, *command.flags))
    return name, command, args, opts, given


def _command_position(tokens: list[str]) -> int | None:
    """Where the command word is: the first token that is neither a global flag nor its value."""
    takes_value = {"-n", "--namespace"}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("-") or token == "-":
            return i
        if token == "--":
            return i + 1 if i + 1 < len(tokens) else None
        i += 2 if token in takes_value else 1
    return None


def _flags(name: str, tokens: list[str], flags: tuple[Flag, ...]) -> tuple[list[str], dict[str, Any], set[str]]:
    try:
        return parse(tokens, flags)
    except FlagError as err:
        raise flag_error(name, str(err)) from None


def _unknown_command(name: str) -> CommandError:
    """cobra's unknown-command error with its suggestions, or why this kubectl lacks a real command."""
    if name in KUBECTL_COMMANDS:
        return CommandError(f"error: kubectl {name} is not available in the course's kubectl; "
                            f"it runs: {', '.join(sorted(COMMANDS))}")
    suggestions = [c for c in KUBECTL_COMMANDS
                   if _levenshtein(name.lower(), c) <= SUGGESTION_DISTANCE or c.startswith(name.lower())]
    text = f'error: unknown command "{name}" for "kubectl"'
    if suggestions:
        text += "\n\nDid you mean this?\n" + "".join(f"\t{s}\n" for s in suggestions)
    return CommandError(text.removesuffix("\n"))


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _help(name: str, command: Command | None) -> str:
    """A short help: the commands this kubectl runs, or one command's usage and flags."""
    if command is None:
        width = max(len(n) for n in COMMANDS) + 3
        lines = "".join(f"  {n.ljust(width)}{c.short}\n" for n, c in sorted(COMMANDS.items()))
        return ("kubectl controls the Kubernetes cluster manager (here: the course's simulated cluster).\n\n"
                f"Commands:\n{lines}\nUsage:\n  kubectl [flags] [options]\n")
    flags = "".join(
        f"  {'-' + f.short + ', ' if f.short else '    '}--{f.name}{'' if f.type == BOOL else '=...'}\n"
        for f in (*command.flags, *GLOBAL_FLAGS))
    return f"{command.short}.\n\nUsage:\n  kubectl {command.usage}\n\nOptions:\n{flags}"
