"""Admission plugins: upstream's order, v1.31's default plugins, and their words."""

import random

import pytest

from k8scourse.api.errors import ObjectInvalidError, StatusError
from k8scourse.clock import VirtualClock
from k8scourse.cluster import Cluster
from k8scourse.etcd import Store
from k8scourse.master.admission import AdmissionChain
from k8scourse.master.apiserver import APIServer
from k8scourse.master.controllers.serviceaccounts import ServiceAccountsController

NOT_READY = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300}
UNREACHABLE = {**NOT_READY, "key": "node.kubernetes.io/unreachable"}
TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


def pod(name="web", namespace=None, *, init=False, **container):
    meta = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    spec = {"containers": [{"name": "c", "image": "nginx:1.27", **container}]}
    if init:
        spec["initContainers"] = [{"name": "setup", "image": "busybox:1.36"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def with_spec(manifest, **spec):
    manifest["spec"].update(spec)
    return manifest


def limit_range(*items):
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits"}, "spec": {"limits": list(items)}}


def forbidden(call):
    with pytest.raises(StatusError) as err:
        call()
    assert err.value.reason == "Forbidden"
    return str(err.value)


@pytest.fixture(scope="module")
def cluster():
    """A v1.31 cluster, as quickstart makes it (no nodes: nothing here needs to run)."""
    return Cluster(seed=0)


@pytest.fixture
def api():
    """An apiserver with v1.31's plugins, a ``default`` namespace and its ServiceAccount."""
    clock = VirtualClock()
    server = APIServer(Store(clock=clock), clock, random.Random(0), AdmissionChain.V1_31_PLUGINS)
    server.bootstrap()
    ServiceAccountsController(server, clock).start()
    clock.run(0)
    return server


# --- the chain --------------------------------------------------------------------


def test_chains_have_named_lists_and_run_in_upstreams_order(api):
    assert AdmissionChain.SEED_PLUGINS == ("NamespaceLifecycle", "NamespaceExists", "LimitRanger", "ResourceQuota")
    assert AdmissionChain.V1_31_PLUGINS == (
        "NamespaceLifecycle", "LimitRanger", "ServiceAccount", "TaintNodesByCondition", "PodSecurity", "Priority",
        "DefaultTolerationSeconds", "RuntimeClass", "ResourceQuota")
    chain = AdmissionChain(api, reversed(AdmissionChain.V1_31_PLUGINS))
    assert chain.names == AdmissionChain.V1_31_PLUGINS  # AllOrderedPlugins, whatever the flag's order


def test_the_plugin_list_may_be_the_flags_text_and_nothing_else(api):
    assert AdmissionChain(api, "LimitRanger,NamespaceLifecycle").names == ("NamespaceLifecycle", "LimitRanger")
    with pytest.raises(ValueError, match='plugin "PodSecurityPolicy" is unknown'):  # removed in v1.25
        AdmissionChain(api, "NamespaceLifecycle,PodSecurityPolicy")
    with pytest.raises(TypeError, match="admission plugins must be names"):
        AdmissionChain(api, [AdmissionChain])


def test_the_cluster_runs_v131s_plugins_and_the_seeds_on_request():
    assert "ServiceAccount" in Cluster(seed=0).api.admission.names
    seed = Cluster(seed=0, admission_plugins=AdmissionChain.SEED_PLUGINS)
    assert seed.api.admission.names == AdmissionChain.SEED_PLUGINS
    created = seed.api.create(pod())
    assert "serviceAccountName" not in created["spec"] and "tolerations" not in created["spec"]
    with pytest.raises(StatusError, match='^namespaces "nowhere" not found$'):  # NamespaceExists
        seed.api.create(pod(namespace="nowhere"))


# --- ServiceAccount ----------------------------------------------------------------


def test_a_pod_runs_as_the_default_service_account_with_its_token_mounted(cluster):
    created = cluster.api.create(pod("token", init=True))
    spec = created["spec"]
    assert spec["serviceAccountName"] == "default" and spec["serviceAccount"] == "default"
    (volume,) = spec["volumes"]
    name = volume["name"]
    assert name.startswith("kube-api-access-") and len(name) == len("kube-api-access-") + 5
    assert volume["projected"] == {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ],
        "defaultMode": 420,
    }
    mount = {"name": name, "readOnly": True, "mountPath": TOKEN_PATH}
    assert spec["initContainers"][0]["volumeMounts"] == [mount]
    assert spec["containers"][0]["volumeMounts"] == [mount]


def test_the_volume_suffix_comes_from_the_clusters_seed():
    names = [Cluster(seed=7).api.create(pod())["spec"]["volumes"][0]["name"] for _ in range(2)]
    assert names[0] == names[1]


def test_a_pod_before_its_namespaces_service_account_is_refused(cluster):
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    assert forbidden(lambda: cluster.api.create(pod(namespace="team"))) == (
        'pods "web" is forbidden: error looking up service account team/default: serviceaccount "default" not found')
    cluster.run(0)  # the serviceaccounts controller sees the namespace
    assert cluster.api.create(pod(namespace="team"))["spec"]["serviceAccountName"] == "default"


def test_a_deleted_default_service_account_comes_back(cluster):
    cluster.api.delete("serviceaccounts", "default", "kube-public")
    cluster.run(0)
    assert cluster.api.get("serviceaccounts", "default", "kube-public")["metadata"]["name"] == "default"


def test_a_named_service_account_must_exist(cluster):
    assert forbidden(lambda: cluster.api.create(with_spec(pod("robot"), serviceAccountName="robot"))) == (
        'pods "robot" is forbidden: error looking up service account default/robot: serviceaccount "robot" not found')
    cluster.api.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}})
    assert cluster.api.create(with_spec(pod("robot"), serviceAccountName="robot"))["spec"]["serviceAccount"] == "robot"


def test_the_deprecated_service_account_field_is_an_alias(cluster):
    cluster.api.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "old"}})
    created = cluster.api.create(with_spec(pod("alias"), serviceAccount="old"))
    assert (created["spec"]["serviceAccountName"], created["spec"]["serviceAccount"]) == ("old", "old")


def test_automount_can_be_turned_off_by_the_pod_or_the_service_account(cluster):
    assert "volumes" not in cluster.api.create(with_spec(pod("off"), automountServiceAccountToken=False))["spec"]
    cluster.api.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "quiet"},
                        "automountServiceAccountToken": False})
    quiet = cluster.api.create(with_spec(pod("quiet"), serviceAccountName="quiet"))
    assert "volumes" not in quiet["spec"]
    loud = cluster.api.create(with_spec(pod("loud"), serviceAccountName="quiet", automountServiceAccountToken=True))
    assert loud["spec"]["volumes"][0]["name"].startswith("kube-api-access-")


def test_a_container_mounting_the_token_path_itself_is_left_alone(cluster):
    mounts = [{"name": "mine", "mountPath": TOKEN_PATH}]
    created = cluster.api.create(with_spec(pod("own", volumeMounts=mounts), volumes=[{"name": "mine", "emptyDir": {}}]))
    assert [v["name"] for v in created["spec"]["volumes"]] == ["mine"]
    assert created["spec"]["containers"][0]["volumeMounts"] == [{"name": "mine", "mountPath": TOKEN_PATH}]


def test_mirror_pods_are_not_changed_and_may_not_name_a_service_account(cluster):
    mirror = pod("static-web")
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "abc"}
    created = cluster.api.create(mirror)
    assert "serviceAccountName" not in created["spec"] and "volumes" not in created["spec"]
    mirror["metadata"]["name"] = "static-sa"
    assert forbidden(lambda: cluster.api.create(with_spec(mirror, serviceAccountName="default"))) == (
        'pods "static-sa" is forbidden: a mirror pod may not reference service accounts')


# --- Priority, DefaultTolerationSeconds, RuntimeClass, TaintNodesByCondition -----------------


def test_priority_comes_from_the_priority_class(cluster):
    spec = cluster.api.create(pod("plain"))["spec"]
    assert (spec["priority"], spec["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    critical = cluster.api.create(with_spec(pod("critical"), priorityClassName="system-node-critical"))
    assert critical["spec"]["priority"] == 2000001000
    cluster_critical = cluster.api.create(with_spec(pod("cc"), priorityClassName="system-cluster-critical"))
    assert cluster_critical["spec"]["priority"] == 2000000000
    assert forbidden(lambda: cluster.api.create(with_spec(pod("gold"), priorityClassName="gold"))) == (
        'pods "gold" is forbidden: no PriorityClass with name gold was found')
    assert forbidden(lambda: cluster.api.create(with_spec(pod("pushy"), priority=10))) == (
        'pods "pushy" is forbidden: the integer value of priority (10) must not be provided in pod spec; '
        "priority admission controller computed 0 from the given PriorityClass name")


def test_pods_tolerate_a_failing_node_for_300_seconds(cluster):
    assert cluster.api.create(pod("tol"))["spec"]["tolerations"] == [NOT_READY, UNREACHABLE]
    own = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}
    assert cluster.api.create(with_spec(pod("own-tol"), tolerations=[own]))["spec"]["tolerations"] == [own, UNREACHABLE]
    everything = {"operator": "Exists"}
    assert cluster.api.create(with_spec(pod("all-tol"), tolerations=[everything]))["spec"]["tolerations"] == [
        everything]


def test_a_runtime_class_must_exist(cluster):
    assert forbidden(lambda: cluster.api.create(with_spec(pod("gvisor"), runtimeClassName="gvisor"))) == (
        'pods "gvisor" is forbidden: pod rejected: RuntimeClass "gvisor" not found')


def test_new_nodes_are_tainted_not_ready(api):
    node = api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    assert node["spec"]["taints"] == [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
    tainted = api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-2"},
                          "spec": {"taints": [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]}})
    assert len(tainted["spec"]["taints"]) == 1


def test_describe_pod_shows_what_admission_added(cluster):
    cluster.api.create(pod("described"))
    text = cluster.kubectl("describe pod described")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert lines[2:4] == ["Priority: 0", "Service Account: default"]
    volume = cluster.api.get("pods", "described")["spec"]["volumes"][0]["name"]
    start = lines.index("Volumes:")
    assert lines[start:start + 7] == [
        "Volumes:", f"{volume}:",
        "Type: Projected (a volume that contains injected data from multiple sources)",
        "TokenExpirationSeconds: 3607", "ConfigMapName: kube-root-ca.crt", "ConfigMapOptional: <nil>",
        "DownwardAPI: true"]
    start = lines.index("Tolerations: node.kubernetes.io/not-ready:NoExecute op=Exists for 300s")
    assert lines[start + 1] == "node.kubernetes.io/unreachable:NoExecute op=Exists for 300s"
    assert f"{TOKEN_PATH} from {volume} (ro)" in lines


# --- LimitRanger: mutating before validation ---------------------------------------------


CPU_DEFAULTS = {"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"},
                "defaultRequest": {"cpu": "250m", "memory": "128Mi"}}


def test_limit_ranger_defaults_are_annotated_as_upstream_does(api):
    api.create(limit_range(CPU_DEFAULTS))
    created = api.create(pod(init=True))
    assert created["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c; "
        "cpu, memory request for init container setup; cpu, memory limit for init container setup")
    assert created["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "250m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}


def test_qos_is_computed_after_the_defaults(api):
    api.create(limit_range(CPU_DEFAULTS))
    assert api.create(pod())["status"]["qosClass"] == "Burstable"


def test_a_request_above_the_default_limit_is_refused_at_create():
    cluster = Cluster.quickstart(nodes=1, seed=0)
    cluster.apply(limit_range(CPU_DEFAULTS))
    with pytest.raises(ObjectInvalidError) as err:
        cluster.apply(pod(resources={"requests": {"cpu": "1"}}))
    assert str(err.value) == ('Pod "web" is invalid: spec.containers[0].resources.requests: Invalid value: "1": '
                              "must be less than or equal to cpu limit of 500m")
    cluster.run(30)  # nothing was stored for the kubelet to trip over
    assert cluster.api.list("pods") == []


def test_limit_ranger_bounds_containers_and_pods(api):
    api.create(limit_range({"type": "Container", "min": {"cpu": "100m"}},
                           {"type": "Pod", "min": {"memory": "64Mi"}, "max": {"memory": "1Gi"}}))
    assert forbidden(lambda: api.create(pod("bare"))) == (
        'pods "bare" is forbidden: [minimum memory usage per Pod is 64Mi.  No request is specified, '
        "maximum memory usage per Pod is 1Gi.  No limit is specified]")
    assert forbidden(lambda: api.create(pod("big", resources={"limits": {"memory": "2Gi"}}))) == (
        'pods "big" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 2Gi')
    assert forbidden(lambda: api.create(pod("small", resources={"requests": {"cpu": "50m"},
                                                                "limits": {"memory": "1Gi"}}))) == (
        'pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m')
    fits = api.create(pod("fits", resources={"limits": {"memory": "1Gi"}}))
    # the container's minimum is also its default request (SetDefaults_LimitRangeItem)
    assert fits["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "100m", "memory": "1Gi"}


def test_limit_ranger_ratio(api):
    api.create(limit_range({"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}}))
    assert forbidden(lambda: api.create(pod(resources={"requests": {"cpu": "100m"}, "limits": {"cpu": "300m"}}))) == (
        'pods "web" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 3.000000')


def test_a_namespace_and_its_pods_can_be_applied_together():
    cluster = Cluster(seed=0)
    stored = cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
                           "apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: shop}\n"
                           "spec: {containers: [{name: api, image: 'httpd:2.4'}]}\n")
    assert stored[1]["spec"]["serviceAccountName"] == "default" and cluster.now == 0


def test_a_deleted_namespace_takes_its_service_account_along():
    cluster = Cluster(seed=0)
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cluster.run(1)
    assert cluster.api.list("serviceaccounts", "team")[0]["metadata"]["name"] == "default"
    cluster.api.delete("namespaces", "team")
    cluster.run(5)
    assert cluster.api.list("serviceaccounts", "team") == []
    with pytest.raises(StatusError, match='^namespaces "team" not found$'):
        cluster.api.get("namespaces", "team")


def test_kubectl_apply_of_a_namespace_and_its_pods_works_too():
    cluster = Cluster(seed=0)
    result = cluster.kubectl("apply -f -", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
                                           "apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: shop}\n"
                                           "spec: {containers: [{name: api, image: 'httpd:2.4'}]}\n")
    assert result == "namespace/shop created\npod/api created\n"


def test_on_update_mutating_admission_runs_before_validation(cluster):
    created = cluster.api.create(pod("updated"))
    spec = {k: v for k, v in created["spec"].items() if k not in ("priority", "preemptionPolicy", "tolerations")}
    labelled = {**created, "metadata": {**created["metadata"], "labels": {"tier": "web"}}, "spec": spec}
    updated = cluster.api.update(labelled)  # Priority and DefaultTolerationSeconds put back what was left out
    assert updated["metadata"]["labels"] == {"tier": "web"}
    assert (updated["spec"]["priority"], updated["spec"]["tolerations"]) == (0, [NOT_READY, UNREACHABLE])


def test_describe_prints_projected_sources_as_kubectl_v0_31_does():
    from k8scourse.kubectl.describe import projected_volume_lines

    projected = {"sources": [{"secret": {"name": "creds"}}, {"configMap": {"name": "cfg", "optional": True}},
                             {"serviceAccountToken": {"path": "token"}}, {"downwardAPI": {}}, 5]}
    assert [" ".join(line.split()) for line in projected_volume_lines(projected)] == [
        "Type: Projected (a volume that contains injected data from multiple sources)",
        "SecretName: creds", "SecretOptionalName: <nil>", "ConfigMapName: cfg", "ConfigMapOptional: true",
        "TokenExpirationSeconds: 3600", "DownwardAPI: true"]
    assert len(projected_volume_lines({"sources": 5})) == len(projected_volume_lines("x")) == 1


def test_kubectl_lists_service_accounts():
    cluster = Cluster(seed=0)
    cluster.run(5)
    assert cluster.kubectl("get sa") == "NAME      SECRETS   AGE\ndefault   0         5s\n"
    assert cluster.etcd.get("/registry/serviceaccounts/kube-system/default") is not None


def test_pods_get_their_service_accounts_image_pull_secrets(cluster):
    cluster.api.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "puller"},
                        "imagePullSecrets": [{"name": "regcred"}]})
    created = cluster.api.create(with_spec(pod("pulled"), serviceAccountName="puller"))
    assert created["spec"]["imagePullSecrets"] == [{"name": "regcred"}]
    own = cluster.api.create(with_spec(pod("own-pull"), serviceAccountName="puller", imagePullSecrets=[{"name": "x"}]))
    assert own["spec"]["imagePullSecrets"] == [{"name": "x"}]
