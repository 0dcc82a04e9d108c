"""Init containers: in order before the app containers, restarts by restartPolicy, sidecars."""

import pytest

from k8scourse.cluster import Cluster
from k8scourse.kubectl.printers import pod_status


def pod(name: str, inits: list[dict], restart_policy: str = "Always") -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"restartPolicy": restart_policy, "initContainers": inits,
                     "containers": [{"name": "web", "image": "nginx:1.27"}]}}


def init(name: str, script: str, **extra) -> dict:
    return {"name": name, "image": "busybox:1.36", "command": ["sh", "-c", script], **extra}


def columns(cluster: Cluster, name: str) -> tuple[str, str]:
    """READY and STATUS of ``kubectl get pod``."""
    row = cluster.kubectl(f"get pod {name}").splitlines()[1].split()
    return row[1], row[2]


def watch(cluster: Cluster, name: str, seconds: int) -> list[tuple[str, str]]:
    """The distinct (READY, STATUS) a pod shows, second by second."""
    seen: list[tuple[str, str]] = []
    for _ in range(seconds):
        cluster.run(1)
        shown = columns(cluster, name)
        if not seen or seen[-1] != shown:
            seen.append(shown)
    return seen


def condition(cluster: Cluster, name: str, kind: str) -> dict:
    status = cluster.api.get("pods", name)["status"]
    return next(c for c in status["conditions"] if c["type"] == kind)


@pytest.fixture
def cluster() -> Cluster:
    return Cluster.quickstart(nodes=1, seed=5)


def test_init_containers_run_in_order_then_the_app(cluster):
    cluster.apply(pod("web", [init("first", "sleep 3"), init("second", "sleep 3")]))
    assert watch(cluster, "web", 25) == [
        ("0/1", "Init:0/2"), ("0/1", "Init:1/2"), ("0/1", "PodInitializing"), ("1/1", "Running")]
    started = [e["message"] for e in cluster.api.list("events", "default") if e["reason"] == "Started"]
    assert started == ["Started container first", "Started container second", "Started container web"]
    status = cluster.api.get("pods", "web")["status"]
    assert [(s["name"], s["ready"], s["state"]["terminated"]["reason"]) for s in status["initContainerStatuses"]] \
        == [("first", True, "Completed"), ("second", True, "Completed")]
    assert condition(cluster, "web", "Initialized")["status"] == "True"


def test_while_initialising_the_pod_is_pending_and_not_initialized(cluster):
    cluster.apply(pod("web", [init("wait", "sleep 30")]))
    cluster.run(5)
    status = cluster.api.get("pods", "web")["status"]
    assert status["phase"] == "Pending"
    initialized = condition(cluster, "web", "Initialized")
    assert (initialized["status"], initialized["reason"], initialized["message"]) == (
        "False", "ContainersNotInitialized", "containers with incomplete status: [wait]")
    assert status["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}


def test_a_failing_init_container_restarts_with_back_off(cluster):
    cluster.apply(pod("web", [init("fail", "sleep 1; exit 1")]))
    seen = watch(cluster, "web", 40)
    assert ("0/1", "Init:Error") in seen and ("0/1", "Init:CrashLoopBackOff") in seen
    assert seen.index(("0/1", "Init:Error")) < seen.index(("0/1", "Init:CrashLoopBackOff"))
    status = cluster.api.get("pods", "web")["status"]
    assert status["phase"] == "Pending"
    assert status["initContainerStatuses"][0]["restartCount"] >= 2
    assert not any(e["message"] == "Started container web" for e in cluster.api.list("events", "default"))


def test_restart_policy_never_fails_the_pod(cluster):
    cluster.apply(pod("job", [init("fail", "exit 3")], restart_policy="Never"))
    cluster.run(15)
    status = cluster.api.get("pods", "job")["status"]
    assert status["phase"] == "Failed"
    assert columns(cluster, "job") == ("0/1", "Init:Error")
    assert status["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
    assert condition(cluster, "job", "Ready")["reason"] == "PodFailed"
    started = [e for e in cluster.api.list("events", "default") if e["reason"] == "Started"]
    assert len(started) == 1


def test_on_failure_restarts_a_failed_init_container_until_it_succeeds(cluster):
    cluster.apply(pod("job", [init("ok", "exit 0")], restart_policy="OnFailure"))
    cluster.run(20)
    assert columns(cluster, "job") == ("1/1", "Running")


def test_a_sidecar_keeps_running_and_counts_in_ready(cluster):
    cluster.apply(pod("web", [init("log", "sleep infinity", restartPolicy="Always"), init("setup", "sleep 2")]))
    seen = watch(cluster, "web", 25)
    assert seen[0] == ("0/2", "Init:0/2")
    assert seen[-1] == ("2/2", "Running")
    sidecar = cluster.api.get("pods", "web")["status"]["initContainerStatuses"][0]
    assert "running" in sidecar["state"] and sidecar["started"] and sidecar["ready"]


@pytest.mark.parametrize("init_status, status", [
    ({"state": {"waiting": {"reason": "PodInitializing"}}}, "Init:0/1"),
    ({"state": {"running": {}}}, "Init:0/1"),
    ({"state": {"terminated": {"exitCode": 1, "reason": "Error"}}}, "Init:Error"),
    ({"state": {"terminated": {"exitCode": 2}}}, "Init:ExitCode:2"),
    ({"state": {"terminated": {"exitCode": 2, "signal": 9}}}, "Init:Signal:9"),
    ({"state": {"waiting": {"reason": "CrashLoopBackOff"}}}, "Init:CrashLoopBackOff"),
    ({"state": {"waiting": {"reason": "ImagePullBackOff"}}}, "Init:ImagePullBackOff"),
    ({"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}, "PodInitializing"),
])
def test_printpod_init_status(init_status, status):
    pod_ = {"metadata": {"name": "p"}, "spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "c"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [{"name": "i", **init_status}],
                       "containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "PodInitializing"}}}]}}
    assert pod_status(pod_, 0)[1] == status
