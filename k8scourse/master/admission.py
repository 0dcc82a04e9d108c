"""Admission plugins: the apiserver's last say before an object is stored.

The seed's apiserver config enables four, in this order::

    --admission-control=NamespaceLifecycle,NamespaceExists,LimitRanger,ResourceQuota

(today's flag is ``--enable-admission-plugins``). Each plugin here does what
the real one (``plugin/pkg/admission/...``) does for the objects the course
uses, and refuses with the real one's words. Mutating plugins (LimitRanger's
defaults) run before validating ones (ResourceQuota), as in the apiserver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from k8scourse.api import objects
from k8scourse.api.errors import FieldValidationError, forbidden_request, invalid
from k8scourse.api.quantity import Quantity, parse_quantity

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer

Kind = type[objects.KubeObject]


def group_resource(kind: Kind) -> str:
    """How errors name a resource: ``pods``, ``deployments.apps``."""
    return f"{kind.RESOURCE}.{kind.GROUP}" if kind.GROUP else kind.RESOURCE

#: Namespaces that can never be deleted (lifecycle/admission.go: immortalNamespaces).
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")
COMPUTE = ("cpu", "memory")


class NamespaceLifecycle:
    """Refuse new objects in missing or terminating namespaces; keep system namespaces alive."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        name = obj["metadata"]["name"]
        if info.RESOURCE == "namespaces":
            if operation == "DELETE" and name in IMMORTAL_NAMESPACES:
                raise forbidden_request("namespaces", name, "this namespace may not be deleted")
            return
        if not info.NAMESPACED or operation != "CREATE":
            return
        namespace = api.get("namespaces", obj["metadata"]["namespace"])
        if namespace.get("status", {}).get("phase") == "Terminating":
            raise forbidden_request(
                group_resource(info), name,
                f"unable to create new content in namespace {namespace['metadata']['name']} "
                "because it is being terminated")


class NamespaceExists:
    """The older plugin: any request in a namespace that doesn't exist is NotFound."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        if info.NAMESPACED:
            api.get("namespaces", obj["metadata"]["namespace"])  # raises namespaces "x" not found


def _container_resources(container: dict) -> tuple[dict, dict]:
    resources = container.setdefault("resources", {})
    return resources.setdefault("requests", {}), resources.setdefault("limits", {})


class LimitRanger:
    """Apply a namespace's LimitRange defaults to containers, then enforce its min/max."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        if info.RESOURCE != "pods" or operation not in ("CREATE", "UPDATE"):
            return
        ranges = api.list("limitranges", obj["metadata"]["namespace"])
        if not ranges:
            return
        problems: list[str] = []
        for limit_range in ranges:
            for item in limit_range["spec"].get("limits", []):
                if item.get("type") == "Container":
                    if operation == "CREATE":
                        self._apply_defaults(obj, item)
                    problems += self._container_problems(obj, item)
        if problems:
            detail = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
            raise forbidden_request("pods", obj["metadata"]["name"], detail)

    @staticmethod
    def _apply_defaults(pod: dict, item: dict) -> None:
        """Fill missing requests/limits and say so in the annotation, as upstream does."""
        notes = []
        for container in pod["spec"]["containers"]:
            requests, limits = _container_resources(container)
            for resource, value in item.get("defaultRequest", {}).items():
                if resource not in requests:
                    requests[resource] = value
                    notes.append(f"{resource} request for container {container['name']}")
            for resource, value in item.get("default", {}).items():
                if resource not in limits:
                    limits[resource] = value
                    notes.append(f"{resource} limit for container {container['name']}")
        if notes:
            annotations = pod["metadata"].setdefault("annotations", {})
            annotations["kubernetes.io/limit-ranger"] = "LimitRanger plugin set: " + "; ".join(notes)

    @staticmethod
    def _container_problems(pod: dict, item: dict) -> list[str]:
        # Messages from limitranger/admission.go minConstraint/maxConstraint/limitRequestRatioConstraint.
        problems = []
        for container in pod["spec"]["containers"]:
            requests, limits = _container_resources(container)
            for resource, bound in item.get("min", {}).items():
                if resource in requests and parse_quantity(requests[resource]) < parse_quantity(bound):
                    problems.append(f"minimum {resource} usage per Container is {bound}, "
                                    f"but request is {requests[resource]}")
            for resource, bound in item.get("max", {}).items():
                if resource not in limits:
                    problems.append(f"maximum {resource} usage per Container is {bound}.  No limit is specified")
                elif parse_quantity(limits[resource]) > parse_quantity(bound):
                    problems.append(f"maximum {resource} usage per Container is {bound}, "
                                    f"but limit is {limits[resource]}")
            for resource, ratio in item.get("maxLimitRequestRatio", {}).items():
                if resource in requests and resource in limits:
                    actual = parse_quantity(limits[resource]).exact / parse_quantity(requests[resource]).exact
                    if actual > parse_quantity(ratio).exact:
                        problems.append(f"{resource} max limit to request ratio per Container is {ratio}, "
                                        f"but provided ratio is {float(actual):f}")
        return problems


def pod_usage(pod: dict) -> dict[str, Quantity]:
    """What one pod counts against a quota (pkg/quota/v1/evaluator/core/pods.go)."""
    usage: dict[str, Quantity] = {"pods": parse_quantity("1"), "count/pods": parse_quantity("1")}
    for container in pod["spec"]["containers"]:
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            for resource in COMPUTE:
                if resource in resources.get(kind, {}):
                    name = f"{kind}.{resource}"
                    usage[name] = usage.get(name, parse_quantity("0")) + parse_quantity(resources[kind][resource])
    for resource in COMPUTE:  # "cpu" and "memory" in a quota mean requests
        if f"requests.{resource}" in usage:
            usage[resource] = usage[f"requests.{resource}"]
    return usage


#: Object-count quotas the course uses, by resource (pkg/quota/v1/evaluator/core/registry.go).
COUNTED = {"services": "services", "replicationcontrollers": "replicationcontrollers",
           "resourcequotas": "resourcequotas", "deployments": "count/deployments.apps",
           "replicasets": "count/replicasets.apps"}


def _object_usage(info: Kind, obj: dict) -> dict[str, Quantity]:
    if info.RESOURCE == "pods":
        return pod_usage(obj)
    if info.RESOURCE in COUNTED:
        return {COUNTED[info.RESOURCE]: parse_quantity("1")}
    return {}


def _is_terminal(pod: dict) -> bool:
    return pod.get("status", {}).get("phase") in ("Succeeded", "Failed")


class ResourceQuota:
    """Refuse a create that would take a namespace past its quota; record the new usage."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        if operation != "CREATE" or not info.NAMESPACED:
            return
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        quotas = api.list("resourcequotas", namespace)
        requested = _object_usage(info, obj) if quotas else {}
        for quota in quotas:
            hard = {k: parse_quantity(v) for k, v in quota["spec"].get("hard", {}).items()}
            if info.RESOURCE == "pods":
                missing = [r for r in hard if r.startswith(("requests.", "limits.")) or r in COMPUTE
                           if r not in requested]
                if missing:
                    containers = ",".join(c["name"] for c in obj["spec"]["containers"])
                    detail = "; ".join(f"{r} for: {containers}" for r in sorted(missing))
                    raise forbidden_request("pods", name, f"failed quota: {quota['metadata']['name']}: "
                                                          f"must specify {detail}")
            used = self._live_usage(api, namespace, hard)
            exceeded = sorted(r for r in hard if r in requested
                              and used.get(r, parse_quantity("0")) + requested[r] > hard[r])
            if exceeded:
                def show(values: dict[str, Quantity]) -> str:
                    return ",".join(f"{r}={values.get(r, parse_quantity('0'))}" for r in exceeded)
                raise forbidden_request(
                    group_resource(info), name,
                    f"exceeded quota: {quota['metadata']['name']}, requested: {show(requested)}, "
                    f"used: {show(used)}, limited: {show(hard)}")
            # Like the real plugin, write the new usage to the quota's status.
            new_used = {r: str(used.get(r, parse_quantity("0")) + requested.get(r, parse_quantity("0")))
                        for r in hard}
            quota["status"] = {"hard": {r: str(q) for r, q in hard.items()}, "used": new_used}
            api.update_status(quota)

    @staticmethod
    def _live_usage(api: APIServer, namespace: str, hard: dict[str, Quantity]) -> dict[str, Quantity]:
        """Usage recounted from stored objects (the quota controller's job upstream)."""
        used: dict[str, Quantity] = {}
        for resource in ["pods", *COUNTED]:
            info = objects.kind_for_resource(resource)
            for item in api.list(resource, namespace):
                if resource == "pods" and _is_terminal(item):
                    continue
                for name, amount in _object_usage(info, item).items():
                    if name in hard:
                        used[name] = used.get(name, parse_quantity("0")) + amount
        return used


PLUGINS = {cls.__name__: cls for cls in (NamespaceLifecycle, NamespaceExists, LimitRanger, ResourceQuota)}


class AdmissionChain:
    """The enabled plugins, mutating ones first, each called on every write."""

    #: The seed's --admission-control list.
    SEED_PLUGINS = ("NamespaceLifecycle", "NamespaceExists", "LimitRanger", "ResourceQuota")
    _ORDER = ("NamespaceLifecycle", "NamespaceExists", "LimitRanger", "ResourceQuota")

    def __init__(self, api: APIServer, names: Iterable[str]) -> None:
        names = list(names)
        unknown = [n for n in names if n not in PLUGINS]
        if unknown:
            raise FieldValidationError([invalid("--enable-admission-plugins", unknown[0],
                                                f'plugin "{unknown[0]}" is unknown; known plugins: '
                                                + ", ".join(self._ORDER))])
        self.api = api
        self.enabled = [PLUGINS[n]() for n in self._ORDER if n in names]

    def admit(self, operation: str, info: Kind, obj: dict, old: dict | None = None) -> None:
        for plugin in self.enabled:
            plugin.admit(self.api, operation, info, obj, old)


