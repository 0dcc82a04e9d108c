"""Services as the apiserver stores them: node ports, IP families, and the errors it answers with."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from k8scourse.api.errors import FieldValidationError, StatusError
from k8scourse.cluster import Cluster
from k8scourse.master.portallocator import NodePortAllocator, parse_port_range

RANGE_ERROR = "provided port is not in the valid range. The range of valid ports is 30000-32767"


def service(name: str = "web", kind: str = "NodePort", ports: list[dict] | None = None, **spec: Any) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": kind, "selector": {"app": name}, "ports": ports or [{"port": 80}], **spec}}


@pytest.fixture
def cluster() -> Cluster:
    return Cluster(seed=0)


def node_ports(cluster: Cluster, name: str) -> list[int | None]:
    return [p.get("nodePort") for p in cluster.api.get("services", name)["spec"]["ports"]]


def create(cluster: Cluster, manifest: dict) -> str:
    """``kubectl create -f -``: what kubectl prints."""
    return cluster.kubectl("create -f -", stdin=json.dumps(manifest))


# --- node ports ------------------------------------------------------------------------------------


def test_a_node_port_service_gets_a_random_port_above_the_static_band(cluster):
    cluster.apply(service())
    [port] = node_ports(cluster, "web")
    assert 30086 <= port <= 32767  # 30000-30085 (2768/32 ports) are kept for ports asked for by hand
    assert cluster.kubectl("get svc web").splitlines()[1].split()[4] == f"80:{port}/TCP"


def test_node_ports_are_random_from_the_clusters_seed():
    clusters = [Cluster(seed=3), Cluster(seed=3), Cluster(seed=4)]
    for c in clusters:
        c.apply([service("a"), service("b")])
    ports = [node_ports(c, "a") + node_ports(c, "b") for c in clusters]
    assert ports[0] == ports[1] != ports[2]
    assert len(set(ports[0])) == 2


def test_a_node_port_outside_the_range_is_refused(cluster):
    assert create(cluster, service("bad", ports=[{"port": 80, "nodePort": 80}])) == (
        f'The Service "bad" is invalid: spec.ports[0].nodePort: Invalid value: 80: {RANGE_ERROR}\n')
    assert cluster.api.list("services", "default", field_selector="metadata.name=bad") == []


def test_a_node_port_in_use_is_refused_until_its_service_is_deleted(cluster):
    cluster.apply(service("web", ports=[{"port": 80, "nodePort": 30080}]))
    assert node_ports(cluster, "web") == [30080]  # a port of the static band, asked for by hand
    assert create(cluster, service("copy", ports=[{"port": 80, "nodePort": 30080}])) == (
        'The Service "copy" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
        'provided port is already allocated\n')
    cluster.kubectl("delete svc web")
    assert create(cluster, service("copy", ports=[{"port": 80, "nodePort": 30080}])) == "service/copy created\n"


def test_a_refused_node_port_keeps_no_cluster_ip(cluster):
    bad = service("bad", ports=[{"port": 80, "nodePort": 80}], clusterIP="10.96.0.50")
    assert "nodePort: Invalid value: 80" in create(cluster, bad)
    assert create(cluster, service("bad", clusterIP="10.96.0.50")) == "service/bad created\n"


def test_load_balancers_get_node_ports_unless_told_not_to(cluster):
    cluster.apply(service("lb", "LoadBalancer"))
    assert all(node_ports(cluster, "lb"))
    cluster.apply(service("direct", "LoadBalancer", allocateLoadBalancerNodePorts=False,
                          ports=[{"name": "a", "port": 80}, {"name": "b", "port": 81, "nodePort": 30001}]))
    assert node_ports(cluster, "direct") == [None, 30001]  # only the one asked for
    assert "80/TCP,81:30001/TCP" in cluster.kubectl("get svc direct")


def test_cluster_ip_services_get_no_node_port(cluster):
    cluster.apply(service("inside", "ClusterIP"))
    assert node_ports(cluster, "inside") == [None]


def test_one_port_number_over_two_protocols_shares_its_node_port(cluster):
    cluster.apply(service("dns", ports=[{"name": "udp", "port": 53, "protocol": "UDP"},
                                        {"name": "tcp", "port": 53, "protocol": "TCP"}]))
    udp, tcp = node_ports(cluster, "dns")
    assert udp == tcp


def test_an_update_keeps_the_node_port_and_a_new_type_gets_one(cluster):
    cluster.apply(service())
    before = node_ports(cluster, "web")
    cluster.apply(service(ports=[{"port": 80, "targetPort": 8080}]))  # the manifest names no nodePort
    assert node_ports(cluster, "web") == before
    cluster.apply(service("grow", "ClusterIP"))
    cluster.apply(service("grow", "NodePort"))
    assert all(node_ports(cluster, "grow"))


def test_an_update_to_a_port_in_use_is_refused(cluster):
    cluster.apply([service("a", ports=[{"port": 80, "nodePort": 30001}]), service("b")])
    result = cluster.kubectl("apply -f -", stdin=json.dumps(service("b", ports=[{"port": 80, "nodePort": 30001}])))
    assert result == ('The Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30001: '
                      'provided port is already allocated\n')


def test_random_picks_fall_back_to_the_static_band_then_the_range_is_full():
    services: list[dict] = []
    allocator = NodePortAllocator("30000-30019", random.Random(0), lambda: services)  # 20 ports: band of 16
    assert allocator.static_band == 16
    for i in range(20):
        spec = {"type": "NodePort", "ports": [{"port": 80}]}
        allocator.assign(spec, {"namespace": "default", "name": f"s{i}"})
        services.append({"metadata": {"namespace": "default", "name": f"s{i}"}, "spec": spec})
    ports = [s["spec"]["ports"][0]["nodePort"] for s in services]
    assert sorted(ports[:4]) == [30016, 30017, 30018, 30019]  # the upper band first
    assert sorted(ports) == list(range(30000, 30020))
    with pytest.raises(StatusError, match="failed to allocate a nodePort: range is full"):
        allocator.assign({"type": "NodePort", "ports": [{"port": 80}]}, {"name": "one-too-many"})


@pytest.mark.parametrize("text, expected", [("30000-32767", (30000, 2768)), ("8080", (8080, 1))])
def test_port_ranges(text, expected):
    assert parse_port_range(text) == expected


@pytest.mark.parametrize("text", ["32767-30000", "a-b", "", "0-70000"])
def test_bad_port_ranges_are_refused(text):
    with pytest.raises(FieldValidationError, match="--service-node-port-range: Invalid value"):
        parse_port_range(text)


# --- IP families -----------------------------------------------------------------------------------


def test_a_service_is_single_stack_ipv4(cluster):
    cluster.apply(service("inside", "ClusterIP"))
    spec = cluster.api.get("services", "inside")["spec"]
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"]) == (["IPv4"], "SingleStack")
    assert cluster.api.get("services", "kubernetes")["spec"]["ipFamilies"] == ["IPv4"]


def test_a_headless_service_without_selector_asks_for_both_families(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
                   "spec": {"clusterIP": "None", "ports": [{"port": 5432}]}})
    spec = cluster.api.get("services", "db")["spec"]
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"]) == (["IPv4", "IPv6"], "RequireDualStack")


def test_an_external_name_service_has_no_ip_family(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
                   "spec": {"type": "ExternalName", "externalName": "db.example.com"}})
    spec = cluster.api.get("services", "db")["spec"]
    assert "ipFamilies" not in spec and "ipFamilyPolicy" not in spec
    refused = create(cluster, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db2"},
                               "spec": {"type": "ExternalName", "externalName": "db.example.com",
                                        "ipFamilyPolicy": "SingleStack"}})
    assert refused == ('The Service "db2" is invalid: spec.ipFamilyPolicy: Forbidden: '
                       'may not be set for ExternalName services\n')


@pytest.mark.parametrize("spec, message", [
    ({"ipFamilyPolicy": "RequireDualStack"},
     'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services'),
    ({"ipFamilies": ["IPv6"]}, 'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster'),
])
def test_dual_stack_requests_are_refused_on_a_single_stack_cluster(cluster, spec, message):
    assert create(cluster, service("two", "ClusterIP", **spec)) == f'The Service "two" is invalid: {message}\n'


def test_a_cluster_ip_outside_the_range_reads_as_the_apiserver_says_it(cluster):
    assert create(cluster, service("web", "ClusterIP", clusterIP="10.0.0.1")) == (
        'The Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.1"}: failed to allocate '
        'IP 10.0.0.1: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12\n')


@pytest.mark.parametrize("spec, message", [
    ({"ipFamilyPolicy": "Dual"}, 'spec.ipFamilyPolicy: Unsupported value: "Dual": supported values: '
                                 '"PreferDualStack", "RequireDualStack", "SingleStack"'),
    ({"ipFamilies": ["IPv4", "IPv4"]}, 'spec.ipFamilies[1]: Duplicate value: "IPv4"'),
    ({"ipFamilies": ["IPv5"]}, 'spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"'),
])
def test_ip_family_fields_are_validated(cluster, spec, message):
    assert create(cluster, service("odd", "ClusterIP", **spec)) == f'The Service "odd" is invalid: {message}\n'
