"""The container runtime on one node: pod sandboxes, containers, volumes, images.

The kubelet drives it through the CRI, the way it drives containerd:

1. ``run_pod_sandbox``: start the pod's *pause* container (the kubelet's
   ``--pod-infra-container-image``). It does nothing but hold the pod's
   network namespace, so the CNI plugin gives the pod its IP once, here.
2. ``create_container`` / ``start_container`` for each app container: each
   joins the sandbox's network namespace, so every container of a pod has
   the same IP (and reaches the others on ``localhost``), and mounts the
   pod's volumes. An ``emptyDir`` is one directory on the node,
   ``/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>``:
   what one container writes there, the others read. The container's own
   files (outside volumes) die with it; the volume outlives restarts.

``ps()`` lists containers under the names dockershim gave them, as
``docker ps`` showed them on the seed's Docker Engine nodes:
``k8s_<container>_<pod>_<namespace>_<uid>_<attempt>``, and
``k8s_POD_<pod>_<namespace>_<uid>_<attempt>`` for the pause container
(``pkg/kubelet/dockershim/naming.go``, removed in v1.24; ``POD`` is
``leaky.PodInfraContainerName``). containerd runs the same pause containers;
its ``crictl ps`` lists app containers and ``crictl pods`` the sandboxes.

What a container's process does (and when it exits) is read from its command:
see :mod:`k8scourse.node.programs`. ``crash()`` ends one at will.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Mapping, Sequence

from k8scourse.api.errors import FieldValidationError, K8sValueError, invalid
from k8scourse.clock import Timer, VirtualClock

from .cni import AddressesExhausted, HostLocalIPAM
from .images import ImageService, PullError, Registry, image_id, normalize
from .programs import SIGKILL_EXIT, FileChange, Output, Program, access_log, program_of

#: Course value: creating the namespaces, starting pause and the CNI ADD take a second.
SANDBOX_SETUP_SECONDS = 1.0
CNI_PLUGIN = "flannel"  # the course's pod network; its CNI plugin delegates to bridge + host-local
PAUSE = Program(None, 0, True)  # pause sleeps until SIGTERM, then exits 0
KUBELET_PODS_DIR = "/var/lib/kubelet/pods"


class RuntimeRequestError(K8sValueError):
    """A request the runtime refuses, e.g. a container that is not there."""


class Volume:
    """A directory mounted into containers; ``files`` maps a path inside it to its text."""

    __slots__ = ("name", "host_path", "files")

    def __init__(self, name: str, host_path: str) -> None:
        self.name, self.host_path = name, host_path
        self.files: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<Volume {self.name} at {self.host_path}>"


class Sandbox:
    """A pod's sandbox: the pause container, the pod IP and the pod's volumes."""

    __slots__ = ("id", "pod_name", "namespace", "pod_uid", "ip", "pause", "containers", "volumes", "ready")

    def __init__(self, id: str, pod_name: str, namespace: str, pod_uid: str, ip: str,
                 volumes: dict[str, Volume]) -> None:
        self.id, self.pod_name, self.namespace, self.pod_uid, self.ip = id, pod_name, namespace, pod_uid, ip
        self.volumes = volumes
        self.containers: list[Container] = []
        self.pause: Container  # set by the runtime right after
        self.ready = True

    def __repr__(self) -> str:
        return f"<Sandbox {self.namespace}/{self.pod_name} {self.ip} {'ready' if self.ready else 'stopped'}>"


class Container:
    """One container: a process in its own filesystem, in its sandbox's network namespace."""

    __slots__ = ("id", "sandbox", "name", "image", "image_id", "attempt", "program", "mounts", "files",
                 "ports", "state", "exit_code", "created_at", "started_at", "finished_at", "log", "_timers")

    def __init__(self, id: str, sandbox: Sandbox, name: str, image: str, attempt: int, program: Program,
                 mounts: dict[str, Volume], now: float) -> None:
        self.id, self.sandbox, self.name, self.image, self.attempt = id, sandbox, name, image, attempt
        self.image_id = image_id(image)
        self.program, self.mounts = program, mounts
        self.files: dict[str, str] = {}  # the container's own writable layer
        self.ports: list[Mapping[str, Any]] = []  # the spec's ports (named ports for probes)
        self.state = "created"  # then "running", then "exited"
        self.exit_code: int | None = None
        self.created_at, self.started_at, self.finished_at = now, 0.0, 0.0
        self.log: list[tuple[float, str]] = []  # (virtual time, line): its stdout, as the CRI keeps it
        self._timers: list[Timer] = []

    @property
    def ip(self) -> str:
        """The sandbox's IP: every container of a pod has the same one."""
        return self.sandbox.ip

    @property
    def docker_name(self) -> str:
        """dockershim's name: ``k8s_<container>_<pod>_<namespace>_<uid>_<attempt>``."""
        s = self.sandbox
        return f"k8s_{self.name}_{s.pod_name}_{s.namespace}_{s.pod_uid}_{self.attempt}"

    def __repr__(self) -> str:
        return f"<Container {self.docker_name} {self.state} {self.ip}>"


ExitListener = Callable[[Container], None]
SandboxDone = Callable[["Sandbox | None", str], None]  # (sandbox, or None and the error)


class ContainerRuntime:
    """containerd on one node, as the kubelet sees it through the CRI."""

    def __init__(self, clock: VirtualClock, rng: random.Random, *, pod_cidr: str, host_ip: str,
                 sandbox_image: str, registry: Registry | None = None) -> None:
        self.clock, self.rng = clock, rng
        self.ipam = HostLocalIPAM(pod_cidr)
        self.host_ip = host_ip
        self.sandbox_image = normalize(sandbox_image)
        self.images = ImageService(clock, registry)
        self.sandboxes: list[Sandbox] = []
        self.on_exit: ExitListener | None = None  # the kubelet's PLEG listens here
        self._host_volumes: dict[str, Volume] = {}  # hostPath volumes: shared by every pod on the node
        self._boot = 0  # bumped by power_off: sandboxes still being set up then never come up

    def _new_id(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    # --- sandboxes (RunPodSandbox, StopPodSandbox, RemovePodSandbox) -------------------

    def run_pod_sandbox(self, pod_name: str, namespace: str, pod_uid: str, *, volumes: Sequence[Mapping[str, Any]],
                        host_network: bool, done: SandboxDone) -> None:
        """Fetch the pause image if needed, set the sandbox up, then call ``done``."""
        delay, error = self.images.sandbox_image_delay(self.sandbox_image)
        if error is not None:
            self.clock.schedule(delay, self._sandbox_failed, self._boot, error, done)
            return
        self.clock.schedule(delay + SANDBOX_SETUP_SECONDS, self._sandbox_up, self._boot, pod_name, namespace,
                            pod_uid, volumes, host_network, done)

    def _sandbox_failed(self, boot: int, error: PullError, done: SandboxDone) -> None:
        """containerd could not pull its sandbox image (the pod stays ContainerCreating)."""
        if boot != self._boot:
            return
        code, _, reason = str(error).partition(" desc = ")
        ref = self.sandbox_image
        done(None, f'{code} desc = failed to get sandbox image "{ref}": failed to pull image "{ref}": {reason}')

    def _sandbox_up(self, boot: int, pod_name: str, namespace: str, pod_uid: str,
                    volumes: Sequence[Mapping[str, Any]], host_network: bool, done: SandboxDone) -> None:
        if boot != self._boot:
            return
        sandbox_id = self._new_id()
        try:
            ip = self.host_ip if host_network else self.ipam.allocate()
        except AddressesExhausted as exc:
            done(None, f'rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox_id}": '
                       f'plugin type="{CNI_PLUGIN}" failed (add): failed to delegate add: {exc}')
            return
        sandbox = Sandbox(sandbox_id, pod_name, namespace, pod_uid, ip,
                          {v["name"]: self._volume(pod_uid, v) for v in volumes})
        sandbox.pause = Container(sandbox_id, sandbox, "POD", self.sandbox_image, 0, PAUSE, {}, self.clock.now)
        self._run(sandbox.pause)
        self.sandboxes.append(sandbox)
        done(sandbox, "")

    def _volume(self, pod_uid: str, volume: Mapping[str, Any]) -> Volume:
        name = volume["name"]
        if "hostPath" in volume:
            path = volume["hostPath"].get("path", "")
            return self._host_volumes.setdefault(path, Volume(name, path))
        plugin = "empty-dir" if "emptyDir" in volume else next(
            (key.lower() for key in volume if key != "name"), "empty-dir")
        return Volume(name, f"{KUBELET_PODS_DIR}/{pod_uid}/volumes/kubernetes.io~{plugin}/{name}")

    def stop_pod_sandbox(self, sandbox: Sandbox) -> None:
        """Kill what still runs in it, stop pause and give the IP back (CNI DEL)."""
        if not sandbox.ready:
            return
        for container in sandbox.containers:
            if container.state == "running":
                self._exit(container, SIGKILL_EXIT)
        self._exit(sandbox.pause, 0)
        sandbox.ready = False
        if sandbox.ip != self.host_ip:
            self.ipam.release(sandbox.ip)

    def remove_pod_sandbox(self, sandbox: Sandbox) -> None:
        """Forget the sandbox, its containers and its pod volumes."""
        self.stop_pod_sandbox(sandbox)
        self.sandboxes.remove(sandbox)

    # --- containers (CreateContainer, StartContainer, StopContainer) --------------------

    def create_container(self, sandbox: Sandbox, spec: Mapping[str, Any], attempt: int) -> Container:
        """A container for ``spec`` in ``sandbox``; older dead instances of it are removed,
        keeping the last one (as the kubelet's container GC does)."""
        image = normalize(spec["image"])
        mounts = {m["mountPath"]: sandbox.volumes[m["name"]] for m in spec.get("volumeMounts") or ()}
        container = Container(self._new_id(), sandbox, spec["name"], image, attempt,
                              program_of(spec, self.images.info(image), repository(image)), mounts, self.clock.now)
        container.ports = [p for p in spec.get("ports") or () if isinstance(p, Mapping)]
        dead = [c for c in sandbox.containers if c.name == container.name and c.state == "exited"]
        for old in dead[:-1]:
            sandbox.containers.remove(old)
        sandbox.containers.append(container)
        return container

    def start_container(self, container: Container) -> None:
        self._run(container)
        for line in container.program.output:
            if line.at:
                container._timers.append(self.clock.schedule(line.at, self._print, container, line))
            else:
                self._print(container, line)
        for change in container.program.files:
            container._timers.append(self.clock.schedule(change.at, self._change_file, container, change))
        if container.program.runs_for is not None:
            container._timers.append(self.clock.schedule(
                container.program.runs_for, self._exit, container, container.program.exit_code, True))

    def _print(self, container: Container, line: Output) -> None:
        now = self.clock.now
        stamp = self.clock.moment(int(now)).strftime(line.stamp) if line.stamp else ""
        container.log.append((now, stamp + line.text))

    def http_request(self, container: Container, path: str, status: int, user_agent: str) -> None:
        """A request from this node (its bridge's address, as a kubelet's probe comes) that the
        container's server answered with ``status``: a server that logs requests prints a line."""
        if container.program.access_log:
            client = self.ipam.gateway  # cni0's address: the node's side of the pod network
            when = self.clock.moment(int(self.clock.now)).strftime("%d/%b/%Y:%H:%M:%S +0000")
            container.log.append((self.clock.now, access_log(client, path, status, user_agent, when)))

    def _change_file(self, container: Container, change: FileChange) -> None:
        files, inner = self._resolve(container, change.path)
        if change.text is None:
            files.pop(inner, None)
        else:
            files[inner] = files.get(inner, "") + change.text if change.append else change.text

    def _run(self, container: Container) -> None:
        container.state, container.started_at = "running", self.clock.now

    def stop_container(self, container: Container, grace_seconds: float) -> None:
        """SIGTERM, then SIGKILL after ``grace_seconds`` if the process is still there."""
        if container.state != "running":
            return
        if container.program.handles_sigterm:
            self._exit(container, 0, True)
        else:
            container._timers.append(self.clock.schedule(grace_seconds, self._exit, container, SIGKILL_EXIT, True))

    def crash(self, pod_name: str, container_name: str, *, namespace: str = "default", exit_code: int = 1) -> None:
        """Make a running container's process die with ``exit_code`` (1: an error; 137: killed)."""
        if isinstance(exit_code, bool) or not isinstance(exit_code, int) or not 0 <= exit_code <= 255:
            raise FieldValidationError([invalid("exitCode", exit_code, "must be between 0 and 255, inclusive")])
        container = self.find(pod_name, container_name, namespace=namespace)
        if container.state != "running":
            raise RuntimeRequestError(f'container "{container_name}" in pod "{namespace}/{pod_name}" is not running')
        self._exit(container, exit_code, True)

    def _exit(self, container: Container, code: int, notify: bool = False) -> None:
        if container.state != "running":
            return
        for timer in container._timers:
            timer.cancel()
        container._timers.clear()
        container.state, container.exit_code, container.finished_at = "exited", code, self.clock.now
        if notify and self.on_exit is not None:
            self.on_exit(container)

    # --- looking inside -------------------------------------------------------------------

    def find(self, pod_name: str, container_name: str, *, namespace: str = "default") -> Container:
        """The newest instance of a pod's container (``POD`` for the pause container)."""
        for sandbox in reversed(self.sandboxes):
            if sandbox.pod_name == pod_name and sandbox.namespace == namespace:
                if container_name == "POD":
                    return sandbox.pause
                for container in reversed(sandbox.containers):
                    if container.name == container_name:
                        return container
        raise RuntimeRequestError(
            f'container "{container_name}" of pod "{namespace}/{pod_name}" not found on this node')

    def by_id(self, container_id: str) -> Container | None:
        """The container (running or exited, not yet removed) with this ID (the CRI's ContainerStatus)."""
        for sandbox in self.sandboxes:
            for container in sandbox.containers:
                if container.id == container_id:
                    return container
        return None

    def ps(self, all: bool = False) -> list[Container]:
        """Containers, newest first, pause containers included; ``all`` adds exited ones (``docker ps -a``)."""
        found = [c for s in self.sandboxes for c in (s.pause, *s.containers) if all or c.state == "running"]
        return sorted(reversed(found), key=lambda c: -c.created_at)

    def ps_table(self, all: bool = False) -> str:
        """``ps()`` as a ``docker ps``-like table, with each container's IP."""
        rows = [["CONTAINER ID", "IMAGE", "STATUS", "IP", "NAMES"]]
        rows += [[c.id[:12], c.image, self._status(c), c.ip, c.docker_name] for c in self.ps(all)]
        # docker's tabwriter: columns at least 10 wide, 3 spaces of padding
        widths = [max(10, *(len(row[i]) + 3 for row in rows)) for i in range(len(rows[0]) - 1)]
        return "".join("".join(cell.ljust(w) for cell, w in zip(row, widths)) + row[-1] + "\n" for row in rows)

    def _status(self, container: Container) -> str:
        if container.state == "running":
            return f"Up {docker_duration(self.clock.now - container.started_at)}"
        if container.state == "exited":
            return f"Exited ({container.exit_code}) {docker_duration(self.clock.now - container.finished_at)} ago"
        return "Created"

    def write_file(self, container: Container, path: str, text: str) -> None:
        """Write a file from inside a container (``echo text > path``)."""
        files, inner = self._resolve(container, path)
        files[inner] = text

    def read_file(self, container: Container, path: str) -> str:
        """Read a file from inside a container (``cat path``)."""
        files, inner = self._resolve(container, path)
        if inner not in files:
            raise RuntimeRequestError(f"cat: can't open '{path}': No such file or directory")
        return files[inner]

    @staticmethod
    def _resolve(container: Container, path: str) -> tuple[dict[str, str], str]:
        """The file table holding ``path``: the deepest volume mounted over it, else the container's own."""
        best = ""
        for mount in container.mounts:
            if (path == mount or path.startswith(mount.rstrip("/") + "/")) and len(mount) > len(best):
                best = mount
        if best:
            return container.mounts[best].files, path[len(best.rstrip("/")):] or "/"
        return container.files, path

    def power_off(self) -> None:
        """The machine stops: every process dies, sandboxes and their IPs are gone; images stay on disk."""
        self._boot += 1
        for sandbox in list(self.sandboxes):
            for container in (*sandbox.containers, sandbox.pause):
                if container.state == "running":
                    self._exit(container, SIGKILL_EXIT)
            self.remove_pod_sandbox(sandbox)
        self.images.power_off()


def repository(image: str) -> str:
    """``docker.io/library/nginx:1.25`` -> ``docker.io/library/nginx`` (no tag, no digest)."""
    name = image.split("@")[0]
    return name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name


def docker_duration(seconds: float) -> str:
    """``units.HumanDuration`` from go-units, as ``docker ps`` prints ages."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = s // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(seconds / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{s // 3600 // 24 // 365} years"
