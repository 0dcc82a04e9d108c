"""The Node object a kubelet registers, and the status it keeps current.

What the kubelet reports (``pkg/kubelet/kubelet_node_status.go`` ``initialNode``
and the setters in ``pkg/kubelet/nodestatus/setters.go``):

* ``capacity``: the machine (cpu, memory, ephemeral-storage), ``pods``
  (``maxPods``, 110) and hugepages;
* ``allocatable``: capacity minus what is reserved for the system
  (``kubeReserved`` + ``systemReserved``, none by default) and the hard
  eviction thresholds (``memory.available<100Mi``, ``nodefs.available<10%``,
  ``pkg/kubelet/eviction/defaults_linux.go``; subtracted by
  ``GetNodeAllocatableReservation`` in ``pkg/kubelet/cm``). A 4Gi node
  offers pods 3996Mi;
* conditions MemoryPressure, DiskPressure, PIDPressure, then Ready last,
  with upstream's reasons and messages; Ready is False with
  ``Missing node capacity for resources: ...`` if the machine lacks one;
* addresses, nodeInfo (versions), daemonEndpoints and the images on the node.

``spec.podCIDR`` is set at registration from the kubelet's pod CIDR, so the
Node shows the subnet its pods get. Upstream the kubelet's ``--pod-cidr`` is
honoured only without an API server; in a cluster the controller-manager's
node IPAM controller (``--allocate-node-cidrs``) writes it, and with the
seed's flannel the node's subnet was leased in etcd instead.
"""

from __future__ import annotations

from datetime import datetime

import random
import re
import struct
import uuid
from typing import Any, Mapping, Sequence

from k8scourse.api.errors import FieldValidationError, invalid
from k8scourse.api.quantity import Quantity, QuantityError, parse_quantity
from k8scourse.timefmt import EPOCH, rfc3339
from k8scourse.version import KUBERNETES_VERSION

from .images import image_id

MAX_PODS = 110  # pkg/kubelet/apis/config/v1beta1/defaults.go: MaxPods
KUBELET_PORT = 10250  # pkg/cluster/ports: KubeletPort
#: Course value: the machine a kubelet runs on when none is described.
DEFAULT_MACHINE = {"cpu": "2", "memory": "4Gi", "ephemeral-storage": "20Gi"}
REQUIRED_CAPACITY = ("cpu", "memory", "pods", "ephemeral-storage")  # setters.go ReadyCondition
EVICTION_HARD_MEMORY = "100Mi"  # memory.available<100Mi
EVICTION_HARD_NODEFS = 0.1  # nodefs.available<10%
MAX_IMAGES = 50  # nodeStatusMaxImages
CONTROLLER_MANAGED_ATTACH = "volumes.kubernetes.io/controller-managed-attach-detach"
# Course values for what the machine reports (cAdvisor, the runtime).
OS_IMAGE, KERNEL_VERSION = "Ubuntu 22.04.4 LTS", "5.15.0-119-generic"
CONTAINER_RUNTIME_VERSION = "containerd://1.7.20"
# setters.go: (type, reason, message) when all is well.
PRESSURE_CONDITIONS = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
     "NodeHasSufficientMemory"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available", "NodeHasSufficientPID"),
)


def _float32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def _quantities(values: Mapping[str, Any] | None, field: str) -> dict[str, Quantity]:
    parsed, errors = {}, []
    for name, value in (values or {}).items():
        try:
            parsed[name] = parse_quantity(value)
        except QuantityError as exc:
            errors.append(invalid(f"{field}[{name}]", value, str(exc)))
    if errors:
        raise FieldValidationError(errors)
    return parsed


class NodeStatus:
    """Builds this node's Node object and refreshes its status, as the kubelet's setters do."""

    def __init__(self, node_name: str, node_ip: str, rng: random.Random, *,
                 capacity: Mapping[str, Any] | None, reserved: Mapping[str, Any] | None, max_pods: int,
                 epoch: datetime = EPOCH) -> None:
        self.epoch = epoch  # the kubelet's clock's: the date of virtual second 0
        self.node_name, self.hostname, self.node_ip = node_name, node_name.lower(), node_ip
        machine = _quantities(DEFAULT_MACHINE if capacity is None else capacity, "capacity")
        machine.setdefault("pods", Quantity.from_units(max_pods))
        for size in ("hugepages-1Gi", "hugepages-2Mi"):
            machine.setdefault(size, Quantity())
        self.capacity = {name: str(q) for name, q in sorted(machine.items())}
        reservation = _quantities(reserved, "reserved")
        reservation["memory"] = reservation.get("memory", Quantity()) + parse_quantity(EVICTION_HARD_MEMORY)
        if "ephemeral-storage" in machine:  # int64(percentage * float32(capacity)), as eviction does
            disk = machine["ephemeral-storage"].value()
            nodefs = int(_float32(_float32(EVICTION_HARD_NODEFS) * _float32(disk)))
            reservation["ephemeral-storage"] = reservation.get("ephemeral-storage", Quantity()) + \
                Quantity.from_units(nodefs)
        self.allocatable = {}
        for name, q in sorted(machine.items()):
            left = q - reservation[name] if name in reservation else q
            self.allocatable[name] = str(left if left.sign() >= 0 else Quantity(0, q.format))
        missing = [name for name in REQUIRED_CAPACITY if name not in machine]
        self.not_ready = f"Missing node capacity for resources: {', '.join(missing)}" if missing else ""
        self.node_info = {
            "machineID": f"{rng.getrandbits(128):032x}",
            "systemUUID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "bootID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "kernelVersion": KERNEL_VERSION, "osImage": OS_IMAGE,
            "containerRuntimeVersion": CONTAINER_RUNTIME_VERSION,
            "kubeletVersion": KUBERNETES_VERSION,
            "kubeProxyVersion": "",  # DisableNodeKubeProxyVersion: on by default since v1.31
            "operatingSystem": "linux", "architecture": "amd64",
        }

    def report_version(self, version: str) -> None:
        """Report the kubelet binary's ``version`` (a booted machine's, e.g. v1.5.2) in nodeInfo: its
        kubeletVersion, and kube-proxy's, which kubelets reported until DisableNodeKubeProxyVersion
        (on by default since v1.31) emptied it (pkg/kubelet/nodestatus/setters.go VersionInfo)."""
        if not isinstance(version, str) or not re.fullmatch(r"v\d+\.\d+\.\d+", version):
            raise ValueError(f"kubeletVersion: {version!r} is not a version vMAJOR.MINOR.PATCH")
        minor = tuple(int(part) for part in version[1:].split(".")[:2])
        self.node_info["kubeletVersion"] = version
        self.node_info["kubeProxyVersion"] = "" if minor >= (1, 31) else version

    def initial_node(self, *, labels: Mapping[str, str], taints: Sequence[Mapping[str, Any]], pod_cidr: str,
                     now: float, images: list[tuple[str, int]]) -> tuple[dict, list[str]]:
        """The Node to register (``initialNode``) and the condition events it brings."""
        default_labels = {
            "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": self.hostname, "kubernetes.io/os": "linux",
        }
        spec: dict[str, Any] = {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr]}
        if taints:
            spec["taints"] = [dict(t) for t in taints]
        status, events = self.status({}, now, images)
        node = {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": self.node_name, "labels": {**default_labels, **labels},
                         "annotations": {CONTROLLER_MANAGED_ATTACH: "true"}},
            "spec": spec, "status": status,
        }
        return node, events

    def status(self, old: Mapping[str, Any], now: float,
               images: list[tuple[str, int]]) -> tuple[dict, list[str]]:
        """The new status from the node's current one; condition transitions give events
        (``NodeHasSufficientMemory``, ``NodeReady``...)."""
        stamp = rfc3339(now, self.epoch)
        previous = {c["type"]: c for c in old.get("conditions") or ()}
        conditions, events = [], []
        wanted = [(kind, "False", reason, message, event) for kind, reason, message, event in PRESSURE_CONDITIONS]
        if self.not_ready:
            wanted.append(("Ready", "False", "KubeletNotReady", self.not_ready, "NodeNotReady"))
        else:
            wanted.append(("Ready", "True", "KubeletReady", "kubelet is posting ready status", "NodeReady"))
        for kind, state, reason, message, event in wanted:
            before = previous.get(kind)
            changed = before is None or before.get("status") != state
            if changed and (kind != "Ready" or before is not None):  # a new Ready condition is no event
                events.append(event)
            conditions.append({
                "type": kind, "status": state, "reason": reason, "message": message, "lastHeartbeatTime": stamp,
                "lastTransitionTime": stamp if changed else before["lastTransitionTime"],  # type: ignore[index]
            })
        status = {
            **old,  # fields other components own are kept
            "capacity": dict(self.capacity), "allocatable": dict(self.allocatable), "conditions": conditions,
            "addresses": [{"type": "InternalIP", "address": self.node_ip},
                          {"type": "Hostname", "address": self.hostname}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
            "nodeInfo": dict(self.node_info),
            "images": [{"names": [image_id(ref), ref], "sizeBytes": size} for ref, size in images[:MAX_IMAGES]],
        }
        return status, events


def status_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """nodeStatusHasChanged: anything but the conditions' heartbeat times differs."""
    def strip(status: Mapping[str, Any]) -> dict:
        conditions = [{k: v for k, v in c.items() if k != "lastHeartbeatTime"} for c in status.get("conditions") or ()]
        return {**status, "conditions": conditions}
    return strip(old) != strip(new)
