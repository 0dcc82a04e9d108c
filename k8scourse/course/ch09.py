"""Chapter 09's helpers and checks: a node's writes read back from etcd, and a failure's timings.

The helpers read what the kubelet wrote, revision by revision, so the
notebook measures intervals instead of stating them::

    lease_renewals(cluster, "node-1")   # [0.0, 10.0, 20.0, ...]: each renewTime, in virtual seconds

The predicates compute the truth when they run (a KubeletConfiguration
linted as chapter 09's node1 would carry it; a node failure replayed on a
fresh cluster), so the notebook never holds the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

import yaml

from k8scourse.config import ClusterSpec, lint, modern
from k8scourse.config.spec import CURRENT_VERSION
from k8scourse.etcd.store import CompactedError, KeyValue

from .checks import AnswerTypeError

Predicate = Callable[[Any], "bool | str"]

#: The controller looks every --node-monitor-period (5 s); a prediction within two looks counts as right.
MONITOR_PERIOD = 5.0
TOLERANCE = 2 * MONITOR_PERIOD  # the controller acts up to two checks after the grace period
KUBELET_CONFIG_VERSION = ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration")
#: The notes' flags that have no field in a v1.31 KubeletConfiguration (staging/src/k8s.io/kubelet/config/
#: v1beta1/types.go): the kubelet decodes the file leniently and ignores them, logging
#: "Using lenient decoding as strict decoding failed" (pkg/kubelet/kubeletconfig/util/codec/codec.go).
NOT_FIELDS = {
    "apiServers": "the kubelet finds the apiserver through its kubeconfig (--kubeconfig)",
    "podInfraContainerImage": "the sandbox (pause) image is the container runtime's setting "
                              "(containerd's sandbox_image)",
    "hostnameOverride": "--hostname-override stays a command-line flag in v1.31",
}


def key_history(cluster: Any, key: str) -> list[KeyValue]:
    """Every version of ``key`` that etcd still holds, oldest first.

    Each write made a new revision; the apiserver compacts etcd's history
    every 5 minutes, so older versions are gone after that.
    """
    kv, versions = cluster.etcd.get(key), []
    while kv is not None:
        versions.append(kv)
        if kv.version == 1:
            break
        try:
            kv = cluster.etcd.get(key, revision=kv.mod_revision - 1)
        except CompactedError:
            break
    return versions[::-1]


def lease_renewals(cluster: Any, node: str) -> list[float]:
    """The renewTime of each version of ``node``'s Lease still in etcd, in virtual seconds."""
    history = key_history(cluster, f"/registry/leases/kube-node-lease/{node}")
    return [cluster.clock.parse_rfc3339(json.loads(kv.value)["spec"]["renewTime"]) for kv in history]


def status_reports(cluster: Any, node: str) -> list[float]:
    """The Ready condition's lastHeartbeatTime of each version of the Node still in etcd, in virtual
    seconds: one entry per status the kubelet posted (updates by others repeat the last one, dropped)."""
    times: list[float] = []
    for kv in key_history(cluster, f"/registry/minions/{node}"):
        conditions = json.loads(kv.value).get("status", {}).get("conditions") or []
        ready = [cluster.clock.parse_rfc3339(c["lastHeartbeatTime"]) for c in conditions if c["type"] == "Ready"]
        if ready and (not times or ready[0] != times[-1]):
            times.append(ready[0])
    return times


def intervals(times: list[float]) -> list[float]:
    """The gaps between successive times."""
    return [round(later - earlier, 3) for earlier, later in zip(times, times[1:])]


# --- exercise 1: the notes' kubelet flags as a KubeletConfiguration ---------------------------------------------

def modern_seed_lab() -> ClusterSpec:
    """The notes' three machines and addresses, with v1.31's files (TLS apiserver on 6443, kubeconfigs)."""
    return ClusterSpec.seed_lab().with_changes(kubernetes_version=CURRENT_VERSION, apiserver_port=6443,
                                               apiserver_bind_address=None, kubelet_address=None)


def kubelet_configuration_accepted(answer: Any) -> bool | str:
    """A predicate: ``answer`` (YAML text) is a KubeletConfiguration that keeps the notes' port, serves where
    the apiserver can reach it, and gives the linter nothing to warn about on node1 of the notes' lab."""
    if not isinstance(answer, str):
        raise AnswerTypeError("the KubeletConfiguration as YAML text (a string)", answer)
    try:
        doc = yaml.safe_load(answer)
    except yaml.YAMLError as exc:
        return f"that is not YAML: {exc}"
    if not isinstance(doc, dict):
        return "a KubeletConfiguration is a YAML mapping (apiVersion: ..., kind: ..., then its fields)."
    if (doc.get("apiVersion"), doc.get("kind")) != KUBELET_CONFIG_VERSION:
        return (f"the kubelet reads apiVersion {KUBELET_CONFIG_VERSION[0]}, kind {KUBELET_CONFIG_VERSION[1]}; "
                f"yours says {doc.get('apiVersion')!r}, {doc.get('kind')!r}.")
    for field, why in NOT_FIELDS.items():
        if field in doc:
            return (f"a v1.31 KubeletConfiguration has no field {field!r}: the kubelet logs \"Using lenient "
                    f"decoding as strict decoding failed\" and ignores it; {why}.")
    if doc.get("port", 10250) != 10250:
        return f"the notes' kubelet serves on port 10250 (KUBELET_PORT); yours says {doc.get('port')!r}."
    tree = modern_seed_lab().render_all()
    tree["node1"][modern.KUBELET_CONFIG] = answer
    found = [f for f in lint(tree) if f.machine == "node1" and f.severity in ("error", "warning")
             and f.path in (modern.KUBELET_CONFIG, "/etc/kubernetes/kubelet")]
    return not found or "the linter says: " + "; ".join(f"{f.key}: {f.message}" for f in found)


# --- exercise 2: when a failed node goes NotReady, and when its pod is evicted ----------------------------------

def failure_times(seed: int, fail_at: float, toleration_seconds: int) -> tuple[float, float]:
    """Replay exercise 2 on a fresh cluster: node-2 fails ``fail_at`` seconds after the kubelets started,
    running the Pod ``batch`` that tolerates ``unreachable:NoExecute`` for ``toleration_seconds``.
    Returns the seconds after the failure at which node-2 shows NotReady and ``batch`` Terminating."""
    from k8scourse.cluster import Cluster  # the cluster only when a check runs

    cluster = Cluster.quickstart(nodes=3, seed=seed)
    cluster.apply(batch_pod(toleration_seconds))
    cluster.run(fail_at - cluster.now)
    cluster.fail_node("node-2")
    start = cluster.now
    not_ready = start + cluster.wait_for(lambda: _node_not_ready(cluster, "node-2"), timeout=600, step=0.1)
    cluster.wait_for(lambda: cluster.pod("batch")["metadata"].get("deletionTimestamp"), timeout=3600, step=0.5)
    return round(not_ready - start, 1), round(cluster.now - start, 1)


def batch_pod(toleration_seconds: int) -> dict:
    """Exercise 2's Pod: on node-2, tolerating the unreachable taint for ``toleration_seconds``."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "batch"},
            "spec": {"nodeSelector": {"kubernetes.io/hostname": "node-2"},
                     "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                      "effect": "NoExecute", "tolerationSeconds": toleration_seconds}],
                     "containers": [{"name": "batch", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}}


def _node_not_ready(cluster: Any, name: str) -> bool:
    node = cluster.api.get("nodes", name)
    return any(c["type"] == "Ready" and c["status"] != "True" for c in node["status"]["conditions"])


def _seconds(answer: Mapping, key: str) -> float:
    value = answer.get(key)
    if not isinstance(value, Real) or isinstance(value, bool):
        raise AnswerTypeError(f"a number of seconds for {key!r}", value)
    return float(value)


def failure_predicted(seed: int, fail_at: float, toleration_seconds: int) -> Predicate:
    """A predicate: the answer ``{"not_ready": s, "evicted": s}`` (seconds after the failure) is within
    two --node-monitor-periods (10 s) of what the cluster does."""
    def predicate(answer: Any) -> bool | str:
        if not isinstance(answer, Mapping):
            raise AnswerTypeError('a dict such as {"not_ready": 12, "evicted": 34}', answer)
        not_ready, evicted = _seconds(answer, "not_ready"), _seconds(answer, "evicted")
        true_not_ready, true_evicted = failure_times(seed, fail_at, toleration_seconds)
        if not_ready > true_not_ready + TOLERANCE:
            return ("NotReady comes sooner: the 40 s grace period runs from the last Lease renewal, "
                    "which was before the machine failed.")
        if not_ready < true_not_ready - TOLERANCE:
            return "NotReady comes later: the controller waits 40 s of silence, and looks only every 5 s."
        if evicted > true_evicted + TOLERANCE and toleration_seconds < 300:
            return ("NotReady is right; the eviction comes sooner: `batch` declares its own toleration, so "
                    "DefaultTolerationSeconds adds no 300 s one for the unreachable taint.")
        if abs(evicted - true_evicted) > TOLERANCE:
            later = "later" if evicted < true_evicted else "sooner"
            return (f"NotReady is right; the eviction comes {later}: the toleration's clock starts when the "
                    "NoExecute taint lands, one controller pass after NotReady, not when the machine fails.")
        return True
    return predicate


# --- exercise 3: a node missing from kubectl get nodes --------------------------------------------------------

def missing_node_files() -> dict[str, dict[str, str]]:
    """Exercise 3's tree: the notes' machines with v1.31 files, one of which was copied from the other node."""
    tree = modern_seed_lab().render_all()
    tree["node2"]["/etc/kubernetes/kubelet"] = tree["node1"]["/etc/kubernetes/kubelet"]
    return tree
