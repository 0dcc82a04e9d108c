"""Stopping a unit of a booted cluster stops what its daemon does: the scheduler's and the controller-manager's
loops end with their process and a restart lists everything afresh; with kube-apiserver stopped, kubelets'
heartbeats fail with the kubelet's own errors and resume when it is back."""

import re

from k8scourse.cluster import Cluster
from k8scourse.config import ClusterSpec
from k8scourse.master.process import Process
from test_boot import WEB, lab_tree, start_all


def booted() -> Cluster:
    cluster = start_all(Cluster.from_files(lab_tree()))
    cluster.apply(WEB)
    cluster.run(30)
    return cluster


def statuses(cluster: Cluster) -> list[str]:
    return [line.split()[2] for line in str(cluster.kubectl("get pods")).splitlines()[1:]]


def replicas(cluster: Cluster) -> int:
    rs = cluster.api.list("replicasets", "default")[0]
    return rs["spec"]["replicas"]


def ready(cluster: Cluster, node: str) -> str:
    conditions = cluster.api.get("nodes", node)["status"]["conditions"]
    return next(c["status"] for c in conditions if c["type"] == "Ready")


def renew_time(cluster: Cluster, node: str) -> str:
    return cluster.api.get("leases", node, "kube-node-lease")["spec"]["renewTime"]


# --- kube-scheduler ------------------------------------------------------------------------------


def test_with_kube_scheduler_stopped_new_pods_stay_pending_until_it_starts_again():
    cluster = start_all(Cluster.from_files(lab_tree()))
    assert cluster.systemctl("master", "stop kube-scheduler") == ""
    cluster.apply(WEB)
    cluster.run(60)
    assert statuses(cluster) == ["Pending"] * 4
    assert not [e for e in cluster.api.list("events", "default") if e["reason"] in ("Scheduled", "FailedScheduling")]
    assert cluster.systemctl("master", "start kube-scheduler") == ""
    cluster.run(10)  # v1.31's kube-scheduler gave its lock up as it stopped: the new process leads at once
    assert statuses(cluster) == ["Running"] * 4
    assert cluster.logs("master", "kube-scheduler").count("successfully acquired lease kube-system/kube-scheduler") == 2


# --- kube-controller-manager ----------------------------------------------------------------------


def test_with_kube_controller_manager_stopped_a_scaled_deployment_does_not_change_until_it_starts():
    cluster = booted()
    cluster.systemctl("master", "stop kube-controller-manager")
    cluster.kubectl("scale deployment web --replicas=6")
    cluster.run(60)
    assert replicas(cluster) == 4 and len(statuses(cluster)) == 4
    cluster.systemctl("master", "start kube-controller-manager")
    # The stopped process kept its lock: the new one takes it once it has gone unrenewed for LeaseDuration
    # (15 s) since it first read it, at its next try (every RetryPeriod, 2 s).
    cluster.run(15)
    assert replicas(cluster) == 4
    assert cluster.logs("master", "kube-controller-manager").count("successfully acquired lease") == 1
    cluster.run(1)
    assert cluster.logs("master", "kube-controller-manager").endswith(
        "successfully acquired lease kube-system/kube-controller-manager")
    cluster.run(10)
    assert replicas(cluster) == 6 and statuses(cluster) == ["Running"] * 6


def test_with_kube_controller_manager_stopped_a_dead_node_is_not_marked_not_ready():
    cluster = booted()
    cluster.systemctl("master", "stop kube-controller-manager")
    cluster.systemctl("node1", "stop kubelet")
    cluster.run(120)
    assert ready(cluster, "127.0.0.12") == "True"  # nobody watches the heartbeats
    cluster.systemctl("master", "start kube-controller-manager")
    # It leads 16 s later (the old lock expires); a new process has no saved heartbeats: it counts the grace
    # period (40 s) from then ("Missing timestamp for Node ... Assuming now as a timestamp",
    # node_lifecycle_controller.go).
    cluster.run(16 + 35)
    assert ready(cluster, "127.0.0.12") == "True"
    cluster.run(10)
    assert ready(cluster, "127.0.0.12") == "Unknown" and ready(cluster, "127.0.0.13") == "True"


def test_a_controller_manager_that_lost_its_lease_exits_and_its_loops_with_it():
    cluster = booted()
    cluster.systemctl("node1", "stop etcd")
    cluster.systemctl("node2", "stop etcd")
    cluster.run(30)
    assert 'controllermanager.go:0] "leaderelection lost"' in cluster.logs("master", "kube-controller-manager")
    cluster.systemctl("node1", "start etcd")  # the quorum is back; systemd's restarted process still waits to lead
    cluster.kubectl("scale deployment web --replicas=5")
    cluster.run(1)
    assert replicas(cluster) == 4
    cluster.run(40)
    assert cluster.logs("master", "kube-controller-manager").endswith(
        "successfully acquired lease kube-system/kube-controller-manager")
    assert replicas(cluster) == 5


def test_restarting_a_unit_leaves_one_lease_renewal_loop():
    cluster = booted()
    for _ in range(3):
        cluster.systemctl("master", "restart kube-controller-manager")
        cluster.run(1)
    cluster.systemctl("node1", "stop etcd")
    cluster.systemctl("node2", "stop etcd")
    cluster.run(4.5)  # two renewals a RetryPeriod (2 s) apart fail, not six
    log = cluster.logs("master", "kube-controller-manager").rsplit("Started", 1)[1]
    assert log.count("Failed to update lock: etcdserver: request timed out") == 2


# --- kube-apiserver --------------------------------------------------------------------------------


def test_with_kube_apiserver_stopped_kubelets_heartbeats_fail_with_their_errors():
    cluster = booted()
    renewed = renew_time(cluster, "127.0.0.12")
    cluster.systemctl("master", "stop kube-apiserver")
    cluster.run(30)
    log = cluster.logs("node1", "kubelet")
    url = "https://127.0.0.11:6443"
    refused = "dial tcp 127.0.0.11:6443: connect: connection refused"
    first = (f'] "Error updating node status, will retry" err="error getting node \\"127.0.0.12\\": Get '
             f'\\"{url}/api/v1/nodes/127.0.0.12?resourceVersion=0&timeout=10s\\": {refused}"')
    retry = first.replace("resourceVersion=0&", "")
    assert log.count(first) == 3 and log.count(retry) == 12  # three syncs of five tries each
    assert log.count('] "Unable to update node status" err="update node status exceeds retry count"') == 3
    lease = f"{url}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/127.0.0.12?timeout=10s"
    assert f'] "Failed to update lease" err="Put \\"{lease}\\": {refused}"' in log
    assert ('] "failed to update lease using latest lease, fallback to ensure lease" err="failed 5 attempts to '
            'update lease"') in log
    intervals = re.findall(r'"Failed to ensure lease exists, will retry" err="Get \\"' + re.escape(lease) +
                           r'\\": ' + refused + r'" interval="([\w.]+)"', log)
    assert intervals[:7] == ["200ms", "400ms", "800ms", "1.6s", "3.2s", "6.4s", "7s"]
    assert renew_time(cluster, "127.0.0.12") == renewed  # no heartbeat got through
    assert cluster.systemctl("master", "start kube-apiserver") == ""
    cluster.run(10)
    assert renew_time(cluster, "127.0.0.12") > renewed


def test_legacy_kubelets_log_glog_lines_and_have_no_lease():
    spec = ClusterSpec.seed_lab().with_changes(apiserver_bind_address="0.0.0.0", etcd_version="3.3.11")
    cluster = Cluster.from_spec(spec)
    cluster.run(20)
    cluster.systemctl("master", "stop kube-apiserver")
    cluster.run(10)
    log = cluster.logs("node1", "kubelet")
    assert ('] Error updating node status, will retry: error getting node "192.168.197.131": Get '
            "http://192.168.197.130:8080/api/v1/nodes/192.168.197.131: dial tcp 192.168.197.130:8080: getsockopt: "
            "connection refused") in log
    assert "kubelet.go:0] Unable to update node status: update node status exceeds retry count" in log
    assert "lease" not in log


def test_a_short_apiserver_outage_leaves_nodes_ready_and_the_controller_manager_leading():
    cluster = booted()
    cluster.systemctl("master", "stop kube-apiserver")
    cluster.run(8)  # within RenewDeadline (10 s) and the grace period (40 s)
    cluster.systemctl("master", "start kube-apiserver")
    cluster.run(60)
    assert "leaderelection lost" not in cluster.logs("master", "kube-controller-manager")
    assert [ready(cluster, n) for n in ("127.0.0.12", "127.0.0.13")] == ["True", "True"]


def test_a_long_apiserver_outage_restarts_the_controller_manager_which_gives_nodes_a_fresh_grace_period():
    cluster = booted()
    cluster.systemctl("master", "stop kube-apiserver")
    cluster.run(90)  # heartbeats stopped for more than the grace period...
    cluster.systemctl("master", "start kube-apiserver")
    cluster.run(60)
    log = cluster.logs("master", "kube-controller-manager")
    assert 'controllermanager.go:0] "leaderelection lost"' in log  # ...but the controller-manager that saw
    assert log.endswith("successfully acquired lease kube-system/kube-controller-manager")  # them is gone
    assert [ready(cluster, n) for n in ("127.0.0.12", "127.0.0.13")] == ["True", "True"]
    assert not [e for e in cluster.api.list("events", "default") if e["reason"] == "NodeNotReady"]


# --- the quickstart cluster, and Process itself ----------------------------------------------------


def test_a_quickstart_controller_manager_can_stop_and_start_and_the_clients_pod_cache_stays():
    cluster = Cluster.quickstart(nodes=2)
    cluster.apply(WEB)
    cluster.run(20)
    cluster.stop_controller_manager()
    cluster.run(1)
    assert len(cluster.informers.informer("pods").list("default")) == 4  # Load and metrics-server read it
    cluster.kubectl("scale deployment web --replicas=2")
    cluster.run(30)
    assert replicas(cluster) == 4
    cluster.start_controller_manager()
    cluster.run(40)
    assert replicas(cluster) == 2 and len(cluster.informers.informer("pods").list("default")) == 2


def test_a_killed_process_cancels_its_timers_and_watches_and_schedules_nothing_more():
    cluster = Cluster(start=False)
    process = Process(cluster.api, cluster.clock)
    fired: list[str] = []
    process.clock.schedule(1, fired.append, "once")
    process.clock.call_every(1, fired.append, "every")
    process.api.list_and_watch("namespaces", lambda kind, obj: fired.append(kind))
    process.kill()
    assert not process.alive
    process.clock.schedule(0, fired.append, "after")
    cluster.run(5)
    assert fired == []


def test_a_restarted_kubelet_retries_registration_on_one_schedule():
    def attempts(restarts: int) -> int:
        cluster = Cluster.from_files(lab_tree())  # no apiserver: the kubelet keeps trying to register
        cluster.systemctl("node1", "start kubelet")
        for _ in range(restarts):
            cluster.run(3)
            cluster.systemctl("node1", "restart kubelet")
        cluster.run(20)
        log = cluster.logs("node1", "kubelet").rsplit("Started", 1)[1]
        return log.count('"Attempting to register node"')

    assert attempts(2) == attempts(0) == 8  # at 0, 0.2, 0.6, 1.4, 3, 6.2, 12.6 and 19.6 s: the step doubles to 7 s


def test_the_notes_scheduler_kept_its_lock_when_stopped_so_a_new_one_waits_for_it_to_expire():
    spec = ClusterSpec.seed_lab().with_changes(apiserver_bind_address="0.0.0.0", etcd_version="3.3.11")
    cluster = Cluster.from_spec(spec)  # v1.5.2: no ReleaseOnCancel yet
    cluster.run(10)
    cluster.systemctl("master", "restart kube-scheduler")
    cluster.run(15)
    assert cluster.logs("master", "kube-scheduler").count("successfully acquired lease") == 1
    cluster.run(1)
    assert cluster.logs("master", "kube-scheduler").count("successfully acquired lease") == 2
