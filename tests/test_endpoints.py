"""The endpoints and endpointslice controllers, and the Endpoints and EndpointSlice kinds."""

from __future__ import annotations

import pytest

from k8scourse.api import objects
from k8scourse.api.errors import ObjectInvalidError
from k8scourse.cluster import Cluster

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"tier": "front"}},
           "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}


def pod(name: str, labels: dict | None = None, script: str | None = None, **container) -> dict:
    """An nginx pod serving port 80 named ``http`` (or a busybox running ``script``)."""
    spec = {"name": "web", "image": "nginx:1.27", "ports": [{"name": "http", "containerPort": 80}], **container}
    if script:
        spec.update(image="busybox:1.36", command=["sh", "-c", script])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {"app": "web"}},
            "spec": {"containers": [spec]}}


@pytest.fixture
def cluster() -> Cluster:
    return Cluster.quickstart(nodes=2, seed=1)


def endpoint_ips(cluster: Cluster, field: str = "addresses") -> list[str]:
    subsets = cluster.api.get("endpoints", "web").get("subsets") or []
    return [a["ip"] for s in subsets for a in s.get(field) or ()]


def slices(cluster: Cluster, service: str = "web") -> list[dict]:
    return cluster.api.list("endpointslices", "default", label_selector=f"kubernetes.io/service-name={service}")


def slice_endpoints(cluster: Cluster) -> dict[str, dict]:
    """Each endpoint of the Service's slices by pod name: its conditions."""
    return {e["targetRef"]["name"]: e["conditions"] for s in slices(cluster) for e in s.get("endpoints") or ()}


def test_the_apiserver_writes_the_kubernetes_services_endpoints():
    cluster = Cluster(seed=0)
    [subset] = cluster.api.get("endpoints", "kubernetes")["subsets"]
    assert subset == {"addresses": [{"ip": "192.168.197.130"}],
                      "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}
    [kube] = slices(cluster, "kubernetes")
    assert kube["metadata"]["name"] == "kubernetes"
    assert kube["endpoints"] == [{"addresses": ["192.168.197.130"], "conditions": {"ready": True}}]
    assert cluster.etcd.get("/registry/services/endpoints/default/kubernetes") is not None


def test_ready_pods_are_addresses_with_the_named_port_resolved(cluster):
    cluster.apply([SERVICE, pod("web-a"), pod("web-b"), pod("other", labels={"app": "db"})])
    cluster.run(30)
    endpoints = cluster.api.get("endpoints", "web")
    assert endpoints["metadata"]["labels"] == {"tier": "front"}
    [subset] = endpoints["subsets"]
    ips = {cluster.pod(n)["status"]["podIP"]: n for n in ("web-a", "web-b")}
    assert [a["ip"] for a in subset["addresses"]] == sorted(ips)
    assert {a["targetRef"]["name"] for a in subset["addresses"]} == {"web-a", "web-b"}
    assert subset["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]
    [slice_] = slices(cluster)
    assert slice_["metadata"]["generateName"] == "web-"
    assert slice_["metadata"]["name"].startswith("web-")
    assert slice_["metadata"]["labels"] == {"tier": "front", "kubernetes.io/service-name": "web",
                                            "endpointslice.kubernetes.io/managed-by":
                                                "endpointslice-controller.k8s.io"}
    assert slice_["metadata"]["ownerReferences"][0]["kind"] == "Service"
    assert slice_["ports"] == [{"name": "http", "protocol": "TCP", "port": 80}]
    assert slice_endpoints(cluster) == {n: {"ready": True, "serving": True, "terminating": False}
                                        for n in ("web-a", "web-b")}
    assert {e["nodeName"] for e in slice_["endpoints"]} <= {"node-1", "node-2"}


def test_a_selector_matching_nothing_gives_no_addresses_and_an_empty_slice(cluster):
    cluster.apply([SERVICE, pod("db", labels={"app": "db"})])
    cluster.run(30)
    assert "subsets" not in cluster.api.get("endpoints", "web")
    [placeholder] = slices(cluster)
    assert "endpoints" not in placeholder and "ports" not in placeholder


def test_an_unready_pod_is_a_not_ready_address_and_a_slice_endpoint_not_ready(cluster):
    probe = {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 2}
    cluster.apply([SERVICE, pod("web-a", script="touch /tmp/ready; sleep 20; rm /tmp/ready; sleep 3600",
                                readinessProbe=probe)])
    cluster.wait_for(lambda: endpoint_ips(cluster), timeout=60)
    assert endpoint_ips(cluster, "notReadyAddresses") == []
    cluster.wait_for(lambda: not endpoint_ips(cluster), timeout=60)
    assert endpoint_ips(cluster, "notReadyAddresses") == [cluster.pod("web-a")["status"]["podIP"]]
    assert slice_endpoints(cluster) == {"web-a": {"ready": False, "serving": False, "terminating": False}}


def test_a_deleted_pod_leaves_endpoints_at_once_and_stays_in_slices_as_terminating(cluster):
    cluster.apply([SERVICE, pod("web-a"), pod("web-b")])
    cluster.run(30)
    cluster.kubectl("delete pod web-a --wait=false")
    cluster.run(0.5)
    assert [a["targetRef"]["name"] for a in cluster.api.get("endpoints", "web")["subsets"][0]["addresses"]] == [
        "web-b"]
    assert slice_endpoints(cluster)["web-a"] == {"ready": False, "serving": True, "terminating": True}
    cluster.run(60)
    assert set(slice_endpoints(cluster)) == {"web-b"}


def test_a_pod_without_the_named_port_is_no_endpoint(cluster):
    cluster.apply([SERVICE, pod("web-a"), pod("web-b", ports=[{"name": "metrics", "containerPort": 9090}])])
    cluster.run(30)
    assert [a["targetRef"]["name"] for a in cluster.api.get("endpoints", "web")["subsets"][0]["addresses"]] == [
        "web-a"]
    assert set(slice_endpoints(cluster)) == {"web-a"}


def test_relabelled_pod_leaves_and_deleted_service_takes_its_endpoints(cluster):
    cluster.apply([SERVICE, pod("web-a")])
    cluster.run(30)
    cluster.kubectl("label pod web-a app=db --overwrite")
    cluster.run(1)
    assert "subsets" not in cluster.api.get("endpoints", "web")
    cluster.kubectl("delete svc web")
    cluster.run(1)
    assert cluster.api.list("endpoints", "default", field_selector="metadata.name=web") == []
    assert slices(cluster) == []


def test_more_than_100_endpoints_take_a_second_slice():
    cluster = Cluster.quickstart(nodes=1, seed=2, cpu="64")
    cluster.apply([SERVICE, *(pod(f"web-{i:03}") for i in range(105))])
    cluster.run(60)
    ready = len(endpoint_ips(cluster))
    assert ready > 100
    assert sorted(len(s.get("endpoints") or ()) for s in slices(cluster)) == [ready - 100, 100]


def test_endpoints_and_slices_are_validated_as_upstream():
    with pytest.raises(ObjectInvalidError) as err:
        objects.load({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "x"},
                      "subsets": [{"ports": [{"port": 80}]}, {"addresses": [{"ip": "10.0.0.300"}]}]})
    assert str(err.value) == (
        'Endpoints "x" is invalid: [subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`, '
        'subsets[1].addresses[0].ip: Invalid value: "10.0.0.300": must be a valid IP address, '
        '(e.g. 10.9.8.7 or 2001:db8::ffff)]')
    with pytest.raises(ObjectInvalidError) as err:
        objects.load({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "x"},
                      "addressType": "IPv5", "endpoints": [{"addresses": []}]})
    assert str(err.value) == (
        'EndpointSlice.discovery.k8s.io "x" is invalid: [addressType: Unsupported value: "IPv5": supported '
        'values: "FQDN", "IPv4", "IPv6", endpoints[0].addresses: Required value: must contain at least 1 address]')


# --- kubectl ---------------------------------------------------------------------------------------


def test_kubectl_get_endpoints_and_endpointslices_truncate_after_three():
    cluster = Cluster.quickstart(nodes=2, seed=1)
    cluster.apply([SERVICE, {**SERVICE, "metadata": {"name": "empty"}, "spec": {**SERVICE["spec"],
                                                                                "selector": {"app": "none"}}},
                   *(pod(f"web-{i}") for i in range(5))])
    cluster.run(30)
    ips = sorted(cluster.pod(f"web-{i}")["status"]["podIP"] for i in range(5))
    rows = {line.split()[0]: line.split(None, 1)[1].rsplit(None, 1)[0].strip()
            for line in cluster.kubectl("get endpoints").splitlines()}
    assert rows["NAME"] == "ENDPOINTS"
    assert rows["web"] == ",".join(f"{ip}:80" for ip in ips[:3]) + " + 2 more..."
    assert rows["empty"] == "<none>"
    assert rows["kubernetes"] == "192.168.197.130:6443"
    table = cluster.kubectl("get endpointslices").splitlines()
    assert table[0].split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    empty = next(line.split() for line in table if line.startswith("empty-"))
    assert empty[1:4] == ["IPv4", "<unset>", "<unset>"]
    web = next(line for line in table if line.startswith("web-"))
    assert web.split()[1:3] == ["IPv4", "80"]
    assert web.split("   ")[-2].strip().endswith(" + 2 more...")  # five addresses, three shown


def test_kubectl_describe_service_lists_ready_endpoints_per_port(cluster):
    cluster.apply([{**SERVICE, "spec": {**SERVICE["spec"], "type": "NodePort"}}, pod("web-a")])
    cluster.run(30)
    text = cluster.kubectl("describe svc web")
    svc = cluster.api.get("services", "web")["spec"]
    ip = cluster.pod("web-a")["status"]["podIP"]
    assert text.splitlines() == [
        "Name:                     web",
        "Namespace:                default",
        "Labels:                   tier=front",
        "Annotations:              <none>",
        "Selector:                 app=web",
        "Type:                     NodePort",
        "IP Family Policy:         SingleStack",
        "IP Families:              IPv4",
        f"IP:                       {svc['clusterIP']}",
        f"IPs:                      {svc['clusterIP']}",
        "Port:                     http  80/TCP",
        "TargetPort:               http/TCP",
        f"NodePort:                 http  {svc['ports'][0]['nodePort']}/TCP",
        f"Endpoints:                {ip}:80",
        "Session Affinity:         None",
        "External Traffic Policy:  Cluster",
        "Internal Traffic Policy:  Cluster",
        "Events:                   <none>",
    ]
    assert "Selector:                 <none>" in cluster.kubectl("describe svc kubernetes")


def test_a_changed_target_port_replaces_the_slice_and_a_changed_selector_the_addresses(cluster):
    cluster.apply([SERVICE, pod("web-a"), pod("db", labels={"app": "db"})])
    cluster.run(30)
    [before] = slices(cluster)
    cluster.apply({**SERVICE, "spec": {**SERVICE["spec"], "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    cluster.run(1)
    [after] = slices(cluster)
    assert after["metadata"]["name"] != before["metadata"]["name"]
    assert after["ports"] == [{"name": "http", "protocol": "TCP", "port": 8080}]
    cluster.apply({**SERVICE, "spec": {**SERVICE["spec"], "selector": {"app": "db"}}})
    cluster.run(1)
    assert [a["targetRef"]["name"] for a in cluster.api.get("endpoints", "web")["subsets"][0]["addresses"]] == ["db"]
    assert set(slice_endpoints(cluster)) == {"db"}


def test_pods_with_different_ports_get_subsets_of_their_own_and_pending_pods_none():
    cluster = Cluster.quickstart(nodes=1, seed=4)
    two_ports = {**SERVICE, "spec": {**SERVICE["spec"], "ports": [
        {"name": "http", "port": 80, "targetPort": "http"}, {"name": "metrics", "port": 9090, "targetPort": 9090}]}}
    pending = pod("web-c")
    pending["spec"]["nodeSelector"] = {"disk": "ssd"}  # no node has it: web-c never gets a node, nor an IP
    cluster.apply([two_ports, pod("web-a"), pod("web-b", ports=[{"name": "http", "containerPort": 8080}]), pending])
    cluster.run(30)
    subsets = cluster.api.get("endpoints", "web")["subsets"]
    by_pod = {a["targetRef"]["name"]: s["ports"] for s in subsets for a in s["addresses"]}
    assert set(by_pod) == {"web-a", "web-b"}
    assert by_pod["web-a"] == [{"name": "http", "port": 80, "protocol": "TCP"},
                               {"name": "metrics", "port": 9090, "protocol": "TCP"}]
    assert by_pod["web-b"][0] == {"name": "http", "port": 8080, "protocol": "TCP"}
    assert len(slices(cluster)) == 2  # one per set of ports
