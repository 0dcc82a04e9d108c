"""NamespaceLifecycle and NamespaceExists: objects live only in namespaces that exist.

* NamespaceLifecycle (``k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle``,
  a mutating-phase plugin): a write into a missing namespace is NotFound, a
  create in a Terminating one is Forbidden, and ``default``, ``kube-system``
  and ``kube-public`` can never be deleted.
* NamespaceExists (``plugin/pkg/admission/namespace/exists``, validating): the
  older plugin the seed's flags still name; any request in a namespace that
  doesn't exist is NotFound.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.api.errors import forbidden_request

from .plugin import AdmissionPlugin, Kind, group_resource

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer

#: Namespaces that can never be deleted (lifecycle/admission.go Register: immortalNamespaces).
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")


class NamespaceLifecycle(AdmissionPlugin):
    """Refuse new objects in missing or terminating namespaces; keep system namespaces alive."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        name = obj["metadata"].get("name", "")
        if info.RESOURCE == "namespaces":
            if operation == "DELETE" and name in IMMORTAL_NAMESPACES:
                raise forbidden_request("namespaces", name, "this namespace may not be deleted")
            return
        if not info.NAMESPACED or operation == "DELETE":
            return
        namespace = api.get("namespaces", obj["metadata"]["namespace"])  # NotFound: namespaces "x" not found
        if operation == "CREATE" and namespace.get("status", {}).get("phase") == "Terminating":
            raise forbidden_request(
                group_resource(info), name,
                f"unable to create new content in namespace {namespace['metadata']['name']} "
                "because it is being terminated")


class NamespaceExists(AdmissionPlugin):
    """The older plugin: any request in a namespace that doesn't exist is NotFound."""

    def validate(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        if info.NAMESPACED:
            api.get("namespaces", obj["metadata"]["namespace"])  # raises namespaces "x" not found
