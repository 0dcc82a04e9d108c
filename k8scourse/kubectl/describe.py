"""``kubectl describe pod``, and the sections every describer shares (labels, containers, events...).

The layout is ``k8s.io/kubectl/pkg/describe/describe.go``: tab-separated
lines with two spaces of indentation per level, aligned by a tabwriter
(minimum width 0, padding 2). Times are RFC 1123 with a numeric zone, as
``time.RFC1123Z`` prints them. Each function takes the objects it shows
(read by the caller from the apiserver) and returns text; nothing here
changes the cluster.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterable, Mapping, Sequence

from k8scourse.api.meta import controller_of
from k8scourse.api.quantity import Quantity, QuantityError, parse_quantity
from k8scourse.timefmt import EPOCH, human_duration, parse_rfc3339

from .printers import NONE, age
from .tabwriter import describe_text

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140  # describe.go maxAnnotationLen
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc1123z(timestamp: str | None) -> str:
    """``Wed, 01 Jan 2025 00:00:05 +0000`` (Go's time.RFC1123Z, English names whatever the locale)."""
    moment = EPOCH + timedelta(seconds=parse_rfc3339(timestamp)) if timestamp else EPOCH
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} +0000")


def quantity_of(value: Any) -> Quantity:
    try:
        return parse_quantity(value if value is not None else 0)
    except QuantityError:
        return Quantity()


def multiline(title: str, entries: Sequence[str]) -> list[str]:
    """printLabelsMultiline and friends: first entry beside the title, the rest aligned under it."""
    if not entries:
        return [f"{title}:\t<none>"]
    return [f"{title}:\t{entries[0]}", *(f"\t{entry}" for entry in entries[1:])]


def label_lines(title: str, labels: Mapping[str, str] | None) -> list[str]:
    labels = labels or {}
    return multiline(title, [f"{key}={labels[key]}" for key in sorted(labels)])


def annotation_lines(title: str, annotations: Mapping[str, str] | None) -> list[str]:
    """printAnnotationsMultiline: last-applied skipped, long or multi-line values on their own lines."""
    annotations = annotations or {}
    keys = sorted(k for k in annotations if k != LAST_APPLIED)
    if not keys:
        return [f"{title}:\t<none>"]
    lines: list[str] = []
    for i, key in enumerate(keys):
        lead = f"{title}:\t" if i == 0 else "\t"
        value = str(annotations[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            lines.append(f"{lead}{key}:")
            for part in value.split("\n"):
                short = part if len(part) <= MAX_ANNOTATION_LEN - 2 else part[:MAX_ANNOTATION_LEN - 2] + "..."
                lines.append(f"\t  {short}")
        else:
            lines.append(f"{lead}{key}: {value}")
    return lines


def toleration_lines(title: str, tolerations: Sequence[Mapping[str, Any]]) -> list[str]:
    shown = []
    for toleration in sorted(tolerations, key=lambda t: t.get("key", "")):
        text = toleration.get("key", "")
        if toleration.get("value"):
            text += "=" + toleration["value"]
        if toleration.get("effect"):
            text += ":" + toleration["effect"]
        if toleration.get("operator") == "Exists" and not toleration.get("value"):
            text += " op=Exists" if toleration.get("key") or toleration.get("effect") else "op=Exists"
        if toleration.get("tolerationSeconds") is not None:
            text += f" for {toleration['tolerationSeconds']}s"
        shown.append(text)
    return multiline(title, shown)


def event_lines(events: Sequence[Mapping[str, Any]], now: float) -> list[str]:
    """DescribeEvents: oldest last-seen first; repeats as ``<age> (xN over <age>)``."""
    if not events:
        return ["Events:\t<none>"]
    lines = ["Events:", "  Type\tReason\tAge\tFrom\tMessage", "  ----\t------\t----\t----\t-------"]
    for event in sorted(events, key=lambda e: e.get("lastTimestamp") or ""):
        first = age(event.get("firstTimestamp") or event.get("eventTime"), now)
        shown = first
        if (event.get("count") or 1) > 1:
            shown = f"{age(event.get('lastTimestamp'), now)} (x{event['count']} over {first})"
        source = (event.get("source") or {}).get("component") or event.get("reportingComponent", "")
        lines.append(f"  {event.get('type', '')}\t{event.get('reason', '')}\t{shown}\t{source}\t"
                     f"{str(event.get('message', '')).strip()}")
    return lines


# --- pods ----------------------------------------------------------------------------------------


def _resolve_field(pod: Mapping[str, Any], path: str) -> str:
    """EnvValueRetriever for the simple field paths (``metadata.name``, ``status.podIP``, ...)."""
    value: Any = pod
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return "" if value is None else str(value)


def _env(pod: Mapping[str, Any], container: Mapping[str, Any]) -> list[str]:
    env = container.get("env") or []
    if not env:
        return ["    Environment:\t<none>"]
    lines = ["    Environment:"]
    for var in env:
        source = var.get("valueFrom")
        if source is None:
            first, *more = str(var.get("value", "")).split("\n")
            lines.append(f"      {var.get('name')}:\t{first}")
            lines += [f"      \t{line}" for line in more]
        elif "fieldRef" in source:
            ref = source["fieldRef"]
            lines.append(f"      {var.get('name')}:\t{_resolve_field(pod, ref.get('fieldPath', ''))} "
                         f"({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath', '')})")
        elif "secretKeyRef" in source or "configMapKeyRef" in source:
            ref = source.get("secretKeyRef") or source.get("configMapKeyRef")
            owner = "in secret" if "secretKeyRef" in source else "of config map"
            what = f"{owner} '{ref.get('name')}'"
            lines.append(f"      {var.get('name')}:\t<set to the key '{ref.get('key')}' {what}>\t"
                         f"Optional: {str(bool(ref.get('optional'))).lower()}")
    return lines


def _probe(probe: Mapping[str, Any]) -> str:
    """DescribeProbe."""
    attrs = (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 0)}s "
             f"period={probe.get('periodSeconds', 0)}s #success={probe.get('successThreshold', 0)} "
             f"#failure={probe.get('failureThreshold', 0)}")
    if "exec" in probe:
        return f"exec [{' '.join(probe['exec'].get('command') or [])}] {attrs}"
    if "httpGet" in probe:
        get = probe["httpGet"]
        host, port = get.get("host", ""), get.get("port", "")
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return f"http-get {str(get.get('scheme', 'HTTP')).lower()}://{netloc}{get.get('path', '')} {attrs}"
    if "tcpSocket" in probe:
        sock = probe["tcpSocket"]
        return f"tcp-socket {sock.get('host', '')}:{sock.get('port', '')} {attrs}"
    if "grpc" in probe:
        return f"grpc <pod>:{probe['grpc'].get('port')} {probe['grpc'].get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _state(title: str, state: Mapping[str, Any]) -> list[str]:
    """describeStatus for the State and Last State of a container."""
    if "running" in state:
        return [f"    {title}:\tRunning", f"      Started:\t{rfc1123z(state['running'].get('startedAt'))}"]
    if "terminated" in state:
        done = state["terminated"]
        lines = [f"    {title}:\tTerminated"]
        if done.get("reason"):
            lines.append(f"      Reason:\t{done['reason']}")
        if done.get("message"):
            lines.append(f"      Message:\t{done['message']}")
        lines.append(f"      Exit Code:\t{done.get('exitCode', 0)}")
        if done.get("signal"):
            lines.append(f"      Signal:\t{done['signal']}")
        return lines + [f"      Started:\t{rfc1123z(done.get('startedAt'))}",
                        f"      Finished:\t{rfc1123z(done.get('finishedAt'))}"]
    lines = [f"    {title}:\tWaiting"]
    if (state.get("waiting") or {}).get("reason"):
        lines.append(f"      Reason:\t{state['waiting']['reason']}")
    return lines


def _ports(ports: Sequence[Mapping[str, Any]], field: str, title: str) -> str:
    shown = ", ".join(f"{p.get(field, 0)}/{p.get('protocol', 'TCP')}" for p in ports)
    return f"    {title}s:\t{shown}" if "," in shown else f"    {title}:\t{shown or NONE}"


def _resources(resources: Mapping[str, Any], indent: str) -> list[str]:
    lines = []
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        values = resources.get(key) or {}
        if values:
            lines.append(f"{indent}{title}:")
            lines += [f"{indent}  {name}:\t{quantity_of(values[name])}" for name in sorted(values)]
    return lines


def container_lines(title: str, pod: Mapping[str, Any], containers: Sequence[Mapping[str, Any]],
                    statuses: Sequence[Mapping[str, Any]], indent: str = "") -> list[str]:
    """describeContainers: image, ports, command, state, resources, probes, environment, mounts.

    In a pod template (``indent``) names get one more space, as describe.go's nameIndent.
    """
    by_name = {s.get("name"): s for s in statuses}
    lines = [f"{indent}{title}:" if containers else f"{indent}{title}: <none>"]
    for container in containers:
        status = by_name.get(container.get("name"))
        lines.append(f"  {' ' if indent else ''}{container.get('name')}:")
        if status is not None:
            lines.append(f"    Container ID:\t{status.get('containerID', '')}")
        lines.append(f"    Image:\t{container.get('image', '')}")
        if status is not None:
            lines.append(f"    Image ID:\t{status.get('imageID', '')}")
        ports = container.get("ports") or []
        lines += [_ports(ports, "containerPort", "Port"), _ports(ports, "hostPort", "Host Port")]
        for key, name in (("command", "Command"), ("args", "Args")):
            if container.get(key):
                lines.append(f"    {name}:")
                lines += [f"      {part}" for item in container[key] for part in str(item).split("\n")]
        if status is not None:
            lines += _state("State", status.get("state") or {})
            if ((status.get("lastState") or {}).get("terminated")) is not None:
                lines += _state("Last State", status["lastState"])
            lines.append(f"    Ready:\t{'True' if status.get('ready') else 'False'}")
            lines.append(f"    Restart Count:\t{status.get('restartCount', 0)}")
        lines += _resources(container.get("resources") or {}, "    ")
        for key, name in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")):
            if container.get(key):
                lines.append(f"    {name}:\t{_probe(container[key])}")
        lines += _env(pod, container)
        mounts = sorted(container.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
        lines.append("    Mounts:" if mounts else "    Mounts:\t<none>")
        lines += [f"      {m.get('mountPath')} from {m.get('name')} ({'ro' if m.get('readOnly') else 'rw'})"
                  for m in mounts]
    return lines


_VOLUME_TYPES = {
    "emptyDir": ("EmptyDir (a temporary directory that shares a pod's lifetime)", (("Medium", "medium", ""),)),
    "hostPath": ("HostPath (bare host directory volume)", (("Path", "path", ""), ("HostPathType", "type", NONE))),
    "configMap": ("ConfigMap (a volume populated by a ConfigMap)",
                  (("Name", "name", ""), ("Optional", "optional", False))),
    "secret": ("Secret (a volume populated by a Secret)",
               (("SecretName", "secretName", ""), ("Optional", "optional", False))),
    "persistentVolumeClaim": ("PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
                              (("ClaimName", "claimName", ""), ("ReadOnly", "readOnly", False))),
}


def go_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _optional_pointer(ref: Mapping[str, Any]) -> str:
    """``%v`` of a ``*bool``: ``<nil>`` when unset. Set, Go prints the pointer's address
    (a kubectl quirk); the course prints the value there, an address would change every run."""
    return "<nil>" if ref.get("optional") is None else go_text(ref["optional"])


def projected_volume_lines(projected: Mapping[str, Any]) -> list[str]:
    """printProjectedVolumeSource as of kubectl v0.31.0: one entry per source, secret first."""
    lines = ["    Type:\tProjected (a volume that contains injected data from multiple sources)"]
    sources = projected.get("sources") if isinstance(projected, Mapping) else None
    for source in sources if isinstance(sources, list) else ():
        if not isinstance(source, Mapping):
            continue
        if isinstance(source.get("secret"), Mapping):
            lines += [f"    SecretName:\t{source['secret'].get('name', '')}",
                      f"    SecretOptionalName:\t{_optional_pointer(source['secret'])}"]
        elif source.get("downwardAPI") is not None:
            lines.append("    DownwardAPI:\ttrue")
        elif isinstance(source.get("configMap"), Mapping):
            lines += [f"    ConfigMapName:\t{source['configMap'].get('name', '')}",
                      f"    ConfigMapOptional:\t{_optional_pointer(source['configMap'])}"]
        elif isinstance(source.get("serviceAccountToken"), Mapping):
            # SetDefaults_ServiceAccountTokenProjection: an hour unless the pod says otherwise
            lines.append(f"    TokenExpirationSeconds:\t{source['serviceAccountToken'].get('expirationSeconds', 3600)}")
    return lines


def volume_lines(volumes: Sequence[Mapping[str, Any]], indent: str = "") -> list[str]:
    """describeVolumes for the sources the course uses; any other shows ``<unknown>``."""
    if not volumes:
        return [f"{indent}Volumes:\t<none>"]
    lines = [f"{indent}Volumes:"]
    for volume in volumes:
        lines.append(f"  {' ' if indent else ''}{volume.get('name')}:")
        source = next((s for s in _VOLUME_TYPES if s in volume), None)
        if source is not None:
            title, fields = _VOLUME_TYPES[source]
            lines.append(f"    Type:\t{title}")
            lines += [f"    {label}:\t{go_text(volume[source].get(key, default))}" for label, key, default in fields]
            if source == "emptyDir":
                limit = volume[source].get("sizeLimit")
                lines.append(f"    SizeLimit:\t{quantity_of(limit) if limit and quantity_of(limit) else '<unset>'}")
        elif "projected" in volume:
            lines += projected_volume_lines(volume["projected"])
        else:
            lines.append("    <unknown>")
    return lines


def qos_class(pod: Mapping[str, Any]) -> str:
    """The pod's QoS class: from its status, else computed as GetPodQOS does."""
    if (pod.get("status") or {}).get("qosClass"):
        return pod["status"]["qosClass"]
    spec = pod.get("spec") or {}
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        resources = container.get("resources") or {}
        for name, raw in (resources.get("requests") or {}).items():
            if name in ("cpu", "memory") and quantity_of(raw).sign() > 0:
                requests[name] = requests.get(name, Quantity()) + quantity_of(raw)
        found = set()
        for name, raw in (resources.get("limits") or {}).items():
            if name in ("cpu", "memory") and quantity_of(raw).sign() > 0:
                found.add(name)
                limits[name] = limits.get(name, Quantity()) + quantity_of(raw)
        guaranteed = guaranteed and found == {"cpu", "memory"}
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(n) == q for n, q in requests.items()) and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def describe_pod(pod: Mapping[str, Any], events: Sequence[Mapping[str, Any]], now: float) -> str:
    """``kubectl describe pod``."""
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    lines = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}"]
    if spec.get("priority") is not None:
        lines.append(f"Priority:\t{spec['priority']}")
    if spec.get("priorityClassName"):
        lines.append(f"Priority Class Name:\t{spec['priorityClassName']}")
    if spec.get("runtimeClassName"):
        lines.append(f"Runtime Class Name:\t{spec['runtimeClassName']}")
    if spec.get("serviceAccountName"):
        lines.append(f"Service Account:\t{spec['serviceAccountName']}")
    node = spec.get("nodeName")
    lines.append(f"Node:\t{node}/{status.get('hostIP', '')}" if node else "Node:\t<none>")
    if status.get("startTime"):
        lines.append(f"Start Time:\t{rfc1123z(status['startTime'])}")
    lines += label_lines("Labels", meta.get("labels"))
    lines += annotation_lines("Annotations", meta.get("annotations"))
    if meta.get("deletionTimestamp") and status.get("phase") not in ("Failed", "Succeeded"):
        lasts = human_duration(now - parse_rfc3339(meta["deletionTimestamp"]))
        lines += [f"Status:\tTerminating (lasts {lasts})",
                  f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s"]
    else:
        lines.append(f"Status:\t{status.get('phase', '')}")
    for key, title in (("reason", "Reason"), ("message", "Message")):
        if status.get(key):
            lines.append(f"{title}:\t{status[key]}")
    lines.append(f"IP:\t{status.get('podIP', '')}")
    ips = status.get("podIPs") or []
    lines += ["IPs:", *(f"  IP:\t{ip.get('ip', '')}" for ip in ips)] if ips else ["IPs:\t<none>"]
    controller = controller_of(pod)
    if controller is not None:
        lines.append(f"Controlled By:\t{controller.get('kind')}/{controller.get('name')}")
    if status.get("nominatedNodeName"):
        lines.append(f"NominatedNodeName:\t{status['nominatedNodeName']}")
    if spec.get("initContainers"):
        lines += container_lines("Init Containers", pod, spec["initContainers"],
                                 status.get("initContainerStatuses") or [])
    lines += container_lines("Containers", pod, spec.get("containers") or [], status.get("containerStatuses") or [])
    conditions = status.get("conditions") or []
    if conditions:
        lines += ["Conditions:", "  Type\tStatus", *(f"  {c.get('type')} \t{c.get('status')} " for c in conditions)]
    lines += volume_lines(spec.get("volumes") or [])
    lines.append(f"QoS Class:\t{qos_class(pod)}")
    lines += label_lines("Node-Selectors", spec.get("nodeSelector"))
    lines += toleration_lines("Tolerations", spec.get("tolerations") or [])
    lines += event_lines(events, now)
    return describe_text("\n".join(lines) + "\n")


def events_about(events: Iterable[Mapping[str, Any]], obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The events whose involvedObject is ``obj`` (searchEvents' field selector).

    Node events match by name: the kubelet records them with the node's name
    as UID, controllers with its real UID.
    """
    meta = obj["metadata"]
    found = []
    for event in events:
        involved = event.get("involvedObject") or {}
        if involved.get("name") != meta["name"]:
            continue
        if obj.get("kind") == "Node":
            if involved.get("kind") == "Node":
                found.append(event)
        elif involved.get("namespace", "") == meta.get("namespace", "") and \
                (not involved.get("uid") or not meta.get("uid") or involved["uid"] == meta["uid"]):
            found.append(event)
    return found
