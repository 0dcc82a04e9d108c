"""API objects: manifests in, defaults added, errors worded as the apiserver words them."""

import random

import pytest
import yaml

from k8scourse.api.decoding import DecodeError, ManifestSyntaxError
from k8scourse.api.errors import K8sValueError, ObjectInvalidError
from k8scourse.api.meta import ManifestError, generate_name
from k8scourse.api.objects import (
    KINDS,
    Deployment,
    Event,
    HorizontalPodAutoscaler,
    LimitRange,
    Namespace,
    NoKindMatchError,
    Node,
    Pod,
    ReplicaSet,
    ReplicationController,
    ResourceQuota,
    Service,
    UnknownResourceError,
    kind_for_resource,
    load,
    load_all,
)

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
"""

DEFAULTED_TEMPLATE_SPEC = {
    "containers": [{
        "image": "nginx:1.25",
        "imagePullPolicy": "IfNotPresent",
        "name": "web",
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }],
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
}


def error_of(manifest, **kwargs) -> str:
    with pytest.raises(K8sValueError) as err:
        load(manifest, **kwargs)
    return str(err.value)


def deployment(**spec_changes) -> dict:
    manifest = yaml.safe_load(DEPLOYMENT)
    manifest["spec"].update(spec_changes)
    return manifest


def pod(*containers, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": list(containers) or [{"name": "c", "image": "busybox:1.36"}], **spec}}


# --- round trips with the apiserver's defaults ------------------------------------------------

def test_deployment_round_trip_shows_every_default():
    obj = load(DEPLOYMENT)
    assert isinstance(obj, Deployment)
    assert obj.to_manifest() == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"labels": {"app": "web"}, "name": "web", "namespace": "default"},
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": 1,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": DEFAULTED_TEMPLATE_SPEC},
        },
    }
    assert list(obj.to_manifest()) == ["apiVersion", "kind", "metadata", "spec"]  # sorted, as kubectl prints
    again = load(obj.to_manifest())
    assert again == obj  # defaulting is idempotent
    assert yaml.safe_load(obj.to_yaml()) == obj.to_manifest()


def test_object_is_its_manifest():
    obj = load(DEPLOYMENT)
    assert (obj.kind, obj.api_version, obj.name, obj.namespace) == ("Deployment", "apps/v1", "web", "default")
    assert obj.labels == {"app": "web"} and obj.annotations == {} and obj.uid == "" and obj.generation == 0
    assert obj.spec is obj.data["spec"] and obj.status == {} and obj.owner_references == ()
    assert obj.replicas == 1 and obj.selector().matches({"app": "web", "x": "y"})
    assert repr(obj) == "<Deployment default/web>"
    with pytest.raises(TypeError):  # absent parts read as empty, and refuse writes
        obj.status["replicas"] = 1


def test_input_is_never_mutated():
    manifest = deployment()
    snapshot = yaml.safe_dump(manifest)
    load(manifest)
    assert yaml.safe_dump(manifest) == snapshot


def test_pod_defaults():
    obj = load(pod({"name": "c", "image": "nginx", "resources": {"limits": {"cpu": 0.5, "memory": "1024Mi"}}},
                   {"name": "d", "image": "nginx:latest"}, {"name": "e", "image": "reg:5000/nginx@sha256:abc"}))
    spec = obj.spec
    assert spec["enableServiceLinks"] is True and spec["restartPolicy"] == "Always"
    assert spec["terminationGracePeriodSeconds"] == 30 and spec["schedulerName"] == "default-scheduler"
    assert [c["imagePullPolicy"] for c in spec["containers"]] == ["Always", "Always", "IfNotPresent"]
    # requests default to limits, and quantities are stored canonically
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "500m", "memory": "1Gi"},
                                                  "requests": {"cpu": "500m", "memory": "1Gi"}}


def test_templates_do_not_get_pod_only_defaults():
    template_spec = load(DEPLOYMENT).spec["template"]["spec"]
    assert "enableServiceLinks" not in template_spec


def test_resource_lists_round_up_to_millis():
    obj = load(pod({"name": "c", "image": "x", "resources": {"requests": {"cpu": "0.1m"}}}))
    assert obj.spec["containers"][0]["resources"]["requests"]["cpu"] == "1m"


def test_probe_and_volume_defaults():
    container = {"name": "c", "image": "x", "livenessProbe": {"httpGet": {"port": 8080}},
                 "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]}
    obj = load(pod(container, volumes=[{"name": "cache"}, {"name": "cfg", "configMap": {"name": "cfg"}}]))
    assert obj.spec["containers"][0]["livenessProbe"] == {
        "httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    assert obj.spec["volumes"] == [{"name": "cache", "emptyDir": {}},
                                   {"name": "cfg", "configMap": {"name": "cfg", "defaultMode": 420}}]


def test_replication_controller_selector_defaults_to_template_labels():
    rc = load({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "web"},
               "spec": {"template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "c", "image": "x"}]}}}})
    assert isinstance(rc, ReplicationController)
    assert rc.spec["selector"] == {"app": "web"} and rc.labels == {"app": "web"} and rc.replicas == 1
    assert rc.selector().matches({"app": "web"}) and not rc.selector().matches({"app": "db"})


def test_replication_controller_needs_template_labels():
    message = error_of({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "web"},
                        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}})
    assert message == 'ReplicationController "web" is invalid: spec.selector: Required value'


def test_replica_set_defaults_and_selector():
    rs = load({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
               "spec": {"selector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]},
                        "template": {"metadata": {"labels": {"tier": "web"}},
                                     "spec": {"containers": [{"name": "c", "image": "x"}]}}}})
    assert isinstance(rs, ReplicaSet) and rs.replicas == 1
    assert rs.selector().matches({"tier": "web"})


def test_service_defaults():
    svc = load({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                "spec": {"selector": {"app": "web"},
                         "ports": [{"name": "a", "port": 80}, {"name": "b", "port": 81, "targetPort": "http"}]}})
    assert isinstance(svc, Service)
    assert svc.spec == {"selector": {"app": "web"}, "sessionAffinity": "None", "type": "ClusterIP",
                        "internalTrafficPolicy": "Cluster",
                        "ports": [{"name": "a", "port": 80, "protocol": "TCP", "targetPort": 80},
                                  {"name": "b", "port": 81, "targetPort": "http", "protocol": "TCP"}]}


def test_node_port_service_defaults_external_traffic_policy():
    svc = load({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                "spec": {"type": "NodePort", "sessionAffinity": "ClientIP", "ports": [{"port": 80}]}})
    assert svc.spec["externalTrafficPolicy"] == "Cluster"
    assert svc.spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_hpa_defaults():
    hpa = load({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                         "maxReplicas": 5}})
    assert isinstance(hpa, HorizontalPodAutoscaler)
    assert hpa.min_replicas == 1 and hpa.max_replicas == 5
    assert hpa.spec["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert "behavior" not in hpa.spec  # filled in only when given


def test_hpa_behavior_defaults_fill_what_is_missing():
    hpa = load({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
                "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5,
                         "metrics": [{"type": "Resource", "resource": {"name": "memory", "target": {
                             "type": "AverageValue", "averageValue": "0.5Gi"}}}],
                         "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}})
    assert hpa.spec["behavior"] == {
        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]},
        "scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max", "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 15}]},
    }
    assert hpa.spec["metrics"][0]["resource"]["target"]["averageValue"] == "512Mi"


def test_namespace_node_and_policy_defaults():
    ns = load({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "namespace": "x"}})
    assert isinstance(ns, Namespace) and ns.namespace == ""  # cluster-scoped: namespace cleared
    assert ns.labels == {"kubernetes.io/metadata.name": "shop"} and ns.phase == "Active"
    node = load({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"},
                 "status": {"capacity": {"cpu": "4", "memory": "8192Mi", "pods": "110"}}})
    assert isinstance(node, Node) and node.status["allocatable"] == {"cpu": "4", "memory": "8Gi", "pods": "110"}
    assert node.allocatable()["memory"].value() == 8 * 2**30
    limits = load({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits"},
                   "spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}}]}})
    assert isinstance(limits, LimitRange)
    assert limits.spec["limits"][0]["default"] == {"cpu": "2"}
    assert limits.spec["limits"][0]["defaultRequest"] == {"cpu": "2", "memory": "64Mi"}
    quota = load({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
                  "spec": {"hard": {"pods": 10, "requests.cpu": "0.5"}}})
    assert isinstance(quota, ResourceQuota) and quota.spec["hard"] == {"pods": "10", "requests.cpu": "500m"}


def test_event_loads_with_legacy_rules():
    event = load({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1"}, "reason": "Scheduled",
                  "message": "Successfully assigned", "type": "Normal",
                  "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"}})
    assert isinstance(event, Event) and event.reason == "Scheduled"
    assert error_of({**event.data, "metadata": {"name": "e", "namespace": "shop"}}) == (
        'Event "e" is invalid: involvedObject.namespace: Invalid value: "default": does not match event.namespace')


def test_namespace_argument_is_kubectls_dash_n():
    assert load(DEPLOYMENT, namespace="shop").namespace == "shop"
    assert load({**deployment(), "metadata": {"name": "web", "namespace": "prod"}}, namespace="shop").namespace == "prod"


def test_load_all_reads_every_document_and_lists():
    text = DEPLOYMENT + "\n---\n# empty documents are skipped\n---\n" + yaml.safe_dump(
        {"apiVersion": "v1", "kind": "List", "items": [pod(), {**pod(), "metadata": {"name": "q"}}]})
    objects = load_all(text)
    assert [(o.kind, o.name) for o in objects] == [("Deployment", "web"), ("Pod", "p"), ("Pod", "q")]


def test_typed_from_manifest_fills_in_kind():
    obj = Pod.from_manifest({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}})
    assert (obj.api_version, obj.kind) == ("v1", "Pod")
    with pytest.raises(ManifestError):
        Pod.from_manifest(DEPLOYMENT)


def test_registry_and_resource_names():
    table = {k.KIND: (k.API_VERSION, k.RESOURCE, k.SHORT_NAMES, k.NAMESPACED) for k in KINDS}
    assert table == {
        "Pod": ("v1", "pods", ("po",), True),
        "Node": ("v1", "nodes", ("no",), False),
        "Namespace": ("v1", "namespaces", ("ns",), False),
        "ReplicationController": ("v1", "replicationcontrollers", ("rc",), True),
        "ReplicaSet": ("apps/v1", "replicasets", ("rs",), True),
        "Deployment": ("apps/v1", "deployments", ("deploy",), True),
        "HorizontalPodAutoscaler": ("autoscaling/v2", "horizontalpodautoscalers", ("hpa",), True),
        "Service": ("v1", "services", ("svc",), True),
        "LimitRange": ("v1", "limitranges", ("limits",), True),
        "ResourceQuota": ("v1", "resourcequotas", ("quota",), True),
        "Event": ("v1", "events", ("ev",), True),
        "Lease": ("coordination.k8s.io/v1", "leases", (), True),
        "ServiceAccount": ("v1", "serviceaccounts", ("sa",), True),
        "Endpoints": ("v1", "endpoints", ("ep",), True),
        "EndpointSlice": ("discovery.k8s.io/v1", "endpointslices", (), True),
    }
    for name in ("pods", "pod", "po", "Pod", "POD"):
        assert kind_for_resource(name) is Pod
    assert kind_for_resource("deployments.apps") is Deployment and kind_for_resource("hpa") is HorizontalPodAutoscaler
    with pytest.raises(UnknownResourceError, match='the server doesn\'t have a resource type "foos"'):
        kind_for_resource("foos")


def test_generate_name_uses_the_given_rng():
    assert generate_name("web-7d4b9-", random.Random(1)) == generate_name("web-7d4b9-", random.Random(1))
    name = generate_name("web-", random.Random(2))
    assert name.startswith("web-") and len(name) == 9 and not set(name[4:]) & set("aeiou013")


# --- errors before validation: which kind, and decoding ---------------------------------------

def test_wrong_api_version_for_the_kind():
    message = error_of({**deployment(), "apiVersion": "v1"})
    assert message == 'no matches for kind "Deployment" in version "v1"'
    assert error_of({**pod(), "kind": "Pods"}) == 'no matches for kind "Pods" in version "v1"'
    assert isinstance(pytest.raises(NoKindMatchError, load, {**pod(), "apiVersion": "apps/v1"}).value, ValueError)


def test_missing_kind_or_api_version():
    assert error_of({"apiVersion": "v1", "metadata": {"name": "p"}}) == \
        """Object 'Kind' is missing in '{"apiVersion":"v1","metadata":{"name":"p"}}'"""
    assert error_of({"kind": "Pod", "metadata": {"name": "p"}}) == \
        """Object 'apiVersion' is missing in '{"kind":"Pod","metadata":{"name":"p"}}'"""
    assert error_of("just text") == "Object 'Kind' is missing in '\"just text\"'"
    assert error_of("- a\n- b") == """Object 'Kind' is missing in '["a","b"]'"""


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(ManifestSyntaxError, match="error converting YAML to JSON: yaml: line 2: "):
        load("kind: Pod\n  bad: [")


def test_unknown_fields_fail_strict_decoding():
    assert error_of(deployment(replica=3)) == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"')
    manifest = deployment()
    manifest["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    manifest["metdata"] = {}
    assert error_of(manifest) == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].imagee", unknown field "metdata"')
    assert isinstance(pytest.raises(DecodeError, load, manifest).value, K8sValueError)


def test_wrong_json_types_fail_decoding_first():
    assert error_of(deployment(replicas="3", replica=1)) == (
        'Deployment in version "v1" cannot be handled as a Deployment: '
        "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32")
    assert error_of(pod({"name": "c", "image": "x", "ports": [{"containerPort": "80"}]})) == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field '
        "ContainerPort.spec.containers.ports.containerPort of type int32")
    assert error_of({**pod(), "metadata": {"name": "p", "labels": {"version": 1}}}) == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field '
        "ObjectMeta.metadata.labels of type string")
    assert error_of(deployment(replicas=1.5)).endswith("cannot unmarshal number 1.5 into Go struct field "
                                                       "DeploymentSpec.spec.replicas of type int32")
    assert error_of(pod(containers={"name": "c"})).endswith(
        "cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container")
    assert load(deployment(replicas=3.0)).replicas == 3  # YAML 3.0 reaches the apiserver as JSON 3


# --- validation: the apiserver's 422 Invalid ---------------------------------------------------

def test_missing_name():
    assert error_of({**pod(), "metadata": {}}) == \
        'Pod "" is invalid: metadata.name: Required value: name or generateName is required'


def test_invalid_names():
    assert error_of({**pod(), "metadata": {"name": "Web_1"}}) == (
        'Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must '
        "consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
    assert error_of({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1web"},
                     "spec": {"ports": [{"port": 80}]}}).startswith(
        'Service "1web" is invalid: metadata.name: Invalid value: "1web": a DNS-1035 label must consist of')
    assert error_of({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "my.ns"}}).startswith(
        'Namespace "my.ns" is invalid: metadata.name: Invalid value: "my.ns": a lowercase RFC 1123 label must')
    assert error_of(pod(), namespace="Shop").startswith(
        'Pod "p" is invalid: metadata.namespace: Invalid value: "Shop": a lowercase RFC 1123 label')


def test_negative_replicas():
    assert error_of(deployment(replicas=-1)) == \
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'


def test_selector_must_match_template_labels():
    assert error_of(deployment(selector={"matchLabels": {"app": "api"}})) == (
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"web"}: `selector` does not match template `labels`')
    manifest = deployment()
    del manifest["spec"]["selector"]
    assert error_of(manifest) == (
        'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: '
        'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`]')
    assert error_of(deployment(selector={})) == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: &LabelSelector{MatchLabels:'
        "map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}: empty selector is invalid for deployment")


def test_invalid_selector_skips_the_template():
    message = error_of(deployment(selector={"matchExpressions": [{"key": "app", "operator": "In"}]}))
    assert message == (
        'Deployment.apps "web" is invalid: [spec.selector.matchExpressions[0].values: Required value: must be '
        "specified when `operator` is 'In' or 'NotIn', spec.selector: Invalid value: &LabelSelector{MatchLabels:"
        "map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:app,"
        "Operator:In,Values:[],},},}: invalid label selector]")


def test_template_restart_policy_must_be_always():
    manifest = deployment()
    manifest["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert error_of(manifest) == ('Deployment.apps "web" is invalid: spec.template.spec.restartPolicy: '
                                  'Unsupported value: "OnFailure": supported values: "Always"')


def test_container_rules():
    assert error_of(pod(containers=[])) == 'Pod "p" is invalid: spec.containers: Required value'
    message = error_of(pod({"name": "Web", "image": "", "ports": [{"containerPort": 70000, "protocol": "tcp"}]},
                           {"name": "Web", "image": "x"}))
    assert message == (
        'Pod "p" is invalid: [spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must '
        "consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
        "character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), "
        "spec.containers[0].image: Required value, "
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive, "
        'spec.containers[0].ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP", '
        'spec.containers[1].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case '
        "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
        "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), "
        'spec.containers[1].name: Duplicate value: "Web"]')


def test_volume_mount_must_name_a_volume():
    message = error_of(pod({"name": "c", "image": "x", "volumeMounts": [{"name": "data", "mountPath": "/d"}]}))
    assert message == 'Pod "p" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data"'


def test_bad_quantity_names_the_field():
    message = error_of(pod({"name": "c", "image": "x", "resources": {"requests": {"cpu": "abc"}}}))
    assert message == ('Pod "p" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: "abc": '
                       "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


def test_requests_may_not_exceed_limits():
    message = error_of(pod({"name": "c", "image": "x", "resources": {"requests": {"cpu": 2}, "limits": {"cpu": 1}}}))
    assert message == ('Pod "p" is invalid: spec.containers[0].resources.requests: Invalid value: "2": '
                       "must be less than or equal to cpu limit of 1")
    # Limits without requests become requests too (SetDefaults_Pod), so upstream reports both.
    message = error_of(pod({"name": "c", "image": "x", "resources": {"limits": {"cpu": "-1"}}}))
    assert message == (
        'Pod "p" is invalid: [spec.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than '
        'or equal to 0, spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than '
        "or equal to 0]")
    message = error_of(pod({"name": "c", "image": "x", "resources": {"requests": {"gpu": "1"}}}))
    assert message == (
        'Pod "p" is invalid: [spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard '
        'resource type or fully qualified, spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": '
        "must be a standard resource for containers]")


def test_rolling_update_bounds():
    message = error_of(deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}))
    assert message == ('Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: '
                       "Invalid value: 0: may not be 0 when `maxSurge` is 0")
    message = error_of(deployment(strategy={"rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "110%"}}))
    assert message == ('Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: '
                       "Invalid value: 110%: must not be greater than 100%")
    message = error_of(deployment(strategy={"rollingUpdate": {"maxSurge": "20percent"}}))
    assert message == (
        'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxSurge: Invalid value: 20percent: a valid '
        "percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for "
        "validation is '[0-9]+%')")
    assert error_of(deployment(strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}})) == (
        'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate: Forbidden: '
        "may not be specified when strategy `type` is 'Recreate'")
    assert load(deployment(replicas=10)).resolve_fenceposts() == (3, 2)
    assert load(deployment(replicas=1)).resolve_fenceposts() == (1, 0)


def test_progress_deadline_must_exceed_min_ready():
    assert error_of(deployment(minReadySeconds=700)) == ('Deployment.apps "web" is invalid: '
                                                          "spec.progressDeadlineSeconds: Invalid value: 600: "
                                                          "must be greater than minReadySeconds")


def hpa(**spec) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5, **spec}}


def test_hpa_rules():
    assert error_of(hpa(minReplicas=3, maxReplicas=1)) == ('HorizontalPodAutoscaler.autoscaling "web" is invalid: '
                                                           "spec.maxReplicas: Invalid value: 1: must be greater "
                                                           "than or equal to `minReplicas`")
    assert error_of(hpa(minReplicas=0)) == ('HorizontalPodAutoscaler.autoscaling "web" is invalid: '
                                            "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1")
    assert error_of(hpa(scaleTargetRef={})) == ('HorizontalPodAutoscaler.autoscaling "web" is invalid: '
                                                "[spec.scaleTargetRef.kind: Required value, "
                                                "spec.scaleTargetRef.name: Required value]")
    message = error_of(hpa(metrics=[{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Percent"}}}]))
    assert message == (
        'HorizontalPodAutoscaler.autoscaling "web" is invalid: [spec.metrics[0].resource.target.type: Invalid value: '
        '"Percent": must be either Utilization, Value, or AverageValue, spec.metrics[0].resource.target.'
        "averageUtilization: Required value: must set either a target raw value or a target utilization]")
    message = error_of(hpa(metrics=[{"type": "Pods"}]))
    assert message == ('HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.metrics[0].pods: '
                       "Required value: must populate information for the given metric source")


def service(**spec) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec}


def test_service_rules():
    assert error_of(service(selector={"app": "web"})) == 'Service "web" is invalid: spec.ports: Required value'
    assert load(service(clusterIP="None", selector={"app": "web"})).spec["clusterIP"] == "None"  # headless
    message = error_of(service(ports=[{"port": 0}, {"port": 80, "targetPort": "HTTP_port"}], selector={"app": "-x"}))
    assert message == (
        'Service "web" is invalid: [spec.ports[0].name: Required value, spec.ports[0].port: Invalid value: 0: must '
        "be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, "
        "inclusive, spec.ports[1].name: Required value, spec.ports[1].targetPort: Invalid value: \"HTTP_port\": "
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), spec.selector: Invalid value: \"-x\": a valid label "
        "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end "
        "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]")
    message = error_of(service(ports=[{"port": 80, "nodePort": 30080}, {"name": "b", "port": 80}]))
    assert message == (
        'Service "web" is invalid: [spec.ports[0].name: Required value, spec.ports[0].nodePort: Forbidden: may not '
        "be used when `type` is 'ClusterIP', spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", "
        'Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, '
        'StrVal:""}, NodePort:0}]')


def test_policy_rules():
    message = error_of({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "l"},
                        "spec": {"limits": [{"type": "Container", "min": {"cpu": "2"}, "max": {"cpu": "1"}}]}})
    assert message.startswith(
        'LimitRange "l" is invalid: [spec.limits[0].min[cpu]: Invalid value: 2: min value 2 is greater than max value 1')
    message = error_of({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
                        "spec": {"hard": {"pods": "1.5", "cpus": "1"}}})
    assert message == ('ResourceQuota "q" is invalid: [spec.hard[cpus]: Invalid value: "cpus": must be a standard '
                       'resource type or fully qualified, spec.hard[cpus]: Invalid value: "cpus": must be a standard '
                       'resource for quota, spec.hard[pods]: Invalid value: 1500m: must be an integer]')


def test_node_rules():
    message = error_of({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"},
                        "spec": {"taints": [{"key": "gpu", "effect": "NoRun"}], "podCIDRs": ["10.244.1.0/33"]}})
    assert message == ('Node "n" is invalid: [metadata.taints[0].effect: Unsupported value: "NoRun": supported '
                       'values: "NoSchedule", "PreferNoSchedule", "NoExecute", spec.podCIDRs[0]: Invalid value: '
                       '"10.244.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)]')


def test_every_error_is_a_value_error_listing_all_fields():
    with pytest.raises(ObjectInvalidError) as err:
        load({**deployment(replicas=-1), "metadata": {"name": "Web"}})
    assert isinstance(err.value, ValueError)
    assert [e.field for e in err.value.errors] == ["metadata.name", "spec.replicas"]
    assert (err.value.kind, err.value.group, err.value.name) == ("Deployment", "apps", "Web")


def test_template_label_errors_use_upstreams_path():
    manifest = deployment(selector={"matchLabels": {"app": "-web"}})
    manifest["spec"]["template"]["metadata"]["labels"] = {"app": "-web"}
    message = error_of(manifest)
    # ValidatePodTemplateSpec reports template labels at spec.template.labels, not .metadata.labels
    assert "spec.selector.matchLabels: Invalid value: \"-web\"" in message
    assert "spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{app: -web,}" in message
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
          "spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
                   "template": {"metadata": {"labels": {"app": "-web"}},
                                "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    assert error_of(rs).startswith('ReplicaSet.apps "web" is invalid: spec.template.labels: Invalid value: "-web"')
