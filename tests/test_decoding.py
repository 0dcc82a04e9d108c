"""Decoding: every field of every kind by its v1.31 Go type, as json.Unmarshal into k8s.io/api would."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from k8scourse.api.decoding import (
    BOOL,
    INT32,
    INT_OR_STRING,
    QUANTITY,
    STRING,
    TIME,
    DecodeError,
    ListOf,
    ManifestSyntaxError,
    MapOf,
    RawJSON,
    Scalar,
    Struct,
    base64_error_offset,
    decode,
    go_struct,
    parse_yaml_documents,
)
from k8scourse.api.errors import ObjectInvalidError
from k8scourse.api.objects import KINDS, load
from k8scourse.api.quantity import FORMAT_ERROR
from k8scourse.api.rfc3339 import RFC3339, TimeParseError, canonical, parse_rfc3339

ROOT = Path(__file__).resolve().parent.parent
POD_ERROR = 'Pod in version "v1" cannot be handled as a Pod: '


def pod(*containers: dict, **spec: Any) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": list(containers) or [{"name": "c", "image": "nginx"}], **spec}}


def container(**fields: Any) -> dict:
    return {"name": "c", "image": "nginx", **fields}


def error_of(manifest: dict) -> str:
    with pytest.raises(ValueError) as err:
        load(manifest)
    return str(err.value)


# --- the generated schema ----------------------------------------------------------------------

def test_every_kind_decodes_with_its_generated_v1_31_struct() -> None:
    kinds = json.loads((ROOT / "k8scourse/api/schema_v1_31.json").read_text())["kinds"]
    for kind in KINDS:
        sid = kinds[f"{kind.API_VERSION} {kind.KIND}"]
        assert kind.SCHEMA is go_struct(sid)
        assert kind.SCHEMA.go == f"{kind.VERSION}.{kind.KIND}"
    # The kinds coming next are there too.
    for key in ("v1 ServiceAccount", "v1 Endpoints", "discovery.k8s.io/v1 EndpointSlice", "v1 ConfigMap",
                "v1 Secret", "policy/v1 Eviction", "v1 Binding"):
        assert kinds[key] in json.loads((ROOT / "k8scourse/api/schema_v1_31.json").read_text())["structs"]


def test_struct_fields_carry_their_go_types() -> None:
    spec = go_struct("core.v1.PodSpec")
    assert spec.go == "v1.PodSpec" and spec.name == "PodSpec"
    assert isinstance(spec.fields["containers"], ListOf) and spec.fields["containers"].go == "[]v1.Container"
    assert spec.fields["containers"].item is go_struct("core.v1.Container")
    assert spec.fields["nodeSelector"].go == "map[string]string" and spec.fields["nodeSelector"].value is STRING
    assert spec.fields["overhead"].value is QUANTITY and spec.fields["overhead"].go == "v1.ResourceList"
    assert spec.fields["priority"] is INT32 and spec.fields["hostNetwork"] is BOOL
    assert spec.fields["terminationGracePeriodSeconds"].go == "int64"
    assert go_struct("core.v1.ServicePort").fields["targetPort"] is INT_OR_STRING
    assert go_struct("meta.v1.ObjectMeta").fields["creationTimestamp"] is TIME
    assert isinstance(go_struct("meta.v1.ManagedFieldsEntry").fields["fieldsV1"], RawJSON)
    assert go_struct("coordination.v1.LeaseSpec").fields["renewTime"].go == "*v1.MicroTime"
    assert go_struct("core.v1.Secret").fields["data"].go == "map[string][]uint8"
    # v1.31 has no pod-level resources (v1.32) and no HPA tolerance (v1.33).
    assert "resources" not in spec.fields
    assert "tolerance" not in go_struct("autoscaling.v2.HPAScalingRules").fields
    # Same Go name, different groups: both are there.
    assert go_struct("discovery.v1.EndpointPort").go == go_struct("core.v1.EndpointPort").go == "v1.EndpointPort"


def test_every_go_type_reachable_is_one_the_decoder_knows() -> None:
    seen: set[int] = set()

    def walk(t: Any) -> None:
        if id(t) in seen:
            return
        seen.add(id(t))
        if isinstance(t, Struct):
            for field in t.fields.values():
                walk(field)
        elif isinstance(t, ListOf):
            walk(t.item)
        elif isinstance(t, MapOf):
            walk(t.value)
        else:
            assert isinstance(t, Scalar) or t.go in (
                "resource.Quantity", "intstr.IntOrString", "v1.Time", "v1.MicroTime", "*v1.Time", "*v1.MicroTime",
                "v1.FieldsV1", "runtime.RawExtension"), t.go

    for kind in KINDS:
        walk(kind.SCHEMA)
    assert len(seen) > 200


def test_generator_rebuilds_the_committed_file_from_the_openapi_definitions() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gen_schema
    finally:
        sys.path.pop(0)
    definitions = {
        "io.k8s.api.core.v1.Binding": {"properties": {
            "apiVersion": {"type": ["string", "null"]},
            "target": {"$ref": "#/$defs/io.k8s.api.core.v1.ObjectReference"},
            "size": {"$ref": "#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"},
            "counts": {"type": ["array", "null"], "items": {"type": ["integer", "null"], "format": "int32"}},
            "ratio": {"type": "number", "format": "double"},
            "data": {"type": ["object", "null"], "additionalProperties": {"type": ["string", "null"],
                                                                         "format": "byte"}},
            "limits": {"type": ["object", "null"], "additionalProperties": {
                "$ref": "#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"}},
        }},
        "io.k8s.api.core.v1.ObjectReference": {"properties": {"name": {"type": "string"}}},
    }
    kinds = gen_schema.KINDS
    gen_schema.KINDS = {("v1", "Binding"): "io.k8s.api.core.v1.Binding"}
    try:
        schema = gen_schema.generate(definitions)
    finally:
        gen_schema.KINDS = kinds
    assert schema["kinds"] == {"v1 Binding": "core.v1.Binding"}
    assert schema["structs"] == {
        "core.v1.Binding": {"apiVersion": "string", "counts": "[]int32", "data": "map[string][]uint8",
                            "limits": "v1.ResourceList", "ratio": "float64", "size": "resource.Quantity",
                            "target": "core.v1.ObjectReference"},
        "core.v1.ObjectReference": {"name": "string"},
    }


# --- wrong types are the server's BadRequest -----------------------------------------------------

@pytest.mark.parametrize("manifest, detail", [
    (pod(affinity="x"), "json: cannot unmarshal string into Go struct field PodSpec.spec.affinity of type v1.Affinity"),
    (pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": 5}}),
     "json: cannot unmarshal number into Go struct field NodeAffinity.spec.affinity.nodeAffinity."
     "requiredDuringSchedulingIgnoredDuringExecution of type v1.NodeSelector"),
    (pod(container(env=[{"name": "A", "valueFrom": 5}])),
     "json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.valueFrom of type v1.EnvVarSource"),
    (pod(container(env=[{"name": "A", "valueFrom": {"fieldRef": 5}}])),
     "json: cannot unmarshal number into Go struct field EnvVarSource.spec.containers.env.valueFrom.fieldRef "
     "of type v1.ObjectFieldSelector"),
    (pod(container(env=[{"name": "A", "valueFrom": {"secretKeyRef": 5}}])),
     "json: cannot unmarshal number into Go struct field EnvVarSource.spec.containers.env.valueFrom.secretKeyRef "
     "of type v1.SecretKeySelector"),
    (pod(container(env=[{"name": "A", "valueFrom": {"configMapKeyRef": [1]}}])),
     "json: cannot unmarshal array into Go struct field EnvVarSource.spec.containers.env.valueFrom.configMapKeyRef "
     "of type v1.ConfigMapKeySelector"),
    (pod(readinessGates=[5]),
     "json: cannot unmarshal number into Go struct field PodSpec.spec.readinessGates of type v1.PodReadinessGate"),
    (pod(volumes=[{"name": "v", "configMap": "x"}]),
     "json: cannot unmarshal string into Go struct field Volume.spec.volumes.configMap of type v1.ConfigMapVolumeSource"),
    (pod(volumes=[{"name": "v", "secret": 5}]),
     "json: cannot unmarshal number into Go struct field Volume.spec.volumes.secret of type v1.SecretVolumeSource"),
    (pod(volumes=[{"name": "v", "persistentVolumeClaim": 5}]),
     "json: cannot unmarshal number into Go struct field Volume.spec.volumes.persistentVolumeClaim "
     "of type v1.PersistentVolumeClaimVolumeSource"),
    (pod(volumes=[{"name": "v", "projected": {"sources": [5]}}]),
     "json: cannot unmarshal number into Go struct field ProjectedVolumeSource.spec.volumes.projected.sources "
     "of type v1.VolumeProjection"),
    (pod(container(securityContext={"runAsUser": "root"})),
     "json: cannot unmarshal string into Go struct field SecurityContext.spec.containers.securityContext.runAsUser "
     "of type int64"),
    (pod(container(readinessProbe={"exec": {"command": "ls"}})),
     "json: cannot unmarshal string into Go struct field ExecAction.spec.containers.readinessProbe.exec.command "
     "of type []string"),
    (pod(topologySpreadConstraints=[{"maxSkew": "1"}]),
     "json: cannot unmarshal string into Go struct field TopologySpreadConstraint.spec.topologySpreadConstraints."
     "maxSkew of type int32"),
    (pod(schedulingGates=["g"]),
     "json: cannot unmarshal string into Go struct field PodSpec.spec.schedulingGates of type v1.PodSchedulingGate"),
    (pod(container(ports=[{"containerPort": 80, "hostPort": 3e9}])),
     "json: cannot unmarshal number 3000000000 into Go struct field ContainerPort.spec.containers.ports.hostPort "
     "of type int32"),
    (pod(activeDeadlineSeconds=1e19),
     "json: cannot unmarshal number 10000000000000000000 into Go struct field PodSpec.spec.activeDeadlineSeconds "
     "of type int64"),
    (pod(activeDeadlineSeconds=1e21),
     "json: cannot unmarshal number 1e+21 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64"),
    (pod(priority=0.5), "json: cannot unmarshal number 0.5 into Go struct field PodSpec.spec.priority of type int32"),
    (pod(priority=1e-7),
     "json: cannot unmarshal number 1e-7 into Go struct field PodSpec.spec.priority of type int32"),
    (pod(hostNetwork="true"), "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool"),
    (pod(container(resources={"requests": "500m"})),
     "json: cannot unmarshal string into Go struct field ResourceRequirements.spec.containers.resources.requests "
     "of type v1.ResourceList"),
    ({**pod(), "status": "Running"},
     "json: cannot unmarshal string into Go struct field Pod.status of type v1.PodStatus"),
])
def test_wrong_types_anywhere_fail_decoding(manifest: dict, detail: str) -> None:
    assert error_of(manifest) == POD_ERROR + detail


def test_wrong_types_in_other_kinds() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
               "spec": {"ports": [{"port": 80}], "sessionAffinityConfig": {"clientIP": 5}}}
    assert error_of(service) == (
        'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number into Go struct field '
        "SessionAffinityConfig.spec.sessionAffinityConfig.clientIP of type v1.ClientIPConfig")
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "status": {"addresses": [{"type": 1}]}}
    assert error_of(node) == (
        'Node in version "v1" cannot be handled as a Node: json: cannot unmarshal number into Go struct field '
        "NodeAddress.status.addresses.type of type string")
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
             "spec": {"scopeSelector": {"matchExpressions": "x"}}}
    assert error_of(quota).endswith("cannot unmarshal string into Go struct field ScopeSelector."
                                    "spec.scopeSelector.matchExpressions of type []v1.ScopedResourceSelectorRequirement")


def test_first_type_error_wins_but_an_unmarshaler_error_stops_at_once() -> None:
    # encoding/json remembers the first UnmarshalTypeError and reads on.
    assert error_of(pod(priority="1", hostNetwork="x")).endswith("PodSpec.spec.priority of type int32")
    # An UnmarshalJSON method's error (here Quantity's) ends decoding and is the answer.
    manifest = pod(container(resources={"limits": {"cpu": True}}), priority="1")
    assert error_of(manifest) == POD_ERROR + FORMAT_ERROR
    # Type errors beat unknown fields.
    assert error_of(pod(priority="1", unknown=1)).endswith("PodSpec.spec.priority of type int32")


# --- types with their own UnmarshalJSON -------------------------------------------------------------

@pytest.mark.parametrize("value", [True, False, [1], {"a": 1}, ["1Gi"]])
def test_a_quantity_is_text_or_a_number_never_a_bool_list_or_object(value: Any) -> None:
    assert error_of(pod(container(resources={"requests": {"memory": value}}))) == POD_ERROR + FORMAT_ERROR
    assert error_of(pod(overhead={"cpu": value})) == POD_ERROR + FORMAT_ERROR


def test_quantity_numbers_and_text_decode() -> None:
    loaded = load(pod(container(resources={"requests": {"cpu": 0.5, "memory": "64Mi"}, "limits": {"cpu": 1}})))
    assert loaded.spec["containers"][0]["resources"]["requests"] == {"cpu": "500m", "memory": "64Mi"}


def test_memory_false_stays_invalid_after_another_cluster_used_memory_0() -> None:
    from k8scourse.cluster import Cluster

    first, second = Cluster(), Cluster()
    first.apply(pod(container(resources={"limits": {"memory": 0}})))
    with pytest.raises(DecodeError, match="quantities must match"):
        second.apply(pod(container(resources={"limits": {"memory": False}})))
    with pytest.raises(DecodeError, match="quantities must match"):
        second.apply(pod(container(resources={"limits": {"memory": True}})))


@pytest.mark.parametrize("port, detail", [
    (True, "json: cannot unmarshal bool into Go value of type int32"),
    (1.5, "json: cannot unmarshal number 1.5 into Go value of type int32"),
    (3e9, "json: cannot unmarshal number 3000000000 into Go value of type int32"),
    (2**31, "json: cannot unmarshal number 2147483648 into Go value of type int32"),
    ([80], "json: cannot unmarshal array into Go value of type int32"),
    ({"a": 1}, "json: cannot unmarshal object into Go value of type int32"),
])
def test_int_or_string_is_text_or_an_int32(port: Any, detail: str) -> None:
    assert error_of(pod(container(livenessProbe={"tcpSocket": {"port": port}}))) == POD_ERROR + detail


def test_int_or_string_accepts_text_and_whole_numbers() -> None:
    probe = load(pod(container(livenessProbe={"tcpSocket": {"port": 8080.0}}))).spec["containers"][0]["livenessProbe"]
    assert probe["tcpSocket"] == {"port": 8080}
    assert load(pod(container(livenessProbe={"tcpSocket": {"port": "http"}}))).spec["containers"][0][
        "livenessProbe"]["tcpSocket"] == {"port": "http"}


@pytest.mark.parametrize("value, detail", [
    ("today", 'parsing time "today" as "2006-01-02T15:04:05Z07:00": cannot parse "today" as "2006"'),
    ("2024-1-01T00:00:00Z",
     'parsing time "2024-1-01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "1-01T00:00:00Z" as "01"'),
    ("2024-01-01 00:00:00Z",
     'parsing time "2024-01-01 00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 00:00:00Z" as "T"'),
    ("2024-01-01T00:00:00",
     'parsing time "2024-01-01T00:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"'),
    ("2024-01-01T00:00:00Zx", 'parsing time "2024-01-01T00:00:00Zx": extra text: "x"'),
    ("2024-13-01T00:00:00Z", 'parsing time "2024-13-01T00:00:00Z": month out of range'),
    ("2023-02-29T00:00:00Z", 'parsing time "2023-02-29T00:00:00Z": day out of range'),
    ("2024-01-01T24:00:00Z", 'parsing time "2024-01-01T24:00:00Z": hour out of range'),
    ("2024-01-01T00:00:00+25:00", 'parsing time "2024-01-01T00:00:00+25:00": time zone offset hour out of range'),
    (5, "json: cannot unmarshal number into Go value of type string"),
    (True, "json: cannot unmarshal bool into Go value of type string"),
    ({}, "json: cannot unmarshal object into Go value of type string"),
])
def test_times_parse_as_metav1_time_does(value: Any, detail: str) -> None:
    manifest = pod()
    manifest["metadata"]["creationTimestamp"] = value
    assert error_of(manifest) == POD_ERROR + detail


def test_times_are_stored_in_utc_to_the_second() -> None:
    assert canonical("2024-01-01T01:30:00.75+01:30") == "2024-01-01T00:00:00Z"
    assert canonical("2024-02-29T07:05:09Z") == "2024-02-29T07:05:09Z"
    assert canonical("2024-01-01T1:00:00Z") == "2024-01-01T01:00:00Z"  # Go reads a 1-digit hour
    assert canonical("2024-01-01T00:00:00.123456+00:00", micro=True) == "2024-01-01T00:00:00.123456Z"
    with pytest.raises(TimeParseError, match=r'cannot parse "Z" as "\.000000"'):
        parse_rfc3339("2024-01-01T00:00:00Z", micro=True)  # MicroTime wants its six digits
    assert RFC3339 == "2006-01-02T15:04:05Z07:00"
    event = load({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}, "involvedObject": {},
                  "firstTimestamp": "2025-01-01T02:00:00+02:00"})
    assert event.data["firstTimestamp"] == "2025-01-01T00:00:00Z"


def test_a_null_value_time_stays_null_and_a_null_pointer_time_is_left_out() -> None:
    # PodCondition.LastProbeTime is a metav1.Time: zero, it is written back as null.
    # ObjectMeta.DeletionTimestamp and PodStatus.StartTime are *metav1.Time: nil, they are omitted.
    data = {"metadata": {"name": "p", "creationTimestamp": None, "deletionTimestamp": None},
            "status": {"startTime": None, "conditions": [{"type": "Ready", "lastProbeTime": None}]}}
    decode(data, go_struct("core.v1.Pod"), "Pod", "v1")
    assert data == {"metadata": {"name": "p", "creationTimestamp": None},
                    "status": {"conditions": [{"type": "Ready", "lastProbeTime": None}]}}
    assert go_struct("core.v1.PodStatus").fields["startTime"].go == "*v1.Time"
    assert go_struct("core.v1.PodCondition").fields["lastProbeTime"] is TIME


def test_raw_json_takes_anything() -> None:
    manifest = pod()
    manifest["metadata"]["managedFields"] = [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}},
                                             {"fieldsV1": [1, True]}]
    assert load(manifest).metadata["managedFields"][1]["fieldsV1"] == [1, True]


# --- nulls, numbers and keys as Go reads them ---------------------------------------------------------

def test_null_in_a_list_of_structs_is_a_fresh_zero_struct() -> None:
    with pytest.raises(ObjectInvalidError) as err:
        load(pod(None, None))
    assert str(err.value) == (
        'Pod "p" is invalid: [spec.containers[0].name: Required value, spec.containers[0].image: Required value, '
        'spec.containers[1].name: Required value, spec.containers[1].image: Required value, '
        'spec.containers[1].name: Duplicate value: ""]')
    data = pod(container(), tolerations=[None, None])["spec"]
    decode(data, go_struct("core.v1.PodSpec"), "Pod", "v1")
    assert data["tolerations"] == [{}, {}] and data["tolerations"][0] is not data["tolerations"][1]


def test_null_in_lists_and_maps_is_the_zero_value_and_null_fields_drop() -> None:
    data = {"containers": [{"name": "c", "args": [None, "a"], "ports": None, "resources": {"limits": {"cpu": None}}}],
            "nodeSelector": {"disk": None}, "hostNetwork": None, "priority": None}
    decode(data, go_struct("core.v1.PodSpec"), "Pod", "v1")
    assert data == {"containers": [{"name": "c", "args": ["", "a"], "resources": {"limits": {"cpu": "0"}}}],
                    "nodeSelector": {"disk": ""}}


def test_numbers_into_ints_and_floats() -> None:
    data = {"replicas": 3.0, "minReadySeconds": -2}
    decode(data, go_struct("apps.v1.DeploymentSpec"), "Deployment", "v1")
    assert data == {"replicas": 3, "minReadySeconds": -2} and type(data["replicas"]) is int
    with pytest.raises(DecodeError, match="number 2147483648 into Go struct field DeploymentSpec.replicas of type int32"):
        decode({"replicas": 2**31}, go_struct("apps.v1.DeploymentSpec"), "Deployment", "v1")
    decode({"replicas": -(2**31)}, go_struct("apps.v1.DeploymentSpec"), "Deployment", "v1")
    with pytest.raises(DecodeError, match="cannot unmarshal bool into Go struct field DeploymentSpec.replicas"):
        decode({"replicas": True}, go_struct("apps.v1.DeploymentSpec"), "Deployment", "v1")
    # float64 takes any number, never a bool or text.
    double = Scalar("float64", float)
    assert Struct("v1.X", {"f": double}).fields["f"] is double
    data = {"f": 1, "g": 2.5}
    decode(data, Struct("v1.X", {"f": double, "g": double}), "X", "v1")
    assert data == {"f": 1, "g": 2.5}
    with pytest.raises(DecodeError, match="cannot unmarshal bool into Go struct field X.f of type float64"):
        decode({"f": False}, Struct("v1.X", {"f": double}), "X", "v1")


def test_map_keys_are_json_text() -> None:
    loaded = load(pod(nodeSelector={1: "a", 2.5: "b"}))
    assert loaded.spec["nodeSelector"] == {"1": "a", "2.5": "b"}
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}], " \
           "nodeSelector: {1: a, true: b}}\n"
    assert load(text).spec["nodeSelector"] == {"1": "a", "true": "b"}
    # sigs.k8s.io/yaml writes float keys with strconv.FormatFloat(f, 'g', -1, ...).
    assert parse_yaml_documents("{0.5: a, 1.5e+7: b, 1.0e-5: c, 100.0: d}") == [
        {"0.5": "a", "1.5e+07": "b", "1e-05": "c", "100": "d"}]
    with pytest.raises(ManifestSyntaxError, match="error converting YAML to JSON: unsupported map key of type: <nil>"):
        load(text.replace("1: a, true: b", "~: a"))
    assert parse_yaml_documents("{.inf: a, -.inf: b, .nan: c}") == [{".inf": "a", "-.inf": "b", ".nan": "c"}]


def test_infinities_have_no_json_form() -> None:
    with pytest.raises(ManifestSyntaxError) as err:
        load("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {priority: -.inf}\n")
    assert str(err.value) == "error converting YAML to JSON: json: unsupported value: -Inf"
    assert error_of(pod(priority=float("inf"))) == (
        POD_ERROR + "json: cannot unmarshal number +Inf into Go struct field PodSpec.spec.priority of type int32")
    assert error_of(pod(container(livenessProbe={"tcpSocket": {"port": float("nan")}}))) == (
        POD_ERROR + "json: cannot unmarshal number NaN into Go value of type int32")


def test_unknown_fields_deep_inside_are_named_with_their_index() -> None:
    assert error_of(pod(container(), affinity={"podAffinity": {"required": []}},
                        volumes=[{"name": "v", "emptyDir": {"size": "1Gi"}}])) == (
        POD_ERROR + 'strict decoding error: unknown field "spec.affinity.podAffinity.required", '
        'unknown field "spec.volumes[0].emptyDir.size"')


# --- what decodes is kept as it was written ---------------------------------------------------------

RICH_POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "rich", "namespace": "default", "labels": {"app": "web"}, "annotations": {"a": "b"}},
    "spec": {
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}]}},
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 10, "podAffinityTerm": {
                "labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}}]}},
        "containers": [{
            "name": "web", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
            "env": [{"name": "A", "value": "1"},
                    {"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
            "envFrom": [{"configMapRef": {"name": "cfg"}}],
            "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}],
            "readinessProbe": {"httpGet": {"path": "/", "port": "http", "scheme": "HTTP"}, "periodSeconds": 5,
                               "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
            "resources": {"limits": {"cpu": "1", "memory": "128Mi"}, "requests": {"cpu": "500m", "memory": "128Mi"}},
            "securityContext": {"runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "cfg", "mountPath": "/etc/cfg"}],
        }],
        "dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "restartPolicy": "Always",
        "schedulerName": "default-scheduler", "securityContext": {"fsGroup": 2000},
        "terminationGracePeriodSeconds": 30,
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}],
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                       "labelSelector": {"matchLabels": {"app": "web"}}}],
        "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
                    {"name": "cfg", "projected": {"defaultMode": 420, "sources": [
                        {"configMap": {"name": "cfg", "items": [{"key": "a", "path": "a"}]}},
                        {"downwardAPI": {"items": [{"path": "labels",
                                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels"}}]}},
                    ]}}],
    },
}


def test_a_rich_pod_round_trips_unchanged() -> None:
    data = copy.deepcopy(RICH_POD)
    decode(data, go_struct("core.v1.Pod"), "Pod", "v1")
    assert data == RICH_POD
    assert load(RICH_POD).spec["volumes"] == RICH_POD["spec"]["volumes"]


def test_a_rich_deployment_and_service_round_trip_unchanged() -> None:
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 3, "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}},
                 "revisionHistoryLimit": 5, "minReadySeconds": 2, "progressDeadlineSeconds": 600, "paused": False,
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": RICH_POD["spec"]}},
    }
    service = {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "selector": {"app": "web"}, "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                 "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080, "protocol": "TCP"}],
                 "sessionAffinity": "ClientIP", "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}},
                 "externalTrafficPolicy": "Local", "internalTrafficPolicy": "Cluster"},
    }
    for manifest in (deployment, service):
        data = copy.deepcopy(manifest)
        decode(data, type(load(manifest)).SCHEMA, manifest["kind"], "v1")
        assert data == manifest
    assert load(deployment).spec["template"]["spec"]["volumes"] == RICH_POD["spec"]["volumes"]
    assert load(service).spec["ports"][0]["targetPort"] == "http"


# --- import -------------------------------------------------------------------------------------------

def test_cluster_is_importable_from_the_package_lazily() -> None:
    code = ("import sys, k8scourse; assert 'k8scourse.cluster' not in sys.modules; "
            "from k8scourse import Cluster; assert Cluster.__module__ == 'k8scourse.cluster'; "
            "assert 'k8scourse.api.decoding' in sys.modules; import k8scourse.api.decoding as d; "
            "assert d._structs.cache_info().currsize == 0")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT,
                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    import k8scourse

    with pytest.raises(AttributeError, match="has no attribute 'Clusters'"):
        k8scourse.Clusters  # noqa: B018


# --- []byte: base64 text -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, offset", [
    ("aGVsbG8=", None), ("aGVsbA==", None), ("aG\nVsbG8=", None), ("", None),
    ("aGVsbG8", 4),  # a quantum cut short: StdEncoding wants its padding
    ("aGVs!G8=", 4), ("aGVsbG8=x", 8), ("aGVsbA=", 7), ("aGVsbA=a", 6), ("=abc", 0), ("a", 0),
])
def test_base64_errors_name_the_byte_as_encoding_base64_does(text: str, offset: int | None) -> None:
    assert base64_error_offset(text.encode()) == offset


def test_secret_data_is_base64_text() -> None:
    secret = go_struct("core.v1.Secret")
    data = {"data": {"k": "aGVsbG8=", "empty": None}, "stringData": {"s": "plain"}}
    decode(data, secret, "Secret", "v1")
    assert data == {"data": {"k": "aGVsbG8=", "empty": ""}, "stringData": {"s": "plain"}}
    with pytest.raises(DecodeError) as err:
        decode({"data": {"k": "aGVsbG8"}}, secret, "Secret", "v1")
    assert str(err.value) == 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4'
    with pytest.raises(DecodeError, match="cannot unmarshal number into Go struct field Secret.data of type"
                                          r" \[\]uint8"):
        decode({"data": {"k": 5}}, secret, "Secret", "v1")


# --- any value anywhere: a DecodeError or a decoded value, nothing else ----------------------------------

_JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-(2**64), 2**64), st.floats(allow_nan=False),
                         st.text(max_size=8), st.sampled_from(["1Gi", "500m", "2025-01-01T00:00:00Z", "aGk="]))
_ANY_JSON = st.recursive(_JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=6)


def _values_for(t: Any, depth: int = 0) -> st.SearchStrategy:
    """A value of the right shape for ``t``, or now and then any JSON at all."""
    if depth > 4:
        return _ANY_JSON
    if isinstance(t, Struct):
        names = sorted(t.fields)
        fields = st.lists(st.sampled_from(names), max_size=3, unique=True).flatmap(
            lambda chosen: st.fixed_dictionaries({name: _values_for(t.fields[name], depth + 1) for name in chosen}))
        right = fields
    elif isinstance(t, ListOf):
        right = st.lists(_values_for(t.item, depth + 1), max_size=2)
    elif isinstance(t, MapOf):
        right = st.dictionaries(st.text(max_size=4), _values_for(t.value, depth + 1), max_size=2)
    else:
        right = _JSON_LEAVES
    return st.one_of(right, right, right, _ANY_JSON)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.KIND)
def test_any_manifest_decodes_or_fails_with_the_servers_error(kind: Any) -> None:
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(_values_for(kind.SCHEMA).filter(lambda manifest: isinstance(manifest, dict)))
    def check(manifest: Any) -> None:
        data = copy.deepcopy(manifest)
        try:
            decode(data, kind.SCHEMA, kind.KIND, kind.VERSION)
        except DecodeError as err:
            assert str(err).startswith(f'{kind.KIND} in version "{kind.VERSION}" cannot be handled as a {kind.KIND}: ')
            return
        again = copy.deepcopy(data)
        decode(again, kind.SCHEMA, kind.KIND, kind.VERSION)
        assert again == data  # decoding what decoded changes nothing
        json.dumps(data)  # still plain JSON data

    check()
