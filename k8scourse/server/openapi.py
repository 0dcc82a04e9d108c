"""OpenAPI documents: the schemas of the served kinds, for ``kubectl explain`` and validation.

``/openapi/v3`` lists one document per group-version (``/openapi/v3/apis/apps/v1``);
each has the REST paths of its resources and the schemas of every Go struct
they use, named as upstream names them (``io.k8s.api.apps.v1.Deployment``). kubectl
reads them for two things: ``kubectl explain``, and to learn that PATCH takes
``fieldValidation`` (``k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go``),
after which it leaves validation to the server. ``/openapi/v2`` is the older single
document (``definitions`` instead of ``components``), served as JSON.

The schemas come from ``k8scourse/api/schema_v1_31.json``: the fields and types of
v1.31's Go structs. It holds no field descriptions, so ``kubectl explain`` shows
the fields and their types with empty descriptions.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from k8scourse.version import KUBERNETES_VERSION

from . import discovery
from .handlers import Response

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "api" / "schema_v1_31.json"
_SCALARS = {"string": {"type": "string"}, "bool": {"type": "boolean"},
            "int32": {"type": "integer", "format": "int32"}, "int64": {"type": "integer", "format": "int64"},
            "v1.Time": {"type": "string", "format": "date-time"},
            "v1.MicroTime": {"type": "string", "format": "date-time"},
            "v1.FieldsV1": {"type": "object"}}
#: Types with schemas of their own that are no single primitive (so kubectl explain names them:
#: ``<map[string]Quantity>``, ``<IntOrString>``), as in upstream's OpenAPI v3 documents.
_NAMED = {"resource.Quantity": ("io.k8s.apimachinery.pkg.api.resource.Quantity",
                                {"oneOf": [{"type": "string"}, {"type": "number"}]}),
          "intstr.IntOrString": ("io.k8s.apimachinery.pkg.util.intstr.IntOrString",
                                 {"x-kubernetes-int-or-string": True,
                                  "anyOf": [{"type": "integer"}, {"type": "string"}]})}
#: The query parameters of PATCH (apiserver/pkg/endpoints/installer.go), which kubectl looks for.
PATCH_PARAMETERS = ("dryRun", "fieldManager", "fieldValidation", "force")
PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2"


def _definition_name(struct: str) -> str:
    """``apps.v1.Deployment`` -> ``io.k8s.api.apps.v1.Deployment``; meta -> apimachinery."""
    return f"io.k8s.apimachinery.pkg.apis.{struct}" if struct.startswith("meta.") else f"io.k8s.api.{struct}"


def _type(go_type: str, ref: str) -> dict[str, Any]:
    """A Go type of the schema file as an OpenAPI schema (``ref`` is ``#/components/schemas/`` or ``#/definitions/``)."""
    go_type = go_type.lstrip("*")
    if go_type.startswith("[]"):
        if go_type == "[]uint8":
            return {"type": "string", "format": "byte"}
        return {"type": "array", "items": _type(go_type[2:], ref)}
    if go_type.startswith("map[string]"):
        return {"type": "object", "additionalProperties": _type(go_type[len("map[string]"):], ref)}
    if go_type in _SCALARS:
        return dict(_SCALARS[go_type])
    if go_type in _NAMED:
        return {"$ref": ref + _NAMED[go_type][0]}
    if go_type == "v1.ResourceList":
        return {"type": "object", "additionalProperties": _type("resource.Quantity", ref)}
    return {"allOf": [{"$ref": ref + _definition_name(go_type)}], "default": {}}


@lru_cache(maxsize=1)
def _schema_file() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())


def schemas(ref: str) -> dict[str, Any]:
    """Every struct of the schema file as an OpenAPI object schema, the served kinds tagged with their GVK."""
    data = _schema_file()
    kinds = {struct: gvk for gvk, struct in data["kinds"].items()}
    out = {}
    for struct, fields in sorted(data["structs"].items()):
        schema: dict[str, Any] = {"type": "object", "description": "",
                                  "properties": {name: _type(t, ref) for name, t in fields.items()}}
        if struct in kinds:
            api_version, kind = kinds[struct].split()
            group, _, version = api_version.rpartition("/")
            schema["x-kubernetes-group-version-kind"] = [{"group": group, "kind": kind, "version": version}]
        out[_definition_name(struct)] = schema
    for name, schema in _NAMED.values():
        out[name] = dict(schema)
    return out


def _operation(gv: discovery.GroupVersion, kind: Any, action: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{method}{kind.KIND}", "tags": [gv.name],
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": gv.group, "kind": kind.KIND, "version": gv.version},
        "responses": {"200": {"description": "OK"}},
    }
    if method == "patch":
        operation["parameters"] = [{"name": p, "in": "query", "schema": {"type": "string"}} for p in PATCH_PARAMETERS]
    return operation


def _paths(gv: discovery.GroupVersion) -> dict[str, Any]:
    paths = {}
    for kind in gv.kinds:
        base = f"{gv.path}/namespaces/{{namespace}}/{kind.RESOURCE}" if kind.NAMESPACED else f"{gv.path}/{kind.RESOURCE}"
        paths[base] = {"get": _operation(gv, kind, "list", "list"), "post": _operation(gv, kind, "post", "create")}
        paths[base + "/{name}"] = {m: _operation(gv, kind, action, m) for m, action in
                                   (("get", "get"), ("put", "put"), ("patch", "patch"), ("delete", "delete"))}
    return paths


def _v3_document(gv: discovery.GroupVersion) -> dict[str, Any]:
    ref = "#/components/schemas/"
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
            "paths": _paths(gv), "components": {"schemas": schemas(ref)}}


@lru_cache(maxsize=None)
def _v3_bytes(gv_path: str) -> bytes:
    return orjson.dumps(_v3_document(discovery.BY_PATH[gv_path]))


@lru_cache(maxsize=1)
def _v2_bytes() -> bytes:
    ref = "#/definitions/"
    paths: dict[str, Any] = {}
    for gv in discovery.GROUP_VERSIONS:
        paths.update(_paths(gv))
    return orjson.dumps({"swagger": "2.0", "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
                         "paths": paths, "definitions": schemas(ref)})


def _v3_index() -> dict[str, Any]:
    """``/openapi/v3``: where each group-version's document is, with a hash so clients can cache it."""
    paths = {}
    for gv in discovery.GROUP_VERSIONS:
        digest = hashlib.sha512(_v3_bytes(gv.path)).hexdigest()[:128].upper()
        paths[gv.path.lstrip("/")] = {"serverRelativeURL": f"/openapi/v3{gv.path}?hash={digest}"}
    return {"paths": paths}


def document(path: str, accept: str = "application/json") -> Response | None:
    """The OpenAPI document at ``path``, or None when there is none."""
    if path == "/openapi/v3":
        return Response(200, _v3_index())
    if path.startswith("/openapi/v3/") and path[len("/openapi/v3"):] in discovery.BY_PATH:
        return Response(200, _v3_bytes(path[len("/openapi/v3"):]))
    if path == "/openapi/v2":
        if PROTOBUF_V2 in accept and "json" not in accept:
            return Response(406, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                  "message": "only application/json is served", "reason": "NotAcceptable",
                                  "code": 406})
        return Response(200, _v2_bytes())
    return None
