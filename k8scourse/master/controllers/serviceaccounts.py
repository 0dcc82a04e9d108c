"""The serviceaccounts controller: every namespace has a ``default`` ServiceAccount.

Part of kube-controller-manager (``pkg/controller/serviceaccount/serviceaccounts_controller.go``):

1. watch Namespaces and ServiceAccounts;
2. for each Active namespace (a new one, or one whose ``default``
   ServiceAccount was deleted), create the ``default`` ServiceAccount if it
   is missing; a Terminating namespace is left alone.

Until it has done so, the ServiceAccount admission plugin refuses pods in
that namespace (``error looking up service account ns/default``).
"""

from __future__ import annotations

from k8scourse.api.errors import StatusError
from k8scourse.api.serviceaccount import DEFAULT_SERVICE_ACCOUNT
from k8scourse.clock import VirtualClock
from k8scourse.master.apiserver import APIServer


class ServiceAccountsController:
    """Create the ``default`` ServiceAccount in every namespace, and again if it is deleted."""

    def __init__(self, api: APIServer, clock: VirtualClock) -> None:
        self.api, self.clock = api, clock

    def start(self) -> None:
        self.api.list_and_watch("namespaces", self._on_namespace)
        self.api.list_and_watch("serviceaccounts", self._on_service_account)

    def _on_namespace(self, event_type: str, namespace: dict) -> None:
        if event_type != "DELETED":
            self._sync(namespace["metadata"]["name"])

    def _on_service_account(self, event_type: str, service_account: dict) -> None:
        meta = service_account["metadata"]
        if event_type == "DELETED" and meta["name"] == DEFAULT_SERVICE_ACCOUNT:
            self._sync(meta["namespace"])

    def _sync(self, namespace: str) -> None:
        """syncNamespace: only an Active namespace gets one; an existing one is kept."""
        try:
            if self.api.get("namespaces", namespace).get("status", {}).get("phase") != "Active":
                return
            self.api.get("serviceaccounts", DEFAULT_SERVICE_ACCOUNT, namespace)
            return
        except StatusError as err:
            if err.reason != "NotFound":
                raise
        try:
            self.api.create({"apiVersion": "v1", "kind": "ServiceAccount",
                             "metadata": {"name": DEFAULT_SERVICE_ACCOUNT, "namespace": namespace}})
        except StatusError as err:
            # the namespace went away or began terminating meanwhile; or someone was quicker
            if err.reason not in ("NotFound", "Forbidden", "AlreadyExists"):
                raise
