"""Probes: the kubelet asking a container whether it has started, is alive, is ready.

Each probe of each container gets a worker (``pkg/kubelet/prober/worker.go``)
that runs every ``periodSeconds``, the first time at a random point of its
first period (so probes of many pods don't fire together). A run:

1. a new container instance starts from the probe's initial result: liveness
   Success, readiness Failure, startup Unknown; a liveness or startup probe
   that failed stays quiet until the container is replaced;
2. nothing is probed before the startup probe has passed (liveness and
   readiness), or within ``initialDelaySeconds`` of the container's start;
3. the probe runs (:func:`run_probe`); every failure is an ``Unhealthy``
   event (``Liveness probe failed: ...``, ``pkg/kubelet/prober/prober.go``);
4. the result counts once it repeats ``failureThreshold`` times (failures)
   or ``successThreshold`` times (successes) in a row.

What follows a result is the kubelet's: readiness sets the container's
``ready`` (READY column, the pod's Ready and ContainersReady conditions); a
startup probe that passes lets the others run, and one that fails, like a
failing liveness probe, gets the container killed and restarted
(``Container web failed liveness probe, will be restarted``).

How a probe ends depends on the container's program (:mod:`.programs`):

* ``exec``: ``cat F``, ``ls F``, ``test -e F`` / ``[ -f F ]`` pass while the
  file exists in the container (the program's ``touch``/``rm`` change that);
  ``true``, ``false`` and ``exit N`` do what they say; any other command
  passes (the course assumes the application's own check is happy); a
  ``sleep`` at least ``timeoutSeconds`` long times out;
* ``httpGet``: passes on a port the container's server listens on, at a path
  its image serves (nginx: ``/``; see :class:`~.images.ImageInfo`); another
  path answers 404; a port nobody listens on refuses the connection;
* ``tcpSocket`` and ``grpc``: pass on a port the server listens on.
"""

from __future__ import annotations

import random
import shlex
from typing import Any, Callable, Mapping

from k8scourse.clock import Timer, VirtualClock
from k8scourse.version import KUBERNETES_VERSION

from .programs import SHELLS, _sleep_seconds
from .runtime import Container, ContainerRuntime, RuntimeRequestError

# pkg/apis/core/v1/defaults.go SetDefaults_Probe
PROBE_DEFAULTS = {"initialDelaySeconds": 0, "timeoutSeconds": 1, "periodSeconds": 10,
                  "successThreshold": 1, "failureThreshold": 3}
KINDS = ("startupProbe", "livenessProbe", "readinessProbe")
SUCCESS, FAILURE, UNKNOWN = "Success", "Failure", "Unknown"  # prober/results
INITIAL = {"livenessProbe": SUCCESS, "readinessProbe": FAILURE, "startupProbe": UNKNOWN}  # worker.go newWorker


def probe_spec(container: Mapping[str, Any], kind: str) -> dict | None:
    """A container's probe with the API's defaults filled in, or None.

    The apiserver validates timings (periodSeconds >= 1, ...); a value it let
    through that is not a whole number of seconds is read as the default."""
    probe = container.get(kind)
    if not isinstance(probe, Mapping):
        return None
    spec = {**probe}
    for field, default in PROBE_DEFAULTS.items():
        value, least = probe.get(field), 0 if field == "initialDelaySeconds" else 1
        spec[field] = value if isinstance(value, int) and not isinstance(value, bool) and value >= least else default
    return spec


def kind_name(kind: str) -> str:
    """``livenessProbe`` -> ``liveness``, as the kubelet's messages say it."""
    return kind[:-len("Probe")]


class ProbeWorker:
    """One probe of one container: ticks every periodSeconds, keeps the result."""

    def __init__(self, kind: str, container: str, spec: dict, owner: "Prober") -> None:
        self.kind, self.container, self.spec, self.owner = kind, container, spec, owner
        self.container_id = ""  # the instance the result is about
        self.result = INITIAL[kind]
        self.last, self.run = "", 0  # the last raw result and how many times in a row
        self.on_hold = False
        self._timer: Timer | None = None

    def start(self, clock: VirtualClock, first: float) -> None:
        self._timer = clock.schedule(first, self._tick, clock)

    def trigger(self, clock: VirtualClock) -> None:
        """Probe now, and count the period from now (the manual trigger resets the ticker)."""
        self.stop()
        self._timer = clock.schedule(0.0, self._tick, clock)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _tick(self, clock: VirtualClock) -> None:
        self._timer = clock.schedule(self.spec["periodSeconds"], self._tick, clock)
        self.probe_once()

    def probe_once(self) -> None:
        """doProbe."""
        owner = self.owner
        current = owner.containers().get(self.container)
        if current is None:
            return
        if current.id != self.container_id:
            # a new instance: its initial result, probing resumes (the run of results goes on, as upstream's)
            self.container_id, self.result, self.on_hold = current.id, INITIAL[self.kind], False
        if self.on_hold:
            return
        if current.state != "running":
            self._set(FAILURE)
            return
        started = owner.started(current)
        if (self.kind == "startupProbe") == started:  # startup probes stop once started; others wait for it
            return
        if int(owner.clock.now - current.started_at) < self.spec["initialDelaySeconds"]:
            return
        passed, output = run_probe(owner.runtime, current, self.spec)
        if not passed:
            owner.unhealthy(current, self.kind, output)
        raw = SUCCESS if passed else FAILURE
        self.run = self.run + 1 if raw == self.last else 1
        self.last = raw
        threshold = self.spec["successThreshold" if passed else "failureThreshold"]
        if self.run < threshold:
            return
        self._set(raw)
        if raw == FAILURE and self.kind != "readinessProbe":
            self.on_hold, self.run = True, 0  # no more probes until the container is replaced

    def _set(self, result: str) -> None:
        if result != self.result:
            self.result = result
            self.owner.changed(self.kind)


class Prober:
    """The probe workers of one pod, and what their results mean for its containers."""

    def __init__(self, clock: VirtualClock, runtime: ContainerRuntime, rng: random.Random,
                 specs: list[Mapping[str, Any]], containers: Callable[[], Mapping[str, Container]],
                 unhealthy: Callable[[Container, str, str], None], changed: Callable[[str], None],
                 kubelet_up_for: float) -> None:
        """``containers`` gives each container's current instance; ``unhealthy`` records a failed
        probe; ``changed`` hears a result change (the probe kind)."""
        self.clock, self.runtime = clock, runtime
        self.containers, self.unhealthy, self.changed = containers, unhealthy, changed
        self.workers: dict[tuple[str, str], ProbeWorker] = {}  # (container, kind) -> worker
        for container in specs:
            for kind in KINDS:
                spec = probe_spec(container, kind)
                if spec is None:
                    continue
                worker = self.workers[container["name"], kind] = ProbeWorker(kind, container["name"], spec, self)
                period = spec["periodSeconds"]
                # worker.go run: a kubelet that started less than a period ago spreads its
                # probes over a random part of the period; otherwise the first probe runs at once
                worker.start(clock, rng.random() * period if kubelet_up_for < period else 0.0)

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.stop()

    def _result(self, container: Container, kind: str) -> str | None:
        """The worker's result for this instance; None when there is no such probe."""
        worker = self.workers.get((container.name, kind))
        if worker is None:
            return None
        return worker.result if worker.container_id == container.id else INITIAL[kind]

    def started(self, container: Container) -> bool:
        """``started``: running, and its startup probe (if any) has passed."""
        return container.state == "running" and self._result(container, "startupProbe") in (None, SUCCESS)

    def ready(self, container: Container) -> bool:
        """``ready``: started, and its readiness probe (if any) passes."""
        return self.started(container) and self._result(container, "readinessProbe") in (None, SUCCESS)

    def failed(self, container: Container) -> str:
        """The probe kind (``liveness``/``startup``) that wants a running container killed, or ''."""
        if container.state != "running":
            return ""
        for kind in ("livenessProbe", "startupProbe"):
            if self._result(container, kind) == FAILURE:
                return kind_name(kind)
        return ""

    def kick(self, container: Container) -> None:
        """A readiness probe that has no result for a new instance runs now (UpdatePodStatus's
        manual trigger), so a ready container need not wait a whole period."""
        worker = self.workers.get((container.name, "readinessProbe"))
        if worker is not None and worker.container_id != container.id and self.started(container):
            worker.trigger(self.clock)

    def grace_seconds(self, container: str, kind: str) -> float | None:
        """The probe's own terminationGracePeriodSeconds, if it sets one."""
        worker = self.workers.get((container, kind + "Probe"))
        return None if worker is None else worker.spec.get("terminationGracePeriodSeconds")

#: The User-Agent of an httpGet probe: kube-probe/<major>.<minor> (pkg/probe/http/request.go).
PROBE_USER_AGENT = "kube-probe/" + ".".join(KUBERNETES_VERSION.lstrip("v").split(".")[:2])


# --- running one probe --------------------------------------------------------------------


def run_probe(runtime: ContainerRuntime, container: Container, spec: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether the probe passes, and its output (what the Unhealthy event quotes)."""
    if isinstance(spec.get("exec"), Mapping):
        command = spec["exec"].get("command")
        words = [str(word) for word in command] if isinstance(command, list) else []
        return _exec(runtime, container, words, spec["timeoutSeconds"])
    program, ip = container.program, container.ip
    if isinstance(spec.get("httpGet"), Mapping):
        get = spec["httpGet"]
        port, path = _port(container, get.get("port")), str(get.get("path") or "/")
        scheme, host = str(get.get("scheme") or "HTTP").lower(), get.get("host") or ip
        url = f"{scheme}://{host}:{port}{path if path.startswith('/') else '/' + path}"
        if port not in program.ports:
            return False, f'Get "{url}": dial tcp {host}:{port}: connect: connection refused'
        if not program.http_paths:
            return False, f'Get "{url}": net/http: HTTP/1.x transport connection broken: malformed HTTP response'
        found = path.partition("?")[0] in program.http_paths
        if host == ip:  # the container's server answers, and may log the request
            runtime.http_request(container, path, 200 if found else 404, PROBE_USER_AGENT)
        if not found:
            return False, "HTTP probe failed with statuscode: 404"  # prober/http/http.go
        return True, ""
    socket = spec.get("tcpSocket") or spec.get("grpc")
    if isinstance(socket, Mapping):
        port = _port(container, socket.get("port"))
        if port in program.ports:
            return True, ""
        return False, f"dial tcp {socket.get('host') or ip}:{port}: connect: connection refused"
    return True, ""  # no handler: validation refuses it before it gets here


def _port(container: Container, port: Any) -> Any:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, str) and not port.isdigit():
        for declared in container.ports:
            if declared.get("name") == port:
                return declared.get("containerPort")
    return int(port) if isinstance(port, str) and port.isdigit() else port


def _exec(runtime: ContainerRuntime, container: Container, command: list[str],
          timeout: float) -> tuple[bool, str]:
    """Run an exec probe's command in the simplified shell of :mod:`.programs`."""
    if command and command[0] in SHELLS and "-c" in command:
        at = command.index("-c") + 1
        script = command[at] if at < len(command) else ""
        try:
            lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|")
            lexer.whitespace_split = True
            words = list(lexer)
        except ValueError:
            return False, "sh: syntax error: unterminated quoted string\n"
    else:
        words = command
    status, output, waited = 0, "", 0.0
    steps: list[tuple[list[str], str]] = []
    current: list[str] = []
    operator = ""
    for word in words + [";"]:
        if word in (";", "&&", "||"):
            if current:
                steps.append((current, operator))
            current, operator = [], word
        else:
            current.append(word)
    for step, operator in steps:
        if (operator == "&&" and status) or (operator == "||" and not status):
            continue
        name, args = step[0], step[1:]
        if name == "sleep":
            waited += _sleep_seconds(args) or 0.0
            if waited >= timeout:
                # prober/exec: the ExecProbeTimeout feature (on since v1.20)
                return False, f"command \"{' '.join(command)}\" timed out"
            continue
        status, said = _command(runtime, container, name, args)
        output += said
        if name == "exit":
            break
    return status == 0, output


def _command(runtime: ContainerRuntime, container: Container, name: str, args: list[str]) -> tuple[int, str]:
    """One command of an exec probe: its exit status and output (busybox's wording)."""
    files = [a for a in args if not a.startswith("-")]
    if name == "cat":
        for path in files:
            try:
                runtime.read_file(container, path)
            except RuntimeRequestError:
                return 1, f"cat: can't open '{path}': No such file or directory\n"
        return 0, ""
    if name == "ls":
        missing = [p for p in files if not _exists(runtime, container, p)]
        return (1, "".join(f"ls: {p}: No such file or directory\n" for p in missing)) if missing else (0, "")
    if name in ("test", "["):
        return (0 if files and _exists(runtime, container, files[0].rstrip("]")) else 1), ""
    if name == "false":
        return 1, ""
    if name == "exit":
        return (int(args[0]) % 256 if args and args[0].isdigit() else 0), ""
    return 0, ""


def _exists(runtime: ContainerRuntime, container: Container, path: str) -> bool:
    try:
        runtime.read_file(container, path)
    except RuntimeRequestError:
        return False
    return True
