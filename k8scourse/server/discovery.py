"""Discovery: how a client learns which resources the server has.

kubectl starts every command by asking ``/api`` and ``/apis``. Since v1.30 it
asks for the *aggregated* form (``apidiscovery.k8s.io/v2``: every group,
version and resource in one answer, ``staging/src/k8s.io/api/apidiscovery/v2/types.go``)
and falls back to the older per-group-version documents (``/api/v1``,
``/apis/apps/v1``: ``APIResourceList``) for clients that don't. Both are built
here from the kinds the course serves (``k8scourse.api.objects.KINDS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from k8scourse.api.hpa import HorizontalPodAutoscaler
from k8scourse.api.meta import KubeObject
from k8scourse.api.objects import KINDS
from k8scourse.version import KUBERNETES_VERSION

from . import conversion

#: The verbs of a generic registry store (apiserver/pkg/endpoints/installer.go).
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
#: The resources ``kubectl get all`` shows: their RESTStorage's Categories() (pkg/registry/*/storage).
ALL_CATEGORY = {"pods", "services", "replicationcontrollers", "replicasets", "deployments",
                "horizontalpodautoscalers"}
#: The subresources served, with their verbs and the kind they answer with.
SUBRESOURCES: dict[str, list[tuple[str, list[str], str, str]]] = {
    # resource: [(subresource, verbs, group/version of the answer, kind of the answer)]
    "pods": [("binding", ["create"], "v1", "Binding"), ("eviction", ["create"], "policy/v1", "Eviction"),
             ("log", ["get"], "v1", "Pod"), ("status", ["get", "patch", "update"], "", "")],
    "nodes": [("status", ["get", "patch", "update"], "", "")],
    "namespaces": [("status", ["get", "patch", "update"], "", "")],
    "services": [("status", ["get", "patch", "update"], "", "")],
    "resourcequotas": [("status", ["get", "patch", "update"], "", "")],
    "horizontalpodautoscalers": [("status", ["get", "patch", "update"], "", "")],
    "replicationcontrollers": [("scale", ["get", "patch", "update"], "autoscaling/v1", "Scale"),
                               ("status", ["get", "patch", "update"], "", "")],
    "replicasets": [("scale", ["get", "patch", "update"], "autoscaling/v1", "Scale"),
                    ("status", ["get", "patch", "update"], "", "")],
    "deployments": [("scale", ["get", "patch", "update"], "autoscaling/v1", "Scale"),
                    ("status", ["get", "patch", "update"], "", "")],
}
#: The media type of aggregated discovery, which kubectl puts first in its Accept header.
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


@dataclass(frozen=True)
class GroupVersion:
    group: str  # "" for the core group
    version: str
    kinds: tuple[type[KubeObject], ...]

    @property
    def converted(self) -> bool:
        """Whether this version is served by conversion from the stored one (``conversion.py``)."""
        return any(kind.VERSION != self.version for kind in self.kinds)

    @property
    def name(self) -> str:
        """``v1``, ``apps/v1``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def path(self) -> str:
        """``/api/v1``, ``/apis/apps/v1``."""
        return f"/apis/{self.name}" if self.group else f"/api/{self.name}"


def _group_versions() -> tuple[GroupVersion, ...]:
    """The stored versions, then autoscaling/v1 (after v2, so v2 stays the preferred version)."""
    order: dict[tuple[str, str], list[type[KubeObject]]] = {}
    for kind in KINDS:
        order.setdefault((kind.GROUP, kind.VERSION), []).append(kind)
    stored = [GroupVersion(g, v, tuple(sorted(ks, key=lambda k: k.RESOURCE))) for (g, v), ks in order.items()]
    return (*stored, GroupVersion("autoscaling", conversion.VERSION, (HorizontalPodAutoscaler,)))


GROUP_VERSIONS = _group_versions()
BY_PATH = {gv.path: gv for gv in GROUP_VERSIONS}


def _groups() -> dict[str, list[GroupVersion]]:
    """Each API group's versions, the preferred one first."""
    groups: dict[str, list[GroupVersion]] = {}
    for gv in GROUP_VERSIONS:
        groups.setdefault(gv.group, []).append(gv)
    return groups


def version_info() -> dict[str, Any]:
    """``/version``: version.Info of the modelled release."""
    major, minor, _ = KUBERNETES_VERSION.lstrip("v").split(".")
    return {"major": major, "minor": minor, "gitVersion": KUBERNETES_VERSION, "gitCommit": "k8scourse",
            "gitTreeState": "clean", "buildDate": "2024-08-13T07:28:49Z", "goVersion": "go1.22.5",
            "compiler": "gc", "platform": "linux/amd64"}


def api_versions() -> dict[str, Any]:
    """``/api``: the core group's versions (APIVersions)."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}


def api_groups() -> dict[str, Any]:
    """``/apis``: the named groups (APIGroupList)."""
    groups = []
    for group, versions in _groups().items():
        if group:
            listed = [{"groupVersion": gv.name, "version": gv.version} for gv in versions]
            groups.append({"name": group, "versions": listed, "preferredVersion": listed[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _resource_entries(kind: type[KubeObject]) -> list[dict[str, Any]]:
    """A kind's APIResource entries: the resource, then ``resource/subresource`` ones."""
    entry: dict[str, Any] = {"name": kind.RESOURCE, "singularName": kind.KIND.lower(),
                             "namespaced": kind.NAMESPACED, "kind": kind.KIND, "verbs": VERBS}
    if kind.SHORT_NAMES:
        entry["shortNames"] = list(kind.SHORT_NAMES)
    if kind.RESOURCE in ALL_CATEGORY:
        entry["categories"] = ["all"]
    entries = [entry]
    for sub, verbs, api_version, sub_kind in SUBRESOURCES.get(kind.RESOURCE, ()):
        sub_entry: dict[str, Any] = {"name": f"{kind.RESOURCE}/{sub}", "singularName": "",
                                     "namespaced": kind.NAMESPACED, "kind": sub_kind or kind.KIND, "verbs": verbs}
        if api_version:
            group, _, version = api_version.rpartition("/")
            sub_entry.update(group=group, version=version)
        entries.append(sub_entry)
    return entries


def resource_list(gv: GroupVersion) -> dict[str, Any]:
    """``/api/v1``, ``/apis/apps/v1``: an APIResourceList."""
    resources = [entry for kind in gv.kinds for entry in _resource_entries(kind)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv.name, "resources": resources}


def _aggregated_resource(gv: GroupVersion, kind: type[KubeObject]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": kind.RESOURCE,
        "responseKind": {"group": kind.GROUP, "version": gv.version, "kind": kind.KIND},
        "scope": "Namespaced" if kind.NAMESPACED else "Cluster",
        "singularResource": kind.KIND.lower(), "verbs": VERBS}
    if kind.SHORT_NAMES:
        entry["shortNames"] = list(kind.SHORT_NAMES)
    if kind.RESOURCE in ALL_CATEGORY:
        entry["categories"] = ["all"]
    subresources = []
    for sub, verbs, api_version, sub_kind in SUBRESOURCES.get(kind.RESOURCE, ()):
        group, _, version = (api_version or gv.name).rpartition("/")
        subresources.append({"subresource": sub, "verbs": verbs,
                             "responseKind": {"group": group, "version": version, "kind": sub_kind or kind.KIND}})
    if subresources:
        entry["subresources"] = subresources
    return entry


def aggregated(core: bool) -> dict[str, Any]:
    """``/api`` (``core``) or ``/apis`` as an APIGroupDiscoveryList (apidiscovery.k8s.io/v2)."""
    items = []
    for group, versions in _groups().items():
        if (group == "") == core:
            items.append({"metadata": {"name": group, "creationTimestamp": None},
                          "versions": [{"version": gv.version, "freshness": "Current",
                                        "resources": [_aggregated_resource(gv, k) for k in gv.kinds]}
                                       for gv in versions]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}


def wants_aggregated(accept: str) -> bool:
    """Whether the Accept header asks for apidiscovery.k8s.io/v2 (what kubectl 1.32 sends first)."""
    return any("as=APIGroupDiscoveryList" in part and "v=v2" in part.replace("v=v2beta1", "")
               for part in accept.split(","))
