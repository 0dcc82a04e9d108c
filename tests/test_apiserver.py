"""The apiserver: storage layout, optimistic concurrency, watches, admission, errors."""

import json
import random

import pytest

from k8scourse.api.decoding import DecodeError
from k8scourse.api.errors import ObjectInvalidError, StatusError
from k8scourse.api.meta import generate_name
from k8scourse.clock import VirtualClock
from k8scourse.etcd import Store
from k8scourse.master.apiserver import APIServer
from k8scourse.master.controllers.namespace import NamespaceController


def pod(name="web", namespace=None, **spec):
    meta = {"name": name, "labels": {"app": name}}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", **spec}]}}


@pytest.fixture
def cluster():
    clock = VirtualClock()
    store = Store(clock=clock)
    api = APIServer(store, clock, random.Random(0))
    for name in ("default", "kube-system"):
        api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return clock, store, api


def test_objects_live_under_registry_keys(cluster):
    _, store, api = cluster
    created = api.create(pod())
    kv = store.get("/registry/pods/default/web")
    assert json.loads(kv.value)["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert created["metadata"]["resourceVersion"] == str(kv.mod_revision)
    api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    assert store.get("/registry/minions/node-1") is not None  # nodes keep their old name in etcd


def test_defaults_and_metadata_are_filled(cluster):
    _, _, api = cluster
    created = api.create(pod())
    assert created["spec"]["restartPolicy"] == "Always"
    assert created["metadata"]["creationTimestamp"] == "2025-01-01T00:00:00Z"
    assert len(created["metadata"]["uid"]) == 36


def test_generate_name_is_deterministic(cluster):
    _, _, api = cluster
    manifest = pod()
    del manifest["metadata"]["name"]
    manifest["metadata"]["generateName"] = "web-"
    name = api.create(manifest)["metadata"]["name"]
    assert name.startswith("web-") and len(name) == 9
    clock = VirtualClock()
    other = APIServer(Store(clock=clock), clock, random.Random(0))
    other.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    other.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}})
    assert other.create(manifest)["metadata"]["name"] == name


def test_errors_read_like_the_apiservers(cluster):
    _, _, api = cluster
    api.create(pod())
    with pytest.raises(StatusError, match='^pods "web" already exists$') as err:
        api.create(pod())
    assert (err.value.code, err.value.reason) == (409, "AlreadyExists")
    with pytest.raises(StatusError, match='^pods "nope" not found$'):
        api.get("pods", "nope")
    with pytest.raises(StatusError, match='^deployments.apps "nope" not found$'):
        api.get("deployments", "nope")
    with pytest.raises(ObjectInvalidError, match=r'^Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1"'):
        api.create(pod("Web_1"))


def test_stale_update_is_a_conflict(cluster):
    _, _, api = cluster
    first = api.create(pod())
    fresh = api.get("pods", "web")
    fresh["metadata"]["labels"]["tier"] = "frontend"
    updated = api.update(fresh)
    assert int(updated["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
    first["metadata"]["labels"]["tier"] = "backend"
    with pytest.raises(StatusError) as err:
        api.update(first)
    assert err.value.reason == "Conflict"
    assert str(err.value) == ('Operation cannot be fulfilled on pods "web": the object has been modified; '
                              "please apply your changes to the latest version and try again")


def test_noop_update_keeps_the_resource_version(cluster):
    _, _, api = cluster
    created = api.create(pod())
    assert api.update(created)["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_list_with_label_and_field_selectors(cluster):
    _, _, api = cluster
    for name in ("web", "db", "cache"):
        api.create(pod(name))
    api.bind("default", "db", "node-1")
    assert [p["metadata"]["name"] for p in api.list("pods")] == ["cache", "db", "web"]
    assert [p["metadata"]["name"] for p in api.list("pods", label_selector="app in (web,db)")] == ["db", "web"]
    assert [p["metadata"]["name"] for p in api.list("pods", field_selector="spec.nodeName=node-1")] == ["db"]
    assert [p["metadata"]["name"] for p in api.list("pods", field_selector="spec.nodeName!=node-1")] == ["cache", "web"]
    with pytest.raises(StatusError, match="^field label not supported: spec.foo$"):
        api.list("pods", field_selector="spec.foo=bar")
    with pytest.raises(StatusError, match="can't understand 'oops'"):
        api.list("pods", field_selector="oops")
    with pytest.raises(ValueError, match="unable to parse requirement"):
        api.list("pods", label_selector="app in (web")


def test_merge_patch_adds_and_removes_labels(cluster):
    _, _, api = cluster
    api.create(pod())
    api.patch("pods", "web", {"metadata": {"labels": {"tier": "frontend"}}})
    assert api.get("pods", "web")["metadata"]["labels"] == {"app": "web", "tier": "frontend"}
    api.patch("pods", "web", {"metadata": {"labels": {"app": None}}})
    assert api.get("pods", "web")["metadata"]["labels"] == {"tier": "frontend"}


def test_watch_delivers_events_later_and_in_order(cluster):
    clock, _, api = cluster
    api.create(pod("old"))
    seen = []
    api.list_and_watch("pods", lambda kind, obj: seen.append((kind, obj["metadata"]["name"])))
    api.create(pod("web"))
    assert seen == []  # nothing yet: watches are asynchronous
    api.delete("pods", "web")
    clock.run(0)
    assert seen == [("ADDED", "old"), ("ADDED", "web"), ("DELETED", "web")]


def test_node_watch_sees_a_pod_arrive_when_it_is_bound(cluster):
    clock, _, api = cluster
    seen = []
    api.list_and_watch("pods", lambda kind, obj: seen.append(kind), field_selector="spec.nodeName=node-1")
    api.create(pod())
    clock.run(0)
    assert seen == []
    api.bind("default", "web", "node-1")
    clock.run(0)
    assert seen == ["ADDED"]
    with pytest.raises(StatusError, match='already assigned to node "node-1"'):
        api.bind("default", "web", "node-2")


def test_bound_pods_are_deleted_gracefully(cluster):
    clock, _, api = cluster
    api.create(pod())
    api.bind("default", "web", "node-1")
    api.delete("pods", "web")
    terminating = api.get("pods", "web")
    assert terminating["metadata"]["deletionGracePeriodSeconds"] == 30
    assert terminating["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:30Z"
    api.delete("pods", "web", grace_period_seconds=0)  # what the kubelet does once containers stopped
    with pytest.raises(StatusError, match="not found"):
        api.get("pods", "web")


def test_events_are_recorded_and_counted(cluster):
    _, _, api = cluster
    obj = api.create(pod())
    for _ in range(3):
        api.record_event(obj, "Warning", "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.",
                         "default-scheduler")
    (event,) = api.list("events")
    assert event["count"] == 3 and event["involvedObject"]["name"] == "web"
    assert api.list("events", field_selector="reason=FailedScheduling") == [event]


def test_events_expire_after_the_event_ttl(cluster):
    clock, store, api = cluster
    obj = api.create(pod())
    api.record_event(obj, "Normal", "Scheduled", "Successfully assigned default/web to node-1", "default-scheduler")
    api.record_event(obj, "Normal", "Pulling", 'Pulling image "nginx:1.27"', "kubelet")
    (lease,) = store.leases()  # one lease, shared (lease_manager.go)
    assert store.time_to_live(lease).granted_ttl == 3600 + 60  # --event-ttl, plus the reuse margin
    clock.run(3599)
    assert len(api.list("events")) == 2
    clock.run(62)
    assert api.list("events") == []


def test_a_repeated_event_lives_an_hour_from_its_last_time(cluster):
    clock, _, api = cluster
    obj = api.create(pod())
    api.record_event(obj, "Warning", "BackOff", "Back-off restarting failed container", "kubelet")
    clock.run(3000)
    api.record_event(obj, "Warning", "BackOff", "Back-off restarting failed container", "kubelet")
    clock.run(1000)
    (event,) = api.list("events")
    assert event["count"] == 2
    clock.run(3000)
    assert api.list("events") == []


def test_the_event_ttl_is_a_flag():
    clock = VirtualClock()
    api = APIServer(Store(clock=clock), clock, random.Random(0), event_ttl_seconds=60)
    api.bootstrap()
    api.record_event(api.get("namespaces", "default"), "Normal", "Test", "a short-lived event", "test")
    clock.run(63)  # 60 s and at most 5 % more
    assert api.list("events") == []


def test_pods_have_no_generation_in_v1_31(cluster):
    _, _, api = cluster
    created = api.create(pod())
    assert "generation" not in created["metadata"]
    updated = api.update({**created, "spec": {**created["spec"], "activeDeadlineSeconds": 60}})
    assert "generation" not in updated["metadata"]
    rs = api.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
                     "spec": {"selector": {"matchLabels": {"app": "web"}},
                              "template": {"metadata": {"labels": {"app": "web"}},
                                           "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    assert rs["metadata"]["generation"] == 1


def test_binding_sets_pod_scheduled_with_a_null_probe_time(cluster):
    _, _, api = cluster
    api.create(pod())
    api.bind("default", "web", "node-1")
    (condition,) = api.get("pods", "web")["status"]["conditions"]
    assert condition == {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                         "lastTransitionTime": "2025-01-01T00:00:00Z"}


# --- admission -------------------------------------------------------------------

def test_namespace_must_exist(cluster):
    _, _, api = cluster
    with pytest.raises(StatusError, match='^namespaces "nope" not found$') as err:
        api.create(pod(namespace="nope"))
    assert err.value.reason == "NotFound"


def test_system_namespaces_cannot_be_deleted(cluster):
    _, _, api = cluster
    with pytest.raises(StatusError, match='^namespaces "default" is forbidden: this namespace may not be deleted$'):
        api.delete("namespaces", "default")


def test_terminating_namespace_refuses_content_and_is_then_removed(cluster):
    clock, _, api = cluster
    NamespaceController(api, clock).start()
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    api.create(pod(namespace="team"))
    api.delete("namespaces", "team")
    assert api.get("namespaces", "team")["status"]["phase"] == "Terminating"
    with pytest.raises(StatusError) as err:
        api.create(pod("late", namespace="team"))
    assert str(err.value) == ('pods "late" is forbidden: unable to create new content in namespace team '
                              "because it is being terminated")
    clock.run(5)
    with pytest.raises(StatusError, match='namespaces "team" not found'):
        api.get("namespaces", "team")


def test_unknown_admission_plugin_is_refused():
    clock = VirtualClock()
    with pytest.raises(ValueError, match='plugin "NamespaceAutoProvision" is unknown'):
        APIServer(Store(clock=clock), clock, random.Random(0), admission_plugins=["NamespaceAutoProvision"])


def limit_range(**item):
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits"},
            "spec": {"limits": [{"type": "Container", **item}]}}


def test_limit_ranger_fills_defaults_and_says_so(cluster):
    _, _, api = cluster
    api.create(limit_range(default={"cpu": "500m"}, defaultRequest={"cpu": "250m"}))
    created = api.create(pod())
    resources = created["spec"]["containers"][0]["resources"]
    assert resources == {"limits": {"cpu": "500m"}, "requests": {"cpu": "250m"}}
    assert created["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu request for container app; cpu limit for container app")


def test_limit_ranger_enforces_max(cluster):
    _, _, api = cluster
    api.create(limit_range(max={"cpu": "1"}))
    with pytest.raises(StatusError) as err:
        api.create(pod(resources={"limits": {"cpu": "2"}}))
    assert str(err.value) == 'pods "web" is forbidden: maximum cpu usage per Container is 1, but limit is 2'
    assert err.value.reason == "Forbidden"


def test_resource_quota_refuses_what_would_exceed_it(cluster):
    _, _, api = cluster
    api.create({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute"},
                "spec": {"hard": {"pods": "2", "requests.cpu": "1"}}})
    api.create(pod("a", resources={"requests": {"cpu": "600m"}}))
    with pytest.raises(StatusError) as err:
        api.create(pod("b", resources={"requests": {"cpu": "600m"}}))
    assert str(err.value) == ('pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, '
                              "used: requests.cpu=600m, limited: requests.cpu=1")
    with pytest.raises(StatusError, match=r'^pods "c" is forbidden: failed quota: compute: must specify requests.cpu for: app$'):
        api.create(pod("c"))
    assert api.get("resourcequotas", "compute")["status"]["used"] == {"pods": "1", "requests.cpu": "600m"}


# --- services ---------------------------------------------------------------------

def service(name, **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}], **spec}}


def test_bootstrap_creates_system_namespaces_and_the_kubernetes_service():
    clock = VirtualClock()
    api = APIServer(Store(clock=clock), clock, random.Random(0), service_cluster_ip_range="10.96.0.0/12")
    api.bootstrap()
    assert [n["metadata"]["name"] for n in api.list("namespaces")] == [
        "default", "kube-node-lease", "kube-public", "kube-system"]
    assert api.get("services", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"


def test_cluster_ips_come_from_the_range_and_are_unique(cluster):
    _, _, api = cluster
    ips = {api.create(service(f"s{i}"))["spec"]["clusterIP"] for i in range(20)}
    assert len(ips) == 20
    assert all(ip.startswith("10.") for ip in ips)
    fixed = api.create(service("fixed", clusterIP="10.96.0.10"))
    assert fixed["spec"]["clusterIPs"] == ["10.96.0.10"]
    with pytest.raises(ValueError, match="failed to allocate IP 10.96.0.10: provided IP is already allocated"):
        api.create(service("again", clusterIP="10.96.0.10"))
    with pytest.raises(ValueError, match=r"provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12"):
        api.create(service("outside", clusterIP="192.168.0.1"))
    api.delete("services", "fixed")
    assert api.create(service("reuse", clusterIP="10.96.0.10"))["spec"]["clusterIP"] == "10.96.0.10"


def test_bad_service_range_is_refused():
    clock = VirtualClock()
    with pytest.raises(ValueError, match='--service-cluster-ip-range: Invalid value: "10.0.0.0/33"'):
        APIServer(Store(clock=clock), clock, random.Random(0), service_cluster_ip_range="10.0.0.0/33")


def test_new_pods_are_pending_with_a_qos_class(cluster):
    _, _, api = cluster
    assert api.create(pod())["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    guaranteed = api.create(pod("g", resources={"limits": {"cpu": "1", "memory": "1Gi"}}))
    assert guaranteed["status"]["qosClass"] == "Guaranteed"
    burstable = api.create(pod("b", resources={"requests": {"cpu": "100m"}}))
    assert burstable["status"]["qosClass"] == "Burstable"


def test_unset_boolean_fields_select_as_false(cluster):
    _, _, api = cluster
    api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    assert len(api.list("nodes", field_selector="spec.unschedulable=false")) == 1


def test_disabled_plugins_do_nothing():
    clock = VirtualClock()
    api = APIServer(Store(clock=clock), clock, random.Random(0), admission_plugins=["NamespaceLifecycle"])
    api.bootstrap()
    api.create(limit_range(default={"cpu": "500m"}))
    api.create({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hard": {"pods": "0"}}})
    created = api.create(pod())  # neither LimitRanger nor ResourceQuota is on
    assert "resources" not in created["spec"]["containers"][0] or not created["spec"]["containers"][0]["resources"]
    with pytest.raises(StatusError, match='namespaces "nope" not found'):
        api.create(pod(namespace="nope"))  # NamespaceLifecycle still is


def test_etcd_history_is_compacted_every_five_minutes():
    clock = VirtualClock()
    store = Store(clock=clock)
    api = APIServer(store, clock, random.Random(0))
    api.bootstrap()
    first = store.revision
    clock.run(300)
    assert store.compact_revision == 0  # the first round only looks
    api.create(pod())
    clock.run(300)
    assert store.compact_revision == first  # the second compacts to what the first saw
    with pytest.raises(ValueError, match="required revision has been compacted"):
        store.get("/registry/namespaces/default", revision=first - 1)


# --- what updates may not change ---------------------------------------------------

def test_pod_spec_is_fixed_but_images_may_change(cluster):
    _, _, api = cluster
    api.create(pod())
    api.bind("default", "web", "node-1")
    current = api.get("pods", "web")
    current["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert api.update(current)["spec"]["containers"][0]["image"] == "nginx:1.28"
    current = api.get("pods", "web")
    current["spec"]["restartPolicy"] = "Never"
    with pytest.raises(ObjectInvalidError) as err:
        api.update(current)
    assert str(err.value).startswith('Pod "web" is invalid: spec: Forbidden: pod updates may not change fields '
                                     "other than `spec.containers[*].image`,")
    current = api.get("pods", "web")
    del current["spec"]["nodeName"]  # a replace that forgets the binding
    with pytest.raises(ObjectInvalidError, match="pod updates may not change fields"):
        api.update(current)


def test_pod_tolerations_may_only_be_added(cluster):
    _, _, api = cluster
    toleration = {"key": "a", "operator": "Exists", "effect": "NoSchedule"}
    api.create({**pod(), "spec": {**pod()["spec"], "tolerations": [toleration]}})
    current = api.get("pods", "web")
    current["spec"]["tolerations"].append({"key": "b", "operator": "Exists", "effect": "NoSchedule"})
    api.update(current)
    current = api.get("pods", "web")
    current["spec"]["tolerations"] = current["spec"]["tolerations"][1:]
    with pytest.raises(ObjectInvalidError, match="only additions to existing tolerations"):
        api.update(current)


def test_workload_selectors_and_cluster_ips_are_immutable(cluster):
    _, _, api = cluster
    labels = {"app": "web"}
    api.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
                "spec": {"replicas": 0, "selector": {"matchLabels": labels},
                         "template": {"metadata": {"labels": {**labels, "tier": "a"}},
                                      "spec": pod()["spec"]}}})
    current = api.get("replicasets", "web")
    current["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "a"}}
    with pytest.raises(ObjectInvalidError, match=r'^ReplicaSet.apps "web" is invalid: spec.selector: Invalid value: '
                                                 r".*: field is immutable$"):
        api.update(current)
    api.create(service("svc"))
    current = api.get("services", "svc")
    current["spec"]["clusterIP"] = "10.96.0.99"
    with pytest.raises(ObjectInvalidError, match=r'spec.clusterIPs\[0\]: Invalid value: \[\]string\{"10.96.0.99"\}: '
                                                 "may not change once set"):
        api.update(current)


def test_create_leaves_the_callers_manifest_alone(cluster):
    _, _, api = cluster
    manifest = pod()
    del manifest["metadata"]["name"]
    manifest["metadata"]["generateName"] = "web-"
    before = json.dumps(manifest, sort_keys=True)
    api.create(manifest)
    assert json.dumps(manifest, sort_keys=True) == before


def test_events_created_through_the_api_expire_too(cluster):
    clock, _, api = cluster
    api.create({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "hello"},
                "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"}, "reason": "Test"})
    clock.run(3661)
    assert api.list("events") == []


def test_an_update_decodes_what_differs_from_the_stored_object_by_json_type(cluster):
    """The decoder skips a field that is, as JSON, exactly the stored one. ``True == 1`` in
    Python, so a bool where the stored int is must still reach the decoder and be refused."""
    _, _, api = cluster
    manifest = pod()
    manifest["spec"]["terminationGracePeriodSeconds"] = 1
    stored = api.create(manifest)
    same = {**stored, "spec": {**stored["spec"], "terminationGracePeriodSeconds": 1}}
    assert api.update(same)["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    changed = {**stored, "spec": {**stored["spec"], "terminationGracePeriodSeconds": True}}
    with pytest.raises(DecodeError) as err:
        api.update(changed)
    assert "Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64" in str(err.value)


def test_a_status_write_keeps_the_stored_spec_and_leaves_the_callers_object_alone(cluster):
    """A status write reuses the stored object's unchanged fields rather than copying the
    body's: the body stays the caller's, a changed spec in it is decoded but not kept, and
    what the write returns shares nothing with what a later write reads."""
    _, _, api = cluster
    stored = api.create(pod())
    body = {**stored, "spec": {**stored["spec"], "activeDeadlineSeconds": 30},
            "status": {**stored["status"], "phase": "Running"}}
    before = json.dumps(body, sort_keys=True)
    written = api.update_status(body)
    assert json.dumps(body, sort_keys=True) == before
    assert written["status"]["phase"] == "Running" and "activeDeadlineSeconds" not in written["spec"]
    written["spec"]["containers"][0]["image"] = "changed-by-the-caller"
    assert api.get("pods", "web")["spec"]["containers"][0]["image"] == stored["spec"]["containers"][0]["image"]
    with pytest.raises(DecodeError):
        api.update_status({**written, "spec": {**stored["spec"], "activeDeadlineSeconds": "30"}})


def test_an_update_with_an_unchanged_spec_still_checks_what_changed(cluster):
    """A main-resource write takes its unchanged spec from the stored object, yet compares
    against its own copy: a changed immutable field is still refused."""
    _, _, api = cluster
    stored = api.create(pod())
    renamed = {**stored, "spec": {**stored["spec"], "containers": [
        {**stored["spec"]["containers"][0], "name": "other"}]}}
    with pytest.raises(ObjectInvalidError) as err:
        api.update(renamed)
    assert "spec: Forbidden: pod updates may not change fields other than" in str(err.value)
    labelled = {**stored, "metadata": {**stored["metadata"], "labels": {"app": "web", "tier": "front"}}}
    assert api.update(labelled)["metadata"]["labels"]["tier"] == "front"


def _names_to_be_drawn(api, count):
    """The names the apiserver's next create with generateName "web-" would try, in order (a UID is drawn
    after the first), from a copy of its RNG."""
    draws = random.Random()
    draws.setstate(api.rng.getstate())
    names = [generate_name("web-", draws)]
    draws.getrandbits(128)
    return names + [generate_name("web-", draws) for _ in range(count - 1)]


def _generated_pod():
    manifest = pod()
    del manifest["metadata"]["name"]
    manifest["metadata"]["generateName"] = "web-"
    return manifest


def test_a_generated_name_already_taken_is_drawn_again(cluster):
    """RetryGenerateName (beta, on in v1.31): a taken name is drawn again, up to 8 names in all."""
    _, _, api = cluster
    state = api.rng.getstate()
    first, second = _names_to_be_drawn(api, 2)
    api.create(pod(first))
    api.rng.setstate(state)
    assert api.create(_generated_pod())["metadata"]["name"] == second


def test_a_generated_name_conflict_after_eight_draws_is_upstreams_409(cluster):
    _, _, api = cluster
    state = api.rng.getstate()
    names = _names_to_be_drawn(api, 8)
    for name in names:
        api.create(pod(name))
    api.rng.setstate(state)
    with pytest.raises(StatusError) as err:
        api.create(_generated_pod())
    assert (err.value.code, err.value.reason, str(err.value)) == (
        409, "AlreadyExists", f'pods "{names[-1]}" already exists, the server was not able to generate a unique '
                              "name for the object")
