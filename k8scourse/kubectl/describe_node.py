"""``kubectl describe node``: what the node reports, what runs on it and what it has promised.

Sections as ``describeNode`` in ``k8s.io/kubectl/pkg/describe/describe.go``;
the pod table and the totals as ``describeNodeResource``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from k8scourse.api.quantity import Quantity

from .describe import annotation_lines, event_lines, go_text, label_lines, multiline, quantity_of, rfc1123z
from .printers import NONE, age, node_roles
from .tabwriter import describe_text

STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def taint_lines(taints: Sequence[Mapping[str, Any]]) -> list[str]:
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    return multiline("Taints", [
        f"{t.get('key', '')}={t['value']}:{t.get('effect', '')}" if t.get("value")
        else f"{t.get('key', '')}:{t.get('effect', '')}" for t in ordered])


def _lease(lease: Mapping[str, Any] | None, problem: str | None) -> list[str]:
    if problem is not None:
        return [f"Lease:\tFailed to get lease: {problem}"]
    spec = (lease or {}).get("spec") or {}
    times = {key: rfc1123z(spec[key]) if spec.get(key) else "<unset>" for key in ("acquireTime", "renewTime")}
    return ["Lease:", f"  HolderIdentity:\t{spec.get('holderIdentity') or '<unset>'}",
            f"  AcquireTime:\t{times['acquireTime']}", f"  RenewTime:\t{times['renewTime']}"]


def _requests_and_limits(pod: Mapping[str, Any]) -> tuple[dict[str, Quantity], dict[str, Quantity]]:
    """PodRequestsAndLimits: containers summed, init containers as a floor, overhead added."""
    spec = pod.get("spec") or {}
    totals: tuple[dict[str, Quantity], dict[str, Quantity]] = ({}, {})
    for container in spec.get("containers") or []:
        resources = container.get("resources") or {}
        for total, key in zip(totals, ("requests", "limits")):
            for name, raw in (resources.get(key) or {}).items():
                total[name] = total.get(name, Quantity()) + quantity_of(raw)
    for container in spec.get("initContainers") or []:
        resources = container.get("resources") or {}
        for total, key in zip(totals, ("requests", "limits")):
            for name, raw in (resources.get(key) or {}).items():
                total[name] = max(total.get(name, Quantity()), quantity_of(raw))
    for name, raw in (spec.get("overhead") or {}).items():
        for total in totals:
            if name in total:
                total[name] = total[name] + quantity_of(raw)
    return totals


def _percent(part: Quantity, whole: Quantity, milli: bool) -> int:
    denominator = whole.milli_value() if milli else whole.value()
    if not denominator:
        return 0
    return int((part.milli_value() if milli else part.value()) / denominator * 100)


def _allocated(pods: Sequence[Mapping[str, Any]], allocatable: Mapping[str, Any], now: float) -> list[str]:
    """describeNodeResource: each pod's requests and limits, then the node's totals."""
    capacity = {name: quantity_of(raw) for name, raw in allocatable.items()}
    cpu, memory = capacity.get("cpu", Quantity()), capacity.get("memory", Quantity())
    lines = [f"Non-terminated Pods:\t({len(pods)} in total)",
             "  Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge",
             "  ---------\t----\t\t------------\t----------\t---------------\t-------------\t---"]
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    for pod in pods:
        req, lim = _requests_and_limits(pod)
        for total, part in ((requests, req), (limits, lim)):
            for name, value in part.items():
                total[name] = total.get(name, Quantity()) + value
        cells = [f"{q} ({_percent(q, whole, milli)}%)" for q, whole, milli in (
            (req.get("cpu", Quantity()), cpu, True), (lim.get("cpu", Quantity()), cpu, True),
            (req.get("memory", Quantity()), memory, False), (lim.get("memory", Quantity()), memory, False))]
        lines.append(f"  {pod['metadata'].get('namespace', '')}\t{pod['metadata']['name']}\t\t" + "\t".join(cells)
                     + f"\t{age(pod['metadata'].get('creationTimestamp'), now)}")
    lines += ["Allocated resources:", "  (Total limits may be over 100 percent, i.e., overcommitted.)",
              "  Resource\tRequests\tLimits", "  --------\t--------\t------"]
    hugepages = sorted(n for n in capacity if n.startswith("hugepages-"))
    extended = sorted(n for n in capacity if n not in STANDARD_CONTAINER_RESOURCES and n != "pods"
                      and not n.startswith("hugepages-"))
    for name in [*STANDARD_CONTAINER_RESOURCES, *hugepages]:
        whole, milli = capacity.get(name, Quantity()), name == "cpu"
        asked, capped = requests.get(name, Quantity()), limits.get(name, Quantity())
        lines.append(f"  {name}\t{asked} ({_percent(asked, whole, milli)}%)\t"
                     f"{capped} ({_percent(capped, whole, milli)}%)")
    lines += [f"  {name}\t{requests.get(name, Quantity())}\t{limits.get(name, Quantity())}" for name in extended]
    return lines


def _resource_list(title: str, resources: Mapping[str, Any]) -> list[str]:
    if not resources:
        return []
    return [f"{title}:", *(f"  {name}:\t{quantity_of(resources[name])}" for name in sorted(resources))]


def describe_node(node: Mapping[str, Any], pods: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]],
                  lease: Mapping[str, Any] | None, lease_problem: str | None, now: float) -> str:
    """``kubectl describe node``; ``pods`` are the node's non-terminated pods."""
    meta, spec, status = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    lines = [f"Name:\t{meta['name']}", f"Roles:\t{','.join(node_roles(node)) or NONE}"]
    lines += label_lines("Labels", meta.get("labels"))
    lines += annotation_lines("Annotations", meta.get("annotations"))
    lines.append(f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}")
    lines += taint_lines(spec.get("taints") or [])
    lines.append(f"Unschedulable:\t{go_text(bool(spec.get('unschedulable')))}")
    lines += _lease(lease, lease_problem)
    conditions = status.get("conditions") or []
    if conditions:
        lines += ["Conditions:", "  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage",
                  "  ----\t------\t-----------------\t------------------\t------\t-------"]
        lines += [f"  {c.get('type')} \t{c.get('status')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                  f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}"
                  for c in conditions]
    lines.append("Addresses:")
    lines += [f"  {a.get('type')}:\t{a.get('address')}" for a in status.get("addresses") or []]
    lines += _resource_list("Capacity", status.get("capacity") or {})
    lines += _resource_list("Allocatable", status.get("allocatable") or {})
    info = status.get("nodeInfo") or {}
    lines.append("System Info:")
    lines += [f"  {title}:\t{info.get(key, '')}" for title, key in (
        ("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"), ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"), ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion"))]
    if spec.get("podCIDR"):
        lines.append(f"PodCIDR:\t{spec['podCIDR']}")
    if spec.get("podCIDRs"):
        lines.append(f"PodCIDRs:\t{','.join(spec['podCIDRs'])}")
    if spec.get("providerID"):
        lines.append(f"ProviderID:\t{spec['providerID']}")
    lines += _allocated(pods, status.get("allocatable") or status.get("capacity") or {}, now)
    lines += event_lines(events, now)
    return describe_text("\n".join(lines) + "\n")
