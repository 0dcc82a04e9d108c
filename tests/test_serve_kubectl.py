"""The real kubectl against a served cluster, and its output against the course's kubectl.

These run the kubectl binary. Without one they skip, saying why; under CI
(``CI=true``) a missing kubectl fails instead, so the check cannot silently vanish.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from k8scourse.cluster import Cluster

KUBECTL = shutil.which("kubectl")
if KUBECTL is None:
    if os.environ.get("CI") == "true":
        pytest.fail("kubectl is not installed, and under CI the real-kubectl tests must run", pytrace=False)
    pytest.skip("kubectl is not installed: the real-kubectl tests of cluster.serve() need it on PATH",
                allow_module_level=True)

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
"""
#: A duration as kubectl prints ages and times ("5s", "3m2s", "698d", "7.2s"): masked when comparing.
DURATION = re.compile(r"\b\d+(\.\d+)?(ms|[smhdy])(\d+[smh])?\b")


class Kubectl:
    """Runs the real kubectl against one served cluster, with its own discovery cache."""

    def __init__(self, server, cache: Path) -> None:
        self.server, self.cache = server, cache

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([KUBECTL, "--kubeconfig", self.server.kubeconfig, "--cache-dir", str(self.cache),
                                 *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def __call__(self, *args: str, stdin: str | None = None, ok: bool = True, timeout: float = 60) -> str:
        done = subprocess.run([KUBECTL, "--kubeconfig", self.server.kubeconfig, "--cache-dir", str(self.cache), *args],
                              input=stdin, capture_output=True, text=True, timeout=timeout)
        if ok:
            assert done.returncode == 0, f"kubectl {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout + done.stderr


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster.quickstart(nodes=2)
    cluster.apply(APP)
    cluster.run(30)
    return cluster


@pytest.fixture(scope="module")
def server(cluster):
    with cluster.serve(speed=10) as server:
        yield server


@pytest.fixture(scope="module")
def kubectl(server, tmp_path_factory):
    return Kubectl(server, tmp_path_factory.mktemp("kubectl-cache"))


def _masked(text: str) -> list[str]:
    """Lines with durations masked and runs of spaces after the indentation folded: an age's
    width moves every column after it (each kubectl aligns its own columns)."""
    lines = []
    for line in text.rstrip().splitlines():
        body = line.lstrip(" ")
        lines.append(line[:len(line) - len(body)] + re.sub(r" {2,}", "  ", DURATION.sub("<age>", body)))
    return lines


def _agree(cluster: Cluster, server, kubectl: Kubectl, command: str) -> None:
    """Real kubectl and the course's print the same, apart from durations; else fail showing the diff."""
    with server.paused():
        real = kubectl(*command.split())
        ours = str(cluster.kubectl(command))
    if _masked(real) != _masked(ours):
        diff = "\n".join(difflib.unified_diff(_masked(ours), _masked(real), "course kubectl", "real kubectl",
                                              lineterm=""))
        pytest.fail(f"kubectl {command}: the outputs differ (durations masked):\n{diff}", pytrace=False)


AGREEMENT = ["get nodes", "get nodes -o wide", "get pods -o wide", "get deploy,rs,svc -o wide", "get all",
             "get pods -A", "get events", "get ns", "get sa", "get ep", "get endpointslices", "get leases -A",
             "get pods --show-labels", "get pods -L app", "describe deployment web", "describe node node-1",
             "describe svc web", "describe rs", "describe pods"]


@pytest.mark.parametrize("command", AGREEMENT)
def test_real_kubectl_agrees_with_the_course_kubectl(cluster, server, kubectl, command):
    _agree(cluster, server, kubectl, command)


#: The chapters' situations in one cluster: a ReplicationController scaled by an HPA under load (04, 06),
#: a crash-looping pod (02), a NodePort Service (11), a namespace with a quota and limits (08),
#: a failed node (09) and a Deployment in the middle of a rolling update (05).
CHAPTERS = """\
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 2
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: c, image: "nginx:1.27", resources: {requests: {cpu: 100m}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  containers: [{name: c, image: busybox, command: ["sh", "-c", "exit 1"]}]
---
apiVersion: v1
kind: Service
metadata: {name: legacy-np}
spec:
  type: NodePort
  selector: {app: legacy}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: legacy}
spec:
  scaleTargetRef: {apiVersion: v1, kind: ReplicationController, name: legacy}
  minReplicas: 1
  maxReplicas: 5
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
---
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: team}
spec: {hard: {pods: "10", requests.cpu: "2"}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: team}
spec: {limits: [{type: Container, default: {cpu: 200m}, defaultRequest: {cpu: 100m}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: worker, namespace: team}
spec: {containers: [{name: c, image: nginx}]}
"""
CHAPTER_COMMANDS = ["get all -A -o wide", "get hpa", "describe hpa legacy", "get rc -o wide", "describe rc legacy",
                    "describe pod crasher", "get pods -o wide", "describe node node-3", "get nodes -o wide",
                    "describe svc legacy-np", "get quota,limits -n team", "describe pod -n team worker",
                    "get events -A", "get rs -o wide", "describe deploy web", "get ep,endpointslices -A",
                    "get sa -A", "get leases -A", "get ns --show-labels"]


@pytest.fixture(scope="module")
def chapters():
    cluster = Cluster.quickstart(nodes=3)
    cluster.apply(APP)
    cluster.apply(CHAPTERS)
    cluster.run(60)
    cluster.set_load("app=legacy", cpu="300m")
    cluster.fail_node("node-3")
    cluster.run(120)
    cluster.kubectl("set image deploy/web web=nginx:1.26")
    cluster.run(3)
    return cluster


@pytest.fixture(scope="module")
def chapters_served(chapters, tmp_path_factory):
    with chapters.serve() as server:
        yield server, Kubectl(server, tmp_path_factory.mktemp("kubectl-cache"))


CHAPTER_COMMANDS += ["top nodes", "top pods -A"]


@pytest.mark.parametrize("command", CHAPTER_COMMANDS)
def test_real_kubectl_agrees_on_the_chapters_clusters(chapters, chapters_served, command):
    server, kubectl = chapters_served
    _agree(chapters, server, kubectl, command)


def test_version_and_api_resources(kubectl):
    assert "Server Version: v1.31.0" in kubectl("version")
    resources = kubectl("api-resources")
    assert re.search(r"^deployments\s+deploy\s+apps/v1\s+true\s+Deployment$", resources, re.M)
    assert re.search(r"^nodes\s+no\s+v1\s+false\s+Node$", resources, re.M)


def test_explain_reads_the_openapi_schema(kubectl):
    text = kubectl("explain", "deployment.spec.strategy")
    assert "FIELD: strategy <DeploymentStrategy>" in text
    assert re.search(r"rollingUpdate\s+<RollingUpdateDeployment>", text)
    assert re.search(r"maxSurge\s+<IntOrString>", kubectl("explain", "deployment.spec.strategy.rollingUpdate"))
    assert re.search(r"limits\s+<map\[string\]Quantity>", kubectl("explain", "pod.spec.containers.resources"))


def test_auth_can_i_is_always_yes(kubectl):
    assert kubectl("auth", "can-i", "delete", "pods").strip() == "yes"


def test_unknown_resource_and_invalid_object(kubectl):
    assert 'the server doesn\'t have a resource type "widgets"' in kubectl("get", "widgets", ok=False)
    bad = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - name: c\n"
    assert ('The Pod "bad" is invalid: spec.containers[0].image: Required value'
            in kubectl("apply", "-f", "-", stdin=bad, ok=False))


def test_apply_label_scale_set_image_rollout_and_delete(cluster, kubectl):
    app = APP.replace("name: web", "name: shop").replace("app: web", "app: shop")
    assert kubectl("apply", "-f", "-", stdin=app) == "deployment.apps/shop created\nservice/shop created\n"
    assert kubectl("apply", "-f", "-", stdin=app) == "deployment.apps/shop unchanged\nservice/shop unchanged\n"
    assert "deployment.apps/shop labeled" in kubectl("label", "deploy", "shop", "tier=front")
    assert "deployment.apps/shop scaled" in kubectl("scale", "deploy", "shop", "--replicas=2")
    assert 'deployment "shop" successfully rolled out' in kubectl("rollout", "status", "deploy/shop", "--timeout=60s")
    assert "deployment.apps/shop image updated" in kubectl("set", "image", "deploy/shop", "shop=nginx:1.26")
    assert 'deployment "shop" successfully rolled out' in kubectl("rollout", "status", "deploy/shop", "--timeout=60s")
    assert "deployment.apps/shop rolled back" in kubectl("rollout", "undo", "deploy/shop")
    assert cluster.api.get("deployments", "shop")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    # kubectl scale set replicas through the scale subresource: its manager owns them now, and a
    # server-side apply of the file's replicas conflicts with it (the file's other fields are
    # client-side apply's, which kubectl's server-side apply takes over without a conflict)
    refused = kubectl("apply", "--server-side", "-f", "-", stdin=app, ok=False)
    assert re.search(r'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using '
                     r"apps/v1 at [-0-9T:]+Z: \.spec\.replicas", refused)
    assert "serverside-applied" in kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=app)
    managed = cluster.api.get("deployments", "shop")["metadata"]["managedFields"]
    assert ("kubectl", "Apply") in [(m["manager"], m["operation"]) for m in managed]
    kubectl("diff", "-f", "-", stdin=app)
    assert kubectl("delete", "-f", "-", stdin=app) == 'deployment.apps "shop" deleted\nservice "shop" deleted\n'


def test_autoscale_creates_an_autoscaling_v1_hpa(cluster, kubectl):
    assert kubectl("autoscale", "deploy", "web", "--max=5", "--cpu-percent=60") == \
        "horizontalpodautoscaler.autoscaling/web autoscaled\n"
    metrics = cluster.api.get("horizontalpodautoscalers", "web")["spec"]["metrics"]
    assert metrics[0]["resource"]["target"]["averageUtilization"] == 60
    kubectl("delete", "hpa", "web")


def test_get_pods_watch_sees_a_rollout(kubectl):
    watch = kubectl.popen("get", "pods", "-l", "app=web", "-w")
    try:
        time.sleep(1)
        kubectl("set", "image", "deploy/web", "web=nginx:1.27")
        kubectl("rollout", "status", "deploy/web", "--timeout=60s")
        time.sleep(0.5)
    finally:
        watch.terminate()
        out, _ = watch.communicate(timeout=10)
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["NAME", "READY", "STATUS"]
    assert any("ContainerCreating" in line for line in lines)
    assert any("Terminating" in line for line in lines)


def test_logs_and_diff(kubectl):
    done = subprocess.run([KUBECTL, "--kubeconfig", kubectl.server.kubeconfig, "--cache-dir", str(kubectl.cache),
                           "logs", "deploy/web"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Configuration complete; ready for start up" in done.stdout  # nginx's start
    assert "Found 3 pods, using pod/web-" in done.stderr
    changed = kubectl("diff", "-f", "-", stdin=APP.replace("replicas: 3", "replicas: 5"), ok=False)
    assert "-  replicas: 3\n+  replicas: 5" in changed


def test_kubectl_over_tls_with_the_admin_certificate(tmp_path):
    cluster = Cluster.quickstart(nodes=1)
    with cluster.serve(tls=True) as server:
        nodes = Kubectl(server, tmp_path)("get", "nodes")
    assert nodes.splitlines()[1].split()[:2] == ["node-1", "Ready"]


def _event_ages(describe: str) -> list[str]:
    """The Age column of ``kubectl describe``'s Events table (kubectl computes it from this machine's clock)."""
    rows = describe.split("Events:", 1)[1].splitlines()[3:]  # after the header and its ---- underline
    return [row.split()[2] for row in rows if row.strip()]


def test_a_cluster_on_the_wall_clocks_epoch_shows_real_kubectl_event_ages_in_seconds(tmp_path):
    cluster = Cluster.quickstart(nodes=1, epoch="now")  # as `k8scourse serve` makes it
    cluster.apply(APP.split("---")[0])
    with cluster.serve(speed=1) as server:
        kubectl = Kubectl(server, tmp_path)
        kubectl("wait", "--for=condition=Ready", "pod", "-l", "app=web", "--timeout=60s")
        pod = kubectl("get", "pods", "-l", "app=web", "-o", "name").split()[0]
        ages = _event_ages(kubectl("describe", pod))
    assert len(ages) >= 4, ages  # Scheduled, Pulling, Pulled, Created, Started
    assert all(re.fullmatch(r"\d+s", age) and int(age[:-1]) < 120 for age in ages), ages
