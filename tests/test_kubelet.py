"""The kubelet end to end: registration, heartbeats, pods from Pending to Running, restarts,
static pods and their mirrors, graceful deletion, events, and determinism."""

import json
import random
from types import SimpleNamespace

import pytest

from k8scourse.api.errors import StatusError
from k8scourse.clock import VirtualClock
from k8scourse.etcd import Store
from k8scourse.master.apiserver import APIServer
from k8scourse.node.kubelet import Kubelet
from k8scourse.version import KUBERNETES_VERSION

NODE, NODE_IP = "node-1", "192.168.1.11"


def make_cluster(seed: int = 7, namespaces=("default", "kube-system", "kube-node-lease")) -> SimpleNamespace:
    clock, rng = VirtualClock(), random.Random(seed)
    store = Store(clock=clock)
    api = APIServer(store, clock, rng)
    for name in namespaces:
        api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return SimpleNamespace(clock=clock, rng=rng, store=store, api=api)


@pytest.fixture
def cluster():
    return make_cluster()


def start_kubelet(c, **kwargs) -> Kubelet:
    kubelet = Kubelet(NODE, c.api, c.clock, c.rng, pod_cidr="10.244.1.0/24", node_ip=NODE_IP, **kwargs)
    kubelet.start()
    return kubelet


def pod(name, *containers, **spec):
    containers = containers or ({"name": "web", "image": "nginx:1.27"},)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": NODE, "containers": list(containers), **spec}}


def status_of(c, name, namespace="default"):
    return c.api.get("pods", name, namespace).get("status", {})


def state_of(status, container=0):
    """(state, reason) of a container status: ("waiting", "ContainerCreating"), ("running", None)..."""
    state = status["containerStatuses"][container]["state"]
    kind = next(iter(state))
    return kind, state[kind].get("reason")


def pod_events(c, name=None):
    found = [e for e in c.api.list("events", None) if e["involvedObject"]["kind"] == "Pod"]
    return [(e["reason"], e["message"]) for e in found if name is None or e["involvedObject"]["name"] == name]


def event_count(c, name, reason):
    return sum(e["count"] for e in c.api.list("events", None)
               if e["involvedObject"]["name"] == name and e["reason"] == reason)


def condition(conditions, kind):
    return next(x for x in conditions if x["type"] == kind)


# --- registration and heartbeats ---------------------------------------------------------


def test_node_registers_100ms_after_start_with_status(cluster):
    start_kubelet(cluster)
    cluster.clock.run(0.05)
    with pytest.raises(StatusError):
        cluster.api.get("nodes", NODE)
    cluster.clock.run(0.05)
    node = cluster.api.get("nodes", NODE)
    status = node["status"]
    assert [x["type"] for x in status["conditions"]] == ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
    ready = condition(status["conditions"], "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == \
        ("True", "KubeletReady", "kubelet is posting ready status")
    assert condition(status["conditions"], "MemoryPressure")["message"] == "kubelet has sufficient memory available"
    assert status["capacity"] == {"cpu": "2", "memory": "4Gi", "ephemeral-storage": "20Gi", "pods": "110",
                                  "hugepages-1Gi": "0", "hugepages-2Mi": "0"}
    # allocatable = capacity - hard eviction thresholds (memory 100Mi, nodefs 10%)
    assert status["allocatable"]["memory"] == "3996Mi"
    assert status["allocatable"]["ephemeral-storage"] == "18Gi"
    assert status["addresses"] == [{"type": "InternalIP", "address": NODE_IP}, {"type": "Hostname", "address": NODE}]
    assert status["nodeInfo"]["kubeletVersion"] == KUBERNETES_VERSION
    assert node["spec"]["podCIDR"] == "10.244.1.0/24"
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == NODE
    node_events = {e["reason"]: e["message"] for e in cluster.api.list("events", "default")
                   if e["involvedObject"]["kind"] == "Node"}
    assert node_events["Starting"] == "Starting kubelet."
    assert node_events["NodeHasSufficientMemory"] == "Node node-1 status is now: NodeHasSufficientMemory"
    assert "NodeReady" not in node_events  # a new node's Ready condition is no transition


def test_reserved_resources_and_labels_and_taints(cluster):
    start_kubelet(cluster, capacity={"cpu": "4", "memory": "8Gi", "ephemeral-storage": "100Gi"},
                  reserved={"cpu": "500m", "memory": "1Gi"}, labels={"disk": "ssd"},
                  taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])
    cluster.clock.run(1)
    node = cluster.api.get("nodes", NODE)
    assert node["status"]["allocatable"]["cpu"] == "3500m"
    assert node["status"]["allocatable"]["memory"] == "7068Mi"  # 8Gi - 1Gi - 100Mi
    assert node["metadata"]["labels"]["disk"] == "ssd"
    assert node["spec"]["taints"] == [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]


def test_missing_capacity_makes_the_node_not_ready(cluster):
    start_kubelet(cluster, capacity={"cpu": "2"})
    cluster.clock.run(1)
    ready = condition(cluster.api.get("nodes", NODE)["status"]["conditions"], "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "KubeletNotReady")
    assert ready["message"] == "Missing node capacity for resources: memory, ephemeral-storage"


def test_lease_is_created_at_start_and_renewed_every_10_seconds(cluster):
    start_kubelet(cluster)
    cluster.clock.run(0)
    lease = cluster.api.get("leases", NODE, "kube-node-lease")
    assert lease["spec"] == {"holderIdentity": NODE, "leaseDurationSeconds": 40,
                             "renewTime": "2025-01-01T00:00:00.000000Z"}
    assert "ownerReferences" not in lease["metadata"]  # the node registers 100 ms later
    renewals = []
    cluster.api.list_and_watch("leases", lambda _, obj: renewals.append(obj["spec"]["renewTime"]),
                               namespace="kube-node-lease")
    cluster.clock.run(35)
    assert renewals == ["2025-01-01T00:00:00.000000Z", "2025-01-01T00:00:10.000000Z",
                        "2025-01-01T00:00:20.000000Z", "2025-01-01T00:00:30.000000Z"]
    owner = cluster.api.get("leases", NODE, "kube-node-lease")["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"]) == ("Node", NODE)
    assert owner["uid"] == cluster.api.get("nodes", NODE)["metadata"]["uid"]


def test_lease_retries_until_its_namespace_exists():
    c = make_cluster(namespaces=("default",))
    start_kubelet(c)
    c.clock.run(3)
    c.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-node-lease"}})
    c.clock.run(3.2)  # retries wait 0.2, 0.4, 0.8, 1.6, 3.2 s: the one at 6.2 s finds the namespace
    assert c.api.get("leases", NODE, "kube-node-lease")["spec"]["holderIdentity"] == NODE


def test_node_status_is_written_on_change_or_every_5_minutes(cluster):
    start_kubelet(cluster)
    cluster.clock.run(1)
    writes = []
    cluster.api.list_and_watch("nodes", lambda kind, node: writes.append((kind, cluster.clock.now)))
    cluster.clock.run(0)
    writes.clear()
    cluster.clock.run(298)  # status computed every 10 s, unchanged: not written
    assert writes == []
    cluster.clock.run(2)
    assert writes == [("MODIFIED", pytest.approx(300.1))]
    heartbeat = condition(cluster.api.get("nodes", NODE)["status"]["conditions"], "Ready")["lastHeartbeatTime"]
    assert heartbeat == "2025-01-01T00:05:00Z"
    cluster.api.create(pod("web"))  # pulls nginx: the image list changes
    cluster.clock.run(20)
    assert len(writes) == 2
    names = cluster.api.get("nodes", NODE)["status"]["images"][0]["names"]
    assert "docker.io/library/nginx:1.27" in names


# --- a pod's life --------------------------------------------------------------------------


def test_pod_goes_pending_then_container_creating_then_running(cluster):
    start_kubelet(cluster)
    cluster.clock.run(1)
    cluster.api.create(pod("web"))
    cluster.clock.run(0)
    status = status_of(cluster, "web")
    assert status["phase"] == "Pending"
    assert state_of(status) == ("waiting", "ContainerCreating")
    assert status["startTime"] == "2025-01-01T00:00:01Z"
    assert status["hostIP"] == NODE_IP and "podIP" not in status
    assert condition(status["conditions"], "PodReadyToStartContainers")["status"] == "False"
    assert condition(status["conditions"], "Ready")["message"] == "containers with unready status: [web]"
    # pause: 0.1 s pull + 1 s setup; nginx:1.27 (72 MB at 10 MB/s): 7.2 s; started at 9.3 s,
    # seen at the next PLEG relist, 10 s
    cluster.clock.run(8.9)
    assert status_of(cluster, "web")["phase"] == "Pending"
    cluster.clock.run(0.1)
    status = status_of(cluster, "web")
    assert status["phase"] == "Running"
    assert state_of(status) == ("running", None)
    assert [(x["type"], x["status"]) for x in status["conditions"]] == [
        ("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", "True"),
        ("ContainersReady", "True"), ("PodScheduled", "True")]
    web = status["containerStatuses"][0]
    assert web["image"] == "docker.io/library/nginx:1.27"
    assert web["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert web["containerID"].startswith("containerd://") and web["ready"] and web["started"]
    assert web["state"]["running"]["startedAt"] == "2025-01-01T00:00:09Z"
    assert status["podIP"] == "10.244.1.2" and status["podIPs"] == [{"ip": "10.244.1.2"}]


def test_events_tell_the_pulls(cluster):
    start_kubelet(cluster)
    cluster.api.create(pod("a", {"name": "web", "image": "nginx:1.27"}))
    cluster.api.create(pod("b", {"name": "web", "image": "nginx:1.27"}))
    cluster.clock.run(20)
    assert sorted(pod_events(cluster, "a")) == sorted([
        ("Pulling", 'Pulling image "nginx:1.27"'),
        ("Pulled", ('Successfully pulled image "nginx:1.27" in 7.2s (7.2s including waiting). '
                    "Image size: 72000000 bytes.")),
        ("Created", "Created container web"),
        ("Started", "Started container web"),
    ])
    # Both pods asked before the image landed: the second pull waited in the kubelet's queue,
    # and found the image there (only a manifest check).
    assert ("Pulled", ('Successfully pulled image "nginx:1.27" in 500ms (7.7s including waiting). '
                       "Image size: 72000000 bytes.")) in pod_events(cluster, "b")
    cluster.api.create(pod("c", {"name": "web", "image": "nginx:1.27"}))
    cluster.clock.run(5)
    assert ("Pulled", 'Container image "nginx:1.27" already present on machine') in pod_events(cluster, "c")
    assert ("Pulling", 'Pulling image "nginx:1.27"') not in pod_events(cluster, "c")


def test_image_pull_policy_always_pulls_again(cluster):
    start_kubelet(cluster)
    cluster.api.create(pod("a", {"name": "web", "image": "nginx"}))
    cluster.clock.run(20)
    cluster.api.create(pod("b", {"name": "web", "image": "nginx"}))  # :latest means Always
    cluster.clock.run(5)
    assert ("Pulled", ('Successfully pulled image "nginx" in 500ms (500ms including waiting). '
                       "Image size: 72000000 bytes.")) in pod_events(cluster, "b")


def test_pause_container_comes_first_and_all_containers_share_its_ip(cluster):
    kubelet = start_kubelet(cluster)
    cluster.api.create(pod("web", {"name": "web", "image": "nginx:1.27"},
                           {"name": "side", "image": "busybox:1.36", "command": ["sleep", "3600"]}))
    cluster.clock.run(12)
    uid = cluster.api.get("pods", "web")["metadata"]["uid"]
    containers = kubelet.runtime.ps()
    assert [c.docker_name for c in containers] == [
        f"k8s_side_web_default_{uid}_0", f"k8s_web_web_default_{uid}_0", f"k8s_POD_web_default_{uid}_0"]
    pause = containers[-1]
    assert pause.image == "registry.k8s.io/pause:3.10"
    assert all(c.created_at > pause.created_at for c in containers[:-1])
    assert {c.ip for c in containers} == {"10.244.1.2"} == {status_of(cluster, "web")["podIP"]}
    table = kubelet.runtime.ps_table()
    assert table.splitlines()[0].split() == ["CONTAINER", "ID", "IMAGE", "STATUS", "IP", "NAMES"]
    assert f"k8s_POD_web_default_{uid}_0" in table and "Up 3 seconds" in table


def test_pod_ips_come_round_robin_and_are_released(cluster):
    start_kubelet(cluster)
    for name in ("a", "b"):
        cluster.api.create(pod(name))
    cluster.clock.run(20)
    assert [status_of(cluster, n)["podIP"] for n in ("a", "b")] == ["10.244.1.2", "10.244.1.3"]
    cluster.api.delete("pods", "a")
    cluster.clock.run(2)
    cluster.api.create(pod("c"))
    cluster.clock.run(5)
    assert status_of(cluster, "c")["podIP"] == "10.244.1.4"  # host-local: the next after the last given


def test_host_network_pods_use_the_node_ip(cluster):
    kubelet = start_kubelet(cluster)
    cluster.api.create(pod("net", hostNetwork=True))
    cluster.clock.run(12)
    assert status_of(cluster, "net")["podIP"] == NODE_IP
    assert kubelet.runtime.find("net", "POD").ip == NODE_IP


def test_a_full_pod_cidr_fails_the_sandbox(cluster):
    kubelet = Kubelet(NODE, cluster.api, cluster.clock, cluster.rng, pod_cidr="10.244.1.0/30", node_ip=NODE_IP)
    kubelet.start()
    cluster.api.create(pod("a"))
    cluster.api.create(pod("b"))
    cluster.clock.run(12)
    assert status_of(cluster, "a")["phase"] == "Running"
    status = status_of(cluster, "b")
    assert status["phase"] == "Pending" and state_of(status) == ("waiting", "ContainerCreating")
    (message,) = [m for reason, m in pod_events(cluster, "b") if reason == "FailedCreatePodSandBox"]
    assert message.startswith('Failed to create pod sandbox: rpc error: code = Unknown desc = '
                              'failed to setup network for sandbox "')
    assert message.endswith('plugin type="flannel" failed (add): failed to delegate add: failed to allocate '
                            "for range 0: no IP addresses available in range set: 10.244.1.1-10.244.1.2")
    cluster.api.delete("pods", "a")
    cluster.clock.run(15)  # the failed sync is retried after 10 s
    assert status_of(cluster, "b")["podIP"] == "10.244.1.2"


def test_empty_dir_is_shared_by_the_pods_containers_and_outlives_restarts(cluster):
    kubelet = start_kubelet(cluster)
    cluster.api.create(pod(
        "web",
        {"name": "web", "image": "nginx:1.27",
         "volumeMounts": [{"name": "html", "mountPath": "/usr/share/nginx/html"}]},
        {"name": "writer", "image": "busybox:1.36", "command": ["sleep", "3600"],
         "volumeMounts": [{"name": "html", "mountPath": "/data"}]},
        volumes=[{"name": "html", "emptyDir": {}}]))
    cluster.clock.run(12)
    runtime = kubelet.runtime
    writer, web = runtime.find("web", "writer"), runtime.find("web", "web")
    runtime.write_file(writer, "/data/index.html", "hello")
    runtime.write_file(writer, "/tmp/own", "mine")
    assert runtime.read_file(web, "/usr/share/nginx/html/index.html") == "hello"
    with pytest.raises(ValueError, match="can't open '/tmp/own'"):
        runtime.read_file(web, "/tmp/own")
    uid = cluster.api.get("pods", "web")["metadata"]["uid"]
    assert web.mounts["/usr/share/nginx/html"].host_path == \
        f"/var/lib/kubelet/pods/{uid}/volumes/kubernetes.io~empty-dir/html"
    runtime.crash("web", "writer")
    cluster.clock.run(3)
    again = runtime.find("web", "writer")
    assert again is not writer and again.attempt == 1
    assert runtime.read_file(again, "/data/index.html") == "hello"  # the volume stays
    with pytest.raises(ValueError):
        runtime.read_file(again, "/tmp/own")  # the container's own files went with it


# --- restarts ------------------------------------------------------------------------------


def test_crash_loop_back_off_doubles_from_10s_to_5m(cluster, monkeypatch):
    kubelet = start_kubelet(cluster)
    starts = []
    real_start = kubelet.runtime.start_container
    monkeypatch.setattr(kubelet.runtime, "start_container",
                        lambda c: (starts.append(cluster.clock.now), real_start(c)))
    cluster.api.create(pod("crash", {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "exit 1"]}))
    cluster.clock.run(1300)
    gaps = [round(b - a, 3) for a, b in zip(starts, starts[1:])]
    # the first exit restarts at the next relist; then each waits out its back-off, looked at
    # again by the worker's retries (10 to 15 s apart, at a one-second tick): never sooner,
    # at most one retry later
    assert 0 < gaps[0] <= 1
    for gap, backoff in zip(gaps[1:9], [10, 20, 40, 80, 160, 300, 300, 300]):
        assert backoff <= gap <= backoff + 16, (gap, backoff)
    assert len(set(gaps[6:9])) > 1  # jittered, not on the back-off boundary
    status = status_of(cluster, "crash")
    assert status["phase"] == "Running"  # restartPolicy Always: the pod is never done
    uid = cluster.api.get("pods", "crash")["metadata"]["uid"]
    assert ("BackOff", f"Back-off restarting failed container app in pod crash_default({uid})") \
        in pod_events(cluster, "crash")


def test_crash_loop_status_shows_error_then_back_off(cluster):
    start_kubelet(cluster)
    cluster.api.create(pod("crash", {"name": "app", "image": "busybox:1.36",
                                     "command": ["sh", "-c", "sleep 2; exit 1"]}))
    seen = []
    for _ in range(30):
        cluster.clock.run(1)
        status = status_of(cluster, "crash")
        entry = (state_of(status), status["containerStatuses"][0]["restartCount"])
        if not seen or seen[-1] != entry:
            seen.append(entry)
    assert seen[:7] == [
        (("waiting", "ContainerCreating"), 0), (("running", None), 0), (("terminated", "Error"), 0),
        (("running", None), 1), (("terminated", "Error"), 1), (("waiting", "CrashLoopBackOff"), 1),
        (("running", None), 2)]
    cluster.clock.run(2.5)
    app = status_of(cluster, "crash")["containerStatuses"][0]
    uid = cluster.api.get("pods", "crash")["metadata"]["uid"]
    assert app["state"]["waiting"]["message"] == \
        f"back-off 20s restarting failed container=app pod=crash_default({uid})"
    assert app["lastState"]["terminated"]["exitCode"] == 1


@pytest.mark.parametrize("policy, command, phase, starts", [
    ("Never", "exit 1", "Failed", 1),
    ("Never", "exit 0", "Succeeded", 1),
    ("OnFailure", "exit 0", "Succeeded", 1),
    ("OnFailure", "exit 1", "Running", 2),
    ("Always", "exit 0", "Running", 2),
])
def test_restart_policy(cluster, policy, command, phase, starts):
    kubelet = start_kubelet(cluster)
    cluster.api.create(pod("job", {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", command]},
                           restartPolicy=policy))
    cluster.clock.run(5)
    status = status_of(cluster, "job")
    assert status["phase"] == phase
    assert event_count(cluster, "job", "Started") == starts
    if phase in ("Succeeded", "Failed"):
        assert not kubelet.runtime.find("job", "POD").sandbox.ready  # the finished pod gave its IP back
        assert condition(status["conditions"], "PodReadyToStartContainers")["status"] == "False"


def test_crash_makes_a_container_exit_and_restart(cluster):
    kubelet = start_kubelet(cluster)
    cluster.api.create(pod("web"))
    cluster.clock.run(12)
    kubelet.runtime.crash("web", "web", exit_code=2)
    cluster.clock.run(1)  # the next relist sees the exit: reported, and restarted at once
    assert state_of(status_of(cluster, "web")) == ("terminated", "Error")
    cluster.clock.run(1)  # the relist after sees it running again
    web = status_of(cluster, "web")["containerStatuses"][0]
    assert web["restartCount"] == 1
    assert web["lastState"]["terminated"]["exitCode"] == 2
    assert web["lastState"]["terminated"]["reason"] == "Error"
    with pytest.raises(ValueError, match="not found"):
        kubelet.runtime.crash("nope", "web")
    with pytest.raises(ValueError, match="exitCode: Invalid value: 256: must be between 0 and 255"):
        kubelet.runtime.crash("web", "web", exit_code=256)


def test_busybox_without_a_command_completes_at_once(cluster):
    start_kubelet(cluster)
    cluster.api.create(pod("bare", {"name": "box", "image": "busybox:1.36"}))
    cluster.clock.run(3.5)
    box = status_of(cluster, "bare")["containerStatuses"][0]
    assert box["state"]["terminated"]["reason"] == "Completed"


# --- deletion ------------------------------------------------------------------------------


def test_graceful_deletion_stops_containers_then_removes_the_pod(cluster):
    kubelet = start_kubelet(cluster)
    cluster.api.create(pod("web"))
    cluster.clock.run(12)
    cluster.api.delete("pods", "web")
    cluster.clock.run(0)
    assert ("Killing", "Stopping container web") in pod_events(cluster, "web")
    assert cluster.api.get("pods", "web")["metadata"]["deletionTimestamp"]  # kubectl: Terminating
    cluster.clock.run(1)  # nginx stops on SIGTERM; the kubelet sees it at the next relist
    with pytest.raises(StatusError):
        cluster.api.get("pods", "web")
    assert kubelet.runtime.ps(all=True) == [] and kubelet.workers == {}


def test_a_process_ignoring_sigterm_is_killed_after_the_grace_period(cluster):
    kubelet = start_kubelet(cluster)
    cluster.api.create(pod("sleeper", {"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"]}))
    cluster.clock.run(5)
    cluster.api.delete("pods", "sleeper", grace_period_seconds=5)
    cluster.clock.run(4.9)
    assert kubelet.runtime.find("sleeper", "app").state == "running"
    cluster.clock.run(0.1)
    assert kubelet.runtime.find("sleeper", "app").exit_code == 137
    cluster.clock.run(1)
    with pytest.raises(StatusError):
        cluster.api.get("pods", "sleeper")


def test_deleting_a_pod_still_pulling(cluster):
    kubelet = start_kubelet(cluster)
    cluster.api.create(pod("web"))
    cluster.clock.run(3)
    cluster.api.delete("pods", "web")
    cluster.clock.run(10)
    with pytest.raises(StatusError):
        cluster.api.get("pods", "web")
    assert kubelet.runtime.ps(all=True) == []
    assert ("Created", "Created container web") not in pod_events(cluster, "web")


# --- static pods -----------------------------------------------------------------------------

STATIC = """
apiVersion: v1
kind: Pod
metadata: {name: static-web, namespace: kube-system}
spec:
  containers: [{name: web, image: "nginx:1.27"}]
"""
MANIFEST = "/etc/kubernetes/manifests/static-web.yaml"


def test_static_pod_runs_and_is_mirrored(cluster):
    manifests = {MANIFEST: STATIC}
    kubelet = start_kubelet(cluster, static_pod_manifests=manifests)
    cluster.clock.run(10)
    mirror = cluster.api.get("pods", f"static-web-{NODE}", "kube-system")
    meta = mirror["metadata"]
    assert meta["annotations"]["kubernetes.io/config.source"] == "file"
    assert meta["annotations"]["kubernetes.io/config.mirror"] == meta["annotations"]["kubernetes.io/config.hash"]
    node_uid = cluster.api.get("nodes", NODE)["metadata"]["uid"]
    assert meta["ownerReferences"] == [{"apiVersion": "v1", "kind": "Node", "name": NODE, "uid": node_uid,
                                        "controller": True}]
    assert mirror["spec"]["nodeName"] == NODE
    assert {"operator": "Exists", "effect": "NoExecute"} in mirror["spec"]["tolerations"]
    assert mirror["status"]["phase"] == "Running"
    web = kubelet.runtime.find(f"static-web-{NODE}", "web", namespace="kube-system")

    # Deleting the mirror stops nothing: the kubelet puts it back.
    cluster.api.delete("pods", f"static-web-{NODE}", "kube-system")
    cluster.clock.run(2)
    again = cluster.api.get("pods", f"static-web-{NODE}", "kube-system")
    assert again["metadata"]["uid"] != meta["uid"]
    assert kubelet.runtime.find(f"static-web-{NODE}", "web", namespace="kube-system") is web
    assert web.state == "running"
    cluster.clock.run(1)
    assert status_of(cluster, f"static-web-{NODE}", "kube-system")["phase"] == "Running"

    # Removing the manifest stops the pod, at the next file check (every 20 s), and the mirror goes.
    del manifests[MANIFEST]
    cluster.clock.run(7)  # t = 20
    with pytest.raises(StatusError):
        cluster.api.get("pods", f"static-web-{NODE}", "kube-system")
    assert ("Killing", "Stopping container web") in pod_events(cluster, f"static-web-{NODE}")
    cluster.clock.run(1)
    assert kubelet.runtime.ps(all=True) == []


def test_static_pods_run_before_the_node_registers(cluster):
    kubelet = start_kubelet(cluster, static_pod_manifests={MANIFEST: STATIC})
    cluster.clock.run(0)
    assert kubelet.workers and not cluster.api.list("nodes")


def test_invalid_static_manifest_is_skipped_and_logged(cluster):
    manifests = {"/etc/kubernetes/manifests/bad.yaml": {"apiVersion": "v1", "kind": "Pod",
                                                        "metadata": {"name": "bad"}, "spec": {"containers": []}}}
    kubelet = start_kubelet(cluster, static_pod_manifests=manifests)
    cluster.clock.run(5)
    assert kubelet.workers == {}
    assert "spec.containers: Required value" in kubelet.static_pod_errors["/etc/kubernetes/manifests/bad.yaml"]


def test_static_pods_from_a_directory(cluster, tmp_path):
    (tmp_path / "static-web.yaml").write_text(STATIC)
    (tmp_path / ".hidden.yaml").write_text("not: a pod")
    start_kubelet(cluster, static_pod_manifests=tmp_path)
    cluster.clock.run(10)
    assert cluster.api.get("pods", f"static-web-{NODE}", "kube-system")["status"]["phase"] == "Running"
    (tmp_path / "static-web.yaml").unlink()
    cluster.clock.run(10)
    with pytest.raises(StatusError):
        cluster.api.get("pods", f"static-web-{NODE}", "kube-system")


def test_orphaned_mirror_pods_are_deleted(cluster):
    orphan = pod("old-static-node-1")
    orphan["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "0123456789abcdef"}
    cluster.api.create(orphan)  # the mirror of a static pod this kubelet no longer has
    start_kubelet(cluster)
    cluster.clock.run(1)
    with pytest.raises(StatusError):
        cluster.api.get("pods", "old-static-node-1")


# --- node failure and reboot ---------------------------------------------------------------------


def test_stop_ends_heartbeats_and_start_reboots(cluster):
    kubelet = start_kubelet(cluster)
    cluster.api.create(pod("web"))
    cluster.clock.run(12)
    kubelet.stop()
    renew = cluster.api.get("leases", NODE, "kube-node-lease")["spec"]["renewTime"]
    cluster.clock.run(60)
    assert cluster.api.get("leases", NODE, "kube-node-lease")["spec"]["renewTime"] == renew
    assert kubelet.runtime.ps(all=True) == []
    assert status_of(cluster, "web")["phase"] == "Running"  # nobody has told the API yet
    kubelet.start()
    cluster.clock.run(5)
    status = status_of(cluster, "web")
    assert status["phase"] == "Running" and status["containerStatuses"][0]["restartCount"] == 1
    assert cluster.api.get("leases", NODE, "kube-node-lease")["spec"]["renewTime"] > renew


# --- input and determinism ---------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, field", [
    ({"pod_cidr": "10.244.1.0/33"}, "podCIDR"),
    ({"node_ip": None}, "nodeIP"),
    ({"node_ip": "300.1.1.1"}, "nodeIP"),
    ({"capacity": {"cpu": "two"}}, "capacity[cpu]"),
    ({"labels": {"bad key!": "x"}}, "nodeLabels"),
    ({"taints": [{"key": "k", "effect": "Sometimes"}]}, "registerWithTaints[0].effect"),
    ({"node_status_update_frequency": 0}, "nodeStatusUpdateFrequency"),
])
def test_bad_configuration_names_the_field(cluster, kwargs, field):
    arguments = {"pod_cidr": "10.244.1.0/24", "node_ip": NODE_IP, **kwargs}
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        Kubelet(NODE, cluster.api, cluster.clock, cluster.rng, **arguments)


def test_a_node_named_by_its_ip_needs_no_node_ip(cluster):
    kubelet = Kubelet("192.168.197.131", cluster.api, cluster.clock, cluster.rng, pod_cidr="10.244.2.0/24")
    assert kubelet.node_ip == "192.168.197.131"


def _story(seed):
    c = make_cluster(seed)
    kubelet = start_kubelet(c, static_pod_manifests={MANIFEST: STATIC})
    c.api.create(pod("web"))
    c.api.create(pod("crash", {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "exit 3"]}))
    c.clock.run(100)
    c.api.delete("pods", "web")
    c.clock.run(50)
    store = {kv.key: kv.value for kv in c.store.range("/")}
    return json.dumps(store, sort_keys=True, default=str), kubelet.runtime.ps_table(all=True)


def test_same_seed_same_story():
    assert _story(3) == _story(3)
    assert _story(3) != _story(4)



def test_pod_worker_does_not_import_the_kubelet():
    """No import circle: the pod worker names what it uses of the kubelet in a Protocol."""
    import ast
    import inspect

    from k8scourse.node import pod_worker
    tree = ast.parse(inspect.getsource(pod_worker))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "kubelet" not in imported and "k8scourse.node.kubelet" not in imported
