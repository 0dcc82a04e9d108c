"""Generate k8scourse/api/schema_v1_31.json: the v1.31 Go structs the course's apiserver decodes into.

The apiserver unmarshals a request into the Go structs of ``k8s.io/api`` (see
``k8scourse/api/decoding.py``). Their shape for v1.31 comes from the OpenAPI
definitions that the PyPI wheel ``kubernetes-validate==1.31.0`` ships
(``kubernetes_validate/kubernetes-json-schema/v1.31.0-local/_definitions.json``).
This script keeps only the structs reachable from the kinds in ``KINDS`` and
writes each field's Go type, as encoding/json names it in errors:

* ``string``, ``bool``, ``int32``, ``int64`` (OpenAPI ``format``), ``float64``
  (``number``), ``[]uint8`` (``format: byte``, base64 text);
* ``[]T`` for arrays, ``map[string]T`` for objects with ``additionalProperties``
  (``v1.ResourceList`` for a map of quantities);
* apimachinery types with their own UnmarshalJSON: ``resource.Quantity``,
  ``intstr.IntOrString``, ``v1.Time``, ``v1.MicroTime``, ``v1.FieldsV1``,
  ``runtime.RawExtension``; a time field that is a pointer is ``*v1.Time``
  (``POINTER_TIMES``, a Go fact OpenAPI does not carry);
* a struct by its id, ``<group>.<version>.<Name>`` (``core.v1.PodSpec``); Go
  prints it as ``<version>.<Name>`` (``v1.PodSpec``), which is not unique
  across groups (core and discovery both have ``v1.EndpointPort``).

OpenAPI loses Go's named types: ``type RestartPolicy string`` reads as plain
``string``, so errors name the underlying type, except for ``v1.ResourceList``
(``RESOURCE_LIST``), the one named map.

Regenerate (downloads the wheel with pip unless one is given)::

    python tools/gen_schema.py [path/to/kubernetes_validate-1.31.0-py3-none-any.whl]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

WHEEL = "kubernetes-validate==1.31.0"
DEFINITIONS = "kubernetes_validate/kubernetes-json-schema/v1.31.0-local/_definitions.json"
OUTPUT = Path(__file__).resolve().parent.parent / "k8scourse" / "api" / "schema_v1_31.json"

# The kinds the course serves, and those coming next: (apiVersion, kind) -> OpenAPI definition.
KINDS = {
    ("v1", "Pod"): "io.k8s.api.core.v1.Pod",
    ("v1", "Node"): "io.k8s.api.core.v1.Node",
    ("v1", "Namespace"): "io.k8s.api.core.v1.Namespace",
    ("v1", "ReplicationController"): "io.k8s.api.core.v1.ReplicationController",
    ("apps/v1", "ReplicaSet"): "io.k8s.api.apps.v1.ReplicaSet",
    ("apps/v1", "Deployment"): "io.k8s.api.apps.v1.Deployment",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
    ("v1", "Service"): "io.k8s.api.core.v1.Service",
    ("v1", "LimitRange"): "io.k8s.api.core.v1.LimitRange",
    ("v1", "ResourceQuota"): "io.k8s.api.core.v1.ResourceQuota",
    ("v1", "Event"): "io.k8s.api.core.v1.Event",
    ("coordination.k8s.io/v1", "Lease"): "io.k8s.api.coordination.v1.Lease",
    ("v1", "ServiceAccount"): "io.k8s.api.core.v1.ServiceAccount",
    ("v1", "Endpoints"): "io.k8s.api.core.v1.Endpoints",
    ("discovery.k8s.io/v1", "EndpointSlice"): "io.k8s.api.discovery.v1.EndpointSlice",
    ("v1", "ConfigMap"): "io.k8s.api.core.v1.ConfigMap",
    ("v1", "Secret"): "io.k8s.api.core.v1.Secret",
    ("policy/v1", "Eviction"): "io.k8s.api.policy.v1.Eviction",
    ("v1", "Binding"): "io.k8s.api.core.v1.Binding",
}

# apimachinery types that unmarshal themselves (their Go names, as errors print them).
CUSTOM = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "resource.Quantity",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "intstr.IntOrString",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "v1.Time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "v1.MicroTime",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "v1.FieldsV1",
    "io.k8s.apimachinery.pkg.runtime.RawExtension": "runtime.RawExtension",
}
_PREFIXES = ("io.k8s.api.", "io.k8s.apimachinery.pkg.apis.")

# OpenAPI does not say which fields are pointers. It matters for times: a zero metav1.Time
# (a value field) is written back as null, a nil *metav1.Time is left out. These are the
# pointer ones among the kinds above (k8s.io/api v0.31 core/v1, autoscaling/v2, coordination/v1
# types.go; apimachinery meta/v1 types.go); every other time field is a value.
POINTER_TIMES = {
    ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "deletionTimestamp"),
    ("io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry", "time"),
    ("io.k8s.api.core.v1.PodStatus", "startTime"),
    ("io.k8s.api.core.v1.Taint", "timeAdded"),
    ("io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus", "lastScaleTime"),
    ("io.k8s.api.coordination.v1.LeaseSpec", "acquireTime"),
    ("io.k8s.api.coordination.v1.LeaseSpec", "renewTime"),
}
# Every resource map of these kinds is core/v1's `type ResourceList map[ResourceName]resource.Quantity`
# (core/v1 types.go), and errors name it so.
RESOURCE_LIST = "v1.ResourceList"


def struct_id(definition: str) -> str:
    """``io.k8s.api.core.v1.PodSpec`` -> ``core.v1.PodSpec``."""
    for prefix in _PREFIXES:
        if definition.startswith(prefix):
            return definition[len(prefix):]
    raise ValueError(f"no struct id for {definition}")


def _types(schema: dict) -> set[str]:
    kinds = schema.get("type", ())
    return {kinds} if isinstance(kinds, str) else set(kinds)


def go_type(schema: dict, pending: list[str]) -> str:
    """The Go type of one property; structs it names are queued on ``pending``."""
    ref = schema.get("$ref")
    if ref is not None:
        definition = ref.rpartition("/")[2]
        if definition in CUSTOM:
            return CUSTOM[definition]
        pending.append(definition)
        return struct_id(definition)
    kinds = _types(schema) - {"null"}
    if kinds == {"array"}:
        return "[]" + go_type(schema["items"], pending)
    if kinds == {"object"} and isinstance(schema.get("additionalProperties"), dict):
        value = go_type(schema["additionalProperties"], pending)
        return RESOURCE_LIST if value == "resource.Quantity" else "map[string]" + value
    if kinds == {"string"}:
        return "[]uint8" if schema.get("format") == "byte" else "string"
    if kinds == {"boolean"}:
        return "bool"
    if kinds == {"integer"}:
        return schema.get("format", "int64")
    if kinds == {"number"}:
        return "float64"
    raise ValueError(f"no Go type for schema {schema}")


def generate(definitions: dict[str, Any]) -> dict[str, Any]:
    """The compact schema: kinds -> struct id, struct id -> {field: Go type}."""
    structs: dict[str, dict[str, str]] = {}
    pending = list(KINDS.values())
    while pending:
        definition = pending.pop()
        sid = struct_id(definition)
        if sid in structs:
            continue
        properties = definitions[definition].get("properties")
        if properties is None:
            raise ValueError(f"{definition} is neither a struct nor a known custom type")
        structs[sid] = {name: ("*" if (definition, name) in POINTER_TIMES else "") + go_type(prop, pending)
                        for name, prop in sorted(properties.items())}
    return {
        "source": f"{WHEEL}: {DEFINITIONS}",
        "kinds": {f"{api_version} {kind}": struct_id(d) for (api_version, kind), d in sorted(KINDS.items())},
        "structs": dict(sorted(structs.items())),
    }


def read_definitions(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read(DEFINITIONS))["$defs"]


def download_wheel(folder: str) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", folder, WHEEL], check=True)
    return next(Path(folder).glob("kubernetes_validate-*.whl"))


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        wheel = Path(argv[0]) if argv else download_wheel(folder)
        schema = generate(read_definitions(wheel))
    # One struct per line: small, and diffs show which struct changed.
    lines = [f"  {json.dumps(sid)}: {json.dumps(fields, separators=(',', ':'))}"
             for sid, fields in schema["structs"].items()]
    text = ("{\n"
            f'"source": {json.dumps(schema["source"])},\n'
            f'"kinds": {json.dumps(schema["kinds"], indent=1)},\n'
            '"structs": {\n' + ",\n".join(lines) + "\n}\n}\n")
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT} ({len(schema['structs'])} structs)")


if __name__ == "__main__":
    main(sys.argv[1:])
