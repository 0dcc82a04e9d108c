"""ResourceQuota: refuse a create that would take a namespace past its quota.

``k8s.io/apiserver/pkg/admission/plugin/resourcequota`` runs last, in the
validating phase, so it counts what the object will really hold (after
LimitRanger's defaults). Each create that passes is recorded in the quota's
``status.used``, as the real plugin does before the object is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.api import objects
from k8scourse.api.errors import forbidden_request
from k8scourse.api.quantity import Quantity, parse_quantity

from .plugin import AdmissionPlugin, Kind, group_resource

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer

COMPUTE = ("cpu", "memory")
#: Object-count quotas the course uses, by resource (pkg/quota/v1/evaluator/core/registry.go).
COUNTED = {"services": "services", "replicationcontrollers": "replicationcontrollers",
           "resourcequotas": "resourcequotas", "deployments": "count/deployments.apps",
           "replicasets": "count/replicasets.apps"}


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


def _object_usage(info: Kind, obj: dict) -> dict[str, Quantity]:
    if info.RESOURCE == "pods":
        return pod_usage(obj)
    if info.RESOURCE in COUNTED:
        return {COUNTED[info.RESOURCE]: parse_quantity("1")}
    return {}


def _is_terminal(pod: dict) -> bool:
    return pod.get("status", {}).get("phase") in ("Succeeded", "Failed")


class ResourceQuota(AdmissionPlugin):
    """Refuse a create that would take a namespace past its quota; record the new usage."""

    def validate(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
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
