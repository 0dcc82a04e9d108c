"""What ``kubectl get`` prints: a table per resource, or the objects as YAML, JSON or names.

Columns and cell formulas follow the apiserver's table printers
(``pkg/printers/internalversion/printers.go``); a resource without one gets
the server's default table, ``NAME  CREATED AT`` (LimitRange is one).
Columns marked *wide* appear only with ``-o wide``. The table options
(``-A``, ``--show-labels``, ``-L``, kind prefixes) are cli-runtime's
(``k8s.io/cli-runtime/pkg/printers/tableprinter.go``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Sequence

from k8scourse.api.meta import dump_yaml
from k8scourse.api.quantity import QuantityError, parse_quantity
from k8scourse.api.selectors import LabelSelector
from k8scourse.timefmt import human_duration, parse_rfc3339

from .tabwriter import table

NONE = "<none>"
Row = Callable[[Mapping[str, Any], float], list[str]]

# --- small formatters ---------------------------------------------------------------------


_seconds = lru_cache(maxsize=4096)(parse_rfc3339)  # a list's objects share few distinct timestamps


def age(timestamp: str | None, now: float) -> str:
    """translateTimestampSince: the AGE of a timestamp. Timestamps are read as seconds since
    ``timefmt.EPOCH``, so ``now`` is on that scale too: ``clock.since(EPOCH)``."""
    return human_duration(now - _seconds(timestamp)) if timestamp else "<unknown>"


def format_labels(labels: Mapping[str, str] | None) -> str:
    """labels.FormatLabels: ``k=v`` pairs sorted by key, or ``<none>``."""
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels)) if labels else NONE


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: the selector's string form, or ``<none>``."""
    try:
        text = str(LabelSelector.from_dict(selector or {}))
    except ValueError:
        return "<error>"
    return text or NONE


def quantity(value: Any) -> str:
    """A quantity in canonical form (``0.5`` -> ``500m``), as Quantity.String() prints it."""
    try:
        return str(parse_quantity(value if value is not None else 0))
    except QuantityError:
        return str(value)


def qualified_kind(obj: Mapping[str, Any]) -> str:
    """``pod``, ``deployment.apps``: how kubectl names an object's kind in ``kind/name``."""
    group = obj.get("apiVersion", "v1").rpartition("/")[0]
    kind = str(obj.get("kind", "")).lower()
    return f"{kind}.{group}" if group else kind


def object_name(obj: Mapping[str, Any]) -> str:
    """``-o name`` and the messages of write commands: ``pod/web``, ``deployment.apps/web``."""
    return f"{qualified_kind(obj)}/{obj['metadata']['name']}"


def _containers(spec: Mapping[str, Any]) -> tuple[str, str]:
    """layoutContainerCells: container names and images, comma-separated."""
    containers = spec.get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _template_spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


# --- pods ------------------------------------------------------------------------------------


def pod_status(pod: Mapping[str, Any], now: float) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS of a pod, computed as v1.31's printPod does
    (``pkg/printers/internalversion/printers.go``): init containers first
    (``Init:1/2``, ``Init:Error``, ``Init:CrashLoopBackOff``), then the app
    containers from last to first, so the first one's reason wins. A sidecar
    (an init container with ``restartPolicy: Always``) counts in READY, and
    only its restarts count once the pod is initialised."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    meta = pod["metadata"]
    phase = status.get("phase", "")
    reason = status.get("reason") or phase
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or [] if isinstance(c, Mapping)}
    sidecars = {name for name, c in init_specs.items() if c.get("restartPolicy") == "Always"}
    total, ready = len(spec.get("containers") or []) + len(sidecars), 0
    restarts, last_restart = 0, ""
    sidecar_restarts, sidecar_last_restart = 0, ""
    initializing = False
    init_count = len(spec.get("initContainers") or [])
    for i, container in enumerate(status.get("initContainerStatuses") or []):
        restarts += container.get("restartCount", 0)
        last_restart = max(last_restart, _finished_at(container))
        sidecar = container.get("name") in sidecars
        if sidecar:
            sidecar_restarts += container.get("restartCount", 0)
            sidecar_last_restart = max(sidecar_last_restart, _finished_at(container))
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and container.get("started"):
            ready += bool(container.get("ready"))
            continue
        if terminated is not None:
            reason = "Init:" + (terminated.get("reason") or _exit_reason(terminated))
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{init_count}"
        initializing = True
        break
    if not initializing or _condition_true(status, "Initialized"):
        restarts, last_restart, has_running = sidecar_restarts, sidecar_last_restart, False
        for container in reversed(status.get("containerStatuses") or []):
            restarts += container.get("restartCount", 0)
            last_restart = max(last_restart, _finished_at(container))
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = terminated.get("reason") or _exit_reason(terminated)
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    shown = str(restarts)
    if restarts and last_restart:
        shown = f"{restarts} ({age(last_restart, now)} ago)"
    return f"{ready}/{total}", reason, shown


def _finished_at(container: Mapping[str, Any]) -> str:
    terminated = (container.get("lastState") or {}).get("terminated") or {}
    return terminated.get("finishedAt") or ""


def _exit_reason(terminated: Mapping[str, Any]) -> str:
    if terminated.get("signal"):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{terminated.get('exitCode', 0)}"


def _condition_true(status: Mapping[str, Any], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or [])


def _pod_row(pod: Mapping[str, Any], now: float) -> list[str]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    ready, reason, restarts = pod_status(pod, now)
    ips = status.get("podIPs") or ([{"ip": status["podIP"]}] if status.get("podIP") else [])
    gates = spec.get("readinessGates") or []
    readiness = NONE
    if gates:
        true = sum(_condition_true(status, g.get("conditionType")) for g in gates)
        readiness = f"{true}/{len(gates)}"
    return [pod["metadata"]["name"], ready, reason, restarts, age(pod["metadata"].get("creationTimestamp"), now),
            ips[0]["ip"] if ips else NONE, spec.get("nodeName") or NONE,
            status.get("nominatedNodeName") or NONE, readiness]


# --- nodes and namespaces --------------------------------------------------------------------


def node_roles(node: Mapping[str, Any]) -> list[str]:
    """findNodeRoles: ``node-role.kubernetes.io/<role>`` keys and ``kubernetes.io/role`` values."""
    roles = set()
    for key, value in (node["metadata"].get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key != "node-role.kubernetes.io/":
            roles.add(key[len("node-role.kubernetes.io/"):])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def node_status(node: Mapping[str, Any]) -> str:
    """Ready / NotReady / Unknown, plus SchedulingDisabled when cordoned."""
    status = ["Unknown"]
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            status = ["Ready" if condition.get("status") == "True" else "NotReady"]
    if (node.get("spec") or {}).get("unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_address(node: Mapping[str, Any], kind: str) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == kind:
            return address.get("address", "")
    return NONE


def _node_row(node: Mapping[str, Any], now: float) -> list[str]:
    info = (node.get("status") or {}).get("nodeInfo") or {}
    return [node["metadata"]["name"], node_status(node), ",".join(node_roles(node)) or NONE,
            age(node["metadata"].get("creationTimestamp"), now), info.get("kubeletVersion", ""),
            _node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def _namespace_row(ns: Mapping[str, Any], now: float) -> list[str]:
    return [ns["metadata"]["name"], (ns.get("status") or {}).get("phase", ""),
            age(ns["metadata"].get("creationTimestamp"), now)]


# --- events ------------------------------------------------------------------------------------


def _event_row(event: Mapping[str, Any], now: float) -> list[str]:
    first = age(event.get("firstTimestamp") or event.get("eventTime"), now)
    last = age(event["lastTimestamp"], now) if event.get("lastTimestamp") else first
    involved = event.get("involvedObject") or {}
    target = str(involved.get("kind", "")).lower()
    if involved.get("name"):
        target += "/" + involved["name"]
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent", "")
    host = source.get("host") or event.get("reportingInstance", "")
    return [last, event.get("type", ""), event.get("reason", ""), target, involved.get("fieldPath", ""),
            f"{component}, {host}" if host else component, str(event.get("message", "")).strip(), first,
            str(event.get("count") or 1), event["metadata"]["name"]]


def _lease_row(lease: Mapping[str, Any], now: float) -> list[str]:
    """printLease: the holder's identity, empty when nobody holds it."""
    holder = (lease.get("spec") or {}).get("holderIdentity") or ""
    return [lease["metadata"]["name"], holder, age(lease["metadata"].get("creationTimestamp"), now)]


# --- workloads -----------------------------------------------------------------------------------


def _replicas_row(obj: Mapping[str, Any], now: float, selector: str) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(_template_spec(obj))
    return [obj["metadata"]["name"], str(spec.get("replicas", 1)), str(status.get("replicas", 0)),
            str(status.get("readyReplicas", 0)), age(obj["metadata"].get("creationTimestamp"), now),
            names, images, selector]


def _rc_row(rc: Mapping[str, Any], now: float) -> list[str]:
    return _replicas_row(rc, now, format_labels((rc.get("spec") or {}).get("selector")))


def _rs_row(rs: Mapping[str, Any], now: float) -> list[str]:
    return _replicas_row(rs, now, format_label_selector((rs.get("spec") or {}).get("selector")))


def _deployment_row(deploy: Mapping[str, Any], now: float) -> list[str]:
    spec, status = deploy.get("spec") or {}, deploy.get("status") or {}
    names, images = _containers(_template_spec(deploy))
    return [deploy["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            str(status.get("updatedReplicas", 0)), str(status.get("availableReplicas", 0)),
            age(deploy["metadata"].get("creationTimestamp"), now), names, images,
            format_label_selector(spec.get("selector"))]


def hpa_targets(hpa: Mapping[str, Any]) -> str:
    """formatHPAMetrics for Resource and Pods metrics: ``cpu: 40%/50%``, at most two then ``+ N more...``."""
    metrics = (hpa.get("spec") or {}).get("metrics") or []
    current_metrics = (hpa.get("status") or {}).get("currentMetrics") or []
    if not metrics:
        return NONE
    shown = [_hpa_metric(metric, current_metrics[i] if i < len(current_metrics) else {})
             for i, metric in enumerate(metrics)]
    if len(shown) > 2:
        return ", ".join(shown[:2]) + f" + {len(shown) - 2} more..."
    return ", ".join(shown)


def _hpa_metric(metric: Mapping[str, Any], current: Mapping[str, Any]) -> str:
    kind = metric.get("type")
    if kind == "Resource":
        source = metric.get("resource") or {}
        target = source.get("target") or {}
        now = ((current.get("resource") or {}).get("current") or {})
        if "averageValue" in target:
            value = quantity(now["averageValue"]) if "averageValue" in now else "<unknown>"
            return f"{source.get('name')}: {value}/{quantity(target['averageValue'])}"
        value = f"{now['averageUtilization']}%" if "averageUtilization" in now else "<unknown>"
        wanted = f"{target['averageUtilization']}%" if "averageUtilization" in target else "<auto>"
        return f"{source.get('name')}: {value}/{wanted}"
    if kind == "Pods":
        target = (metric.get("pods") or {}).get("target") or {}
        now = (current.get("pods") or {}).get("current") or {}
        value = quantity(now["averageValue"]) if "averageValue" in now else "<unknown>"
        return f"{value}/{quantity(target.get('averageValue'))}"
    return "<unknown type>"


def _hpa_row(hpa: Mapping[str, Any], now: float) -> list[str]:
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    minimum = spec.get("minReplicas")
    return [hpa["metadata"]["name"], f"{ref.get('kind', '')}/{ref.get('name', '')}", hpa_targets(hpa),
            "<unset>" if minimum is None else str(minimum), str(spec.get("maxReplicas", 0)),
            str(status.get("currentReplicas", 0)), age(hpa["metadata"].get("creationTimestamp"), now)]


# --- services and policies ---------------------------------------------------------------------------


def _external_ip(spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    """getServiceExternalIP (load-balancer addresses not clipped: the course has none)."""
    kind, external = spec.get("type", "ClusterIP"), spec.get("externalIPs") or []
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or NONE
    if kind == "LoadBalancer":
        ingress = (status.get("loadBalancer") or {}).get("ingress") or []
        addresses = sorted({i.get("ip") or i.get("hostname") for i in ingress} - {None, ""})
        return ",".join(addresses + list(external)) or "<pending>"
    if kind == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def service_ports(ports: Sequence[Mapping[str, Any]]) -> str:
    """makePortString: ``80/TCP`` or ``80:30080/TCP``, comma-separated."""
    shown = []
    for port in ports:
        protocol = port.get("protocol", "TCP")
        node_port = port.get("nodePort")
        shown.append(f"{port.get('port')}:{node_port}/{protocol}" if node_port else f"{port.get('port')}/{protocol}")
    return ",".join(shown)


def _service_row(svc: Mapping[str, Any], now: float) -> list[str]:
    spec, status = svc.get("spec") or {}, svc.get("status") or {}
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [svc["metadata"]["name"], spec.get("type", "ClusterIP"), cluster_ips[0] if cluster_ips else NONE,
            _external_ip(spec, status), service_ports(spec.get("ports") or []) or NONE,
            age(svc["metadata"].get("creationTimestamp"), now), format_labels(spec.get("selector"))]


def _more(shown: list[str], count: int) -> str:
    """listWithMoreString: at most three entries, then ``+ N more...``."""
    text = ",".join(shown[:3])
    return f"{text} + {count - 3} more..." if count > 3 else text


def format_endpoints(endpoints: Mapping[str, Any]) -> str:
    """formatEndpoints: the ready ``IP:port`` pairs (an IP alone for a port-less subset), three at most."""
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return NONE
    shown = []
    for subset in subsets:
        addresses = [a["ip"] for a in subset.get("addresses") or ()]
        ports = subset.get("ports") or []
        shown += addresses if not ports else [f"{ip}:{p['port']}" for p in ports for ip in addresses]
    return _more(shown, len(shown))


def _endpoints_row(endpoints: Mapping[str, Any], now: float) -> list[str]:
    return [endpoints["metadata"]["name"], format_endpoints(endpoints),
            age(endpoints["metadata"].get("creationTimestamp"), now)]


def _endpoint_slice_row(slice_: Mapping[str, Any], now: float) -> list[str]:
    """printEndpointSlice: formatDiscoveryPorts and formatDiscoveryEndpoints (every address, ready or not)."""
    ports = [str(p["port"]) if "port" in p else p.get("name") or "*" for p in slice_.get("ports") or ()]
    addresses = [a for e in slice_.get("endpoints") or () for a in e.get("addresses") or ()]
    return [slice_["metadata"]["name"], slice_.get("addressType", ""), _more(ports, len(ports)) or "<unset>",
            _more(addresses, len(addresses)) or "<unset>", age(slice_["metadata"].get("creationTimestamp"), now)]


def _quota_row(quota: Mapping[str, Any], now: float) -> list[str]:
    status = quota.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests: list[str] = []
    limits: list[str] = []
    for name in sorted(hard):
        column = limits if name.startswith("limits.") else requests
        column.append(f"{name}: {quantity(used.get(name, 0))}/{quantity(hard[name])}")
    return [quota["metadata"]["name"], ", ".join(requests), ", ".join(limits),
            age(quota["metadata"].get("creationTimestamp"), now)]


def _service_account_row(account: Mapping[str, Any], now: float) -> list[str]:
    """printServiceAccount: how many Secrets it lists (none since tokens are projected)."""
    return [account["metadata"]["name"], str(len(account.get("secrets") or ())),
            age(account["metadata"].get("creationTimestamp"), now)]


def _default_row(obj: Mapping[str, Any], now: float) -> list[str]:
    return [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp", "")]


# --- the tables --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """A resource's columns (header text), which of them only ``-o wide`` shows, and its row function."""

    columns: tuple[str, ...]
    wide: frozenset[int]
    row: Row

    def cells(self, obj: Mapping[str, Any], now: float, wide: bool) -> list[str]:
        cells = self.row(obj, now)
        return cells if wide else [c for i, c in enumerate(cells) if i not in self.wide]

    def headers(self, wide: bool) -> list[str]:
        return [c for i, c in enumerate(self.columns) if wide or i not in self.wide]


def _spec(columns: str, row: Row, first_wide: int | None = None, wide: Iterable[int] = ()) -> TableSpec:
    names = tuple(columns.split("|"))
    wide_columns = set(wide) | (set(range(first_wide, len(names))) if first_wide is not None else set())
    return TableSpec(names, frozenset(wide_columns), row)


TABLES: dict[str, TableSpec] = {
    "pods": _spec("NAME|READY|STATUS|RESTARTS|AGE|IP|NODE|NOMINATED NODE|READINESS GATES", _pod_row, 5),
    "nodes": _spec("NAME|STATUS|ROLES|AGE|VERSION|INTERNAL-IP|EXTERNAL-IP|OS-IMAGE|KERNEL-VERSION|"
                   "CONTAINER-RUNTIME", _node_row, 5),
    "namespaces": _spec("NAME|STATUS|AGE", _namespace_row),
    "events": _spec("LAST SEEN|TYPE|REASON|OBJECT|SUBOBJECT|SOURCE|MESSAGE|FIRST SEEN|COUNT|NAME", _event_row,
                    wide=(4, 5, 7, 8, 9)),
    "replicationcontrollers": _spec("NAME|DESIRED|CURRENT|READY|AGE|CONTAINERS|IMAGES|SELECTOR", _rc_row, 5),
    "replicasets": _spec("NAME|DESIRED|CURRENT|READY|AGE|CONTAINERS|IMAGES|SELECTOR", _rs_row, 5),
    "deployments": _spec("NAME|READY|UP-TO-DATE|AVAILABLE|AGE|CONTAINERS|IMAGES|SELECTOR", _deployment_row, 5),
    "horizontalpodautoscalers": _spec("NAME|REFERENCE|TARGETS|MINPODS|MAXPODS|REPLICAS|AGE", _hpa_row),
    "services": _spec("NAME|TYPE|CLUSTER-IP|EXTERNAL-IP|PORT(S)|AGE|SELECTOR", _service_row, 6),
    "resourcequotas": _spec("NAME|REQUEST|LIMIT|AGE", _quota_row),
    "serviceaccounts": _spec("NAME|SECRETS|AGE", _service_account_row),
    "endpoints": _spec("NAME|ENDPOINTS|AGE", _endpoints_row),
    "endpointslices": _spec("NAME|ADDRESSTYPE|PORTS|ENDPOINTS|AGE", _endpoint_slice_row),
    "leases": _spec("NAME|HOLDER|AGE", _lease_row),
}
DEFAULT_TABLE = _spec("NAME|CREATED AT", _default_row)


@dataclass(frozen=True)
class TableOptions:
    """The ``kubectl get`` flags that shape a table."""

    wide: bool = False
    namespace_column: bool = False
    show_labels: bool = False
    label_columns: tuple[str, ...] = ()
    with_kind: bool = False
    headers: bool = True


def table_rows(resource: str, objects: Sequence[Mapping[str, Any]], now: float,
               options: TableOptions) -> list[list[str]]:
    """The header row (unless ``--no-headers``) and one row per object."""
    spec = TABLES.get(resource, DEFAULT_TABLE)
    rows = []
    if options.headers:
        header = spec.headers(options.wide)
        header += [key.rpartition("/")[2].upper() for key in options.label_columns]
        if options.show_labels:
            header.append("LABELS")
        rows.append(["NAMESPACE", *header] if options.namespace_column else header)
    for obj in objects:
        cells = spec.cells(obj, now, options.wide)
        if options.with_kind:
            cells[0] = f"{qualified_kind(obj)}/{cells[0]}"
        labels = obj["metadata"].get("labels") or {}
        cells += [labels.get(key, "") for key in options.label_columns]
        if options.show_labels:
            cells.append(format_labels(labels))
        rows.append([obj["metadata"].get("namespace", ""), *cells] if options.namespace_column else cells)
    return rows


def print_table(resource: str, objects: Sequence[Mapping[str, Any]], now: float, options: TableOptions) -> str:
    return table(table_rows(resource, objects, now, options))


# --- YAML and JSON ------------------------------------------------------------------------------------


def to_yaml(obj: Any) -> str:
    """``-o yaml``."""
    return dump_yaml(obj)


_GO_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                  "\u2028": "\\u2028", "\u2029": "\\u2029"})


def to_json(obj: Any) -> str:
    """``-o json``: Go's json.MarshalIndent with 4 spaces, keys sorted, HTML characters escaped."""
    return json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False).translate(_GO_JSON_ESCAPES) + "\n"


def to_compact_json(obj: Any) -> str:
    """Go's json.Marshal: no spaces, keys sorted, HTML characters escaped."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).translate(_GO_JSON_ESCAPES)


def as_list(objects: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Several objects as kubectl prints them with ``-o yaml|json``: a v1 List."""
    return {"apiVersion": "v1", "items": list(objects), "kind": "List", "metadata": {"resourceVersion": ""}}
