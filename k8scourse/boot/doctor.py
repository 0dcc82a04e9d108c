"""cluster.doctor(): what is wrong with a cluster, where, and how to fix it.

A troubleshooter reads two kinds of evidence, and so does the doctor:

1. the files, as the daemons reading them would: ``k8scourse.config.lint``'s
   static findings (a removed flag, an apiserver bound to 127.0.0.1 that the
   kubelets call on another address, etcd members that disagree);
2. what the running components report: units that failed, never started or
   are stuck starting (with the last line the daemon logged), Nodes that
   never registered or are not Ready, pods stuck ``ContainerCreating`` with
   the kubelet's Warning event, pods outside flannel's network or two pods
   with one IP, a Service whose selector matches no pod (its Endpoints stay
   empty), and the other Warning events.

``doctor(cluster)`` is ``cluster.doctor()``: it gathers the evidence from a
cluster booted from files (``cluster.boot``: the tree, the units, the
journals); ``diagnose`` takes the evidence as arguments, so tests and other
callers can hand it what they have.

Each finding is a :class:`~k8scourse.config.lint.Finding` naming the
machine, the file and the key to change, what happens and the fix. The
static findings come first (they are causes); the observations follow
(they are symptoms, and say which file to look at).
"""

from __future__ import annotations

import ipaddress
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from k8scourse.config.lint import SEVERITIES, Finding, lint
from k8scourse.config.sysconfig import DAEMONS, SysconfigFile
from k8scourse.config.spec import CURRENT_VERSION
from k8scourse.node import events as kubelet_events

#: Where a Service's selector lives, as `kubectl edit` shows it.
SELECTOR = "spec.selector"
#: The file each daemon reads its flags from (``/etc/kubernetes/kubelet`` for kubelet...).
DAEMON_FILE = {daemon: path for path, daemon in DAEMONS.items()}
#: Warning events the doctor words itself (pods stuck creating); others are reported as they are.
OWN_WORDING = {kubelet_events.FAILED_CREATE_POD_SANDBOX}
#: Seconds a unit may stay "activating" before the doctor calls it stuck: the daemons here get
#: ready within a few seconds (etcd once it has a quorum, flanneld once it holds a lease).
STUCK_STARTING = 20.0


class _API(Protocol):
    def list(self, resource: str, namespace: str | None = None, **selectors: Any) -> list[dict]: ...


class _Cluster(Protocol):
    api: _API


class Diagnosis(list):
    """The doctor's findings: a list of ``Finding``, printed as a table a notebook shows whole."""

    WIDTH = 100  # characters: JupyterLab's output width at its default font
    EMPTY = "No problems found: the files agree with each other and every component reports healthy."

    def __init__(self, findings: Iterable[Finding] = (), empty: str = EMPTY) -> None:
        super().__init__(findings)
        self.empty = empty  # what an empty table says

    def __str__(self) -> str:
        if not self:
            return self.empty
        counts = {s: sum(f.severity == s for f in self) for s in SEVERITIES}
        head = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
        lines = [f"{len(self)} finding{'s' if len(self) != 1 else ''} ({head})", ""]
        for number, finding in enumerate(self, 1):
            where = f"{finding.machine}  {finding.path}" if finding.machine else finding.path
            lines.append(f"{number:>2}. {finding.severity.upper():<7} {where}  [{finding.key}]")
            lines += _wrapped("what: ", finding.message, self.WIDTH)
            if finding.fix:
                lines += _wrapped("fix:  ", finding.fix, self.WIDTH)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython shows the table, not a list of dataclass reprs."""
        printer.text(str(self))

    def errors(self) -> "Diagnosis":
        """Only the findings whose severity is ``error``."""
        return Diagnosis((f for f in self if f.severity == "error"),
                         "No errors: every daemon runs and the files agree." + (" Warnings remain: print all "
                                                                                  "the findings." if self else ""))

    def about(self, machine: str) -> "Diagnosis":
        """Only the findings about ``machine``."""
        return Diagnosis((f for f in self if f.machine == machine), f"No findings about {machine}.")


def _wrapped(label: str, text: str, width: int) -> list[str]:
    indent = " " * 12
    return textwrap.wrap(text, width, initial_indent=indent[:-len(label)] + label, subsequent_indent=indent,
                         break_on_hyphens=False) or [indent + label]


def diagnose(cluster: _Cluster, files: Mapping[str, Mapping[str, str]] | None = None,
             kubernetes_version: str | None = None, *, etcd_version: str | None = None, logs: Any = None,
             units: Iterable[tuple[str, str, str, float]] = (), node_machines: Mapping[str, str] | None = None,
             pod_network: str | None = None, blame: Mapping[tuple[str, str], tuple[str, str, str]] | None = None,
             minimum: str = "warning") -> Diagnosis:
    """Findings about ``cluster``: the linter's on ``files`` (the cluster's tree, when it was booted
    from files), then what its components report.

    ``logs(machine, daemon)`` returns a daemon's journal; ``units`` lists each unit as
    ``(machine, daemon, state, seconds in that state)``; ``node_machines`` maps each Node name
    a machine's kubelet registers (its ``--hostname-override``) to the machine; ``pod_network``
    is flannel's network, which every pod's IP should be in; ``blame`` maps a (machine, daemon) to the
    (file, key, what) its unit's failure comes from, where the unit knows it (``Unit.source``).
    ``minimum`` is the least severity shown (``"info"`` shows everything).
    """
    if minimum not in SEVERITIES:
        raise ValueError(f"minimum: {minimum!r} is not a severity; use one of {', '.join(SEVERITIES)}")
    found: list[Finding] = []
    if files:
        found += lint(files, kubernetes_version or CURRENT_VERSION, etcd_version)
    units = list(units)
    found += _units(units, logs, blame or {})
    machines = dict(node_machines or {})
    down = {(machine, daemon) for machine, daemon, state, _ in units if state != "active"}
    found += _nodes(cluster, machines, down, logs)
    found += _pods(cluster, machines, pod_network)
    found += _services(cluster)
    found += _warning_events(cluster)
    shown = SEVERITIES[:SEVERITIES.index(minimum) + 1]
    unique = dict.fromkeys(f for f in found if f.severity in shown)
    return Diagnosis(sorted(unique, key=lambda f: SEVERITIES.index(f.severity)))  # stable: causes first


def _last_line(logs: Any, machine: str, daemon: str) -> str:
    """The last line the daemon itself logged (not systemd about it), without journalctl's prefix."""
    if logs is None:
        return ""
    lines = [line for line in str(logs(machine, daemon)).splitlines() if line.strip() and not line.startswith("--")]
    own = [line for line in lines if f" {daemon}[" in line or line.startswith(f"{daemon}[")]
    if not (own or lines):
        return ""
    last = (own or lines)[-1]
    return last.split("]: ", 1)[1] if "]: " in last else last


def _units(units: Iterable[tuple[str, str, str, float]], logs: Any,
           blame: Mapping[tuple[str, str], tuple[str, str, str]]) -> list[Finding]:
    """A unit that failed, never started, or has been starting for longer than a daemon takes; one that
    failed because of a file (a missing EnvironmentFile, a key etcd refuses) names that file and key."""
    out = []
    for machine, daemon, state, seconds in units:
        if state == "active" or (state == "activating" and seconds < STUCK_STARTING):
            continue
        said = _last_line(logs, machine, daemon)
        journal = f"; its journal ends: {said}" if said else ""
        path = DAEMON_FILE.get(daemon, f"/usr/lib/systemd/system/{daemon}.service")
        if state == "inactive":
            out.append(Finding(machine, path, daemon, "warning", "unit-inactive",
                               f"{daemon} is installed but not running", f"systemctl start {daemon} on {machine}"))
            continue
        what = (f"{daemon} has been starting for {seconds:.0f} s without getting ready" if state == "activating"
                else f"{daemon} failed and is not running")
        if state == "failed" and (machine, daemon) in blame:
            source, key, detail = blame[(machine, daemon)]
            out.append(Finding(machine, source, key or daemon, "error", "unit-failed", f"{what}: {detail}{journal}",
                               f"correct {source} on {machine} (cluster.logs({machine!r}, {daemon!r}) says what "
                               "the daemon read), then start it again"))
            continue
        out.append(Finding(machine, path, daemon, "error", "unit-failed", what + journal,
                           f"read cluster.logs({machine!r}, {daemon!r}), correct the file it names, "
                           "and start it again"))
    return out


def _condition(node: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    return next((c for c in node.get("status", {}).get("conditions") or () if c["type"] == kind), {})


def _nodes(cluster: _Cluster, machines: Mapping[str, str], down: set[tuple[str, str]],
           logs: Any) -> list[Finding]:
    out = []
    nodes = {n["metadata"]["name"]: n for n in cluster.api.list("nodes")}
    kubelet_down = {m for m, daemon in down if daemon == "kubelet"}
    path = DAEMON_FILE["kubelet"]
    for name, machine in sorted(machines.items()):
        if name not in nodes and machine not in kubelet_down:
            said = _last_line(logs, machine, "kubelet")
            out.append(Finding(machine, path, "KUBELET_API_SERVER", "error", "node-not-registered",
                               f"the kubelet runs but Node {name} never registered"
                               + (f"; its journal ends: {said}" if said else ""),
                               "point the kubelet at an address and port the apiserver serves "
                               "(the apiserver's bind address must be reachable from this machine)"))
    owner = dict(machines)
    for name, node in nodes.items():
        ready = _condition(node, "Ready")
        if ready.get("status") != "True":
            reason = ready.get("reason") or "no status posted"
            detail = ready.get("message") or "the kubelet stopped posting status"
            out.append(Finding(owner.get(name, name), path, "Ready", "error", "node-not-ready",
                               f"Node {name} is NotReady ({reason}): {detail}",
                               f"read the kubelet's journal on {owner.get(name, name)} and describe the node "
                               f"(kubectl describe node {name})"))
    return out


def _waiting(pod: Mapping[str, Any]) -> list[str]:
    statuses = pod.get("status", {}).get("containerStatuses") or ()
    return [s["state"]["waiting"].get("reason", "") for s in statuses if "waiting" in s.get("state", {})]


def _pods(cluster: _Cluster, machines: Mapping[str, str], pod_network: str | None) -> list[Finding]:
    out = []
    pods = cluster.api.list("pods")
    out += _outside(pods, machines, pod_network)
    warnings = _latest_warnings(cluster)
    for pod in pods:
        meta, spec = pod["metadata"], pod.get("spec", {})
        ref = f"{meta['namespace']}/{meta['name']}"
        if "ContainerCreating" in _waiting(pod):
            event = warnings.get(("Pod", ref, kubelet_events.FAILED_CREATE_POD_SANDBOX))
            if event is not None:
                node = spec.get("nodeName", "")
                out.append(Finding(machines.get(node, node), f"pod {ref}", "status", "error", "pod-stuck",
                                   f"stuck ContainerCreating: {event['message']}",
                                   "the node's container runtime cannot set the pod's sandbox up: "
                                   "check that node's flanneld and docker (subnet.env) and its kubelet file"))
    by_ip: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for pod in pods:
        ip = pod.get("status", {}).get("podIP")
        if ip and not pod.get("spec", {}).get("hostNetwork"):
            by_ip[ip].append(pod)
    for ip, same in sorted(by_ip.items()):
        if len(same) > 1:
            names = ", ".join(f"{p['metadata']['name']} on {p['spec'].get('nodeName', '?')}" for p in same)
            nodes = sorted({p["spec"].get("nodeName", "") for p in same})
            out.append(Finding(machines.get(nodes[-1], nodes[-1]), "/etc/sysconfig/flanneld", "flanneld",
                               "error", "duplicate-pod-ip",
                               f"{len(same)} pods have the IP {ip} ({names}): their nodes hand out addresses from "
                               "the same subnet, so packets for one reach the other",
                               "each node's docker must take its bridge from the node's own flannel lease: get "
                               "flanneld a lease on every node (read its journal), with the same etcd endpoints "
                               "and prefix everywhere"))
    return out


def _outside(pods: list[dict], machines: Mapping[str, str], pod_network: str | None) -> list[Finding]:
    """Pods whose IP is not in flannel's network: docker on that node started on its own bridge."""
    if not pod_network:
        return []
    network = ipaddress.ip_network(pod_network)
    strays: dict[str, list[str]] = defaultdict(list)
    for pod in pods:
        ip = pod.get("status", {}).get("podIP")
        if ip and not pod.get("spec", {}).get("hostNetwork") and ipaddress.ip_address(ip) not in network:
            strays[pod["spec"].get("nodeName", "")].append(f"{pod['metadata']['name']} ({ip})")
    return [Finding(machines.get(node, node), "/etc/sysconfig/flanneld", "flanneld", "error", "pod-outside-network",
                    f"pods on {node} have addresses outside flannel's network {network}: {', '.join(names)}; "
                    "docker started on its default bridge because flanneld wrote it no subnet "
                    "(/run/flannel/subnet.env), so other nodes cannot route to them",
                    "get flanneld on that node to hold a lease (read its journal), then restart docker and "
                    "the pods")
            for node, names in sorted(strays.items())]


def _services(cluster: _Cluster) -> list[Finding]:
    out = []
    pods_by_ns: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for pod in cluster.api.list("pods"):
        pods_by_ns[pod["metadata"]["namespace"]].append(pod)
    endpoints = {(e["metadata"]["namespace"], e["metadata"]["name"]): e for e in cluster.api.list("endpoints")}
    for service in cluster.api.list("services"):
        meta = service["metadata"]
        selector = service.get("spec", {}).get("selector")
        if not selector:
            continue  # its Endpoints are written by hand, not by the endpoints controller
        subsets = endpoints.get((meta["namespace"], meta["name"]), {}).get("subsets")
        if subsets:
            continue
        wanted = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        selected = [p for p in pods_by_ns[meta["namespace"]]
                    if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())]
        ref = f"service {meta['namespace']}/{meta['name']}"
        if not pods_by_ns[meta["namespace"]]:
            out.append(Finding("", ref, SELECTOR, "warning", "service-no-pods",
                               f"the namespace {meta['namespace']} has no pods at all, so the Service's Endpoints "
                               "stay empty", "find out why no pod was created (kubectl get events)"))
        elif not selected:
            labels = sorted({",".join(f"{k}={v}" for k, v in sorted((p["metadata"].get("labels") or {}).items()))
                             for p in pods_by_ns[meta["namespace"]]} - {""})
            seen = "; the pods' labels are " + " | ".join(labels) if labels else "; its pods have no labels"
            out.append(Finding("", ref, SELECTOR, "error", "service-selects-nothing",
                               f"the selector {wanted} matches no pod, so its Endpoints stay empty and every "
                               f"connection to it is refused{seen}",
                               "make spec.selector the labels of the pods that should answer "
                               "(kubectl get pods --show-labels)"))
        else:
            out.append(Finding("", ref, SELECTOR, "warning", "service-no-ready-endpoints",
                               f"the selector {wanted} matches {len(selected)} pod(s), none of them Ready, so "
                               "its Endpoints stay empty", "find out why those pods are not Ready"))
    return out


def _latest_warnings(cluster: _Cluster) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    """{(kind, namespace/name, reason): the latest Warning event about it}."""
    latest: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    events = cluster.api.list("events")
    order = sorted(events, key=lambda e: (e.get("lastTimestamp") or e.get("eventTime") or "", e["metadata"]["name"]))
    for event in order:
        if event.get("type") != "Warning":
            continue
        involved = event.get("involvedObject", {})
        ref = f"{involved.get('namespace') or event['metadata'].get('namespace')}/{involved.get('name')}"
        latest[involved.get("kind", ""), ref, event.get("reason", "")] = event
    return latest


def _warning_events(cluster: _Cluster) -> list[Finding]:
    out = []
    for (kind, ref, reason), event in sorted(_latest_warnings(cluster).items()):
        if reason in OWN_WORDING:
            continue
        source = (event.get("source") or {}).get("component") or event.get("reportingComponent") or "?"
        count = event.get("count", 1)
        times = f" ({count} times)" if count and count > 1 else ""
        out.append(Finding("", f"{kind.lower()} {ref}", reason, "warning", "event",
                           f"{source} reports{times}: {event.get('message', '')}",
                           f"kubectl describe {kind.lower()} {ref.split('/', 1)[1]}"
                           + (f" -n {ref.split('/', 1)[0]}" if kind != "Node" else "")))
    return out


def doctor(cluster: Any, minimum: str = "warning") -> Diagnosis:
    """``cluster.doctor()``: :func:`diagnose` with everything a cluster booted from files offers
    (its files, the Kubernetes version of its binaries, its units and journals); a cluster built
    in code (``quickstart``) has only its objects to show."""
    boot = getattr(cluster, "boot", None)
    if boot is None:
        return diagnose(cluster, minimum=minimum)
    files = boot.tree
    units = [(name, daemon, unit.state, cluster.now - unit.since)
             for name, machine in boot.machines.items() for daemon, unit in machine.units.items()]
    node_machines = {_node_name(machine): name for name, machine in boot.machines.items() if "kubelet" in machine.units}
    node_machines |= {node: name for name, node in boot.nodes.items()}
    blame = {(name, daemon): (*unit.source, unit.detail) for name, machine in boot.machines.items()
             for daemon, unit in machine.units.items() if unit.source is not None}
    return diagnose(cluster, files, boot.version, etcd_version=boot.etcd_version, logs=boot.logs, units=units,
                    node_machines=node_machines, pod_network=_network(boot), blame=blame, minimum=minimum)


def _network(boot: Any) -> str | None:
    """flannel's network, once some flanneld has read its config (before that, no pod IP is wrong)."""
    network = boot.flannel_network()
    return str(network) if network is not None else None


def _node_name(machine: Any) -> str:
    """The Node name the machine's kubelet registers: its --hostname-override, else the machine's name."""
    try:
        override = SysconfigFile.parse(DAEMON_FILE["kubelet"], machine.files.get(DAEMON_FILE["kubelet"], "")).flag(
            "--hostname-override")
    except ValueError:
        override = None
    return (override or machine.name).strip().lower()
