"""kubectl on the simulated cluster: output as kubectl prints it, errors as kubectl words them."""

from __future__ import annotations

import json
import os
import random
import re
import shlex
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8scourse.clock import VirtualClock
from k8scourse.etcd.store import Store
from k8scourse.kubectl import Kubectl, KubectlResult, magics
from k8scourse.kubectl.flags import BOOL, INT, STRING, STRINGS, Flag, FlagError, parse
from k8scourse.kubectl.printers import age, pod_status
from k8scourse.kubectl.tabwriter import tabwrite
from k8scourse.master.apiserver import APIServer
from k8scourse.timefmt import human_duration

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports: [{containerPort: 80}]
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 200m, memory: 128Mi}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: front}}
  template:
    metadata: {labels: {app: front}}
    spec: {containers: [{name: c, image: nginx}]}
"""


class Cluster:
    """An apiserver with the two namespaces a cluster starts with, and kubectl on it."""

    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.api = APIServer(Store(clock=self.clock), self.clock, random.Random(0))
        for name in ("default", "kube-system"):
            self.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        self.kubectl = Kubectl(self.api, self.clock)

    def run(self, line: str, stdin: str | None = None) -> KubectlResult:
        return self.kubectl.run(line, stdin)

    def node(self, name: str, ready: bool = True, **labels: str) -> None:
        self.api.create({
            "apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "status": {
                "capacity": {"cpu": "2", "memory": "4Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True" if ready else "False", "reason": "KubeletReady",
                                "lastHeartbeatTime": "2025-01-01T00:00:00Z",
                                "lastTransitionTime": "2025-01-01T00:00:00Z"}],
                "addresses": [{"type": "InternalIP", "address": f"10.0.0.{len(name)}"}],
                "nodeInfo": {"kubeletVersion": "v1.30.0", "osImage": "Ubuntu 22.04", "kernelVersion": "6.1.0",
                             "containerRuntimeVersion": "containerd://1.7.0"}}})

    def pod(self, name: str, node: str | None = None, status: dict | None = None, **labels: str) -> dict:
        self.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
        if node:
            self.api.bind("default", name, node)
        if status is not None:
            pod = self.api.get("pods", name)
            pod["status"] = {**pod.get("status", {}), **status}
            self.api.update_status(pod)
        return self.api.get("pods", name)


RUNNING = {"phase": "Running", "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}], "hostIP": "10.0.0.6",
           "startTime": "2025-01-01T00:00:01Z",
           "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
           "containerStatuses": [{"name": "c", "ready": True, "restartCount": 0, "image": "nginx",
                                  "imageID": "docker://sha256:1", "containerID": "containerd://abc",
                                  "state": {"running": {"startedAt": "2025-01-01T00:00:03Z"}}}]}
CRASHING = {"phase": "Running", "containerStatuses": [{
    "name": "c", "ready": False, "restartCount": 4,
    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
    "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2025-01-01T00:01:00Z"}}}]}


@pytest.fixture
def cluster() -> Cluster:
    return Cluster()


# --- tables ---------------------------------------------------------------------------------------------


def test_get_pods_prints_kubectls_table(cluster: Cluster) -> None:
    cluster.node("node-1")
    cluster.pod("web", "node-1", RUNNING)
    cluster.pod("crash", "node-1", CRASHING)
    cluster.pod("new", status={"phase": "Pending"})
    cluster.clock.run(150)
    assert cluster.run("get pods") == (
        "NAME    READY   STATUS             RESTARTS      AGE\n"
        "crash   0/1     CrashLoopBackOff   4 (90s ago)   2m30s\n"
        "new     0/1     Pending            0             2m30s\n"
        "web     1/1     Running            0             2m30s\n")
    assert cluster.run("kubectl get po web -o wide") == (
        "NAME   READY   STATUS    RESTARTS   AGE     IP           NODE     NOMINATED NODE   READINESS GATES\n"
        "web    1/1     Running   0          2m30s   10.244.1.5   node-1   <none>           <none>\n")


def test_get_nodes_shows_cordoned_nodes_and_wide_columns(cluster: Cluster) -> None:
    cluster.node("node-1", **{"node-role.kubernetes.io/control-plane": ""})
    cluster.node("node-22", ready=False)
    cluster.clock.run(3600 * 5)
    assert cluster.run("cordon node-1") == "node/node-1 cordoned\n"
    assert cluster.run("cordon node-1") == "node/node-1 already cordoned\n"
    assert cluster.run("get nodes") == (
        "NAME      STATUS                     ROLES           AGE   VERSION\n"
        "node-1    Ready,SchedulingDisabled   control-plane   5h    v1.30.0\n"
        "node-22   NotReady                   <none>          5h    v1.30.0\n")
    assert cluster.run("get no node-22 -o wide") == (
        "NAME      STATUS     ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE       KERNEL-VERSION   "
        "CONTAINER-RUNTIME\n"
        "node-22   NotReady   <none>   5h    v1.30.0   10.0.0.7      <none>        Ubuntu 22.04   6.1.0            "
        "containerd://1.7.0\n")
    assert cluster.run("uncordon node-1") == "node/node-1 uncordoned\n"
    assert cluster.run("uncordon node-1") == "node/node-1 already uncordoned\n"
    assert "unschedulable" not in cluster.api.get("nodes", "node-1")["spec"]


def test_namespaces_labels_and_all_namespaces(cluster: Cluster) -> None:
    cluster.pod("web", app="web")
    cluster.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dns", "namespace": "kube-system"},
                        "spec": {"containers": [{"name": "c", "image": "coredns"}]}})
    assert cluster.run("get ns") == (
        "NAME          STATUS   AGE\n"
        "default       Active   0s\n"
        "kube-system   Active   0s\n")
    assert cluster.run("get pods -A --no-headers") == (
        "default       web   0/1   Pending   0     0s\n"  # without headers the columns are as narrow as the cells
        "kube-system   dns   0/1   Pending   0     0s\n")
    assert cluster.run("get pods --show-labels -L app") == (
        "NAME   READY   STATUS    RESTARTS   AGE   APP   LABELS\n"
        "web    0/1     Pending   0          0s    web   app=web\n")
    assert cluster.run("get pods -n kube-system -o name") == "pod/dns\n"


def test_mixed_kinds_get_kind_prefixes_and_a_blank_line(cluster: Cluster) -> None:
    cluster.run("apply -f -", POD + "---\n" + DEPLOYMENT)
    assert cluster.run("get po,deploy") == (
        "NAME      READY   STATUS    RESTARTS   AGE\n"
        "pod/web   0/1     Pending   0          0s\n"
        "\n"
        "NAME                    READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "deployment.apps/front   0/2     0            0           0s\n")
    assert cluster.run("get all -o name") == "pod/web\ndeployment.apps/front\n"
    assert cluster.run("get deployments.apps front") == cluster.run("get deploy/front")


def test_workload_tables(cluster: Cluster) -> None:
    cluster.run("apply -f -", """\
apiVersion: v1
kind: ReplicationController
metadata: {name: rc1}
spec:
  replicas: 3
  selector: {app: rc1}
  template:
    metadata: {labels: {app: rc1}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs1}
spec:
  replicas: 2
  selector:
    matchLabels: {app: rs1}
    matchExpressions: [{key: tier, operator: In, values: [front, back]}]
  template:
    metadata: {labels: {app: rs1, tier: front}}
    spec: {containers: [{name: c, image: nginx}, {name: d, image: busybox}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
spec: {hard: {pods: "10", requests.cpu: "1", limits.memory: 2Gi}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: lr}
spec: {limits: [{type: Container, default: {cpu: 500m}}]}
""")
    assert cluster.run("get rc -o wide") == (
        "NAME   DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES   SELECTOR\n"
        "rc1    3         0         0       0s    c            nginx    app=rc1\n")
    assert cluster.run("get rs -o wide") == (
        "NAME   DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES          SELECTOR\n"
        "rs1    2         0         0       0s    c,d          nginx,busybox   app=rs1,tier in (back,front)\n")
    assert cluster.run("get hpa") == (
        "NAME   REFERENCE        TARGETS              MINPODS   MAXPODS   REPLICAS   AGE\n"
        "web    Deployment/web   cpu: <unknown>/50%   1         10        0          0s\n")
    assert cluster.run("get quota") == (
        "NAME   REQUEST                         LIMIT                  AGE\n"
        "q      pods: 0/10, requests.cpu: 0/1   limits.memory: 0/2Gi   0s\n")
    assert cluster.run("get limits") == "NAME   CREATED AT\nlr     2025-01-01T00:00:00Z\n"


def test_services_and_events(cluster: Cluster) -> None:
    cluster.run("apply -f -", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
                              "spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n")
    assert cluster.run("get svc -o wide").splitlines()[0] == (
        "NAME   TYPE        CLUSTER-IP       EXTERNAL-IP   PORT(S)   AGE   SELECTOR")
    assert "ClusterIP" in cluster.run("get svc web") and "80/TCP" in cluster.run("get svc web")
    pod = cluster.pod("web")
    cluster.api.record_event(pod, "Normal", "Scheduled", "Successfully assigned default/web to node-1",
                             "default-scheduler")
    cluster.clock.run(61)
    assert cluster.run("get events") == (
        "LAST SEEN   TYPE     REASON      OBJECT    MESSAGE\n"
        "61s         Normal   Scheduled   pod/web   Successfully assigned default/web to node-1\n")


def test_wide_events_name_the_source_component_and_its_host(cluster: Cluster) -> None:
    pod = cluster.pod("web")
    cluster.api.record_event(pod, "Normal", "Pulling", 'Pulling image "nginx:1.25"', "kubelet", host="node-3")
    cluster.api.record_event(pod, "Normal", "Scheduled", "Successfully assigned default/web to node-3",
                             "default-scheduler")
    table = [re.split(r"\s{2,}", line) for line in cluster.run("get events -o wide").splitlines()]
    assert [row[-5] for row in table] == ["SOURCE", "kubelet, node-3", "default-scheduler"]  # formatEventSource
    assert cluster.api.list("events", "default")[0]["source"] == {"component": "kubelet", "host": "node-3"}


def test_leases_show_their_holder(cluster: Cluster) -> None:
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-node-lease"}})
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": "node-1", "namespace": "kube-node-lease"},
             "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40}}
    cluster.api.create(lease)
    cluster.api.create({**lease, "metadata": {"name": "free", "namespace": "kube-node-lease"}, "spec": {}})
    cluster.clock.run(5)
    assert cluster.run("get lease -n kube-node-lease") == (
        "NAME     HOLDER   AGE\n"
        "free              5s\n"
        "node-1   node-1   5s\n")


@pytest.mark.parametrize("seconds, shown", [
    (-2.0, "<invalid>"), (-1.5, "0s"), (-1.0, "0s"), (-0.2, "0s"), (0, "0s"), (119.9, "119s"), (120, "2m"),
    (125, "2m5s"), (600, "10m"), (3 * 3600, "3h"), (8 * 3600, "8h"), (48 * 3600, "2d"), (50 * 3600, "2d2h"),
    (8 * 86400, "8d"), (2 * 365 * 86400, "2y"), (2 * 365 * 86400 + 86400, "2y1d"), (8 * 365 * 86400, "8y"),
])
def test_ages_read_as_human_duration_prints_them(seconds: float, shown: str) -> None:
    assert human_duration(seconds) == shown


def test_a_timestamp_a_second_ahead_is_0s_old() -> None:
    assert (age("2025-01-01T00:00:11Z", 10), age("2025-01-01T00:00:12Z", 10)) == ("0s", "<invalid>")


def test_empty_lists_say_no_resources_found(cluster: Cluster) -> None:
    assert cluster.run("get pods") == "No resources found in default namespace.\n"
    assert cluster.run("get pods -n kube-system") == "No resources found in kube-system namespace.\n"
    assert cluster.run("get pods -A") == "No resources found\n"
    # get.go words an empty cluster-scoped list with the namespace too (allResourcesNamespaced stays true)
    assert cluster.run("get nodes") == "No resources found in default namespace.\n"
    assert cluster.run("get pods -o yaml") == (
        'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n')
    assert cluster.run("get pods -o name") == ""


# --- -o yaml / json --------------------------------------------------------------------------------------


def test_yaml_and_json_round_trip(cluster: Cluster) -> None:
    cluster.run("apply -f -", POD)
    cluster.run("label pod web version=123")
    stored = cluster.api.get("pods", "web")
    text = cluster.run("get pod web -o yaml")
    assert yaml.safe_load(text) == stored
    assert 'creationTimestamp: "2025-01-01T00:00:00Z"' in text  # go-yaml quotes what would read back as another type
    assert 'version: "123"' in text
    assert "kubectl.kubernetes.io/last-applied-configuration: |\n      {" in text
    assert json.loads(cluster.run("get pod/web -o json")) == stored
    assert cluster.run("get pod web -o json").startswith('{\n    "apiVersion": "v1",\n')
    listed = yaml.safe_load(cluster.run("get pods,ns -o yaml"))
    assert listed["kind"] == "List" and [i["kind"] for i in listed["items"]] == ["Pod", "Namespace", "Namespace"]
    assert json.loads(cluster.run("get pods web web -o json"))["items"] == [stored, stored]


# --- apply, create, delete ---------------------------------------------------------------------------------


def test_apply_creates_then_leaves_unchanged_then_configures(cluster: Cluster) -> None:
    assert cluster.run("apply -f -", POD + "---\n" + DEPLOYMENT) == "pod/web created\ndeployment.apps/front created\n"
    annotations = cluster.api.get("pods", "web")["metadata"]["annotations"]
    applied = annotations["kubectl.kubernetes.io/last-applied-configuration"]
    assert applied.endswith("}\n")
    assert json.loads(applied) == {**yaml.safe_load(POD), "metadata": {
        "annotations": {}, "labels": {"app": "web"}, "name": "web", "namespace": "default"}}
    assert cluster.run("apply -f -", POD) == "pod/web unchanged\n"
    result = cluster.run("apply -f -", DEPLOYMENT.replace("replicas: 2", "replicas: 5"))
    assert result == "deployment.apps/front configured\n"
    assert cluster.api.get("deployments", "front")["spec"]["replicas"] == 5


def test_apply_removes_fields_dropped_from_the_file(cluster: Cluster) -> None:
    cluster.run("apply -f -", POD)
    assert cluster.run("apply -f -", POD.replace("  labels: {app: web}\n", "")) == "pod/web configured\n"
    assert "labels" not in cluster.api.get("pods", "web")["metadata"]


def test_apply_of_a_list_item_whose_name_is_not_a_string_is_the_servers_bad_request(cluster: Cluster) -> None:
    """The merge key must be a string to key anything; the server then refuses the object's type (was a TypeError)."""
    cluster.run("apply -f -", DEPLOYMENT)
    unnamed = DEPLOYMENT.replace("[{name: c, image: nginx}]", "[{name: c, image: nginx}, {name: {}}]")
    result = cluster.run("apply -f -", unnamed)
    assert result.startswith("Error from server (BadRequest): error when applying patch:\n")
    assert result.endswith('for: "STDIN": Deployment in version "v1" cannot be handled as a Deployment: json: cannot '
                           "unmarshal object into Go struct field Container.spec.template.spec.containers.name of type "
                           "string\n")


def test_apply_over_created_object_warns_about_the_annotation(cluster: Cluster) -> None:
    assert cluster.run("create -f -", POD) == "pod/web created\n"
    assert cluster.run("apply -f -", POD) == (
        "Warning: resource pods/web is missing the kubectl.kubernetes.io/last-applied-configuration annotation "
        "which is required by kubectl apply. kubectl apply should only be used on resources created declaratively "
        "by either kubectl create --save-config or kubectl apply. The missing annotation will be patched "
        "automatically.\npod/web configured\n")


def test_apply_reads_files_and_directories(cluster: Cluster, tmp_path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "deploy.yml").write_text(DEPLOYMENT)
    (tmp_path / "notes.txt").write_text("not a manifest")
    assert cluster.run(f"apply -f {tmp_path}") == "deployment.apps/front created\npod/web created\n"
    assert cluster.run(f"delete -f {tmp_path / 'pod.yaml'}") == 'pod "web" deleted\n'
    assert cluster.run("apply -f missing.yaml") == 'error: the path "missing.yaml" does not exist\n'


def test_create_errors_read_like_kubectls(cluster: Cluster) -> None:
    cluster.run("create -f -", POD)
    assert cluster.run("create -f -", POD) == (
        'Error from server (AlreadyExists): error when creating "STDIN": pods "web" already exists\n')
    result = cluster.run("create -f -", "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {containers: []}\n")
    assert (result, result.exit_code, result.ok) == (
        'The Pod "bad" is invalid: spec.containers: Required value\n', 1, False)
    several = cluster.run("apply -f -", "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\n"
                                        "spec: {containers: [{name: Bad_Name}]}\n")
    assert several.startswith('The Pod "bad" is invalid: \n* spec.containers[0].name: Invalid value: "Bad_Name"')
    assert several.endswith("\n* spec.containers[0].image: Required value\n")
    assert cluster.run("apply -f -", "kind: Pod\n") == (
        'error: error validating "STDIN": error validating data: apiVersion not set; if you choose to ignore these '
        "errors, turn validation off with --validate=false\n")
    assert cluster.run("apply -f -", "apiVersion: v1\nkind: Pood\nmetadata: {name: x}\n") == (
        'error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for kind "Pood" '
        'in version "v1"\nensure CRDs are installed first\n')
    assert cluster.run("apply -f -", "a: [\n").startswith("error: error parsing STDIN: error converting YAML to JSON")
    assert cluster.run("apply -f -", "") == "error: no objects passed to apply\n"
    assert cluster.run("apply -n other -f -", POD.replace("name: web", "name: web\n  namespace: x")) == (
        'error: the namespace from the provided object "x" does not match the namespace "other". '
        "You must pass '--namespace=x' to perform this operation.\n")
    assert cluster.run("create namespace shop") == "namespace/shop created\n"


def test_delete(cluster: Cluster) -> None:
    cluster.node("node-1")
    cluster.pod("a", app="x")
    cluster.pod("b", "node-1", app="x")
    assert cluster.run("delete pod a") == 'pod "a" deleted\n'
    assert cluster.run("delete pod a") == 'Error from server (NotFound): pods "a" not found\n'
    assert cluster.run("delete pod a --ignore-not-found") == ""
    assert cluster.run("delete pods -l app=x") == 'pod "b" deleted\n'
    assert cluster.run("get pods") == (  # a pod on a node waits for its kubelet: Terminating
        "NAME   READY   STATUS        RESTARTS   AGE\nb      0/1     Terminating   0          0s\n")
    assert cluster.run("delete pods --all -n kube-system") == "No resources found\n"
    assert cluster.run("delete pod b --force --grace-period=0") == (
        "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. "
        'The resource may continue to run on the cluster indefinitely.\npod "b" force deleted\n')
    assert cluster.run("delete pods") == "error: resource(s) were provided, but no name was specified\n"


# --- label, run ---------------------------------------------------------------------------------------------


def test_label_add_overwrite_remove(cluster: Cluster) -> None:
    cluster.pod("web", app="web")
    assert cluster.run("label pod web tier=front") == "pod/web labeled\n"
    assert cluster.run("label pods web app=api") == (
        "error: 'app' already has a value (web), and --overwrite is false\n")
    assert cluster.run("label pod/web app=api --overwrite") == "pod/web labeled\n"
    assert cluster.run("label pod web app=api --overwrite") == "pod/web not labeled\n"
    assert cluster.run("label pod web tier-") == "pod/web unlabeled\n"
    assert cluster.run("label pod web tier-") == 'label "tier" not found.\npod/web not labeled\n'
    assert cluster.api.get("pods", "web")["metadata"]["labels"] == {"app": "api"}
    assert cluster.run("label pod web a=b=c") == "error: invalid label spec: a=b=c\n"
    assert cluster.run("label pod web a=b a-") == "error: can not both modify and remove a label in the same command\n"
    assert cluster.run("label pod web a=b extra") == (
        "error: all resources must be specified before label changes: extra\n")
    assert cluster.run("label pod web") == "error: at least one label update is required\n"
    assert cluster.run("label pod web 'bad key=x'").startswith(
        'The Pod "web" is invalid: metadata.labels: Invalid value: "bad key": name part must consist of')


def test_run_creates_a_pod(cluster: Cluster) -> None:
    assert cluster.run("run web --image=nginx") == "pod/web created\n"
    pod = cluster.api.get("pods", "web")
    assert pod["metadata"]["labels"] == {"run": "web"}
    assert pod["spec"]["containers"][0]["image"] == "nginx" and pod["spec"]["restartPolicy"] == "Always"
    assert cluster.run("run job --image=busybox --restart=Never --labels=app=job,tier=batch -- sleep 10").ok
    job = cluster.api.get("pods", "job")
    assert job["spec"]["restartPolicy"] == "Never" and job["spec"]["containers"][0]["args"] == ["sleep", "10"]
    assert job["metadata"]["labels"] == {"app": "job", "tier": "batch"}
    assert cluster.run("run web --image=nginx") == 'Error from server (AlreadyExists): pods "web" already exists\n'
    assert cluster.run("run x") == 'error: required flag(s) "image" not set\n'
    assert cluster.run("run x --image=a --restart=Sometimes") == "error: invalid restart policy: Sometimes\n"
    assert cluster.run("run") == "error: NAME is required for run\nSee 'kubectl run -h' for help and examples\n"


# --- describe ----------------------------------------------------------------------------------------------


def test_describe_pod(cluster: Cluster) -> None:
    cluster.node("node-1")
    cluster.run("apply -f -", POD)
    cluster.api.bind("default", "web", "node-1")
    pod = cluster.api.get("pods", "web")
    pod["status"] = RUNNING | {"containerStatuses": [RUNNING["containerStatuses"][0] | {"name": "nginx"}]}
    cluster.api.update_status(pod)
    cluster.api.record_event(pod, "Normal", "Scheduled", "Successfully assigned default/web to node-1",
                             "default-scheduler")
    for _ in range(3):
        cluster.api.record_event(pod, "Warning", "BackOff", "Back-off restarting failed container", "kubelet")
        cluster.clock.run(60)
    text = cluster.run("describe pod web")
    assert text.startswith(
        "Name:         web\n"
        "Namespace:    default\n"
        "Node:         node-1/10.0.0.6\n"
        "Start Time:   Wed, 01 Jan 2025 00:00:01 +0000\n"
        "Labels:       app=web\n"
        "Annotations:  <none>\n"
        "Status:       Running\n"
        "IP:           10.244.1.5\n"
        "IPs:\n"
        "  IP:  10.244.1.5\n"
        "Containers:\n"
        "  nginx:\n"
        "    Container ID:   containerd://abc\n"
        "    Image:          nginx:1.25\n"
        "    Image ID:       docker://sha256:1\n"
        "    Port:           80/TCP\n"
        "    Host Port:      0/TCP\n"
        "    State:          Running\n"
        "      Started:      Wed, 01 Jan 2025 00:00:03 +0000\n"
        "    Ready:          True\n"
        "    Restart Count:  0\n"
        "    Limits:\n"
        "      cpu:     200m\n"
        "      memory:  128Mi\n"
        "    Requests:\n"
        "      cpu:        100m\n")
    assert "Conditions:\n  Type           Status\n  Ready          True \n" in text
    assert "QoS Class:       Burstable\n" in text
    assert text.endswith(
        "Events:\n"
        "  Type     Reason     Age               From               Message\n"
        "  ----     ------     ----              ----               -------\n"
        "  Normal   Scheduled  3m                default-scheduler  Successfully assigned default/web to node-1\n"
        "  Warning  BackOff    60s (x3 over 3m)  kubelet            Back-off restarting failed container\n")
    assert cluster.run("describe pods we") == text + "\n"  # a name prefix, as describe matches it
    assert cluster.run("describe pod nope") == 'Error from server (NotFound): pods "nope" not found\n'


def test_describe_node(cluster: Cluster) -> None:
    cluster.node("node-1", **{"kubernetes.io/hostname": "node-1"})
    cluster.run("apply -f -", POD)
    cluster.api.bind("default", "web", "node-1")
    text = cluster.run("describe node node-1")
    for section in ("Name:               node-1\n", "Roles:              <none>\n",
                    "Labels:             kubernetes.io/hostname=node-1\n", "Taints:             <none>\n",
                    "Unschedulable:      false\n",
                    'Lease:              Failed to get lease: leases.coordination.k8s.io "node-1" not found\n',
                    "Conditions:\n  Type    Status", "Addresses:\n  InternalIP:  10.0.0.6\n",
                    "Capacity:\n  cpu:     2\n  memory:  4Gi\n  pods:    110\n", "System Info:\n",
                    "  Kubelet Version:            v1.30.0\n",
                    "Non-terminated Pods:          (1 in total)\n",
                    "  default                     web     100m (5%)     200m (10%)  64Mi (1%)        128Mi (3%)"
                    "     0s\n",
                    "  cpu                100m (5%)  200m (10%)\n", "Events:              <none>\n"):
        assert section in text
    assert cluster.run("describe nodes nope") == 'Error from server (NotFound): nodes "nope" not found\n'


def test_describe_deployment_and_its_replica_set(cluster: Cluster) -> None:
    cluster.run("apply -f -", DEPLOYMENT)
    deploy = cluster.api.get("deployments", "front")
    template = {"metadata": {"labels": {"app": "front", "pod-template-hash": "7d4b9"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    cluster.api.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {
        "name": "front-7d4b9", "labels": template["metadata"]["labels"], "ownerReferences": [{
            "apiVersion": "apps/v1", "kind": "Deployment", "name": "front", "uid": deploy["metadata"]["uid"],
            "controller": True}]},
        "spec": {"replicas": 2, "selector": {"matchLabels": template["metadata"]["labels"]}, "template": template}})
    cluster.api.record_event(deploy, "Normal", "ScalingReplicaSet", "Scaled up replica set front-7d4b9 to 2",
                             "deployment-controller")
    text = cluster.run("describe deployment front")
    assert "Replicas:               2 desired | 0 updated | 0 total | 0 available | 0 unavailable\n" in text
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge\n" in text
    assert "Pod Template:\n  Labels:  app=front\n  Containers:\n   c:\n    Image:         nginx\n" in text
    assert "OldReplicaSets:    <none>\nNewReplicaSet:     front-7d4b9 (0/2 replicas created)\n" in text
    assert text.endswith("  Normal  ScalingReplicaSet  0s    deployment-controller  "
                         "Scaled up replica set front-7d4b9 to 2\n")
    rs = cluster.run("describe rs front-7d4b9")
    assert "Controlled By:  Deployment/front\n" in rs
    assert "Pods Status:    0 Running / 0 Waiting / 0 Succeeded / 0 Failed\n" in rs
    cluster.run("create namespace shop")
    assert cluster.run("describe ns shop").startswith("error: the course's kubectl describes pods, nodes,")


# --- errors and parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("line, expected", [
    ("get pods x", 'Error from server (NotFound): pods "x" not found\n'),
    ("get pdos", 'error: the server doesn\'t have a resource type "pdos"\n'),
    ("get pods --foo", "error: unknown flag: --foo\nSee 'kubectl get --help' for usage.\n"),
    ("get pods -z", "error: unknown shorthand flag: 'z' in -z\nSee 'kubectl get --help' for usage.\n"),
    ("get pods -n", "error: flag needs an argument: 'n' in -n\nSee 'kubectl get --help' for usage.\n"),
    ("gte pods", 'error: unknown command "gte" for "kubectl"\n\nDid you mean this?\n\tget\n'),
    ("xyzzy", 'error: unknown command "xyzzy" for "kubectl"\n'),
    ("get pods -o foo", 'error: unable to match a printer suitable for the output format "foo", allowed formats are: '
                        "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                        "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml\n"),
    ("get pods --field-selector foo=bar", 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that '
                                          'match label selector "", field selector "foo=bar": field label not '
                                          "supported: foo\n"),
    ("get pods,svc web", "error: you must specify only one resource\n"),
    ("get pods web -l app=web", "error: name cannot be provided when a selector is specified\n"),
    ("get pods web -A", "error: a resource cannot be retrieved by name across all namespaces\n"),
    ("get pod/web/x", "error: arguments in resource/name form may not have more than one slash\n"),
    ("cordon", "error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help and examples\n"),
    ("cordon node-9", 'Error from server (NotFound): nodes "node-9" not found\n'),
    ("get pods 'unclosed", "error: No closing quotation\n"),
    ("delete", "error: You must provide one or more resources by argument or filename.\nExample resource "
               "specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n"
               "   '<resource>'\n"),
])
def test_errors_read_like_kubectls(cluster: Cluster, line: str, expected: str) -> None:
    result = cluster.run(line)
    assert (str(result), result.exit_code) == (expected, 1)


def test_get_without_a_type_explains_itself(cluster: Cluster) -> None:
    assert cluster.run("get") == (
        'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported '
        "resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed "
        "description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n")


def test_several_not_found_names_each_get_a_line(cluster: Cluster) -> None:
    cluster.pod("web")
    assert cluster.run("get pods web a b") == (
        "NAME   READY   STATUS    RESTARTS   AGE\nweb    0/1     Pending   0          0s\n"
        'Error from server (NotFound): pods "a" not found\nError from server (NotFound): pods "b" not found\n')


def test_namespace_flag_forms(cluster: Cluster) -> None:
    cluster.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dns", "namespace": "kube-system"},
                        "spec": {"containers": [{"name": "c", "image": "coredns"}]}})
    for line in ("get pods -n kube-system -o name", "get pods -nkube-system -o name", "-n kube-system get pods -o name",
                 "get pods --namespace=kube-system -oname", "kubectl --namespace kube-system get pods -o=name"):
        assert cluster.run(line) == "pod/dns\n", line


def test_flag_parser_follows_pflag() -> None:
    flags = (Flag("namespace", "n", STRING), Flag("all-namespaces", "A", BOOL), Flag("file", "f", STRINGS),
             Flag("grace-period", "", INT, -1))
    args, values, given = parse(["get", "-A", "pods", "-f", "a,b", "--file=c", "--", "-n"], flags)
    assert args == ["get", "pods", "-n"]
    assert values == {"namespace": "", "all-namespaces": True, "file": ["a", "b", "c"], "grace-period": -1}
    assert given == {"all-namespaces", "file"}
    assert parse(["--all-namespaces=false", "-n=x", "--grace-period", "3"], flags)[1]["all-namespaces"] is False
    assert parse(["-An", "x"], flags)[1]["namespace"] == "x"
    with pytest.raises(FlagError, match='invalid argument "maybe" for "-A, --all-namespaces" flag'):
        parse(["--all-namespaces=maybe"], flags)
    with pytest.raises(FlagError, match='invalid argument "soon" for "--grace-period" flag: strconv.ParseInt'):
        parse(["--grace-period=soon"], flags)
    with pytest.raises(FlagError, match="flag needs an argument: --namespace"):
        parse(["--namespace"], flags)


# --- pieces -----------------------------------------------------------------------------------------------------


def _pod(status: dict, **meta: str) -> dict:
    spec = {"containers": [{"name": "c"}], "initContainers": [{"name": "i"}]}
    return {"metadata": {"name": "p", **meta}, "spec": spec, "status": status}


@pytest.mark.parametrize("status, meta, expected", [
    ({"phase": "Pending"}, {}, ("0/1", "Pending", "0")),
    ({"phase": "Pending", "initContainerStatuses": [{"name": "i", "state": {"waiting": {}}}]}, {},
     ("0/1", "Init:0/1", "0")),
    ({"phase": "Pending", "initContainerStatuses": [{"name": "i", "state": {"terminated": {"exitCode": 0}}}],
      "containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "ContainerCreating"}}}]}, {},
     ("0/1", "ContainerCreating", "0")),
    ({"phase": "Succeeded", "containerStatuses": [{"name": "c", "state": {"terminated": {"reason": "Completed"}}}]},
     {}, ("0/1", "Completed", "0")),
    ({"phase": "Failed", "containerStatuses": [{"name": "c", "state": {"terminated": {"exitCode": 2}}}]}, {},
     ("0/1", "ExitCode:2", "0")),
    ({"phase": "Running", "containerStatuses": [{"name": "c", "ready": True, "state": {"running": {}}}]},
     {"deletionTimestamp": "2025-01-01T00:00:30Z"}, ("1/1", "Terminating", "0")),
    ({"phase": "Running", "containerStatuses": [{"name": "c", "restartCount": 2, "state": {"waiting": {
        "reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"finishedAt": "2025-01-01T00:00:50Z"}}}]},
     {}, ("0/1", "CrashLoopBackOff", "2 (10s ago)")),
])
def test_pod_status_is_computed_as_kubectl_does(status: dict, meta: dict, expected: tuple) -> None:
    assert pod_status(_pod(status, **meta), 60) == expected


def test_tabwriter_aligns_blocks_like_go() -> None:
    text = "a:\tb\nlonger:\tc\nbreak\nx:\ty\n"
    assert tabwrite(text, 0, 2) == "a:       b\nlonger:  c\nbreak\nx:  y\n"
    assert tabwrite("A\tB\nccc\td", 6, 3) == "A     B\nccc   d"


def test_result_is_a_string_that_knows_its_exit_code(cluster: Cluster) -> None:
    ok, failed = cluster.run("get ns -o name"), cluster.run("get nope")
    assert isinstance(ok, str) and ok.ok and ok.exit_code == 0
    assert not failed.ok and failed.exit_code == 1
    shown: list[str] = []

    class Printer:
        def text(self, value: str) -> None:
            shown.append(value)

    ok._repr_pretty_(Printer(), False)
    assert shown == ["namespace/default\nnamespace/kube-system\n"]


def test_get_300_pods_is_fast(cluster: Cluster) -> None:
    for i in range(300):
        cluster.pod(f"web-{i:03d}", app="web")
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        result = cluster.run("get pods")
        best = min(best, time.perf_counter() - start)
    assert result.count("\n") == 301
    assert best < 0.05


# --- magics ---------------------------------------------------------------------------------------------------------


def test_magics_print_the_current_clusters_output(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    registered = {}

    class FakeIPython:
        def register_magic_function(self, func, magic_kind: str, magic_name: str) -> None:
            registered[(magic_kind, magic_name)] = func

    magics.load_ipython_extension(FakeIPython())
    magic = registered[("line_cell", "kubectl")]
    magics.set_current(None)
    assert magic("get pods") is None
    assert capsys.readouterr().out == magics.NO_CLUSTER
    magics.set_current(cluster.kubectl)
    try:
        magic("apply -f -", POD)
        magic("get pods -o name")
        assert capsys.readouterr().out == "pod/web created\npod/web\n"
    finally:
        magics.set_current(None)


# --- never a traceback -----------------------------------------------------------------------------------------------

WORDS = ["get", "describe", "apply", "create", "delete", "label", "cordon", "uncordon", "run", "gte", "pods", "po",
         "pod/web", "nodes", "node-1", "node/node-1", "web", "svc", "all", "deploy", "rs,rc", "hpa", "ns", "events",
         "quota", "limits", "namespace", "-n", "kube-system", "-A", "-o", "yaml", "json", "wide", "name", "-l",
         "app=web", "app in (web)", "app-", "x=y", "--overwrite", "-f", "-", "--image=nginx", "--all", "--show-labels",
         "-L", "app", "--field-selector", "spec.nodeName=node-1", "--grace-period=0", "--force", "--", "=", "-",
         "--restart=Never", "--no-headers", "-w", "kubectl", "--help", "-h", "--now", "/", ",", "",
         "scale", "--replicas=3", "--replicas=-1", "--current-replicas=2", "deployment/web", "rs/web", "rollout",
         "status", "history", "undo", "--to-revision=99", "restart", "pause", "resume", "set", "image",
         "web=nginx:1.28", "*=busybox", "top", "autoscale", "--min=2", "--max=1", "--cpu-percent=50", "endpoints",
         "endpointslices", "sa", "leases", "--timeout=5s", "describe svc"]
#: ``K8SCOURSE_KUBECTL_FUZZ_EXAMPLES=60000`` runs the long version locally.
KUBECTL_FUZZ_EXAMPLES = int(os.environ.get("K8SCOURSE_KUBECTL_FUZZ_EXAMPLES", "300"))
STDINS = [None, POD, DEPLOYMENT, "a: [", "- 1\n- 2\n", "kind: List\napiVersion: v1\nitems: [1]\n", "apiVersion: v1\n"]


@settings(max_examples=KUBECTL_FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=7),
       quote=st.booleans(), stdin=st.sampled_from(STDINS))
def test_no_input_produces_a_traceback(words: list[str], quote: bool, stdin: str | None) -> None:
    cluster = Cluster()
    cluster.node("node-1")
    cluster.run("apply -f -", POD)
    line = shlex.join(words) if quote else " ".join(words)
    result = cluster.run(line, stdin)
    assert isinstance(result, KubectlResult) and result.exit_code in (0, 1)
    assert "Traceback" not in result
    if not result.ok:
        assert result.strip()


def test_unknown_fields_are_refused_by_the_server_and_wrong_types_by_kubectl(cluster: Cluster) -> None:
    typo = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, label: {app: a}}\nspec: {containers: [{name: c, image: nginx}]}\n"
    assert cluster.run("apply -f -", typo) == (
        'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled '
        'as a Pod: strict decoding error: unknown field "metadata.label"\n')
    wrong_type = typo.replace("label: {app: a}", "labels: [app]")
    assert cluster.run("apply -f -", wrong_type) == (
        'error: unable to decode "STDIN": json: cannot unmarshal array into Go struct field '
        "ObjectMeta.metadata.labels of type map[string]string\n")


def test_apply_changes_an_image_in_place_and_refuses_other_pod_changes(cluster: Cluster) -> None:
    manifest = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
                "spec: {containers: [{name: web, image: nginx, resources: {requests: {cpu: 100m}}}]}\n")
    cluster.run("apply -f -", manifest)
    cluster.api.bind("default", "web", "node-1")
    assert cluster.run("apply -f -", manifest.replace("image: nginx", "image: nginx:1.28")) == "pod/web configured\n"
    container = cluster.api.get("pods", "web")["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "Always"  # kept, as strategic merge keeps it
    assert cluster.run("apply -f -", manifest.replace("100m", "200m")).startswith(
        'The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than')
