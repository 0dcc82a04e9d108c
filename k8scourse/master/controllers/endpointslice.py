"""The endpointslice controller: a Service's pods as discovery.k8s.io/v1 EndpointSlices.

kube-controller-manager's endpointslice-controller
(``pkg/controller/endpointslice/endpointslice_controller.go``, with its reconciler in
``staging/src/k8s.io/endpointslice/reconciler.go``). For every Service with a selector:

1. watch Services and Pods (and the slices it manages); queue the Service's
   key as the endpoints controller does;
2. ``syncService``: for each pod the selector picks that has an IP and has
   not finished (terminating pods stay, marked so), build its endpoint:
   its IP, ``conditions`` (``serving`` = the pod is Ready; ``ready`` =
   serving and not terminating; ``terminating`` = it has a deletionTimestamp),
   ``nodeName`` and ``targetRef``; and its ports, each Service port resolved
   by name from the containers' ports as ``FindPort`` does. Pods with the same
   ports go into the same group of slices;
3. the reconciler compares each group with the slices it has:
   an endpoint that is gone is removed, one that changed is rewritten in
   place, and a slice left empty is deleted; new endpoints first fill the
   slices already being updated, then one existing slice with room for all of
   them, then new slices of at most ``--max-endpoints-per-slice`` (100) each;
4. a new slice gets ``generateName: <service>-``, the labels
   ``kubernetes.io/service-name`` and ``endpointslice.kubernetes.io/managed-by``
   (plus the Service's own), and an ownerReference to the Service.

kube-proxy reads these slices, not Endpoints. When a Service is deleted its
slices go too (upstream the garbage collector removes them through their
ownerReference; the course's garbage collector follows only workload owners, so this
controller deletes them). Not modelled: the endpointslicemirroring controller, which
copies hand-written Endpoints of a selector-less Service into slices.
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

MAX_ENDPOINTS_PER_SLICE = 100  # --max-endpoints-per-slice (cmd/kube-controller-manager/app/options)
LABEL_SERVICE_NAME = "kubernetes.io/service-name"  # discovery.LabelServiceName
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"  # discovery.LabelManagedBy
CONTROLLER_NAME = "endpointslice-controller.k8s.io"  # endpointslice controller's ControllerName
HEADLESS_LABEL = "service.kubernetes.io/headless"


class API(Protocol):
    """The part of the apiserver the controller uses."""

    def list(self, resource: str, namespace: str | None = None, *, label_selector: str | None = None) -> list[dict]: ...
    def create(self, manifest: Mapping[str, Any], namespace: str | None = None) -> dict: ...
    def update(self, obj: Mapping[str, Any]) -> dict: ...
    def delete(self, resource: str, name: str, namespace: str | None = None) -> dict: ...


def pod_endpoint(service: Obj, pod: Obj) -> dict:
    """podToEndpoint: one pod as a slice's endpoint."""
    publish = bool(service["spec"].get("publishNotReadyAddresses"))
    serving = publish or is_pod_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    endpoint: dict[str, Any] = {
        "addresses": [pod["status"]["podIP"]],
        # "ready" is never true for a terminating pod unless publishNotReadyAddresses is set
        "conditions": {"ready": publish or (serving and not terminating), "serving": serving,
                       "terminating": terminating},
        "targetRef": target_ref(pod)}
    if pod["spec"].get("nodeName"):
        endpoint["nodeName"] = pod["spec"]["nodeName"]
    return endpoint


def pod_ports(service: Obj, pod: Obj) -> list[dict]:
    """getEndpointPorts: the Service's ports as this pod serves them (a port the pod lacks is left out)."""
    ports = []
    for service_port in service["spec"].get("ports") or ():
        number = find_port(pod, service_port)
        if number is not None:
            port = {"name": service_port.get("name", ""), "protocol": service_port.get("protocol", "TCP"),
                    "port": number}
            if "appProtocol" in service_port:
                port["appProtocol"] = service_port["appProtocol"]
            ports.append(port)
    return ports


def ports_key(ports: list[dict]) -> str:
    """The slices of a Service are grouped by their ports (the reconciler's portMapKey)."""
    return repr([sorted(port.items()) for port in ports])


def desired_endpoints(service: Obj, pods: list[Obj]) -> dict[str, tuple[list[dict], dict[str, dict]]]:
    """Step 2: the endpoints each group of pods with the same ports should have, by address."""
    groups: dict[str, tuple[list[dict], dict[str, dict]]] = {}
    for pod in pods:
        if not should_be_in_endpoints(pod, include_terminating=True):
            continue
        ports = pod_ports(service, pod)
        if not ports and not is_headless(service["spec"]):
            continue
        endpoint = pod_endpoint(service, pod)
        groups.setdefault(ports_key(ports), (ports, {}))[1][endpoint["addresses"][0]] = endpoint
    return groups


class EndpointSliceController:
    """Keeps each selector Service's EndpointSlices in step with the pods it selects."""

    def __init__(self, api: API, clock: VirtualClock, informers: InformerFactory,
                 max_endpoints_per_slice: int = MAX_ENDPOINTS_PER_SLICE) -> None:
        self.api, self.max_per_slice = api, max_endpoints_per_slice
        self.services = informers.informer("services")
        self.pods = informers.informer("pods")
        self.slices = informers.informer("endpointslices")
        self.queue = WorkQueue(clock, self.sync)

    def start(self) -> None:
        self.services.add_handler(lambda _type, svc, _old: self.queue.add(key_of(svc)))
        self.pods.add_handler(self._on_pod)
        self.slices.add_handler(self._on_slice)

    def _on_pod(self, _type: str, pod: Obj, old: Obj | None) -> None:
        for key in sorted(services_for_pod(self.services.list(pod["metadata"].get("namespace")), pod, old)):
            self.queue.add(key)

    def _on_slice(self, _type: str, slice_: Obj, _old: Obj | None) -> None:
        """A managed slice changed by someone else is put right by the next sync of its Service."""
        labels = slice_["metadata"].get("labels") or {}
        if labels.get(LABEL_MANAGED_BY) == CONTROLLER_NAME and labels.get(LABEL_SERVICE_NAME):
            self.queue.add(f"{slice_['metadata']['namespace']}/{labels[LABEL_SERVICE_NAME]}")

    def _existing(self, namespace: str, name: str) -> list[dict]:
        """The slices this controller manages for the Service, read fresh from the apiserver (so two
        syncs in one instant never both create), oldest first."""
        selector = f"{LABEL_SERVICE_NAME}={name},{LABEL_MANAGED_BY}={CONTROLLER_NAME}"
        return sorted(self.api.list("endpointslices", namespace, label_selector=selector),
                      key=lambda s: (s["metadata"]["creationTimestamp"], s["metadata"]["name"]))

    def sync(self, key: str) -> None:
        """syncService: steps 2 to 4 for one Service."""
        namespace, name = split_key(key)
        namespace = namespace or "default"
        service = self.services.get(key)
        existing = self._existing(namespace, name)
        if service is None or not service["spec"].get("selector"):
            for slice_ in existing:  # the garbage collector's part (see the module docstring)
                self._delete(slice_)
            return
        pods = self.pods.list(namespace, selector_from_set(service["spec"]["selector"]))
        pods.sort(key=lambda p: p["metadata"]["name"])
        groups = desired_endpoints(service, pods)
        labels = self._labels(service)
        by_ports: dict[str, list[dict]] = {}
        for slice_ in existing:
            by_ports.setdefault(ports_key(slice_.get("ports") or []), []).append(slice_)
        for stale in [k for k in by_ports if groups and k not in groups]:  # no pod has these ports now
            for slice_ in by_ports.pop(stale):
                self._delete(slice_)
        if not groups:  # no endpoints: one empty placeholder slice stands for the Service (reconciler.go)
            placeholder = next((sl for sl in existing if not sl.get("endpoints") and not sl.get("ports")), None)
            if placeholder is None:
                self.api.create(self._new_slice(service, labels, [], []))
            elif (placeholder["metadata"].get("labels") or {}) != labels:
                self.api.update({**placeholder, "metadata": {**placeholder["metadata"], "labels": labels}})
            for slice_ in existing:
                if slice_ is not placeholder:
                    self._delete(slice_)
            return
        for group, (ports, wanted) in groups.items():
            self._reconcile(service, labels, ports, wanted, by_ports.get(group, []))

    def _labels(self, service: Obj) -> dict[str, str]:
        """setEndpointSliceLabels: the Service's labels, then the controller's own."""
        labels = dict(service["metadata"].get("labels") or {})
        labels.pop(HEADLESS_LABEL, None)
        if is_headless(service["spec"]):
            labels[HEADLESS_LABEL] = ""
        labels[LABEL_SERVICE_NAME] = service["metadata"]["name"]
        labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
        return labels

    def _reconcile(self, service: Obj, labels: dict[str, str], ports: list[dict], wanted: dict[str, dict],
                   slices: list[dict]) -> None:
        """reconcileByPortMapping: step 3 for one group of pods with the same ports."""
        missing = dict(wanted)  # endpoints no slice holds yet
        to_update: list[dict] = []
        unchanged: list[dict] = []
        for slice_ in slices:
            kept = []
            for endpoint in slice_.get("endpoints") or ():
                address = endpoint["addresses"][0]
                if address in missing:
                    kept.append(missing.pop(address))
            if kept != (slice_.get("endpoints") or []) or (slice_["metadata"].get("labels") or {}) != labels:
                if kept:
                    to_update.append({**slice_, "endpoints": kept})
                else:
                    self._delete(slice_)
            else:
                unchanged.append(slice_)
        new = list(missing.values())
        for slice_ in to_update:  # 1. fill the slices being written anyway
            room = self.max_per_slice - len(slice_["endpoints"])
            slice_["endpoints"] += new[:room]
            new = new[room:]
        if new:  # 2. one unchanged slice with room for all the rest
            fits = [s for s in unchanged if self.max_per_slice - len(s.get("endpoints") or []) >= len(new)]
            if fits:
                slice_ = min(fits, key=lambda s: self.max_per_slice - len(s.get("endpoints") or []))
                to_update.append({**slice_, "endpoints": [*(slice_.get("endpoints") or []), *new]})
                new = []
        for slice_ in to_update:
            slice_["metadata"] = {**slice_["metadata"], "labels": labels}
            self.api.update(slice_)
        for i in range(0, len(new), self.max_per_slice):  # 3. new slices
            self.api.create(self._new_slice(service, labels, ports, new[i:i + self.max_per_slice]))

    @staticmethod
    def _new_slice(service: Obj, labels: dict[str, str], ports: list[dict], endpoints: list[dict]) -> dict:
        """newEndpointSlice."""
        meta = service["metadata"]
        slice_: dict[str, Any] = {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"generateName": f"{meta['name']}-", "namespace": meta["namespace"], "labels": labels,
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": meta["name"],
                                              "uid": meta["uid"], "controller": True,
                                              "blockOwnerDeletion": True}]},
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports}
        return {k: v for k, v in slice_.items() if v != []}

    def _delete(self, slice_: Obj) -> None:
        try:
            self.api.delete("endpointslices", slice_["metadata"]["name"], slice_["metadata"]["namespace"])
        except StatusError as err:
            if err.reason != "NotFound":
                raise
