"""The metrics pipeline: set_load's traffic, the nodes' cAdvisor counters, metrics-server's scrapes and window,
and kubectl top."""

from __future__ import annotations

import pytest

from k8scourse.cluster import Cluster
from k8scourse.master.metrics_server import METRIC_RESOLUTION

WEB = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {requests: {cpu: 200m, memory: 64Mi}, limits: {cpu: %s}}
"""


def web(replicas: int = 2, limit: str = "500m", nodes: int = 3, cpu: str = "2") -> Cluster:
    cluster = Cluster.quickstart(nodes=nodes, cpu=cpu)
    cluster.apply(WEB % (replicas, limit))
    cluster.wait_for(lambda: len([p for p in cluster.api.list("pods", "default")
                                  if (p.get("status") or {}).get("phase") == "Running"]) == replicas)
    return cluster


def top_pods(cluster: Cluster) -> dict[str, str]:
    """kubectl top pods as {name: CPU(cores)}."""
    return {line.split()[0]: line.split()[1] for line in cluster.kubectl("top pods").splitlines()[1:]}


def test_metrics_server_is_the_metrics_api():
    cluster = Cluster(0)
    assert cluster.api.aggregated["metrics.k8s.io"] is cluster.metrics_server
    assert METRIC_RESOLUTION == 15.0


def test_top_before_the_first_scrape_says_not_available_yet():
    cluster = web()
    cluster.metrics_server._pods.clear()  # as if metrics-server had just started
    result = cluster.kubectl("top pods")
    assert (str(result), result.exit_code) == ("error: metrics not available yet\n", 1)
    fresh = Cluster.quickstart(nodes=1)
    assert fresh.kubectl("top nodes") == "error: metrics not available yet\n"


def test_load_is_spread_evenly_over_ready_pods():
    cluster = web(replicas=2)
    cluster.set_load("app=web", cpu="600m")
    cluster.run(2 * METRIC_RESOLUTION)
    assert set(top_pods(cluster).values()) == {"300m"}
    header = cluster.kubectl("top pods").splitlines()[0]
    assert header.split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert cluster.kubectl("top pods").splitlines()[1].split()[2] == "64Mi"


def test_usage_is_capped_by_the_container_limit():
    cluster = web(replicas=2, limit="250m")
    cluster.set_load("app=web", cpu="2")
    cluster.run(2 * METRIC_RESOLUTION)
    assert set(top_pods(cluster).values()) == {"250m"}


def test_usage_is_capped_by_the_node():
    cluster = web(replicas=2, limit="4", nodes=1, cpu="1")
    cluster.set_load("app=web", cpu="4")
    cluster.run(2 * METRIC_RESOLUTION)
    assert set(top_pods(cluster).values()) == {"500m"}  # one core shared by two pods


def test_metrics_lag_by_the_scrape_interval():
    cluster = web(replicas=2)
    cluster.set_load("app=web", cpu="200m")
    cluster.run(2 * METRIC_RESOLUTION)
    until_next = METRIC_RESOLUTION - cluster.now % METRIC_RESOLUTION
    cluster.set_load("app=web", cpu="600m")
    cluster.run(until_next - 0.5)
    assert set(top_pods(cluster).values()) == {"100m"}  # the old window still
    cluster.run(1)
    assert set(top_pods(cluster).values()) == {"300m"}


def test_pod_metrics_carry_window_and_timestamp():
    cluster = web(replicas=1)
    cluster.run(2 * METRIC_RESOLUTION)
    item = cluster.metrics_server.pod_metrics("default")[0]
    assert item["window"] == "15s"
    assert item["apiVersion"] == "metrics.k8s.io/v1beta1" and item["kind"] == "PodMetrics"
    assert item["containers"][0]["name"] == "web"


def test_more_pods_share_the_same_load():
    cluster = web(replicas=2)
    cluster.set_load("app=web", cpu="800m")
    cluster.apply(WEB % (4, "500m"))
    cluster.run(60)
    assert set(top_pods(cluster).values()) == {"200m"}


def test_top_nodes_columns_and_percentages():
    cluster = web(replicas=2)
    cluster.set_load("app=web", cpu="600m")
    cluster.run(2 * METRIC_RESOLUTION)
    lines = cluster.kubectl("top nodes").splitlines()
    assert lines[0].split() == ["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]
    cores = sorted(line.split()[1] for line in lines[1:])
    assert cores == ["100m", "400m", "400m"]  # 100m of system on each, plus a pod's 300m on two
    assert sorted(line.split()[2] for line in lines[1:]) == ["20%", "20%", "5%"]


def test_a_stopped_kubelet_drops_out_of_top_nodes():
    cluster = web(replicas=1, nodes=2)
    cluster.run(2 * METRIC_RESOLUTION)
    cluster.kubelets["node-2"].stop()
    cluster.run(2 * METRIC_RESOLUTION)
    line = next(l for l in cluster.kubectl("top nodes").splitlines() if l.startswith("node-2"))
    assert line.split() == ["node-2", "<unknown>", "<unknown>", "<unknown>", "<unknown>"]


def test_top_pod_by_name_and_selector_and_all_namespaces():
    cluster = web(replicas=1)
    cluster.run(2 * METRIC_RESOLUTION)
    name = cluster.api.list("pods", "default")[0]["metadata"]["name"]
    assert cluster.kubectl(f"top pod {name}").splitlines()[1].startswith(name)
    assert cluster.kubectl("top pods -l app=other") == "No resources found in default namespace.\n"
    assert cluster.kubectl("top pods -A").splitlines()[0].split()[0] == "NAMESPACE"
    assert cluster.kubectl("top pod nothere") == 'Error from server (NotFound): pods "nothere" not found\n'


def test_top_pod_old_pod_without_metrics():
    cluster = web(replicas=1)
    cluster.run(200)
    cluster.metrics_server._pods.clear()
    name = cluster.api.list("pods", "default")[0]["metadata"]["name"]
    assert cluster.kubectl("top pods").startswith(f"error: Metrics not available for pod default/{name}, age: ")


def test_no_metrics_api():
    cluster = Cluster(0)
    cluster.api.aggregated.clear()
    assert cluster.kubectl("top pods") == "error: Metrics API not available\n"


@pytest.mark.parametrize("selector,cpu,message", [
    ("app=web", "-1", 'cpu: Invalid value: "-1": must be greater than or equal to 0'),
    ("app=web", "lots", 'cpu: Invalid value: "lots": quantities must match the regular expression'),
    ("app in (web", "1", 'selector: Invalid value: "app in (web": '),
    ("", "1", 'selector: Invalid value: "": must select some pods'),
])
def test_set_load_bad_input(selector, cpu, message):
    cluster = Cluster(0)
    with pytest.raises(ValueError) as err:
        cluster.set_load(selector, cpu=cpu)
    assert str(err.value).startswith(message)


def test_set_load_wrong_types():
    cluster = Cluster(0)
    with pytest.raises(TypeError, match='cpu as a quantity such as "800m", got bool'):
        cluster.set_load("app=web", cpu=True)
    with pytest.raises(TypeError, match="label selector string"):
        cluster.set_load({"app": "web"}, cpu="1")


def test_set_load_zero_removes_it():
    cluster = web(replicas=1)
    cluster.set_load("app=web", cpu="500m")
    assert cluster.load.total("app=web") == 500
    cluster.set_load("app=web", cpu="0")
    assert cluster.load.total("app=web") == 0
    cluster.run(2 * METRIC_RESOLUTION)
    assert set(top_pods(cluster).values()) == {"0m"}


def test_drive_records_load_utilization_and_replicas():
    from k8scourse.load import drive

    cluster = web(replicas=2)
    cluster.kubectl("autoscale rs web --min=1 --max=10 --cpu-percent=50")
    samples = drive(cluster, "app=web", lambda t: 800, 180, hpa="web")
    assert [s.t for s in samples[:2]] == [15.0, 30.0] and len(samples) == 12
    assert samples[-1].load_milli == 800 and samples[-1].replicas == 8 and samples[-1].utilization == 50
    with pytest.raises(TypeError, match="curve as a function of seconds"):
        drive(cluster, "app=web", 800, 15, hpa="web")


def test_scale_changes_counts_replica_changes():
    from k8scourse.load import Sample, scale_changes

    samples = [Sample(15.0 * i, 0, None, replicas, replicas) for i, replicas in enumerate([2, 2, 3, 3, 2, 4])]
    assert scale_changes(samples) == 3
    assert scale_changes([]) == 0


def test_a_fresh_container_counts_its_start_as_the_first_point():
    """metrics-server's podStorage.Store: started 10 s to one resolution before the scrape."""
    from k8scourse.master.metrics_server import _Series

    fresh = _Series()
    fresh.store(112.0, 0.6, 1, start_time=100.0, resolution=15.0)
    assert (fresh.prev_time, fresh.prev_cpu, fresh.nanocores()) == (100.0, 0.0, 50_000_000)  # 0.6 s over 12 s
    too_fresh = _Series()
    too_fresh.store(105.0, 0.1, 1, start_time=100.0, resolution=15.0)
    assert too_fresh.prev_time is None and too_fresh.nanocores() is None
    steady = _Series()
    steady.store(120.0, 1.0, 1, start_time=90.0, resolution=15.0)
    steady.store(135.0, 2.5, 1, start_time=90.0, resolution=15.0)
    assert (steady.prev_time, steady.nanocores()) == (120.0, 100_000_000)
    steady.store(155.0, 0.5, 1, start_time=137.0, resolution=15.0)  # restarted after the stored point, 18 s ago
    assert steady.prev_time is None and steady.nanocores() is None


def test_only_ready_pods_behind_the_selector_share_the_load():
    from k8scourse.clock import VirtualClock
    from k8scourse.load import Load

    def pod(name, ready, labels=None, deleting=False):
        meta = {"name": name, "labels": labels or {"app": "web"}}
        if deleting:
            meta["deletionTimestamp"] = "2025-01-01T00:00:00Z"
        return {"metadata": meta, "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}

    class Pods:  # a lister: the pods in a namespace that match a selector
        def list(self, namespace=None, selector=None):
            pods = [pod("a", True), pod("b", True), pod("c", False), pod("d", True, deleting=True),
                    pod("e", True, {"app": "other"})]
            return [p for p in pods if selector.matches(p["metadata"]["labels"])]

    load = Load(Pods(), VirtualClock())
    load.set("app=web", "900m")
    assert load.demand() == {"default": {"a": 450.0, "b": 450.0}}


def test_set_load_beyond_int64_millicores_pins_the_pods_at_their_limits():
    """A quantity too big for a float (1e400 cores) is held at int64 millicores instead of failing later."""
    cluster = web(replicas=1)
    cluster.set_load("app=web", cpu="1e400")
    assert cluster.load.total("app=web") == 2**63 - 1
    cluster.run(2 * METRIC_RESOLUTION)
    assert set(top_pods(cluster).values()) == {"500m"}  # the container limit


def test_top_bad_input_as_kubectl_answers_it():
    """Checked against kubectl v1.32 on `k8scourse serve`: the selector is parsed on kubectl's side, a missing
    node is metrics-server's NotFound from its typed lister, `top` alone is its help and a status of 1."""
    cluster = web(replicas=1)
    cluster.run(2 * METRIC_RESOLUTION)
    assert cluster.kubectl("top pods -l 'app in (web'") == \
        "error: unable to parse requirement: found '', expected: ',' or ')'\n"
    assert cluster.kubectl("top nodes -l 'app in (web'") == \
        "error: unable to parse requirement: found '', expected: ',' or ')'\n"
    assert cluster.kubectl("top node nope") == 'Error from server (NotFound): node "nope" not found\n'
    assert cluster.kubectl("top bogus x") == (
        'error: unknown command "bogus x"\nSee \'kubectl top -h\' for help and examples\n')
    help_text = cluster.kubectl("top")
    assert help_text.exit_code == 1 and help_text.startswith("Display resource (CPU/memory) usage.\n")


def test_metrics_api_not_found_is_metrics_servers():
    """pkg/api/pod.go and node.go: the listers' NotFound for what does not exist, the metrics' for the rest."""
    from k8scourse.server import metrics
    from k8scourse.server.status import HTTPError
    cluster = web(replicas=1)
    messages = {}
    for path in ("/namespaces/default/pods/nope", "/nodes/nope"):
        with pytest.raises(HTTPError) as err:
            metrics.handle(cluster.metrics_server, metrics.PATH + path, {})
        messages[path] = err.value.message
    name = cluster.api.list("pods", "default")[0]["metadata"]["name"]
    cluster.metrics_server._pods.clear()
    with pytest.raises(HTTPError) as err:
        metrics.handle(cluster.metrics_server, f"{metrics.PATH}/namespaces/default/pods/{name}", {})
    assert messages == {"/namespaces/default/pods/nope": 'pods "nope" not found',
                        "/nodes/nope": 'node "nope" not found'}
    assert err.value.message == f'podmetrics.metrics.k8s.io "default/{name}" not found'
