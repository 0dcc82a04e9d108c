"""kube-apiserver: the only door to the cluster's state.

Every component (kubectl, the scheduler, controllers, kubelets) reads and
writes objects here, never in etcd directly and never by calling each other.
A write goes through the same stages, in the same order, as in the real
apiserver (``staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go``
and ``update.go``, then ``registry/rest/create.go`` ``BeforeCreate``):

1. decode the manifest into its Go types and apply defaults (``k8scourse.api``);
2. mutating admission: the plugins enabled with ``--enable-admission-plugins``
   (the seed's ``--admission-control``) may change it: LimitRanger's default
   requests, the ServiceAccount's token volume, Priority, tolerations;
3. the registry's strategy prepares it (``PrepareForCreate``: a new pod's
   status and QoS class, computed from what admission set) and validates the
   result, so nothing an admission plugin added escapes validation;
4. validating admission: plugins may still refuse it (LimitRanger's min/max,
   ResourceQuota);
5. persist it in etcd under ``/registry/...`` with a compare-and-swap, so
   that two writers can't both win (optimistic concurrency);
6. etcd's watch tells every watcher (the apiserver's watch cache fans the
   event out, indexed by ``spec.nodeName`` for pods, as upstream does).

Events are stored with an etcd lease of ``--event-ttl`` (1 h), so etcd
deletes them once that hour has passed.

``metadata.resourceVersion`` is etcd's ``mod_revision`` of the key.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from typing import Any, Callable, Iterable, Mapping

import orjson  # the apiserver's JSON: every read and write goes through it, so speed matters

from k8scourse.api import objects
from k8scourse.api.errors import (
    ObjectInvalidError,
    StatusError,
    already_exists,
    bad_request,
    conflict,
    not_found,
)
from k8scourse.api.event import Event
from k8scourse.api.fields import FieldSelector, parse_field_selector
from k8scourse.api.immutability import update_errors
from k8scourse.api.meta import generate_name
from k8scourse.api.patch import merge_patch
from k8scourse.api.scale import check_scalable, scale_errors, scale_of
from k8scourse.api.pod import qos_class
from k8scourse.api.selectors import Selector, parse_selector
from k8scourse.clock import VirtualClock
from k8scourse.etcd.store import Store
from k8scourse.master.admission import AdmissionChain, Kind, group_resource
from k8scourse.master.portallocator import DEFAULT_SERVICE_NODE_PORT_RANGE, NodePortAllocator
from k8scourse.network.service_ips import ServiceIPAllocator

Handler = Callable[[str, dict], None]


# Where each resource lives in etcd. Most use their plural name; a few keep
# names from Kubernetes' early days (pkg/registry/*/storage/storage.go):
# nodes were "minions" (the seed's kubelet config still says so),
# replication controllers "controllers", services "services/specs" (and their
# Endpoints "services/endpoints").
ETCD_PREFIX = {"nodes": "minions", "replicationcontrollers": "controllers", "services": "services/specs",
               "endpoints": "services/endpoints"}


#: Why an optimistic-concurrency write lost (the registry's OptimisticLockErrorMsg).
STALE = "the object has been modified; please apply your changes to the latest version and try again"

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
#: --etcd-compaction-interval (DefaultCompactInterval, apiserver/pkg/storage/storagebackend/config.go).
COMPACTION_INTERVAL = 5 * 60.0
#: --event-ttl: "Amount of time to retain events" (cmd/kube-apiserver/app/options/options.go: 1 * time.Hour).
EVENT_TTL_SECONDS = 3600
#: How long a granted lease is shared by later writes, and by how many objects at most
#: (apiserver/pkg/storage/etcd3/lease_manager.go: 60 s or 5 % of the TTL, 1000 objects).
LEASE_REUSE_SECONDS = 60
LEASE_REUSE_FRACTION = 0.05
LEASE_MAX_OBJECTS = 1000
#: --advertise-address: the seed's master, 192.168.197.130; --secure-port 6443 (kubeadm's).
ADVERTISE_ADDRESS = "192.168.197.130"
SECURE_PORT = 6443

MAX_NAME_GENERATION_CREATE_ATTEMPTS = 8  # apiserver registry/generic/registry/store.go, RetryGenerateName
# Kinds whose metadata.generation counts spec changes (controllers compare it
# with status.observedGeneration to know they have caught up). Pods have it
# only from v1.34 (PodObservedGenerationTracking), so not here.
GENERATION_KINDS = {"Deployment", "ReplicaSet", "ReplicationController", "HorizontalPodAutoscaler"}
# Kinds whose status strategy validates only metadata and status (ValidatePodStatusUpdate,
# ValidateReplicaSetStatusUpdate, ...): a status write keeps the stored spec and metadata, which
# were validated when written, and the model does not validate these statuses, so there is
# nothing left to check. (Nodes and quotas validate their status's quantities, so they are not here.)
STATUS_UNVALIDATED_KINDS = {"Pod", "ReplicaSet", "ReplicationController", "Deployment"}
# Kinds whose strategy's PrepareForCreate drops the status a create sends ("create cannot set
# status": pkg/registry/apps/deployment/strategy.go, apps/replicaset, core/replicationcontroller,
# autoscaling/horizontalpodautoscaler, core/service): only their controllers write it.
STATUS_RESET_ON_CREATE = {"Deployment", "ReplicaSet", "ReplicationController", "HorizontalPodAutoscaler", "Service"}


# Field order of the Go structs (TypeMeta, ObjectMeta, then spec and status),
# so what etcd holds reads the same whichever way an object was sent.
_TOP_ORDER = ("apiVersion", "kind", "metadata", "spec", "status")
_META_ORDER = ("name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
               "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
               "finalizers")


def _ordered(data: Mapping[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """``data`` with the keys named in ``order`` first, in that order, then the rest."""
    out = {k: data[k] for k in order if k in data}
    out.update((k, v) for k, v in data.items() if k not in out)
    return out


def _in_go_order(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object with its fields in the Go structs' order. Create and update
    apply it; other writes (binding, status) change values only, keeping the order."""
    ordered = _ordered(obj, _TOP_ORDER)
    if isinstance(ordered.get("metadata"), dict):
        ordered["metadata"] = _ordered(ordered["metadata"], _META_ORDER)
    return ordered


def _dumps(obj: Mapping[str, Any]) -> str:
    """The JSON stored in etcd."""
    return orjson.dumps(obj).decode()


def _pod_spec_from_v1(info: Kind, obj: dict) -> None:
    """v1 -> internal conversion of a Pod: the deprecated ``serviceAccount`` is an
    alias of ``serviceAccountName``, which wins when both are set
    (Convert_v1_PodSpec_To_core_PodSpec, pkg/apis/core/v1/conversion.go)."""
    if info.KIND == "Pod":
        spec = obj["spec"]
        if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
            spec["serviceAccountName"] = spec["serviceAccount"]


def _pod_spec_to_v1(info: Kind, obj: dict) -> None:
    """internal -> v1: ``serviceAccount`` always mirrors ``serviceAccountName``."""
    if info.KIND == "Pod":
        spec = obj["spec"]
        if spec.get("serviceAccountName"):
            spec["serviceAccount"] = spec["serviceAccountName"]
        else:
            spec.pop("serviceAccount", None)


class LeaseManager:
    """Leases for objects with a TTL (events), shared as kube-apiserver shares them.

    Granting a lease per event would load etcd, so a granted lease is reused by
    later writes while it still covers their TTL and expires at most a little
    (min(60 s, 5 % of the TTL)) after they should, for up to 1000 objects
    (apiserver/pkg/storage/etcd3/lease_manager.go GetLease). Each lease is
    granted that little longer than the TTL, so an event lives between 1 h and 1 h 1 min.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lease, self._expires, self._attached = 0, 0.0, 0

    def lease_for(self, ttl: int) -> int:
        now = self.store.now
        reuse = min(LEASE_REUSE_SECONDS, int(LEASE_REUSE_FRACTION * ttl))
        # valid: it outlives this object's TTL; sufficient: not by more than the margin
        # (upstream's "After" is strict, but real time never stands still between two writes)
        if now + ttl < self._expires <= now + ttl + reuse and self._attached < LEASE_MAX_OBJECTS:
            self._attached += 1
            return self._lease
        self._lease, self._expires, self._attached = self.store.grant(ttl + reuse), now + ttl + reuse, 1
        return self._lease


class _Watcher:
    """One client's watch: which objects it wants (namespace, labels, fields) and who gets the events."""

    __slots__ = ("resource", "namespace", "labels", "fields", "handler", "active", "since", "backlog", "filtered")

    def __init__(self, resource: str, namespace: str | None, labels: Selector | None,
                 fields: FieldSelector, handler: Handler, since: int) -> None:
        self.resource, self.namespace, self.labels, self.fields = resource, namespace, labels, fields
        self.handler, self.active = handler, True
        self.filtered = namespace is not None or labels is not None or bool(fields.requirements)
        self.since = since  # the list's revision: later changes only, as a watch from resourceVersion
        self.backlog: list[dict] = []  # the initial list, not yet handed over

    def flush(self) -> None:
        """Hand over the initial list as ADDED events (always before any later change)."""
        backlog, self.backlog = self.backlog, []
        for obj in backlog:
            if self.active:
                self.handler("ADDED", obj)

    def wants(self, obj: Mapping[str, Any] | None) -> bool:
        if obj is None:
            return False
        meta = obj["metadata"]
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        if self.labels is not None and not self.labels.matches(meta.get("labels") or {}):
            return False
        return self.fields.matches(obj) if self.fields.requirements else True

    def cancel(self) -> None:
        self.active = False


class APIServer:
    """A faithful-in-behaviour, tiny-in-size kube-apiserver over an etcd ``Store``.

    ``admission_plugins`` is ``--enable-admission-plugins``; on its own the
    apiserver runs the seed's four (no ServiceAccount plugin, so it needs no
    controller-manager), while ``Cluster`` runs v1.31's as kubeadm sets them up.
    ``event_ttl_seconds`` is ``--event-ttl``.
    """

    def __init__(self, store: Store, clock: VirtualClock, rng: random.Random,
                 admission_plugins: Iterable[str] | str = AdmissionChain.SEED_PLUGINS,
                 service_cluster_ip_range: str = "10.96.0.0/12", event_ttl_seconds: int = EVENT_TTL_SECONDS,
                 service_node_port_range: str = DEFAULT_SERVICE_NODE_PORT_RANGE) -> None:
        self.store, self.clock, self.rng = store, clock, rng
        self.admission = AdmissionChain(self, admission_plugins)
        self.event_ttl_seconds = event_ttl_seconds
        self._leases = LeaseManager(store)
        self.service_ips = ServiceIPAllocator(service_cluster_ip_range, rng)
        self.node_ports = NodePortAllocator(service_node_port_range, rng, lambda: self.list("services", None))
        self.aggregated: dict[str, Any] = {}  # kube-aggregator: API group -> the server behind its APIService
        self.kubelets: dict[str, Any] = {}  # node name -> its kubelet, which pods/log reads from (--kubelet-*)
        self._watchers: dict[str, list[_Watcher]] = defaultdict(list)
        # pods watched with spec.nodeName=<node> (every kubelet): indexed by node
        self._pod_watchers_by_node: dict[str, list[_Watcher]] = defaultdict(list)
        self._event_keys: dict[tuple, str] = {}
        self._event_nanos: dict[tuple[str, str], int] = {}  # (namespace, object) -> the next free nanosecond
        self._seen_revision = 0  # the compactor's last look at etcd's revision
        store.watch("/registry/", self._on_store_event)

    def bootstrap(self) -> None:
        """What kube-apiserver does when it first starts: create the system namespaces
        and the ``kubernetes`` Service at the range's first IP, which pods use to
        reach the apiserver (pkg/controlplane/controller/{systemnamespaces,kubernetesservice}),
        and start compacting etcd's history."""
        self.clock.call_every(COMPACTION_INTERVAL, self._compact)
        for name in SYSTEM_NAMESPACES:
            self.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        self.create({"apiVersion": "v1", "kind": "Service",
                     "metadata": {"name": "kubernetes", "namespace": "default",
                                  "labels": {"component": "apiserver", "provider": "kubernetes"}},
                     "spec": {"clusterIP": self.service_ips.first(),
                              "ports": [{"name": "https", "port": 443, "targetPort": SECURE_PORT}]}})
        self._write_master_endpoints()

    def _write_master_endpoints(self) -> None:
        """The endpoint reconciler: the ``kubernetes`` Service has no selector, so no controller
        fills its endpoints; the apiserver writes its own address there, in an Endpoints
        (marked not to be mirrored) and an EndpointSlice (pkg/controlplane/reconcilers/endpointsadapter.go)."""
        port = {"name": "https", "port": SECURE_PORT, "protocol": "TCP"}
        self.create({"apiVersion": "v1", "kind": "Endpoints",
                     "metadata": {"name": "kubernetes", "namespace": "default",
                                  "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
                     "subsets": [{"addresses": [{"ip": ADVERTISE_ADDRESS}], "ports": [port]}]})
        self.create({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                     "metadata": {"name": "kubernetes", "namespace": "default",
                                  "labels": {"kubernetes.io/service-name": "kubernetes"}},
                     "addressType": "IPv4",
                     "endpoints": [{"addresses": [ADVERTISE_ADDRESS], "conditions": {"ready": True}}],
                     "ports": [port]})

    def _compact(self) -> None:
        """Drop etcd history older than one interval: each round compacts to the
        revision the previous round saw (apiserver/pkg/storage/etcd3/compact.go),
        so watches may still resume from anything written in the last 5 minutes."""
        if self._seen_revision > self.store.compact_revision:
            self.store.compact(self._seen_revision)
        self._seen_revision = self.store.revision

    # --- keys ---------------------------------------------------------------------

    @staticmethod
    def key(resource: str, name: str, namespace: str | None = None) -> str:
        """The etcd key of an object, e.g. ``/registry/pods/default/web``."""
        prefix = ETCD_PREFIX.get(resource, resource)
        return f"/registry/{prefix}/{namespace}/{name}" if namespace else f"/registry/{prefix}/{name}"

    def _prefix(self, resource: str, namespace: str | None) -> str:
        prefix = ETCD_PREFIX.get(resource, resource)
        return f"/registry/{prefix}/{namespace}/" if namespace else f"/registry/{prefix}/"

    def _namespace_for(self, info: Kind, namespace: str | None) -> str | None:
        return (namespace or "default") if info.NAMESPACED else None

    # --- reads --------------------------------------------------------------------

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict:
        info = objects.kind_for_resource(resource)
        kv = self.store.get(self.key(info.RESOURCE, name, self._namespace_for(info, namespace)))
        if kv is None:
            raise not_found(group_resource(info), name)
        return self._decode(kv)

    def list(self, resource: str, namespace: str | None = None, *, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict]:
        """Objects of a resource, sorted by namespace and name (etcd's key order).

        ``namespace=None`` lists every namespace (``kubectl get -A``).
        """
        info = objects.kind_for_resource(resource)
        labels = parse_selector(label_selector) if label_selector else None
        fields = parse_field_selector(field_selector)
        fields.check_supported(info.RESOURCE)
        out = []
        for kv in self.store.range(self._prefix(info.RESOURCE, namespace if info.NAMESPACED else None)):
            obj = self._decode(kv)
            if labels is not None and not labels.matches(obj["metadata"].get("labels") or {}):
                continue
            if fields.requirements and not fields.matches(obj):
                continue
            out.append(obj)
        return out

    @staticmethod
    def _decode(kv: Any) -> dict:
        obj = orjson.loads(kv.value)
        obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
        return obj

    # --- writes -------------------------------------------------------------------

    def create(self, manifest: Mapping[str, Any] | str, namespace: str | None = None) -> dict:
        """Create an object; the stored form, with defaults and metadata, is returned."""
        loaded = objects.decoded(manifest, namespace or "default")  # decoded and defaulted, on its own copy
        obj, info = loaded.data, type(loaded)  # the data is a fresh copy no one else holds
        meta = obj["metadata"]
        if info.NAMESPACED:
            if namespace and meta.get("namespace") and meta["namespace"] != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request")
            meta["namespace"] = meta.get("namespace") or namespace or "default"
        else:
            meta.pop("namespace", None)
        _pod_spec_from_v1(info, obj)
        self.admission.admit("CREATE", info, obj)
        # The registry's Create: system fields and the generated name, then BeforeCreate.
        generated = not meta.get("name") and bool(meta.get("generateName"))
        if generated:
            meta["name"] = generate_name(meta["generateName"], self.rng)
        meta["uid"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        meta["creationTimestamp"] = self.clock.rfc3339(self.clock.now)
        meta.pop("resourceVersion", None)
        if info.KIND in GENERATION_KINDS:
            meta["generation"] = 1
        if info.KIND in STATUS_RESET_ON_CREATE:
            obj.pop("status", None)
        loaded.validate()
        if info.KIND == "Pod":
            # The pod strategy's PrepareForCreate: after mutating admission, so the QoS class sees
            # LimitRanger's defaults. Upstream runs it just before validation; status is not
            # validated, so doing it just after is the same, and reads only valid quantities.
            obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj["spec"])}
            if obj["spec"].get("schedulingGates"):  # applySchedulingGatedCondition (pod/strategy.go)
                obj["status"]["conditions"] = [{
                    "type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": None,
                    "reason": "SchedulingGated", "message": "Scheduling is blocked due to non-empty scheduling gates"}]
        if info.KIND == "Service":  # the service registry allocates ports and the cluster IP (BeginCreate)
            self.node_ports.assign(obj["spec"], meta)  # first: a refused node port must not keep an IP
            self.service_ips.assign(obj["spec"], meta["name"])
        try:
            self.admission.validate("CREATE", info, obj)
            _pod_spec_to_v1(info, obj)
            obj = _in_go_order(obj)
            stored_meta = obj["metadata"]
            # RetryGenerateName (beta and on in v1.31; the registry's createWithGenerateNameRetry): a
            # generated name already taken is drawn again, up to maxNameGenerationCreateAttempts in all.
            for attempt in range(MAX_NAME_GENERATION_CREATE_ATTEMPTS if generated else 1):
                if attempt:
                    stored_meta["name"] = generate_name(stored_meta["generateName"], self.rng)
                key = self.key(info.RESOURCE, stored_meta["name"], stored_meta.get("namespace"))
                if self.store.compare_and_swap(key, 0, _dumps(obj), lease=self._lease_of(info)):  # 0: if absent
                    break
            else:
                if generated:  # rest.CheckGeneratedNameError: NewGenerateNameConflict
                    raise StatusError(409, "AlreadyExists",
                                      f'{group_resource(info)} "{stored_meta["name"]}" already exists, the server '
                                      "was not able to generate a unique name for the object")
                raise already_exists(group_resource(info), stored_meta["name"])
        except Exception:
            if info.KIND == "Service":  # the allocation is rolled back with the failed create
                self.service_ips.release(obj["spec"])
            raise
        obj["metadata"]["resourceVersion"] = str(self.store.revision)
        return obj

    def update(self, obj: Mapping[str, Any], *, subresource: str | None = None) -> dict:
        """Replace an object. A stale ``resourceVersion`` gets 409 Conflict.

        ``subresource="status"`` changes only ``status`` (as PUT .../status does);
        otherwise ``status`` is kept and only the rest changes.
        """
        current = self._current(obj)  # read first, so the decoder can skip what is unchanged
        loaded = objects.decoded(obj, unchanged=current[2] if current else None)
        new = loaded.data  # its unchanged top-level fields are current's own objects
        info = type(loaded)
        meta = new["metadata"]
        namespace = self._namespace_for(info, meta.get("namespace"))
        key = self.key(info.RESOURCE, meta["name"], namespace)
        if current is not None and current[0] == key:
            # A status write keeps everything but the new status, so ``old`` may share the
            # rest with ``new``; any other write gets its own copy, for admission and the
            # immutability checks to compare.
            kv, old = current[1], current[2] if subresource == "status" else orjson.loads(current[1].value)
        else:
            kv = self.store.get(key)
            if kv is None:
                raise not_found(group_resource(info), meta["name"])
            old = orjson.loads(kv.value)
        wanted = meta.get("resourceVersion")
        if wanted and wanted != str(kv.mod_revision):
            raise conflict(group_resource(info), meta["name"], STALE)
        if subresource is None:  # admission sees the main resource only here (every plugin skips status)
            _pod_spec_from_v1(info, new)
            self.admission.admit("UPDATE", info, new, old)
        merged = self._merge_update(info, old, new, subresource)  # the strategy's PrepareForUpdate
        _pod_spec_to_v1(info, merged)
        if merged == old:
            return self._decode(kv)  # a no-op write does not bump resourceVersion, as upstream
        errors = []
        if subresource is None or info.KIND not in STATUS_UNVALIDATED_KINDS:
            try:
                info(merged).validate()
            except ObjectInvalidError as err:  # reported together with what the update may not change
                errors = list(err.errors)
        if subresource is None:
            errors += update_errors(info.KIND, old, merged)
        if errors:
            raise ObjectInvalidError(info.KIND, info.GROUP, meta["name"], errors)
        if subresource is None:
            if info.KIND == "Service":
                self.node_ports.assign(merged["spec"], merged["metadata"], old.get("spec"))
            self.admission.validate("UPDATE", info, merged, old)
        stored = _in_go_order(merged)
        if not self.store.compare_and_swap(key, kv.mod_revision, _dumps(stored), lease=self._lease_of(info)):
            raise conflict(group_resource(info), meta["name"], STALE)
        stored["metadata"]["resourceVersion"] = str(self.store.revision)
        return stored

    def _current(self, obj: Mapping[str, Any]) -> tuple[str, Any, dict] | None:
        """(key, kv, parsed value) of the stored object a well-formed update names, else None
        (the decoder then finds what is wrong, or the lookup after it finds nothing)."""
        meta = obj.get("metadata") if isinstance(obj, dict) else None
        try:
            info = objects.kind_for(obj["apiVersion"], obj["kind"])  # type: ignore[index]
        except (KeyError, TypeError, objects.NoKindMatchError):
            return None
        if not isinstance(meta, dict) or type(meta.get("name")) is not str \
                or type(meta.get("namespace", "")) is not str:
            return None
        key = self.key(info.RESOURCE, meta["name"], self._namespace_for(info, meta.get("namespace")))
        kv = self.store.get(key)
        return (key, kv, orjson.loads(kv.value)) if kv is not None else None

    def _lease_of(self, info: Kind) -> int | None:
        """The etcd lease an object is written with: Events live ``--event-ttl`` from their last write."""
        return self._leases.lease_for(self.event_ttl_seconds) if info.KIND == "Event" else None

    def update_status(self, obj: Mapping[str, Any]) -> dict:
        return self.update(obj, subresource="status")

    @staticmethod
    def _merge_update(info: Kind, old: dict, new: dict, subresource: str | None) -> dict:
        # ``old`` was just decoded from etcd and no one else holds it, and the merge only
        # replaces top-level fields and metadata's, so copying those two levels is enough
        # (a deep copy of every pod on every status write was the costliest step here).
        merged = {**old, "metadata": dict(old["metadata"])}
        if subresource == "status":
            merged["status"] = new.get("status", {})
            return merged
        for field in {*old, *new} - {"metadata", "status"}:  # a PUT replaces the object: absent is gone
            if field in new:
                merged[field] = new[field]
            else:
                merged.pop(field)
        for field in ("labels", "annotations", "ownerReferences", "finalizers", "deletionTimestamp",
                      "deletionGracePeriodSeconds"):
            if field in new["metadata"]:
                merged["metadata"][field] = new["metadata"][field]
            else:
                merged["metadata"].pop(field, None)
        if new["metadata"].get("managedFields"):  # server-side apply records its field manager;
            merged["metadata"]["managedFields"] = new["metadata"]["managedFields"]  # a write without them keeps them
        if info.KIND in GENERATION_KINDS and merged.get("spec") != old.get("spec"):
            merged["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
        merged["metadata"].pop("resourceVersion", None)
        return merged

    def patch(self, resource: str, name: str, patch: Mapping[str, Any], namespace: str | None = None) -> dict:
        """A JSON merge patch (RFC 7386), as ``kubectl patch --type merge`` and ``kubectl label`` send."""
        current = self.get(resource, name, namespace)
        return self.update(merge_patch(current, patch))

    def delete(self, resource: str, name: str, namespace: str | None = None,
               grace_period_seconds: int | None = None) -> dict:
        """Delete an object, gracefully where the real apiserver does.

        A pod bound to a node only gets ``deletionTimestamp``: its kubelet stops
        the containers and then removes it. A namespace turns Terminating and
        the namespace controller empties it first.
        """
        info = objects.kind_for_resource(resource)
        obj = self.get(info.RESOURCE, name, namespace)
        self.admission.admit("DELETE", info, obj, obj)
        self.admission.validate("DELETE", info, obj, obj)
        meta = obj["metadata"]
        if info.RESOURCE == "pods" and obj["spec"].get("nodeName") and grace_period_seconds != 0:
            if meta.get("deletionTimestamp"):
                return obj
            grace = obj["spec"].get("terminationGracePeriodSeconds", 30) \
                if grace_period_seconds is None else grace_period_seconds
            meta["deletionTimestamp"] = self.clock.rfc3339(self.clock.now + grace)
            meta["deletionGracePeriodSeconds"] = grace
            return self.update(obj)
        if info.RESOURCE == "namespaces":
            if obj.get("status", {}).get("phase") == "Terminating":
                return obj
            meta["deletionTimestamp"] = self.clock.rfc3339(self.clock.now)
            obj = self.update(obj)
            obj["status"]["phase"] = "Terminating"
            return self.update_status(obj)
        self.store.delete(self.key(info.RESOURCE, name, meta.get("namespace")))
        if info.KIND == "Service":
            self.service_ips.release(obj["spec"])
        return obj

    def get_scale(self, resource: str, name: str, namespace: str | None = None) -> dict:
        """GET .../<resource>/<name>/scale: the workload's autoscaling/v1 Scale."""
        info = objects.kind_for_resource(resource)
        check_scalable(info.RESOURCE)
        return scale_of(self.get(info.RESOURCE, name, namespace))

    def update_scale(self, resource: str, name: str, scale: Mapping[str, Any], namespace: str | None = None,
                     managed_fields: Callable[[dict, dict], list] | None = None) -> dict:
        """PUT .../scale: set ``spec.replicas`` from ``scale``; a ``resourceVersion`` in it is a precondition.
        ``managed_fields(old, new)``: the object's new managedFields (the HTTP server's field manager)."""
        info = objects.kind_for_resource(resource)
        check_scalable(info.RESOURCE)
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool):
            json_type = {bool: "bool", str: "string", float: "number", list: "array", dict: "object"}.get(
                type(replicas), type(replicas).__name__)
            raise bad_request(f'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal '
                              f"{json_type} into Go struct field ScaleSpec.spec.replicas of type int32")
        errors = scale_errors(scale)
        if errors:
            raise ObjectInvalidError("Scale", "autoscaling", name, errors)
        obj = self.get(info.RESOURCE, name, namespace)
        wanted = (scale.get("metadata") or {}).get("resourceVersion")
        if wanted:
            obj["metadata"]["resourceVersion"] = wanted  # the update's optimistic-concurrency check
        old = {**obj, "spec": dict(obj["spec"])}  # only replicas changes
        obj["spec"]["replicas"] = replicas
        if managed_fields:
            obj["metadata"]["managedFields"] = managed_fields(old, obj)
        return scale_of(self.update(obj))

    def finalize_namespace(self, name: str) -> None:
        """The namespace controller's last step: the emptied namespace goes away."""
        self.store.delete(self.key("namespaces", name))

    def bind(self, namespace: str, pod_name: str, node_name: str) -> None:
        """POST pods/<name>/binding: the scheduler's decision, written once."""
        pod = self.get("pods", pod_name, namespace)
        if pod["spec"].get("nodeName"):
            raise conflict("pods", pod_name, f"pod {pod_name} is already assigned to node "
                                             f'"{pod["spec"]["nodeName"]}"')
        pod["spec"]["nodeName"] = node_name
        conditions = [c for c in pod.get("status", {}).get("conditions", []) if c["type"] != "PodScheduled"]
        # podutil.UpdatePodCondition; a zero metav1.Time is written as null (lastProbeTime)
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": self.clock.rfc3339(self.clock.now)})
        pod.setdefault("status", {})["conditions"] = conditions
        key = self.key("pods", pod_name, namespace)
        if not self.store.compare_and_swap(key, int(pod["metadata"].pop("resourceVersion")), _dumps(pod)):
            raise conflict("pods", pod_name, STALE)

    # --- events -------------------------------------------------------------------

    def record_event(self, obj: Mapping[str, Any], type: str, reason: str, message: str, source: str,
                     host: str = "") -> None:
        """Create a core/v1 Event about ``obj``; a repeat bumps ``count`` (client-go's event correlator).

        ``source`` is the reporting component, ``host`` its machine (the kubelet's node).
        Each write of an Event attaches it to a lease of ``--event-ttl``
        (registry/core/event/storage: TTLFunc, on create and on update), so an
        Event disappears an hour after it last happened."""
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        now = self.clock.rfc3339(self.clock.now)
        identity = (obj["kind"], namespace, meta["name"], meta.get("uid"), type, reason, message, source, host)
        name = self._event_keys.get(identity)
        if name is not None:
            kv = self.store.get(self.key("events", name, namespace))
            if kv is not None:
                event = orjson.loads(kv.value)
                event["count"] += 1
                event["lastTimestamp"] = now
                self.store.put(self.key("events", name, namespace), _dumps(event), lease=self._lease_of(Event))
                return
        # client-go names events <object>.<hex of the time in ns>, so they sort by time;
        # several at one virtual instant get the next free nanosecond.
        # Start past the last name taken for this object, so a burst of events (a ReplicaSet's
        # hundred SuccessfulCreate) does not probe every taken name again.
        nanos = max(int((self.clock.epoch.timestamp() + self.clock.now) * 1_000_000_000),
                    self._event_nanos.get((namespace, meta["name"]), 0))
        while self.store.get(self.key("events", f"{meta['name']}.{nanos:x}", namespace)) is not None:
            nanos += 1
        self._event_nanos[(namespace, meta["name"])] = nanos + 1
        name = f"{meta['name']}.{nanos:x}"
        self._event_keys[identity] = name
        event = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": namespace,
                         "uid": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                         "creationTimestamp": now},
            "involvedObject": {"kind": obj["kind"], "namespace": meta.get("namespace", ""),
                               "name": meta["name"], "uid": meta.get("uid", ""),
                               "apiVersion": obj.get("apiVersion", "v1")},
            "reason": reason, "message": message,
            "source": {"component": source, "host": host} if host else {"component": source},
            "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": type,
        }  # in core/v1 Event's field order
        try:
            self.store.put(self.key("events", name, namespace), _dumps(event), lease=self._lease_of(Event))
        except StatusError:  # etcd without a quorum: events are best effort, the recorder gives up on them
            pass  # (client-go tools/record/event.go recordToSink: "Unable to write event")

    # --- watch --------------------------------------------------------------------

    def list_and_watch(self, resource: str, handler: Handler, *, namespace: str | None = None,
                       label_selector: str | None = None, field_selector: str | None = None) -> _Watcher:
        """An informer's start: ADDED for every current object, then every change.

        Events arrive later on the virtual clock, in etcd revision order. The
        object passed to ``handler`` is shared: handlers must not change it.
        """
        info = objects.kind_for_resource(resource)
        fields = parse_field_selector(field_selector)
        fields.check_supported(info.RESOURCE)
        watcher = _Watcher(info.RESOURCE, namespace, parse_selector(label_selector) if label_selector else None,
                           fields, handler, self.store.revision)
        node = fields.field_value("spec.nodeName") if info.RESOURCE == "pods" else None
        if node is not None:
            self._pod_watchers_by_node[node].append(watcher)
        else:
            self._watchers[info.RESOURCE].append(watcher)
        watcher.backlog = self.list(info.RESOURCE, namespace, label_selector=label_selector,
                                    field_selector=field_selector)
        self.clock.schedule(0, watcher.flush)
        return watcher

    def _on_store_event(self, event: Any) -> None:
        """Fan one etcd change out to the watchers that want it (the watch cache).

        Each value is decoded once and shared; the previous value only when a
        filtered watcher needs it to tell ADDED from MODIFIED, or on delete.
        """
        resource = _resource_of(event.kv.key)
        watchers = self._watchers.get(resource, ())
        by_node = self._pod_watchers_by_node if resource == "pods" else None
        if not watchers and not by_node:
            return
        deleted = event.type == "DELETE"
        new = None if deleted else self._decode(event.kv)
        previous: list[dict | None] = []  # memo: the decoded previous object

        def old() -> dict | None:
            if not previous:
                previous.append(self._decode(event.prev_kv) if event.prev_kv is not None else None)
            return previous[0]

        if by_node:
            # spec.nodeName never changes once set, so the pod's node is its current one.
            node = (old() if deleted else new)["spec"].get("nodeName")  # type: ignore[index]
            if node and node in by_node:
                watchers = [*watchers, *by_node[node]]
        revision = event.kv.mod_revision
        for watcher in watchers:
            if not watcher.active or revision <= watcher.since:
                continue
            if watcher.backlog:
                watcher.flush()
            if watcher.filtered:
                was, now = watcher.wants(old()), watcher.wants(new)
            else:
                was, now = event.prev_kv is not None, new is not None
            # An object moving into or out of a filtered watch is ADDED or DELETED for it.
            if now:
                watcher.handler("ADDED" if not was else "MODIFIED", new)
            elif was:
                watcher.handler("DELETED", new if new is not None else old())


def _resource_of(key: str) -> str | None:
    parts = key.split("/")
    if len(parts) < 3:
        return None
    stored = parts[2] if parts[2] != "services" or len(parts) < 4 else f"services/{parts[3]}"
    for resource, prefix in ETCD_PREFIX.items():
        if prefix == stored:
            return resource
    return stored

