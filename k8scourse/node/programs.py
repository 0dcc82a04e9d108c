"""What a container's main process does: read from its ``command``, as a learner would read it.

The simulation runs no real programs, so it reads the container's command:

* no ``command``: the image's own. Servers (nginx, redis, ...) run until
  stopped. Shell images (busybox, alpine, ubuntu) run ``sh``, which without a
  terminal (``stdin``/``tty``) reads end-of-input and exits 0 at once: that
  is why a bare ``busybox`` pod ends in CrashLoopBackOff.
* ``sh -c "<script>"`` (or ``bash -c``), or a bare command such as
  ``["sleep", "3600"]``: the script runs step by step. ``sleep N`` waits
  (``s``/``m``/``h``/``d`` suffixes, ``infinity``); ``exit N`` ends with
  code N; ``true``/``false`` set the status; quick commands (``echo``,
  ``date``, ...) take no time; ``a && b`` and ``a || b`` behave as in a
  shell. A loop (``while``, ``until``, ``for``) or any other program (a
  server) runs until stopped. When the script ends, the container exits with
  the last status.
* files: ``touch F``, ``echo text > F`` (or ``>>``) and ``rm F`` change the
  container's files when the script reaches them, so an exec probe that runs
  ``cat F`` passes or fails with them. Kubernetes' own liveness example,
  ``touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600``, becomes
  unhealthy 30 s after it starts.

What a process prints is its log (``kubectl logs``): a script's ``echo`` and
``printf`` lines (not redirected to a file), a server image's start-up
lines (:data:`SERVER_OUTPUT`: nginx's, as its Docker image prints them), and
nginx's access log line for each HTTP request it answers, a kubelet's
``httpGet`` probe included (:func:`access_log`).

A server (an image's own command) listens on the image's ports
(:class:`~.images.ImageInfo`): an ``httpGet`` or ``tcpSocket`` probe there
passes; anything else listens nowhere.

Stopping a container sends SIGTERM, then SIGKILL when the grace period ends.
PID 1 gets no default signal handlers, so a shell or ``sleep`` ignores
SIGTERM: it dies only by SIGKILL, after the whole grace period, with exit
code 137 (128 + 9). Servers handle SIGTERM and stop at once with 0. So
``kubectl delete`` of a ``sleep 3600`` pod takes 30 s, and of an nginx pod
about none.
"""

from __future__ import annotations

import math
import shlex
from typing import Mapping, NamedTuple

from .images import ImageInfo

SHELLS = frozenset({"sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/bin/ash", "/usr/bin/sh", "/usr/bin/bash"})
QUICK = frozenset({"echo", "printf", "date", "hostname", "env", "printenv", "ls", "cat", "touch", "mkdir",
                   "cp", "mv", "rm", "id", "whoami", "pwd", "uname", "sync", ":"})
LOOPS = frozenset({"while", "until", "for"})
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SIGKILL_EXIT = 137  # 128 + SIGKILL
SYNTAX_ERROR_EXIT = 2  # sh: syntax error / Illegal number


class FileChange(NamedTuple):
    """The script writes (or, with ``text`` None, removes) ``path`` ``at`` seconds after it starts."""

    at: float
    path: str
    text: str | None
    append: bool = False

class Output(NamedTuple):
    """A line the process writes to stdout ``at`` seconds after it starts; ``stamp``: a strftime
    prefix the program puts before it (nginx's error log: ``2025/01/01 00:00:05 ``)."""

    at: float
    text: str
    stamp: str = ""


_NGINX_STAMP = "%Y/%m/%d %H:%M:%S "  # ngx_log_error's time format (src/core/ngx_log.c)
#: What a server image prints as it starts (repository -> lines): the nginx image's
#: /docker-entrypoint.sh (github.com/nginxinc/docker-nginx), then nginx's own notices.
SERVER_OUTPUT: dict[str, tuple[Output, ...]] = {
    "docker.io/library/nginx": (
        Output(0.0, "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"),
        Output(0.0, "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/"),
        Output(0.0, "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh"),
        Output(0.0, "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf"),
        Output(0.0, "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf"),
        Output(0.0, "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh"),
        Output(0.0, "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh"),
        Output(0.0, "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh"),
        Output(0.0, "/docker-entrypoint.sh: Configuration complete; ready for start up"),
        Output(0.0, '[notice] 1#1: using the "epoll" event method', _NGINX_STAMP),
        Output(0.0, "[notice] 1#1: start worker processes", _NGINX_STAMP),
    ),
}
#: Servers that log each HTTP request to stdout (the nginx image links access.log to /dev/stdout).
ACCESS_LOGS = frozenset({"docker.io/library/nginx"})
#: Bytes nginx sends for its default page (index.html) and for its 404 page (nginx/1.2x.y).
NGINX_BODY_BYTES = {200: 615, 404: 153}


def access_log(client: str, path: str, status: int, user_agent: str, when: str) -> str:
    """One line of nginx's ``main`` log format (the image's nginx.conf):
    ``$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer"
    "$http_user_agent" "$http_x_forwarded_for"``; ``when`` is ``01/Jan/2025:00:00:05 +0000``."""
    return (f'{client} - - [{when}] "GET {path} HTTP/1.1" {status} {NGINX_BODY_BYTES.get(status, 0)} "-" '
            f'"{user_agent}" "-"')


class Program(NamedTuple):
    """How the process behaves: when it exits by itself, with what code,
    whether SIGTERM stops it, the files it writes, and the ports it listens on."""

    runs_for: float | None  # seconds until it exits; None: until stopped
    exit_code: int
    handles_sigterm: bool
    files: tuple[FileChange, ...] = ()
    ports: tuple[int, ...] = ()
    http_paths: tuple[str, ...] = ()  # where it answers HTTP 200 on its ports
    output: tuple[Output, ...] = ()  # what it prints, in order
    access_log: bool = False  # prints a line for each HTTP request it answers


SERVER = Program(None, 0, True)


def program_of(container: Mapping[str, object], image: ImageInfo, repository: str = "") -> Program:
    """Read a container spec's command (and the image's default, ``repository``'s) as described above."""
    command = list(container.get("command") or ())  # type: ignore[call-overload]
    words = command + list(container.get("args") or ())  # type: ignore[call-overload]
    interactive = bool(container.get("stdin") or container.get("tty"))
    if not command and not image.shell:
        return Program(None, 0, True, (), image.ports, image.http_paths,  # the image's entrypoint, given any args
                       SERVER_OUTPUT.get(repository, ()), repository in ACCESS_LOGS)
    if not words or (words[0] in SHELLS and "-c" not in words):
        return Program(None, 0, False) if interactive else Program(0.0, 0, False)
    if words[0] in SHELLS:
        at = words.index("-c") + 1
        return run_script(words[at] if at < len(words) else "")
    return _run([(words, "")], shell=False)


def run_script(script: str) -> Program:
    """Run a ``sh -c`` script in the simplified shell."""
    lexer = shlex.shlex(script.replace("\n", " ; "), posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # e.g. an unterminated quote
        return Program(0.0, SYNTAX_ERROR_EXIT, False)
    commands: list[tuple[list[str], str]] = []
    words: list[str] = []
    operator = ""
    for token in tokens + [";"]:
        if token in (";", "&&", "||"):
            if words:
                commands.append((words, operator))
            words, operator = [], token
        else:
            words.append(token)
    return _run(commands, shell=True)


def _run(commands: list[tuple[list[str], str]], shell: bool) -> Program:
    elapsed, status = 0.0, 0
    files: list[FileChange] = []
    output: list[Output] = []
    for words, operator in commands:
        if (operator == "&&" and status) or (operator == "||" and not status):
            continue
        words, target, append = _redirect(words)
        name, args = words[0] if words else ":", words[1:]
        if name == "exit":
            if args and not args[0].isdigit():
                return Program(elapsed, SYNTAX_ERROR_EXIT, False, tuple(files), output=tuple(output))
            return Program(elapsed, int(args[0]) % 256 if args else status, False, tuple(files),
                           output=tuple(output))
        if name == "sleep":
            seconds = _sleep_seconds(args)
            if seconds == math.inf:
                return Program(None, 0, False, tuple(files), output=tuple(output))
            elapsed, status = (elapsed, 1) if seconds is None else (elapsed + seconds, 0)
        elif name == "false":
            status = 1
        elif name == "true" or name in QUICK:
            status = 0
            if name == "touch":
                files += [FileChange(elapsed, path, "", True) for path in args if not path.startswith("-")]
            elif name == "rm":
                files += [FileChange(elapsed, path, None) for path in args if not path.startswith("-")]
        else:  # a loop or a long-running program: PID 1 is the shell when there is one
            return Program(None, 0, not shell and name not in LOOPS, tuple(files), output=tuple(output))
        if target:
            text = " ".join(args) + "\n" if name in ("echo", "printf") else ""
            files.append(FileChange(elapsed, target, text, append))
        elif name in ("echo", "printf"):
            output.append(Output(elapsed, " ".join(args)))
    return Program(elapsed, status, False, tuple(files), output=tuple(output))


def _redirect(words: list[str]) -> tuple[list[str], str, bool]:
    """Split ``echo ok > /tmp/f`` into the command, the file it writes and whether it appends."""
    for i, word in enumerate(words):
        if word in (">", ">>") and i + 1 < len(words):
            return words[:i] + words[i + 2:], words[i + 1], word == ">>"
    return words, "", False


def _sleep_seconds(args: list[str]) -> float | None:
    """``sleep 5``, ``sleep 1m 30s``, ``sleep infinity`` (inf); None when sleep would fail at once."""
    total = 0.0
    for arg in args:
        number, unit = (arg[:-1], arg[-1]) if arg[-1:] in _UNITS else (arg, "s")
        try:
            seconds = float(number) * _UNITS[unit]
        except ValueError:
            return None
        if math.isnan(seconds) or seconds < 0:
            return None
        total += seconds
    return total if args else None
