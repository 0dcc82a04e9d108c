"""A daemon's command line, as systemd builds it from the unit and its EnvironmentFiles, parsed
as that daemon's version parses it.

``ExecStart=/usr/bin/kubelet $KUBE_LOGTOSTDERR ... $KUBELET_ARGS``: systemd loads
each ``EnvironmentFile=`` in order (a later file wins), then splits every unquoted
``$VAR`` into words; an unset variable gives no word. The daemon then parses the
words with pflag: a flag it does not define stops it.

v1.31's components are cobra commands: a flag cobra refuses is printed as
``Error: unknown flag: --insecure-bind-address`` (component-base/cli/run.go, before
logging is set up) and the process exits 1; the kubelet parses its own flags and
logs ``"command failed" err="failed to parse kubelet flag: unknown flag: --api-servers"``
(cmd/kubelet/app/server.go, component-base/cli/run.go:72). The notes' v1.5 binaries
parsed with pflag's ExitOnError: ``unknown flag: --x`` and exit status 2.

The flag sets are each component's complete set at the version's release line
(k8scourse.boot.flag_sets, which cites the upstream files): a valid flag the course's model
ignores is still accepted, a removed one is refused. A deprecated flag is accepted and pflag
prints ``Flag --x has been deprecated, ...`` before the daemon starts (pflag's flag.go).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from k8scourse.config.envfile import EnvFile, EnvFileError
from k8scourse.config.spec import version_tuple

from .flag_sets import BOOLEAN, DEPRECATED_V1_31, FLAG_SETS
from .units import unit_settings


class MissingEnvironmentFile(FileNotFoundError):
    """An ``EnvironmentFile=`` without ``-`` that the machine does not have: ``path``."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


class FlagError(ValueError):
    """The daemon refused its command line: ``lines`` is what it printed, ``status`` its exit status."""

    def __init__(self, lines: list[str], status: int, word: int) -> None:
        super().__init__("\n".join(lines))
        self.lines, self.status, self.word = lines, status, word  # word: the argv index it stopped at


def release_line(version: str) -> str:
    """The release whose flag sets ``version`` uses: the notes' v1.5 before v1.10, today's v1.31 after."""
    return "v1.31" if version_tuple(version) >= (1, 10) else "v1.5"


def known_flags(daemon: str, version: str) -> frozenset[str]:
    """The flags ``daemon`` at ``version`` defines."""
    return FLAG_SETS[(daemon, release_line(version))]


def deprecation(daemon: str, version: str, flag: str) -> str | None:
    """What pflag prints when ``flag`` is used, if ``daemon`` at ``version`` marks it deprecated."""
    if release_line(version) != "v1.31":
        return None
    text = DEPRECATED_V1_31.get((daemon, flag))
    return f"Flag --{flag} has been deprecated, {text}" if text else None


@dataclass
class CommandLine:
    """A daemon's parsed flags (the last use of a flag wins, as pflag's Set does)."""

    daemon: str
    argv: list[str]
    flags: dict[str, str] = field(default_factory=dict)
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)  # flag -> (file, variable) it came from
    warnings: list[str] = field(default_factory=list)  # pflag's deprecation notices, printed before the daemon runs

    def get(self, flag: str, default: str | None = None) -> str | None:
        return self.flags.get(flag.lstrip("-"), default)


def environment(unit_text: str, files: dict[str, str], unit_path: str,
                warn: Callable[[str], None] = lambda message: None,
                sources: dict[str, str] | None = None) -> dict[str, str]:
    """The variables the unit's EnvironmentFiles set, in order; a missing file without ``-`` is an error.
    A line that is no assignment is skipped with systemd's warning (src/basic/fileio.c), passed to ``warn``."""
    env: dict[str, str] = {}
    for entry in unit_settings(unit_text).get("EnvironmentFile", []):
        optional, path = entry.startswith("-"), entry.lstrip("-")
        if path not in files:
            if optional:
                continue
            raise MissingEnvironmentFile(path, f"Failed to load environment files: {path}: No such file or directory "
                                               f"({unit_path}: EnvironmentFile={entry})")
        for line in files[path].splitlines():
            try:
                values = EnvFile.parse(line).values()
            except EnvFileError:
                warn(f"Ignoring invalid environment assignment '{line.strip()}': {path}")
                continue
            env.update(values)
            if sources is not None:
                sources.update(dict.fromkeys(values, path))
    return env


def assignments_only(text: str) -> str:
    """An EnvironmentFile as systemd uses it: the lines that are no assignment dropped (it warns about them)."""
    kept = []
    for line in text.splitlines():
        try:
            EnvFile.parse(line)
        except EnvFileError:
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def exec_argv(unit_text: str, env: dict[str, str], origins: list[str | None] | None = None) -> list[str]:
    """``ExecStart``'s words after systemd's expansion: ``$VAR`` splits into words, ``${VAR}`` is one word.
    ``origins`` (if given) gets, for each word, the variable it came from (None: the unit's own text)."""
    line = (unit_settings(unit_text).get("ExecStart") or [""])[-1]
    argv: list[str] = []
    sources: list[str | None] = []
    try:
        words = shlex.split(line)
    except ValueError:  # an unbalanced quote: systemd splits what it can; so does the model, on blanks
        words = line.split()
    for word in words:
        if word.startswith("$") and not word.startswith("${"):
            words = env.get(word[1:], "").split()
            argv += words
            sources += [word[1:]] * len(words)
        elif word.startswith("${") and word.endswith("}"):
            argv.append(env.get(word[2:-1], ""))
            sources.append(word[2:-1])
        else:
            argv.append(word)
            sources.append(None)
    if origins is not None:
        origins[:] = sources
    return argv


def parse(daemon: str, version: str, argv: list[str]) -> CommandLine:
    """Parse ``argv`` (without the binary) as ``daemon`` at ``version`` does; FlagError if it refuses."""
    known = known_flags(daemon, version)
    modern = version_tuple(version) >= (1, 10)
    line = CommandLine(daemon, list(argv))
    skip = False
    for index, word in enumerate(argv):
        if skip or not word.startswith("-"):
            skip = False
            continue  # a flag's value given as the next word, or a stray word the daemons ignore
        name, has_value, value = word.lstrip("-").partition("=")
        if name not in known:
            if not modern:
                raise FlagError([f"unknown flag: --{name}"], 2, index)  # pflag ExitOnError (v1.5)
            if daemon == "kubelet":
                raise FlagError([f'"command failed" err="failed to parse kubelet flag: unknown flag: --{name}"'], 1,
                                index)
            raise FlagError([f"Error: unknown flag: --{name}"], 1, index)
        notice = deprecation(daemon, version, name)
        if notice:
            line.warnings.append(notice)  # pflag prints it on each use of the flag
        if not has_value and name not in BOOLEAN and index + 1 < len(argv):
            value, has_value, skip = argv[index + 1], True, True  # pflag: "--flag value" for a non-bool flag
        line.flags[name] = value if has_value else "true"
    return line
