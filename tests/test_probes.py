"""Probes: liveness, readiness and startup, their timings, and what the kubelet does with them."""

import pytest

from k8scourse.cluster import Cluster
from k8scourse.node.programs import FileChange, run_script

LIVENESS_EXEC = """
apiVersion: v1
kind: Pod
metadata: {name: liveness-exec, labels: {test: liveness}}
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/busybox:1.27.2
    args: [/bin/sh, -c, "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"]
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      initialDelaySeconds: 5
      periodSeconds: 5
"""  # Kubernetes' own example (website: pods/probe/exec-liveness.yaml)
NO_FILE = "cat: can't open '/tmp/healthy': No such file or directory\n"


def busybox(name: str, script: str, restart_policy: str = "Always", **probes) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"restartPolicy": restart_policy, "containers": [
                {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", script], **probes}]}}


def nginx(name: str, **probes) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27", **probes}]}}


def events(cluster: Cluster, name: str) -> list[tuple[str, str, str]]:
    found = [e for e in cluster.api.list("events", "default") if e["involvedObject"]["name"] == name]
    return [(e["type"], e["reason"], e["message"]) for e in found]


def event_times(cluster: Cluster, name: str, reason: str) -> list[str]:
    return [e["firstTimestamp"] for e in cluster.api.list("events", "default")
            if e["involvedObject"]["name"] == name and e["reason"] == reason]


def container_status(cluster: Cluster, name: str) -> dict:
    return cluster.api.get("pods", name)["status"]["containerStatuses"][0]


def ready_column(cluster: Cluster, name: str) -> str:
    return cluster.kubectl(f"get pod {name}").splitlines()[1].split()[1]


@pytest.fixture
def cluster() -> Cluster:
    return Cluster.quickstart(nodes=1, seed=11)


def test_scripts_change_files_over_time():
    assert run_script("touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600").files == (
        FileChange(0.0, "/tmp/healthy", "", True), FileChange(30.0, "/tmp/healthy", None))
    assert run_script("echo ok > /tmp/ready; sleep 5; echo more >> /tmp/ready").files == (
        FileChange(0.0, "/tmp/ready", "ok\n", False), FileChange(5.0, "/tmp/ready", "more\n", True))


def test_the_docs_liveness_example_restarts_the_container(cluster):
    cluster.apply(LIVENESS_EXEC)
    cluster.run(20)
    started_at = cluster.kubelets["node-1"].runtime.find("liveness-exec", "liveness").started_at
    assert container_status(cluster, "liveness-exec")["ready"]
    cluster.run(40)
    found = events(cluster, "liveness-exec")
    assert ("Warning", "Unhealthy", f"Liveness probe failed: {NO_FILE}") in found
    assert ("Normal", "Killing", "Container liveness failed liveness probe, will be restarted") in found
    unhealthy = next(e for e in cluster.api.list("events", "default") if e["reason"] == "Unhealthy")
    assert unhealthy["count"] == 3  # failureThreshold 3, a probe every 5 s
    killed = cluster.kubelets["node-1"].runtime.find("liveness-exec", "liveness")
    assert killed.state == "running"  # sh ignores SIGTERM: it dies after the 30 s grace period
    cluster.run(40)
    status = container_status(cluster, "liveness-exec")
    assert status["restartCount"] == 1
    assert status["lastState"]["terminated"]["exitCode"] == 137
    # the file went at 30 s; three failures 5 s apart: killed 40 to 45 s after the start
    assert 40 <= killed.finished_at - 30 - started_at <= 45


def test_readiness_follows_the_probe_and_never_restarts(cluster):
    cluster.apply(busybox("flip", "touch /tmp/ready; sleep 20; rm /tmp/ready; sleep 3600",
                          readinessProbe={"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 2}))
    seen = []
    for _ in range(45):
        cluster.run(1)
        if not seen or seen[-1] != ready_column(cluster, "flip"):
            seen.append(ready_column(cluster, "flip"))
    assert seen == ["0/1", "1/1", "0/1"]
    pod = cluster.api.get("pods", "flip")
    ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False", "ContainersNotReady", "containers with unready status: [app]")
    assert pod["status"]["phase"] == "Running"
    assert container_status(cluster, "flip")["restartCount"] == 0
    assert ("Warning", "Unhealthy", "Readiness probe failed: cat: can't open '/tmp/ready': No such file or "
            "directory\n") in events(cluster, "flip")
    assert "Running" in cluster.kubectl("get pod flip")


def test_readiness_waits_for_initial_delay_and_success_threshold(cluster):
    probe = {"tcpSocket": {"port": 80}, "initialDelaySeconds": 10, "periodSeconds": 3, "successThreshold": 1}
    cluster.apply(nginx("slow", readinessProbe=probe))
    cluster.apply(nginx("quick"))
    cluster.run(30)
    # both started at the same time; the probe needs 10 s first
    assert event_times(cluster, "slow", "Started") == event_times(cluster, "quick", "Started")
    ready_times = {}
    for name in ("slow", "quick"):
        cond = next(c for c in cluster.api.get("pods", name)["status"]["conditions"] if c["type"] == "Ready")
        ready_times[name] = cond["lastTransitionTime"]
    assert ready_times["slow"] > ready_times["quick"]


def test_success_threshold_counts_successes_in_a_row(cluster):
    probe = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5, "successThreshold": 3}
    cluster.apply(nginx("web", readinessProbe=probe))
    cluster.run(14)  # running from about 9 s
    assert not container_status(cluster, "web")["ready"]
    cluster.run(20)
    assert container_status(cluster, "web")["ready"]


def test_startup_probe_gates_liveness_and_readiness(cluster):
    started = {"exec": {"command": ["cat", "/tmp/started"]}, "periodSeconds": 2, "failureThreshold": 30}
    alive = {"exec": {"command": ["cat", "/tmp/started"]}, "periodSeconds": 2}
    cluster.apply(busybox("slow", "sleep 20; touch /tmp/started; sleep 3600", startupProbe=started,
                          livenessProbe=alive, readinessProbe=alive))
    cluster.run(15)
    status = container_status(cluster, "slow")
    assert (status["started"], status["ready"]) == (False, False)
    cluster.run(25)
    status = container_status(cluster, "slow")
    assert (status["started"], status["ready"], status["restartCount"]) == (True, True, 0)
    found = events(cluster, "slow")
    assert any(message.startswith("Startup probe failed") for _, _, message in found)
    assert not any(message.startswith(("Liveness", "Readiness")) for _, _, message in found)


def test_a_failing_startup_probe_kills_the_container(cluster):
    never = {"exec": {"command": ["test", "-f", "/tmp/started"]}, "periodSeconds": 2, "failureThreshold": 2}
    cluster.apply(nginx("stuck", startupProbe=never))
    cluster.run(30)
    found = events(cluster, "stuck")
    assert ("Warning", "Unhealthy", "Startup probe failed: ") in found
    assert ("Normal", "Killing", "Container web failed startup probe, will be restarted") in found
    assert container_status(cluster, "stuck")["restartCount"] >= 1


def test_restart_policy_never_kills_without_restart(cluster):
    cluster.apply(busybox("once", "sleep 3600", restart_policy="Never",
                          livenessProbe={"exec": {"command": ["false"]}, "periodSeconds": 2, "failureThreshold": 1,
                                         "terminationGracePeriodSeconds": 3}))
    cluster.run(25)
    assert ("Normal", "Killing", "Container app failed liveness probe") in events(cluster, "once")
    pod = cluster.api.get("pods", "once")
    assert pod["status"]["phase"] == "Failed"
    assert pod["status"]["containerStatuses"][0]["restartCount"] == 0


def test_http_and_tcp_probes_reach_what_the_server_listens_on(cluster):
    cluster.apply(nginx("web", readinessProbe={"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 3},
                        livenessProbe={"tcpSocket": {"port": 80}, "periodSeconds": 3}))
    cluster.run(20)
    ip = cluster.api.get("pods", "web")["status"]["podIP"]
    found = events(cluster, "web")
    assert ("Warning", "Unhealthy", f'Readiness probe failed: Get "http://{ip}:8080/": dial tcp {ip}:8080: '
            "connect: connection refused") in found
    assert not any(message.startswith("Liveness") for _, _, message in found)
    assert ready_column(cluster, "web") == "0/1"


def test_http_probe_on_a_missing_path_answers_404_and_named_ports_resolve(cluster):
    pod = nginx("web", livenessProbe={"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 3})
    pod["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 80}]
    cluster.apply(pod)
    cluster.run(25)
    found = events(cluster, "web")
    assert ("Warning", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 404") in found
    assert ("Normal", "Killing", "Container web failed liveness probe, will be restarted") in found


def test_exec_probe_times_out(cluster):
    cluster.apply(busybox("slow", "sleep 3600", readinessProbe={
        "exec": {"command": ["sh", "-c", "sleep 5"]}, "timeoutSeconds": 1, "periodSeconds": 3}))
    cluster.run(15)
    assert ("Warning", "Unhealthy", 'Readiness probe failed: command "sh -c sleep 5" timed out') in \
        events(cluster, "slow")


def test_probes_are_deterministic():
    def story() -> list:
        cluster = Cluster.quickstart(nodes=1, seed=4)
        cluster.apply(LIVENESS_EXEC)
        cluster.run(120)
        return [(e["reason"], e["message"], e["count"], e["lastTimestamp"])
                for e in cluster.api.list("events", "default")]
    assert story() == story()


def test_an_added_image_answers_its_health_paths(cluster):
    cluster.registry.add("myapp:1.0", size=10_000_000, ports=[8080], http_paths=["/healthz"])
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 2}
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"},
                   "spec": {"containers": [{"name": "app", "image": "myapp:1.0", "livenessProbe": probe,
                                            "readinessProbe": probe}]}})
    cluster.run(20)
    assert ready_column(cluster, "app") == "1/1"
    assert not any(reason == "Unhealthy" for _, reason, _ in events(cluster, "app"))


def test_kubeadms_etcd_probes_pass():
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "etcd", "namespace": "kube-system"},
                "spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.15-0", "livenessProbe": {
                    "httpGet": {"host": "127.0.0.1", "path": "/livez", "port": 2381}, "failureThreshold": 8,
                    "initialDelaySeconds": 10, "periodSeconds": 10, "timeoutSeconds": 15}, "startupProbe": {
                    "httpGet": {"host": "127.0.0.1", "path": "/readyz", "port": 2381}, "failureThreshold": 24,
                    "initialDelaySeconds": 10, "periodSeconds": 10, "timeoutSeconds": 15}}]}}
    cluster = Cluster(seed=2)
    cluster.add_node("cp-1", static_pods={"/etc/kubernetes/manifests/etcd.yaml": manifest})
    cluster.run(60)
    status = cluster.api.get("pods", "etcd-cp-1", "kube-system")["status"]["containerStatuses"][0]
    assert (status["started"], status["ready"], status["restartCount"]) == (True, True, 0)


def test_on_failure_restarts_a_container_its_liveness_probe_stopped_cleanly(cluster):
    pod = nginx("web", livenessProbe={"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 3})
    pod["spec"]["restartPolicy"] = "OnFailure"
    cluster.apply(pod)
    cluster.run(40)
    status = cluster.api.get("pods", "web")["status"]
    assert status["phase"] == "Running"  # nginx exits 0 on SIGTERM, yet a liveness kill is a failure
    assert status["containerStatuses"][0]["restartCount"] >= 1
    assert status["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 0
