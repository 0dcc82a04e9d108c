"""A cluster booted from files traces and requests through the network its files made: flanneld's
backend from the config written into etcd (as the notes do it, with etcdctl), docker's bridge on the
lease or on docker's default, and the pods at the addresses their kubelets gave them."""

import ipaddress

import pytest

from k8scourse.cluster import Cluster
from k8scourse.config import ClusterSpec, Machine
from k8scourse.network.flannel import FlannelNetwork
from k8scourse.network.trace import UnknownAddressError

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def pod(name: str, node: str, app: str = "web") -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: {app}}}}}
spec:
  nodeName: "{node}"
  containers: [{{name: web, image: "nginx:1.27", ports: [{{containerPort: 80}}]}}]
"""


def booted(backend: str | None = "vxlan", spec: ClusterSpec | None = None, per_node: tuple[int, int] = (1, 1),
           tree: dict | None = None) -> Cluster:
    """``spec``'s files (the corrected loopback lab) with etcd's v2 API on, booted as a learner does after
    ``from_files``: etcd, flannel's config with ``etcdctl mk`` (none when ``backend`` is None), the master,
    then flanneld, kubelet and kube-proxy on each node; then ``per_node`` web pods on node1 and node2
    (p11, p12... on node1, p21... on node2) and the Service ``web``."""
    spec = spec or ClusterSpec.loopback_lab()
    if tree is None:
        tree = spec.render_all()
        for files in tree.values():
            files["/etc/etcd/etcd.conf"] += 'ETCD_ENABLE_V2="true"\n'
    cluster = Cluster.from_files(tree)
    for machine in cluster.boot.machines:
        cluster.systemctl(machine, "start etcd --no-block")
    cluster.run(3)
    if backend is not None:
        config = f'{{"Network": "10.244.0.0/16", "Backend": {{"Type": "{backend}"}}}}'
        cluster.etcdctl(f"ETCDCTL_API=2 etcdctl --endpoints=http://127.0.0.11:2379 mk /atomic.io/network/config "
                        f"'{config}'")
    cluster.systemctl("master", "start kube-apiserver kube-controller-manager kube-scheduler")
    for node in ("node1", "node2"):
        cluster.systemctl(node, "start flanneld --no-block")
        cluster.systemctl(node, "start kubelet kube-proxy")
    cluster.run(15)
    for number, machine in enumerate(("node1", "node2"), start=1):
        for index in range(per_node[number - 1]):
            cluster.apply(pod(f"p{number}{index + 1}", cluster.boot.nodes[machine]))
    cluster.apply(SERVICE)
    cluster.run(20)
    return cluster


def ip(cluster: Cluster, name: str) -> str:
    return cluster.pod(name)["status"]["podIP"]


def router_spec() -> ClusterSpec:
    """The loopback lab with node2 on another /24 (127.0.1.13): a router between the nodes."""
    return ClusterSpec(machines=[Machine("master", "127.0.0.11", ("master", "etcd"), "etcd1"),
                                 Machine("node1", "127.0.0.12", ("node", "etcd"), "etcd2"),
                                 Machine("node2", "127.0.1.13", ("node", "etcd"), "etcd3")])


# --- one packet per backend ----------------------------------------------------------------------


def test_vxlan_pod_to_pod_crosses_flannel_1_on_the_leases_flanneld_took():
    cluster = booted("vxlan")
    assert ip(cluster, "p11") == "10.244.71.2" and ip(cluster, "p21") == "10.244.19.2"
    vtep = cluster.boot.flannel["node2"].daemon.attrs.vtep_mac
    assert str(cluster.trace("p11", "10.244.19.2")) == f"""\
trace default/p11 (10.244.71.2) -> 10.244.19.2
 1  node1            veth@default/p11 veth        IP 10.244.71.2 > 10.244.19.2  # out of pod default/p11's eth0 into its veth peer
 2  node1            docker0      bridge      IP 10.244.71.2 > 10.244.19.2  # to the pods' gateway 10.244.71.1: the host routes it
 3  node1            flannel.1    route       IP 10.244.71.2 > 10.244.19.2  # 10.244.19.0/24 via 10.244.19.0 dev flannel.1 onlink
 4  node1            flannel.1    encapsulate IP 127.0.0.12.44558 > 127.0.0.13.8472: VXLAN, flags [I] (0x08), vni 1: IP 10.244.71.2 > 10.244.19.2  # ARP 10.244.19.0 is {vtep}, FDB sends {vtep} to 127.0.0.13
 5  (wire)           eth0         wire        IP 127.0.0.12.44558 > 127.0.0.13.8472: VXLAN, flags [I] (0x08), vni 1: IP 10.244.71.2 > 10.244.19.2  # 127.0.0.12 -> 127.0.0.13
 6  node2            flannel.1    decapsulate IP 127.0.0.12.44558 > 127.0.0.13.8472: VXLAN, flags [I] (0x08), vni 1: IP 10.244.71.2 > 10.244.19.2  # the kernel strips VXLAN (VNI 1)
 7  node2            veth@default/p21 deliver     IP 10.244.71.2 > 10.244.19.2  # docker0 forwards it to pod default/p21's veth, into its eth0
delivered to default/p21 on node2"""  # noqa: E501
    answer = cluster.request("default/p11", "10.244.19.2:80")
    assert answer.ok and (answer.pod, answer.node) == ("p21", "127.0.0.13")


def test_vxlan_pod_to_service_is_dnat_on_the_source_node_then_the_same_path():
    cluster = booted("vxlan", per_node=(1, 2))
    service_ip = cluster.api.get("services", "web")["spec"]["clusterIP"]
    trace = cluster.trace("default/p11", "web:80")
    lines = str(trace).splitlines()
    assert lines[0] == f"trace default/p11 (10.244.71.2) -> {service_ip}:80 (DNAT to {trace.dst})"
    assert lines[2] == (f" 2  node1            docker0      bridge      IP 10.244.71.2 > {service_ip}  "
                        "# to the pods' gateway 10.244.71.1: the host routes it")
    assert lines[3].startswith(f" 3  node1            docker0      dnat        IP 10.244.71.2 > {trace.dst}  "
                               f"# kube-proxy: {service_ip}:80 -> {trace.dst}:80 (PREROUTING -> KUBE-SERVICES -> ")
    assert trace.delivered and trace.to_pod in {"default/p11", "default/p21", "default/p22"}
    if trace.to_host == "node2":
        assert [hop.action for hop in trace.hops] == ["veth", "bridge", "dnat", "route", "encapsulate", "wire",
                                                      "decapsulate", "deliver"]
    answers = {cluster.request("default/p11", "web:80").pod for _ in range(30)}
    assert answers == {"p11", "p21", "p22"}


def test_udp_goes_through_flannel0_and_flanneld_on_port_8285():
    cluster = booted("udp")
    assert str(cluster.trace("p11", ip(cluster, "p21"))) == """\
trace default/p11 (10.244.71.2) -> 10.244.19.2
 1  node1            veth@default/p11 veth        IP 10.244.71.2 > 10.244.19.2  # out of pod default/p11's eth0 into its veth peer
 2  node1            docker0      bridge      IP 10.244.71.2 > 10.244.19.2  # to the pods' gateway 10.244.71.1: the host routes it
 3  node1            flannel0     route       IP 10.244.71.2 > 10.244.19.2  # 10.244.0.0/16 dev flannel0 proto kernel scope link src 10.244.71.0
 4  node1            flannel0     encapsulate IP 127.0.0.12.8285 > 127.0.0.13.8285: UDP: IP 10.244.71.2 > 10.244.19.2  # flanneld reads it from flannel0; lease 10.244.19.0/24 is 127.0.0.13's: UDP to port 8285
 5  (wire)           eth0         wire        IP 127.0.0.12.8285 > 127.0.0.13.8285: UDP: IP 10.244.71.2 > 10.244.19.2  # 127.0.0.12 -> 127.0.0.13
 6  node2            flannel0     decapsulate IP 127.0.0.12.8285 > 127.0.0.13.8285: UDP: IP 10.244.71.2 > 10.244.19.2  # flanneld writes it into flannel0
 7  node2            veth@default/p21 deliver     IP 10.244.71.2 > 10.244.19.2  # docker0 forwards it to pod default/p21's veth, into its eth0
delivered to default/p21 on node2"""  # noqa: E501
    assert "--mtu=1472" in cluster.boot.machines["node1"].files["/run/flannel/docker"]  # udp: 1500 - 28


def test_host_gw_routes_to_the_other_host_without_encapsulation():
    cluster = booted("host-gw")
    assert str(cluster.trace("p11", ip(cluster, "p21"))) == """\
trace default/p11 (10.244.71.2) -> 10.244.19.2
 1  node1            veth@default/p11 veth        IP 10.244.71.2 > 10.244.19.2  # out of pod default/p11's eth0 into its veth peer
 2  node1            docker0      bridge      IP 10.244.71.2 > 10.244.19.2  # to the pods' gateway 10.244.71.1: the host routes it
 3  node1            eth0         route       IP 10.244.71.2 > 10.244.19.2  # 10.244.19.0/24 via 127.0.0.13 dev eth0
 4  (wire)           eth0         wire        IP 10.244.71.2 > 10.244.19.2  # 127.0.0.12 -> 127.0.0.13
 5  node2            eth0         receive     IP 10.244.71.2 > 10.244.19.2  # arrives as a plain IP packet
 6  node2            veth@default/p21 deliver     IP 10.244.71.2 > 10.244.19.2  # docker0 forwards it to pod default/p21's veth, into its eth0
delivered to default/p21 on node2"""  # noqa: E501
    assert cluster.route_tables() == """\
[root@node1 ~]# ip route
default via 127.0.0.2 dev eth0
10.244.19.0/24 via 127.0.0.13 dev eth0
10.244.71.0/24 dev docker0 proto kernel scope link src 10.244.71.1
127.0.0.0/24 dev eth0 proto kernel scope link src 127.0.0.12

[root@node2 ~]# ip route
default via 127.0.0.2 dev eth0
10.244.19.0/24 dev docker0 proto kernel scope link src 10.244.19.1
10.244.71.0/24 via 127.0.0.12 dev eth0
127.0.0.0/24 dev eth0 proto kernel scope link src 127.0.0.13"""


def test_host_gw_across_a_router_never_arrives_and_says_why():
    cluster = booted("host-gw", spec=router_spec())
    assert cluster.boot.nodes == {"node1": "127.0.0.12", "node2": "127.0.1.13"}
    trace = cluster.trace("p11", ip(cluster, "p21"))
    assert str(trace.hops[-1]) == ("node1            eth0         drop        IP 10.244.71.2 > 10.244.19.2  "
                                   "# default via 127.0.0.2: the router knows no pod network")
    assert trace.reason == ("node1 has no route to 10.244.19.2: it leaves by the default route to 127.0.0.2, which "
                            "drops it. host-gw needs every host on one layer-2 network, and node2 (127.0.1.13) is "
                            "behind a router: flanneld on node1 logged \"Error adding route to 10.244.19.0/24 via "
                            "127.0.1.13: network is unreachable\"")
    assert cluster.request("p11", "10.244.19.2:80").error == "dial tcp 10.244.19.2:80: i/o timeout"
    assert cluster.request("p11", f"{ip(cluster, 'p11')}:80").ok  # its own node still works
    assert "10.244.19.0/24" not in cluster.route_tables().split("[root@node2")[0]


# --- mistakes in the files ---------------------------------------------------------------------------


def test_docker_on_its_default_bridge_everywhere_hands_out_the_same_ips():
    cluster = booted(None, per_node=(1, 2))  # nobody wrote flannel's config: flanneld never got a lease
    assert [ip(cluster, name) for name in ("p11", "p21", "p22")] == ["172.17.0.2", "172.17.0.2", "172.17.0.3"]
    trace = cluster.trace("p11", "172.17.0.3")  # p22's address; node1 has no pod there
    assert not trace.delivered
    assert str(trace.hops[-1]) == ("node1            docker0      drop        IP 172.17.0.2 > 172.17.0.3  "
                                   "# no pod here has that address")
    assert trace.reason == ("172.17.0.3 is inside node1's own bridge network 172.17.0.0/16 (docker0), so node1 looks "
                            "for it there and never sends it out; the pod with that address is default/p22 on node2: "
                            "the nodes hand out pod addresses from overlapping ranges. docker on node1, node2 uses its "
                            "default bridge 172.17.0.1/16 because flanneld never wrote /run/flannel/subnet.env before "
                            "docker started")
    assert cluster.request("p11", "172.17.0.3:80").error == "dial tcp 172.17.0.3:80: connect: no route to host"
    # p21's address is p11's own: the packet never leaves the node
    same = cluster.trace("p21", "172.17.0.2")
    assert same.to == "default/p21 on node2"
    assert same.hops[-1].note == ("docker0 forwards it to pod default/p21's veth, into its eth0; default/p11 on node1 "
                                  "has the same address: overlapping pod ranges")
    answer = cluster.request("default/p21", "172.17.0.2:80")
    assert (answer.pod, answer.node) == ("p21", "127.0.0.13")


def test_a_node_whose_flanneld_reads_another_prefix_has_no_lease():
    tree = ClusterSpec.loopback_lab().render_all()
    for files in tree.values():
        files["/etc/etcd/etcd.conf"] += 'ETCD_ENABLE_V2="true"\n'
    tree["node2"]["/etc/sysconfig/flanneld"] = tree["node2"]["/etc/sysconfig/flanneld"].replace(
        "/atomic.io/network", "/coreos.com/network")
    cluster = booted("vxlan", tree=tree)
    assert (ip(cluster, "p11"), ip(cluster, "p21")) == ("10.244.71.2", "172.17.0.2")
    there = cluster.trace("p11", "172.17.0.2")
    assert there.reason == ("node1 has no route to 172.17.0.2: it leaves by the default route to 127.0.0.2, which "
                            "drops it. The pod is on node2's docker default bridge 172.17.0.1/16: flanneld never wrote "
                            "/run/flannel/subnet.env there before docker started")
    back = cluster.trace("p21", "10.244.71.2")
    assert back.reason == ("node2 has no route to 10.244.71.2: it leaves by the default route to 127.0.0.2, which "
                           "drops it. flanneld on node2 holds no lease, so it programmed no route into the pod network")
    assert cluster.request("p21", "10.244.71.2:80").error == "dial tcp 10.244.71.2:80: i/o timeout"


def test_the_notes_cluster_fixed_traces_over_udp_in_172_17():
    spec = ClusterSpec.seed_lab().with_changes(apiserver_bind_address="0.0.0.0", etcd_version="3.3.11")
    cluster = Cluster.from_spec(spec)  # etcdctl mk of the notes' udp config, then the systemctl lines
    nodes = cluster.boot.nodes
    cluster.apply(pod("a", nodes["node1"]))
    cluster.apply(pod("b", nodes["node2"]))
    cluster.run(30)
    trace = cluster.trace("a", ip(cluster, "b"))
    assert trace.delivered and trace.to == "default/b on node2"
    assert [(hop.host, hop.device, hop.action) for hop in trace.hops] == [
        ("node1", "veth@default/a", "veth"), ("node1", "docker0", "bridge"), ("node1", "flannel0", "route"),
        ("node1", "flannel0", "encapsulate"), ("", "eth0", "wire"), ("node2", "flannel0", "decapsulate"),
        ("node2", "veth@default/b", "deliver")]
    assert str(trace.hops[3].outer) == "IP 192.168.197.131.8285 > 192.168.197.132.8285: UDP"
    assert ipaddress.ip_address(ip(cluster, "a")) in ipaddress.ip_network("172.17.0.0/16")


# --- nodes, machines that stop, and Services with no endpoints ---------------------------------------


def test_a_request_from_a_node_leaves_from_the_node_itself():
    cluster = booted("vxlan")
    answer = cluster.request("127.0.0.12", f"{ip(cluster, 'p21')}:80")
    assert answer.ok and answer.pod == "p21"
    trace = cluster.boot.network.trace_from_host("node1", ip(cluster, "p21"))
    assert str(trace).splitlines()[0] == "trace node1 (10.244.71.0) -> 10.244.19.2"  # flannel.1's address
    assert [hop.action for hop in trace.hops] == ["route", "encapsulate", "wire", "decapsulate", "deliver"]


def test_a_booted_node_that_fails_loses_the_packet_on_the_wire():
    cluster = booted("vxlan")
    cluster.fail_node("127.0.0.13")
    trace = cluster.trace("p11", "10.244.19.2")
    assert not trace.delivered and trace.reason == "node2 is down: the packet is lost on the wire"
    assert cluster.request("p11", "10.244.19.2:80").error == "dial tcp 10.244.19.2:80: i/o timeout"
    with pytest.raises(UnknownAddressError, match=r"^trace: 127.0.0.13 is down: nothing runs there to send from$"):
        cluster.trace("p21", "10.244.71.2")


def test_a_service_without_endpoints_is_rejected_on_the_docker_bridge():
    cluster = booted("vxlan")
    cluster.apply(SERVICE.replace("name: web", "name: empty").replace("app: web", "app: nobody"))
    cluster.run(5)
    trace = cluster.trace("p11", "empty:80")
    assert [(hop.host, hop.device, hop.action) for hop in trace.hops] == [
        ("node1", "veth@default/p11", "veth"), ("node1", "docker0", "reject")]
    assert trace.reason.endswith("the Service has no ready endpoints (connect: connection refused)")


def test_an_address_nobody_has_names_the_booted_subnets():
    cluster = booted("vxlan")
    with pytest.raises(UnknownAddressError, match=r"^trace: no pod has the address 10.244.9.9 \(pod subnets: "
                                                  r"node1 10.244.71.0/24, node2 10.244.19.0/24\)$"):
        cluster.trace("p11", "10.244.9.9")


def test_the_quickstart_keeps_kube_flannels_picture():
    cluster = Cluster.quickstart(nodes=2, seed=0)
    tables = cluster.route_tables()
    assert tables.startswith("[root@node-1 ~]# ip route\ndefault via ")
    assert "dev flannel.1 onlink" in tables and "dev cni0 proto kernel scope link" in tables


# --- the network's part: pods at the addresses a kubelet gave them -------------------------------------


def test_set_pods_places_pods_at_given_addresses_and_forgets_the_rest():
    net = FlannelNetwork.lab(nodes=2, pods_per_node=0)
    first, second = net.hosts
    lease = net.hosts[second].flanneld.lease
    given = lease.network_address + 7
    net.set_pods(second, {"default/web": given})
    assert net.owners(given) == [(net.hosts[second], "default/web")]
    net.add_pod(first, "client")
    assert net.trace("client", str(given)).to == f"default/web on {second}"
    net.set_pods(second, {})
    assert net.owners(given) == []
    with pytest.raises(ValueError, match="^no host named 'nowhere'"):
        net.set_pods("nowhere", {})
