"""Fuzz: no manifest, however malformed, gets a Python traceback out of the cluster.

Each example starts from a small valid manifest of one kind, walks the
kind's Go type schema (``api/decoding.py``: Struct fields, ListOf items,
MapOf values, scalars) down to one field, and replaces it with a wrong type
or an odd value: null, the wrong JSON type, negative or huge numbers, empty
and overlong strings, unknown enum values, empty objects, nested garbage.
Then it applies the manifest through ``Cluster.apply`` and ``kubectl apply
-f -`` (in half the examples over the valid object it came from, so that
kubectl computes a patch), runs the cluster with an HPA's target loaded,
and prints it every way kubectl can.

The only acceptable exceptions are the library's ``K8sValueError`` (the
apiserver's answers); a kubectl command returns its error text instead.

Inside a subtree the schema still types as ``ANY`` (raw JSON) the walk
follows the base manifest and keeps each value's JSON type, since any type
is decodable there; such subtrees are fuzzed fully once they are typed.

Deterministic for CI (``derandomize``); run longer locally with
``K8SCOURSE_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz_manifests.py``.
"""

from __future__ import annotations

import copy
import os
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8scourse.api.decoding import GoType, IntOrStringType, ListOf, MapOf, Scalar, Struct
from k8scourse.api.errors import K8sValueError
from k8scourse.api.meta import dump_yaml
from k8scourse.api.objects import KINDS
from k8scourse.cluster import Cluster

# 700 keeps the suite under its 3 minutes now that each example also runs the controllers over
# the object and applies it over its base; the audit that added those ran 3,000 and 6,000 clean.
MAX_EXAMPLES = int(os.environ.get("K8SCOURSE_FUZZ_EXAMPLES", "700"))
MAX_DEPTH = 12

_CONTAINER = {
    "name": "web", "image": "nginx:1.27", "command": ["nginx"], "args": ["-g", "daemon off;"],
    "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
    "env": [{"name": "MODE", "value": "prod"},
            {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
            {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1m"}}},
            {"name": "KEY", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k", "optional": True}}},
            {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "p", "optional": True}}}],
    "envFrom": [{"prefix": "CFG_", "configMapRef": {"name": "cfg", "optional": True}}],
    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
    "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "cfg", "mountPath": "/etc/cfg", "readOnly": True}],
    "livenessProbe": {"httpGet": {"path": "/", "port": 80, "httpHeaders": [{"name": "X-A", "value": "b"}]},
                      "initialDelaySeconds": 1, "periodSeconds": 5, "failureThreshold": 3},
    "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 5},
    "startupProbe": {"exec": {"command": ["true"]}, "failureThreshold": 30},
    "lifecycle": {"postStart": {"exec": {"command": ["true"]}}, "preStop": {"sleep": {"seconds": 5}}},
    "securityContext": {"runAsUser": 1000, "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
}
_POD_SPEC = {
    "containers": [_CONTAINER],
    "initContainers": [{"name": "init", "image": "busybox:1.36", "command": ["true"]}],
    "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
                {"name": "cfg", "configMap": {"name": "cfg", "optional": True,
                                              "items": [{"key": "k", "path": "k.txt", "mode": 0o600}]}},
                {"name": "info", "downwardAPI": {"items": [{"path": "labels",
                                                            "fieldRef": {"fieldPath": "metadata.labels"}}]}},
                {"name": "all", "projected": {"sources": [{"secret": {"name": "sec", "optional": True}}]}},
                {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}}],
    "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "securityContext": {"runAsNonRoot": True, "fsGroup": 2000, "sysctls": [{"name": "net.core.somaxconn",
                                                                            "value": "1024"}]},
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}],
                 "matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["nowhere"]}]}]},
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 10, "preference": {"matchExpressions": [{"key": "disk", "operator": "Exists"}]}}]},
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 50, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "web"}},
                                               "topologyKey": "kubernetes.io/hostname"}}]},
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
             "namespaces": ["default"], "topologyKey": "kubernetes.io/hostname"}]}},
    "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                     "tolerationSeconds": 300}],
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                                   "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app": "web"}},
                                   "matchLabelKeys": ["pod-template-hash"]}],
    "readinessGates": [{"conditionType": "example.com/ready"}],
    "dnsConfig": {"nameservers": ["10.96.0.10"], "searches": ["svc.cluster.local"], "options": [{"name": "ndots",
                                                                                                 "value": "2"}]},
    "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["db.local"]}],
    "imagePullSecrets": [{"name": "registry"}],
    "os": {"name": "linux"},
    "overhead": {"cpu": "10m"},
    "priorityClassName": "",
}
_TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": _POD_SPEC}
_META = {"name": "web", "labels": {"app": "web"}, "annotations": {"note": "fuzz"}}

BASES: list[dict] = [
    {"apiVersion": "v1", "kind": "Pod", "metadata": _META, "spec": _POD_SPEC},
    {"apiVersion": "v1", "kind": "Pod", "metadata": _META,
     "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}], "schedulingGates": [{"name": "example.com/wait"}]}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": _META,
     "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}], "restartPolicy": "Never",
              "activeDeadlineSeconds": 60, "nodeName": "node-1"}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _META,
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": _TEMPLATE,
              "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
              "minReadySeconds": 1, "revisionHistoryLimit": 3, "progressDeadlineSeconds": 60}},
    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": _META,
     "spec": {"replicas": 2, "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
              "template": _TEMPLATE}},
    {"apiVersion": "v1", "kind": "ReplicationController", "metadata": _META,
     "spec": {"replicas": 2, "selector": {"app": "web"}, "template": _TEMPLATE}},
    {"apiVersion": "v1", "kind": "Service", "metadata": _META,
     "spec": {"type": "NodePort", "selector": {"app": "web"},
              "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}},
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": _META,
     "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
              "minReplicas": 1, "maxReplicas": 3,
              "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                            "target": {"type": "Utilization", "averageUtilization": 50}}}]}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team", "labels": {"team": "a"}}},
    {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "extra", "labels": {"disk": "ssd"}},
     "spec": {"podCIDR": "10.244.9.0/24", "taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]}},
    {"apiVersion": "v1", "kind": "LimitRange", "metadata": _META,
     "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"},
                          "max": {"memory": "1Gi"}}]}},
    {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": _META,
     "spec": {"hard": {"pods": "10", "requests.cpu": "4"}}},
    {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1"},
     "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web"}, "reason": "Fuzzed",
     "message": "a message", "type": "Normal", "count": 1, "source": {"component": "fuzz"}},
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"},
     "automountServiceAccountToken": False, "secrets": [{"name": "token"}], "imagePullSecrets": [{"name": "registry"}]},
    {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "web", "namespace": "default"},
     "spec": {"holderIdentity": "web", "leaseDurationSeconds": 15}},
    {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "labels": {"app": "web"}},
     "subsets": [{"addresses": [{"ip": "10.244.1.5", "nodeName": "node-1",
                                 "targetRef": {"kind": "Pod", "namespace": "default", "name": "web"}}],
                  "notReadyAddresses": [{"ip": "10.244.2.5"}],
                  "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]},
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
     "metadata": {"name": "web-abcde", "labels": {"kubernetes.io/service-name": "web"}},
     "addressType": "IPv4", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
     "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True, "serving": True, "terminating": False},
                    "nodeName": "node-1", "targetRef": {"kind": "Pod", "namespace": "default", "name": "web"}}]},
]
_METRICS = [
    {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
    {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
    {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "web",
                                                        "target": {"type": "Utilization", "averageUtilization": 60}}},
    {"type": "Pods", "pods": {"metric": {"name": "qps", "selector": {"matchLabels": {"app": "web"}}},
                              "target": {"type": "AverageValue", "averageValue": "10"}}},
    {"type": "Object", "object": {"describedObject": {"apiVersion": "v1", "kind": "Service", "name": "web"},
                                  "metric": {"name": "rps"}, "target": {"type": "Value", "value": "100"}}},
    {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "AverageValue",
                                                                              "averageValue": "30"}}},
]
_BEHAVIOR = {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                         "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                      {"type": "Percent", "value": 100, "periodSeconds": 15}]},
             "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Min",
                           "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]}}
# More shapes of the controllers' kinds: an HPA with every metric source and a behavior, a Recreate Deployment.
BASES += [
    {**BASES[7], "spec": {**BASES[7]["spec"], "metrics": _METRICS, "behavior": _BEHAVIOR}},
    {**BASES[3], "spec": {**BASES[3]["spec"], "strategy": {"type": "Recreate"}, "paused": False}},
]
# The PodSpec is most of the API's surface: the rich pod and the three templates come up three times as often.
WEIGHTED_BASES = BASES + [BASES[0], BASES[3], BASES[4], BASES[5]] * 2
# What an object's controller needs to get to work on it: an HPA's target, loaded, so that its metrics are read.
PRELUDES = {"HorizontalPodAutoscaler": [BASES[3]]}
SCHEMAS = {kind.KIND: kind.SCHEMA for kind in KINDS}
RESOURCES = {kind.KIND: kind.RESOURCE for kind in KINDS}

# Odd values: of every JSON type (for typed fields), and odd values of each type (for raw JSON subtrees).
ODD_STRINGS = ["", " ", "x" * 300, "Bogus", "-1", "1e400", "../etc", "a b", "UPPER_case", "ünï", "null", "0x1F",
               "-1Gi", "99999999999999999999Ei", "http"]
ODD_INTS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63), 10**30]
NESTED_GARBAGE: list[Any] = [{"a": {"b": [1, {"c": None}]}}, [[[]]], [None], [{"": ""}]]
WRONG_TYPES: list[Any] = [None, True, False, 0, -1, 1.5, "x", "", [], {}, [1], {"k": "v"}, *NESTED_GARBAGE]


def _fresh(t: GoType) -> Any:
    """A plausible value of type ``t`` for a field the base manifest leaves out."""
    if isinstance(t, Struct):
        return {}
    if isinstance(t, ListOf):
        return [_fresh(t.item)]
    if isinstance(t, MapOf):
        return {"k": _fresh(t.value)}
    if isinstance(t, Scalar):
        return {str: "x", bool: True}.get(t.accepts, 1)
    if isinstance(t, IntOrStringType):
        return 1
    return "1" if "Quantity" in t.go else "2025-01-01T00:00:00Z" if "Time" in t.go else None


def _leaves(value: Any) -> int:
    """How many scalars a JSON value holds (an empty one counts as one)."""
    if isinstance(value, dict):
        return sum(map(_leaves, value.values())) or 1
    if isinstance(value, list):
        return sum(map(_leaves, value)) or 1
    return 1


def _same_type_odd(value: Any, rnd: random.Random) -> Any:
    """An odd value of a raw-JSON value's own type (a bool flips, a dict may empty)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return rnd.choice(ODD_INTS)
    if isinstance(value, str):
        return rnd.choice(ODD_STRINGS)
    if isinstance(value, list):
        return rnd.choice([[], value * 3])
    return {}


@st.composite
def mutated_manifests(draw: st.DrawFn) -> dict:
    """One base manifest with one field, somewhere in its schema, replaced by an odd value."""
    rnd = draw(st.randoms(use_true_random=True))  # seeded by Hypothesis; its own draws lean to 0: paths stay short
    manifest = copy.deepcopy(rnd.choice(WEIGHTED_BASES))
    parent: Any = None
    key: Any = None
    value: Any = manifest
    t: GoType | None = SCHEMAS[manifest["kind"]]
    for depth in range(MAX_DEPTH):
        present: list[tuple[Any, GoType | None]] = []
        absent: list[tuple[Any, GoType | None]] = []
        if isinstance(t, Struct) and isinstance(value, dict):
            for k, ft in t.fields.items():
                if k in ("apiVersion", "kind"):
                    continue  # they pick the schema; a wrong one is only "no matches for kind"
                if k in value:
                    present.append((k, ft))
                elif not ft.anything:  # a raw-JSON field's shape is unknown: never invent one
                    absent.append((k, ft))
        elif isinstance(t, ListOf) and isinstance(value, list):
            present = [(i, t.item) for i in range(len(value))]
            absent = [(len(value), t.item)]
        elif isinstance(t, MapOf) and isinstance(value, dict):
            present = [(k, t.value) for k in value]
            absent = [("fuzz", t.value)]
        elif t is not None and t.anything and isinstance(value, (dict, list)):  # raw JSON: follow the data
            present = [(k, None) for k in (value if isinstance(value, dict) else range(len(value)))]
        if not present and not absent or depth and rnd.random() < 0.125:
            break
        # Fields the base manifest sets are followed four times in five: most bugs hide in deep, real values.
        use_absent = not present or absent and rnd.random() < 0.2
        if use_absent:
            child, child_type = rnd.choice(absent)
        else:  # a set field by the values under it: every leaf of the base manifest is as likely
            child, child_type = rnd.choices(present, [_leaves(value[c]) for c, _ in present])[0]
        if isinstance(value, list) and child >= len(value):
            value.append(_fresh(child_type))  # type: ignore[arg-type]
        elif isinstance(value, dict) and child not in value:
            value[child] = _fresh(child_type)  # type: ignore[arg-type]
        parent, key, value = value, child, value[child]
        t = child_type if child_type is not None else t  # inside raw JSON the type stays ANY
    if parent is None:
        return manifest
    typed = t is not None and not t.anything
    parent[key] = rnd.choice(WRONG_TYPES + ODD_STRINGS + ODD_INTS) if typed else _same_type_odd(value, rnd)
    return manifest


def test_every_kind_has_a_base_manifest():
    assert {base["kind"] for base in BASES} == set(SCHEMAS)


# --- what the fuzz found, kept as plain regression tests -----------------------------------------

def test_a_quantity_number_beyond_int64_is_stored_as_its_canonical_text():
    cluster = Cluster.quickstart(nodes=1, seed=0)
    [hpa] = cluster.apply(BASES[7])
    hpa["status"] = {"currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                                         "current": {"averageValue": 10**30}}}]}
    stored = cluster.api.update_status(hpa)
    assert stored["status"]["currentMetrics"][0]["resource"]["current"]["averageValue"] == "1e30"


def test_a_create_cannot_set_a_controllers_status():
    """PrepareForCreate drops it (an HPA's conditions without a type would otherwise reach its controller)."""
    cluster = Cluster.quickstart(nodes=1, seed=0)
    for base in (BASES[3], BASES[4], BASES[5], BASES[6], BASES[7]):
        manifest = {**copy.deepcopy(base), "status": {"conditions": [{}]}}
        [stored] = cluster.apply(manifest)
        assert "status" not in stored, base["kind"]
    cluster.run(30)
    conditions = cluster.api.get("horizontalpodautoscalers", "web", "default")["status"]["conditions"]
    assert [c["type"] for c in conditions] == ["AbleToScale", "ScalingActive"]


def test_a_pod_with_scheduling_gates_waits_unscheduled():
    cluster = Cluster.quickstart(nodes=1, seed=0)
    [stored] = cluster.apply(BASES[1])
    assert stored["status"]["conditions"] == [{
        "type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": None,
        "reason": "SchedulingGated", "message": "Scheduling is blocked due to non-empty scheduling gates"}]
    cluster.run(30)
    assert cluster.kubectl("get pods").splitlines()[1].split()[2] == "SchedulingGated"
    assert "spec.nodeName" not in cluster.kubectl("get pod web -o yaml")


def _base_of(manifest: dict) -> dict:
    """The valid base manifest of the same kind (the first one; the mutation may have changed any field)."""
    return next(base for base in BASES if base["kind"] == manifest["kind"])


def _kubectl_never_raises(cluster: Cluster, command: str, stdin: str | None = None) -> str:
    """kubectl answers with its output or its error text; it never raises."""
    out = cluster.kubectl(command, stdin=stdin)
    assert isinstance(out, str)
    assert "Traceback" not in out
    return out


@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(mutated_manifests(), st.booleans())
def test_no_manifest_gets_a_traceback(manifest, over_its_base):
    """Created, or (``over_its_base``) applied over the valid object it was mutated from: kubectl's patch."""
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(PRELUDES.get(manifest["kind"], []))
    cluster.set_load("app=web", cpu="500m")
    if over_its_base and isinstance(manifest["metadata"], dict) and manifest["metadata"].get("name") == "web":
        _kubectl_never_raises(cluster, "apply -f -", stdin=dump_yaml(_base_of(manifest)))
        cluster.run(20)
    try:
        cluster.apply(copy.deepcopy(manifest))
    except K8sValueError:
        pass  # the apiserver's answer, e.g. BadRequest or Invalid
    _kubectl_never_raises(cluster, "apply -f -", stdin=dump_yaml(manifest))  # create, or update what was
    cluster.run(30)
    resource = RESOURCES[manifest["kind"]]
    for command in (f"get {resource} -o wide", f"get {resource} -o yaml", f"get {resource} -o json",
                    f"describe {resource}", "get pods,events -o wide", "describe pods", "get pods -o yaml",
                    "get hpa,deploy,rs,rc -o wide", "top pods", "rollout history deployment"):
        _kubectl_never_raises(cluster, command)
    name = manifest["metadata"].get("name") if isinstance(manifest["metadata"], dict) else None
    if isinstance(name, str) and name:
        _kubectl_never_raises(cluster, f"describe {resource} {name}")
