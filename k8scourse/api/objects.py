"""The kinds the course's cluster serves, and loading them from manifests.

``load`` does what ``kubectl create -f`` plus the apiserver do with one
manifest: find the kind from ``apiVersion`` and ``kind``, decode strictly,
apply defaults and validate. ``load_all`` does it for a multi-document YAML
file. ``kind_for_resource`` resolves the names kubectl accepts (``pods``,
``pod``, ``po``, ``deployments.apps``) as discovery does.
"""

from __future__ import annotations

from typing import Any, Mapping

from .decoding import parse_yaml_documents
from .deployment import Deployment
from .endpoints import EndpointSlice, Endpoints
from .errors import K8sValueError
from .event import Event
from .hpa import HorizontalPodAutoscaler
from .lease import Lease
from .meta import KubeObject, ManifestError, manifest_data, missing_error
from .namespace import Namespace
from .node import Node
from .pod import Pod
from .policy import LimitRange, ResourceQuota
from .replication import ReplicaSet, ReplicationController
from .service import Service
from .serviceaccount import ServiceAccount

KINDS: tuple[type[KubeObject], ...] = (
    Pod, Node, Namespace, ReplicationController, ReplicaSet, Deployment,
    HorizontalPodAutoscaler, Service, LimitRange, ResourceQuota, Event, Lease, ServiceAccount,
    Endpoints, EndpointSlice,
)
_BY_TYPE = {(k.API_VERSION, k.KIND): k for k in KINDS}
_BY_RESOURCE: dict[str, type[KubeObject]] = {}
for _kind in KINDS:
    for _name in (_kind.RESOURCE, _kind.KIND.lower(), *_kind.SHORT_NAMES):
        _BY_RESOURCE[_name] = _kind
        if _kind.GROUP:  # "deployments.apps", as kubectl also accepts
            _BY_RESOURCE[f"{_name}.{_kind.GROUP}"] = _kind


class NoKindMatchError(K8sValueError):
    """meta.NoKindMatchError: the apiVersion does not serve that kind."""

    def __init__(self, kind: str, api_version: str) -> None:
        self.kind, self.api_version = kind, api_version
        super().__init__(f'no matches for kind "{kind}" in version "{api_version}"')


class UnknownResourceError(K8sValueError):
    """kubectl's answer to a resource name discovery does not know."""

    def __init__(self, name: str) -> None:
        super().__init__(f'the server doesn\'t have a resource type "{name}"')


def kind_for(api_version: str, kind: str) -> type[KubeObject]:
    """The class serving ``kind`` at ``api_version``, e.g. ("apps/v1", "Deployment")."""
    cls = _BY_TYPE.get((api_version, kind))
    if cls is None:
        raise NoKindMatchError(kind, api_version)
    return cls


def kind_for_resource(name: str) -> type[KubeObject]:
    """``pods``, ``pod``, ``po`` or ``Pod`` -> Pod, as ``kubectl get <name>`` resolves it."""
    cls = _BY_RESOURCE.get(name.lower())
    if cls is None:
        raise UnknownResourceError(name)
    return cls


def load(manifest: Mapping[str, Any] | str, namespace: str = "default") -> KubeObject:
    """One manifest (dict or YAML text) -> the defaulted, validated object of its kind.

    ``namespace`` applies when a namespaced manifest names none (kubectl's ``-n``).
    """
    obj = decoded(manifest, namespace)
    obj.validate()
    return obj


def decoded(manifest: Mapping[str, Any] | str, namespace: str = "default",
            unchanged: Mapping[str, Any] | None = None) -> KubeObject:
    """One manifest decoded and defaulted but not yet validated: what the apiserver's
    handler holds when mutating admission runs (``validate()`` comes after it).
    ``unchanged``: the stored object an update replaces (see ``decoding.decode``)."""
    data = manifest_data(manifest, unchanged)
    kind, api_version = data.get("kind"), data.get("apiVersion")
    if not kind:
        raise missing_error("Kind", data)
    if not api_version:
        raise missing_error("apiVersion", data)
    return kind_for(str(api_version), str(kind))._decoded(data, namespace, unchanged)


def documents(text: str) -> list[Any]:
    """The manifests of a YAML stream as written (no defaults); a ``kind: List`` gives its ``items``."""
    found: list[Any] = []
    for document in parse_yaml_documents(text):
        if isinstance(document, Mapping) and document.get("kind") == "List" and document.get("apiVersion") == "v1":
            items = document.get("items") or []
            if not isinstance(items, list):
                raise ManifestError("a List's items must be a list of objects")
            found += items
        else:
            found.append(document)
    return found


def load_all(text: str, namespace: str = "default") -> list[KubeObject]:
    """Every object of a YAML stream, loaded as ``load`` loads one."""
    return [load(document, namespace) for document in documents(text)]


__all__ = [
    "KINDS", "KubeObject", "decoded", "documents", "NoKindMatchError", "UnknownResourceError", "kind_for",
    "kind_for_resource", "load", "load_all", "Pod", "Node", "Namespace", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "Service", "LimitRange", "ResourceQuota", "Event", "Lease", "ServiceAccount",
    "Endpoints", "EndpointSlice",
]
