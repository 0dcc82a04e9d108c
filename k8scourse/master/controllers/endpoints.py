"""The endpoints controller: one core/v1 Endpoints per Service, listing the pods behind it.

kube-controller-manager's endpoint-controller
(``pkg/controller/endpoint/endpoints_controller.go``), for every Service with a selector:

1. watch Services, Pods and Endpoints; a change to a Service queues its key,
   a pod change queues every Service that selects the pod (before or after
   the change), a deleted Endpoints queues its Service so it comes back;
2. ``syncService``: a Service that is gone loses its Endpoints; one without
   a selector is left alone (its Endpoints are whoever writes them, such as
   the apiserver for ``kubernetes``);
3. for each pod the selector picks that has an IP and is not finished or
   terminating (``ShouldPodBeInEndpoints``), and for each Service port whose
   ``targetPort`` the pod has (``FindPort``: a name is looked up among the
   containers' ports), add the pod to ``addresses`` when it is Ready, else to
   ``notReadyAddresses`` (``publishNotReadyAddresses`` puts every pod in
   ``addresses``);
4. repack the subsets (``RepackSubsets``): the addresses that share the same
   ports form one subset, sorted by IP;
5. create the Endpoints (named like the Service, with the Service's labels,
   plus ``service.kubernetes.io/headless`` for a headless one), or update it
   when subsets or labels differ; a Service matching nothing gets an
   Endpoints with no subsets, which ``kubectl get endpoints`` shows as ``<none>``.

Not modelled: the ``endpoints.kubernetes.io/last-change-trigger-time``
annotation and truncation past 1000 addresses (``over-capacity``).
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.api.selectors import selector_from_set
from k8scourse.api.service import is_headless
from k8scourse.clock import VirtualClock
from k8scourse.master.controllers.base import InformerFactory, WorkQueue, key_of, split_key
from k8scourse.master.controllers.endpoint_pods import (find_port, is_pod_ready, services_for_pod,
                                                        should_be_in_endpoints, target_ref)

Obj = Mapping[str, Any]
HEADLESS_LABEL = "service.kubernetes.io/headless"  # v1.IsHeadlessService


class API(Protocol):
    """The part of the apiserver the controller uses."""

    def create(self, manifest: Mapping[str, Any], namespace: str | None = None) -> dict: ...
    def update(self, obj: Mapping[str, Any]) -> dict: ...
    def delete(self, resource: str, name: str, namespace: str | None = None) -> dict: ...


def _endpoint_port(service_port: Obj, number: int) -> dict:
    port = {"name": service_port.get("name", ""), "port": number, "protocol": service_port.get("protocol", "TCP")}
    if not port["name"]:
        del port["name"]
    if "appProtocol" in service_port:
        port["appProtocol"] = service_port["appProtocol"]
    return port


def endpoint_subsets(service: Obj, pods: list[Obj]) -> list[dict]:
    """Steps 3 and 4: the Endpoints' subsets for these pods (already matched by the selector)."""
    tolerate_unready = bool(service["spec"].get("publishNotReadyAddresses"))
    subsets: dict[str, dict[str, Any]] = {}  # by the pod's ports: pods with the same ports share a subset
    for pod in pods:
        if not should_be_in_endpoints(pod, include_terminating=tolerate_unready):
            continue
        ports = [_endpoint_port(sp, number) for sp in service["spec"].get("ports") or ()
                 if (number := find_port(pod, sp)) is not None]  # a pod without the port is skipped for it
        if not ports:
            continue
        address = {"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"),
                   "targetRef": target_ref(pod)}
        if not address["nodeName"]:
            del address["nodeName"]
        subset = subsets.setdefault(repr(ports), {"addresses": [], "notReadyAddresses": [], "ports": ports})
        subset["addresses" if tolerate_unready or is_pod_ready(pod) else "notReadyAddresses"].append(address)
    packed = []
    for subset in subsets.values():
        for field in ("addresses", "notReadyAddresses"):
            subset[field].sort(key=lambda a: (a["ip"], a["targetRef"]["uid"]))  # lessEndpointAddress
        packed.append({k: v for k, v in subset.items() if v})
    return packed


class EndpointsController:
    """Keeps each selector Service's Endpoints in step with the pods it selects."""

    def __init__(self, api: API, clock: VirtualClock, informers: InformerFactory) -> None:
        self.api = api
        self.services = informers.informer("services")
        self.pods = informers.informer("pods")
        self.endpoints = informers.informer("endpoints")
        self.queue = WorkQueue(clock, self.sync)

    def start(self) -> None:
        self.services.add_handler(lambda _type, svc, _old: self.queue.add(key_of(svc)))
        self.pods.add_handler(self._on_pod)
        self.endpoints.add_handler(self._on_endpoints)

    def _on_pod(self, _type: str, pod: Obj, old: Obj | None) -> None:
        for key in sorted(services_for_pod(self.services.list(pod["metadata"].get("namespace")), pod, old)):
            self.queue.add(key)

    def _on_endpoints(self, event_type: str, endpoints: Obj, _old: Obj | None) -> None:
        if event_type == "DELETED":  # someone deleted it: put it back if its Service still wants it
            self.queue.add(key_of(endpoints))

    def sync(self, key: str) -> None:
        """syncService: steps 2 to 5 for one Service."""
        namespace, name = split_key(key)
        service = self.services.get(key)
        current = self.endpoints.get(key)
        if service is None:
            if current is not None:
                try:
                    self.api.delete("endpoints", name, namespace)
                except StatusError as err:
                    if err.reason != "NotFound":
                        raise
            return
        selector = service["spec"].get("selector")
        if not selector:
            return
        pods = self.pods.list(namespace, selector_from_set(selector))
        pods.sort(key=lambda p: p["metadata"]["name"])
        subsets = endpoint_subsets(service, pods)
        labels = dict(service["metadata"].get("labels") or {})
        labels.pop(HEADLESS_LABEL, None)
        if is_headless(service["spec"]):
            labels[HEADLESS_LABEL] = ""
        if current is None:
            endpoints: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints",
                                         "metadata": {"name": name, "namespace": namespace}}
        elif (current.get("subsets") or []) == subsets and (current["metadata"].get("labels") or {}) == labels:
            return  # nothing changed: no write
        else:
            endpoints = {**current, "metadata": dict(current["metadata"])}
        if labels:
            endpoints["metadata"]["labels"] = labels
        else:
            endpoints["metadata"].pop("labels", None)
        endpoints.pop("subsets", None)
        if subsets:
            endpoints["subsets"] = subsets
        # A refused write (AlreadyExists or Conflict: our cache was behind) is retried by the queue.
        if current is None:
            self.api.create(endpoints, namespace)
        else:
            self.api.update(endpoints)
