"""flannel as the notes ran it: etcd's v2 keys, the network config, flanneld, backends, traces, drawings."""

from __future__ import annotations

import ipaddress
import json

import pytest

from k8scourse.etcd.store import Store
from k8scourse.etcd.v2store import V2DisabledError, V2Error
from k8scourse.network.flannel import NOTES_SYSCONFIG, FlannelNetwork
from k8scourse.network.flannel_config import NetworkConfigError, check_for_cluster, parse_network_config
from k8scourse.network.flanneld import FlanneldFlagError, Options, mk_docker_opts
from k8scourse.network.host import PodNetworkError
from k8scourse.network.trace import UnknownAddressError
from k8scourse.viz.canvas import MAX_WIDTH, illegible_texts
from k8scourse.viz.network import draw_network, network_graph

KEY = "/atomic.io/network/config"
A, B, C = "192.168.197.131", "192.168.197.132", "192.168.197.133"


def v2store() -> Store:
    store = Store()
    store.v2.enabled = True
    return store


# --- etcd's v2 keyspace ----------------------------------------------------------------------


def test_v2_is_off_by_default_as_in_etcd_3_4():
    with pytest.raises(V2DisabledError, match="--enable-v2"):
        Store().v2.get(KEY)


def test_v2_and_v3_keys_are_apart():
    store = v2store()
    store.put(KEY, '{"Network": "10.244.0.0/16"}')
    with pytest.raises(V2Error) as error:
        store.v2.get(KEY)
    assert str(error.value) == "100: Key not found (/atomic.io) [0]"
    store.v2.set(KEY, "{}")
    assert store.get(KEY).value == '{"Network": "10.244.0.0/16"}'


def test_v2_key_not_found_names_the_first_missing_part_and_the_index():
    store = v2store()
    store.v2.set("/atomic.io/network/subnets/10.244.1.0-24", "x")
    with pytest.raises(V2Error) as error:
        store.v2.get(KEY)
    assert (error.value.code, error.value.cause, error.value.index) == (100, KEY, 1)
    assert str(error.value) == "100: Key not found (/atomic.io/network/config) [1]"


def test_v2_mk_update_rm_and_directories():
    v2 = v2store().v2
    node = v2.create(KEY, "a")
    assert (node.created_index, node.modified_index) == (1, 1)
    with pytest.raises(V2Error, match=r"^105: Key already exists \(/atomic.io/network/config\) \[1\]$"):
        v2.create(KEY, "b")
    assert v2.update(KEY, "b").modified_index == 2
    with pytest.raises(V2Error, match=r"^100: Key not found \(/atomic.io/other\) \[2\]$"):
        v2.update("/atomic.io/other", "c")
    with pytest.raises(V2Error, match=r"^102: Not a file \(/atomic.io/network\) \[2\]$"):
        v2.set("/atomic.io/network", "x")
    with pytest.raises(V2Error, match=r"^104: Not a directory \(/atomic.io/network/config\) \[2\]$"):
        v2.set(KEY + "/x", "x")
    assert [n.key for n in v2.ls("/atomic.io/network")] == [KEY]
    v2.delete(KEY)
    assert v2.ls("/atomic.io/network") == []


def test_v2_ttl_keys_expire_on_the_store_clock():
    store = v2store()
    store.v2.set("/k", "v", ttl=10)
    store.expire_leases(9.5)
    assert store.v2.ttl("/k") == pytest.approx(0.5)
    store.expire_leases(10)
    with pytest.raises(V2Error, match=r"^100: Key not found \(/k\) \[2\]$"):  # the expiry took index 2
        store.v2.get("/k")


# --- the network config ----------------------------------------------------------------------


def test_config_defaults_of_flannel_0_7():
    config = parse_network_config('{"Network": "10.244.0.0/16"}')
    assert (config.subnet_len, str(config.subnet_min), str(config.subnet_max)) == (24, "10.244.1.0", "10.244.255.0")
    assert config.backend.type == "udp" and config.backend.udp_port == 8285
    assert len(config.subnets()) == 255
    assert parse_network_config('{"Network": "10.0.0.0/24"}').subnet_len == 25  # half of a /24 or smaller


def test_config_defaults_of_todays_flannel():
    assert parse_network_config('{"Network": "10.0.0.0/24"}', version="0.26").subnet_len == 26
    assert parse_network_config('{"Network": "10.0.0.0/22"}', version="0.26").subnet_len == 24
    with pytest.raises(NetworkConfigError, match="network is too small. Minimum useful network prefix is /28"):
        parse_network_config('{"Network": "10.0.0.0/29"}', version="0.26")
    with pytest.raises(NetworkConfigError, match="network must be able to accommodate at least four subnets"):
        parse_network_config('{"Network": "10.0.0.0/16", "SubnetLen": 17}', version="0.26")
    with pytest.raises(NetworkConfigError, match="SubnetLen must be less than /31"):
        parse_network_config('{"Network": "10.0.0.0/16", "SubnetLen": 31}', version="0.26")
    with pytest.raises(NetworkConfigError, match="SubnetMin is not on a SubnetLen boundary: 10.0.1.5"):
        parse_network_config('{"Network": "10.0.0.0/16", "SubnetMin": "10.0.1.5"}', version="0.26")


def test_vxlan_options():
    config = parse_network_config('{"Network": "10.244.0.0/16", "Backend": {"Type": "VXLAN", "VNI": 4}}')
    assert (config.backend.type, config.backend.vni, config.backend.udp_port) == ("vxlan", 4, 8472)
    with pytest.raises(NetworkConfigError) as error:
        parse_network_config('{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan", "VNI": "one"}}')
    assert str(error.value) == (f'{KEY}: error decoding VXLAN backend config: json: cannot unmarshal "one" into '
                                "Go struct field .VNI of type int")


@pytest.mark.parametrize("text, message", [
    ('{"Network": "10.244.0.0/16"', "unexpected end of JSON input"),
    ('{"Network": 10.244.0.0/16}', "invalid character '.' after object key:value pair (line 1, column 19)"),
    ("{'Network': '10.244.0.0/16'}", "invalid character \"'\" looking for beginning of object key string "
                                     "(line 1, column 2)"),
    ('{"SubnetLen": 24}', "please define a correct Network parameter in the flannel config"),
    ('{"Network": "10.244.0.0/33"}', "invalid CIDR address: 10.244.0.0/33"),
    ('{"Network": "10.244.0.0/16", "SubnetLen": 8}', "HostSubnet is larger network than Network"),
    ('{"Network": "10.244.0.0/16", "SubnetMin": "10.245.0.0"}', "SubnetMin is not in the range of the Network"),
    ('{"Network": "10.244.0.0/16", "SubnetMax": "10.0.0.0"}', "SubnetMax is not in the range of the Network"),
    ('{"Network": "10.244.0.0/16", "SubnetMin": "ten"}', "SubnetMin: Invalid IP address format: 'ten'"),
    ('{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlann"}}', "unknown backend type: vxlann"),
    ('{"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard"}}', "unknown backend type: wireguard"),
])
def test_bad_network_configs_name_the_key_in_flannels_words(text, message):
    with pytest.raises(NetworkConfigError) as error:
        parse_network_config(text)
    assert str(error.value) == f"{KEY}: {message}"


def test_config_that_cannot_hold_the_cluster():
    small = parse_network_config('{"Network": "10.244.0.0/23"}')  # 0.7 skips the first subnet: one left
    with pytest.raises(NetworkConfigError, match=r"offers 1 subnets \(10.244.1.0 to 10.244.1.0\) for 3 nodes"):
        check_for_cluster(small, nodes=3)
    notes = parse_network_config('{"Network": "192.254.0.0/16"}')
    with pytest.raises(NetworkConfigError, match="overlaps the service range 192.254.0.0/16"):
        check_for_cluster(notes, nodes=3, service_cluster_ip_range="192.254.0.0/16")
    check_for_cluster(notes, nodes=3, service_cluster_ip_range="10.96.0.0/12")


# --- flanneld --------------------------------------------------------------------------------


def test_flanneld_reads_the_notes_sysconfig():
    options = Options.from_sysconfig(NOTES_SYSCONFIG)
    assert (options.endpoints, options.prefix, options.ip_masq) == (["http://192.168.197.130:2379"],
                                                                     "/atomic.io/network", False)
    masq = Options.from_sysconfig(NOTES_SYSCONFIG + 'FLANNEL_OPTIONS="--ip-masq -iface=eth1"\n')
    assert (masq.ip_masq, masq.iface) == (True, "eth1")
    with pytest.raises(FlanneldFlagError, match="FLANNEL_OPTIONS: flag provided but not defined: -etcd-endpoint$"):
        Options.from_sysconfig(NOTES_SYSCONFIG + 'FLANNEL_OPTIONS="-etcd-endpoint=http://x:2379"\n')


def one_host(enable_v2: bool = True, etcd_url: str = "http://192.168.197.130:2379") -> tuple[FlannelNetwork, Store]:
    net = FlannelNetwork()
    etcd = net.add_etcd(etcd_url, enable_v2=enable_v2)
    net.add_host(A, f"{A}/24", sysconfig=NOTES_SYSCONFIG)
    net.start_flanneld(A)
    return net, etcd


def messages(net: FlannelNetwork, host: str = A) -> list[str]:
    return [message for _, _, message in net.hosts[host].flanneld.log]


def test_flanneld_retries_each_second_until_the_config_is_written():
    net, etcd = one_host()
    net.run(2)
    assert messages(net) == ["Couldn't fetch network config: 100: Key not found (/atomic.io) [0]"] * 3
    assert net.hosts[A].flanneld.state == "starting"
    etcd.v2.set(KEY, '{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}')
    net.run(1)
    assert messages(net)[3] == "Found network config - Backend type: vxlan"
    assert net.hosts[A].flanneld.state == "running"
    assert net.hosts[A].flanneld.log_text().splitlines()[0] == (
        "E 00:00:00.000000 flanneld] Couldn't fetch network config: 100: Key not found (/atomic.io) [0]")


def test_flanneld_against_etcd_3_4_without_enable_v2():
    net, etcd = one_host(enable_v2=False)
    etcd.put(KEY, '{"Network": "10.244.0.0/16"}')  # ETCDCTL_API=3 etcdctl put: a v3 key flannel never sees
    net.run(1)
    assert messages(net)[-1] == ("Couldn't fetch network config: client: response is invalid json. "
                                 "The endpoint is probably not valid etcd cluster endpoint.")


def test_flanneld_with_no_etcd_at_its_endpoint():
    net, _ = one_host(etcd_url="http://192.168.197.130:4001")
    assert messages(net) == ["Couldn't fetch network config: client: etcd cluster is unavailable or "
                             "misconfigured; error #0: dial tcp 192.168.197.130:2379: getsockopt: connection refused"]


def test_flanneld_keeps_retrying_a_bad_config_and_exits_on_an_unknown_backend():
    net, etcd = one_host()  # tries at once: no config yet
    etcd.v2.set(KEY, '{"Network": "10.244.0.0/16", "SubnetMin": "10.0.0.0"}')
    net.run(1)
    assert messages(net)[1] == "Couldn't fetch network config: SubnetMin is not in the range of the Network"
    etcd.v2.set(KEY, '{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlann"}}')
    net.run(5)
    assert messages(net)[2:] == ["Error fetching backend: unknown backend type: vxlann"]
    assert net.hosts[A].flanneld.state == "failed"


def test_leases_subnet_env_and_docker_options():
    net = FlannelNetwork.lab(nodes=3, backend="vxlan")
    daemon = net.hosts[A].flanneld
    lease = daemon.lease
    key = f"/atomic.io/network/subnets/{lease.network_address}-24"
    node = net.etcd["http://192.168.197.130:2379"].v2.get(key)
    assert json.loads(node.value) == {"PublicIP": A, "BackendType": "vxlan", "BackendData": {"VtepMAC": daemon.attrs.vtep_mac}}
    assert node.value.startswith('{"PublicIP":"192.168.197.131","BackendType":"vxlan","BackendData":{"VtepMAC":"')
    assert node.expiration - net.clock.now == pytest.approx(24 * 3600 - 1)  # leased at t=0, now t=1
    assert len({h.flanneld.lease for h in net.hosts.values()}) == 3
    assert all(h.flanneld.lease.subnet_of(ipaddress.ip_network("10.244.0.0/16")) for h in net.hosts.values())
    bip = f"{lease.network_address + 1}/24"
    assert net.hosts[A].files["/run/flannel/subnet.env"] == (
        f"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET={bip}\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n")
    assert net.hosts[A].files["/run/flannel/docker"] == (
        f'DOCKER_OPT_BIP="--bip={bip}"\nDOCKER_OPT_MTU="--mtu=1450"\nDOCKER_NETWORK_OPTIONS=" --bip={bip} --mtu=1450 "\n')
    assert [str(ip) for ip in net.hosts[A].pods.values()] == [str(lease.network_address + 2),
                                                               str(lease.network_address + 3)]
    assert str(net.hosts[A].bridge.address) == bip


def test_mk_docker_opts_turns_dockers_masquerading_off_when_flannel_does_it():
    env = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.5.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n"
    assert mk_docker_opts(env) == ('DOCKER_OPT_BIP="--bip=10.244.5.1/24"\nDOCKER_OPT_IPMASQ="--ip-masq=false"\n'
                                   'DOCKER_OPT_MTU="--mtu=1472"\n'
                                   'DOCKER_NETWORK_OPTIONS=" --bip=10.244.5.1/24 --ip-masq=false --mtu=1472 "\n')


def test_leases_are_renewed_an_hour_before_they_expire():
    net = FlannelNetwork.lab(nodes=1)
    v2 = net.etcd["http://192.168.197.130:2379"].v2
    key = f"/atomic.io/network/subnets/{net.hosts[A].flanneld.lease.network_address}-24"
    net.run(23 * 3600 - 2)
    assert v2.ttl(key) == pytest.approx(3601)
    net.run(2)
    assert v2.ttl(key) == pytest.approx(24 * 3600 - 1)
    assert messages(net)[-1] == "Lease renewed, new expiration: t=169200s"


def test_a_restarted_flanneld_keeps_its_lease():
    net = FlannelNetwork.lab(nodes=2)
    lease = net.hosts[A].flanneld.lease
    net.stop_flanneld(A)
    net.run(3600)
    net.start_flanneld(A)
    assert net.hosts[A].flanneld.lease == lease
    assert messages(net)[-2] == f"Found lease ({lease}) for current IP ({A}), reusing"


def test_a_lost_lease_comes_back_from_subnet_env():
    net = FlannelNetwork.lab(nodes=1)
    lease = net.hosts[A].flanneld.lease
    net.stop_flanneld(A)
    net.run(25 * 3600)  # the lease expired in etcd; /run/flannel/subnet.env still names it
    assert net.leases() == ""
    net.start_flanneld(A)
    assert net.hosts[A].flanneld.lease == lease
    assert messages(net)[-2] == f"Allocated lease ({lease}) to current node ({A})"


def test_a_network_too_small_runs_out_of_subnets():
    net = FlannelNetwork.lab(nodes=2, network="10.244.0.0/23", pods_per_node=0)
    assert messages(net, B)[-1] == "Failed to acquire lease: out of subnets"
    assert net.hosts[B].bridge.address == ipaddress.ip_interface("172.17.0.1/16")  # docker's default bridge


def test_leases_are_the_same_for_the_same_seed():
    def leases(seed):
        return [h.flanneld.lease for h in FlannelNetwork.lab(seed=seed).hosts.values()]
    assert leases(0) == leases(0)
    assert leases(0) != leases(1)


# --- backends --------------------------------------------------------------------------------


def lab(backend: str, **kwargs) -> tuple[FlannelNetwork, dict[str, ipaddress.IPv4Network]]:
    net = FlannelNetwork.lab(backend=backend, **kwargs)
    return net, {name: h.flanneld.lease for name, h in net.hosts.items()}


def test_vxlan_routes_arp_and_fdb():
    net, lease = lab("vxlan")
    host = net.hosts[A]
    b, c = net.hosts[B].flanneld, net.hosts[C].flanneld
    routes = sorted([f"{lease[B]} via {lease[B].network_address} dev flannel.1 onlink",
                     f"{lease[C]} via {lease[C].network_address} dev flannel.1 onlink",
                     f"{lease[A]} dev docker0 proto kernel scope link src {lease[A].network_address + 1}"],
                    key=lambda line: ipaddress.ip_network(line.split()[0]))
    assert host.ip_route().splitlines() == ["default via 192.168.197.2 dev eth0", *routes,
                                            f"192.168.197.0/24 dev eth0 proto kernel scope link src {A}"]
    assert set(host.ip_neigh().splitlines()) == {
        f"{lease[B].network_address} dev flannel.1 lladdr {b.attrs.vtep_mac} PERMANENT",
        f"{lease[C].network_address} dev flannel.1 lladdr {c.attrs.vtep_mac} PERMANENT"}
    assert set(host.bridge_fdb().splitlines()) == {f"{b.attrs.vtep_mac} dev flannel.1 dst {B} self permanent",
                                                   f"{c.attrs.vtep_mac} dev flannel.1 dst {C} self permanent"}
    assert (f"4: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450\n    link/ether {host.flanneld.attrs.vtep_mac} "
            f"brd ff:ff:ff:ff:ff:ff\n    vxlan id 1 local {A} dev eth0 srcport 0 0 dstport 8472 nolearning\n"
            f"    inet {lease[A].network_address}/32") in host.ip_link()


def test_udp_has_one_route_into_flannel0():
    net, lease = lab("udp")
    host = net.hosts[A]
    assert f"10.244.0.0/16 dev flannel0 proto kernel scope link src {lease[A].network_address}" in host.ip_route()
    assert "flannel0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1472" in host.ip_link()
    assert host.ip_neigh() == host.bridge_fdb() == ""


def test_host_gw_routes_via_the_other_hosts():
    net, lease = lab("host-gw")
    routes = net.hosts[A].ip_route().splitlines()
    assert f"{lease[B]} via {B} dev eth0" in routes and f"{lease[C]} via {C} dev eth0" in routes
    assert net.hosts[A].bridge.mtu == 1500 and "flannel" not in net.hosts[A].ip_link()


def test_vxlan_vni_names_the_device():
    net, _ = lab("vxlan", extra_config={"Backend": {"Type": "vxlan", "VNI": 7}})
    assert "dev flannel.7 onlink" in net.hosts[A].ip_route()


def test_flanneld_ignores_leases_of_another_backend():
    net, lease = lab("vxlan", nodes=2)
    etcd = net.etcd["http://192.168.197.130:2379"]
    etcd.v2.set("/atomic.io/network/subnets/10.244.200.0-24", '{"PublicIP":"192.168.197.140","BackendType":"udp"}')
    net.sync()
    assert "10.244.200.0/24" not in net.hosts[A].ip_route()
    assert net.hosts[A].tables().errors == ["Ignoring non-vxlan subnet 10.244.200.0/24: type=udp"]


# --- traces ----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend, device, outer", [
    ("vxlan", "flannel.1", "IP 192.168.197.131.{sport} > 192.168.197.132.8472: VXLAN, flags [I] (0x08), vni 1"),
    ("udp", "flannel0", "IP 192.168.197.131.8285 > 192.168.197.132.8285: UDP"),
])
def test_a_packet_across_nodes_is_encapsulated(backend, device, outer):
    net, _ = lab(backend)
    dst = net.hosts[B].pods["pod-2-1"]
    trace = net.trace("pod-1-1", str(dst))
    assert trace.delivered and trace.reason is None and trace.to == f"pod-2-1 on {B}"
    assert [(hop.host, hop.device, hop.action) for hop in trace.hops] == [
        (A, "veth@pod-1-1", "veth"), (A, "docker0", "bridge"), (A, device, "route"), (A, device, "encapsulate"),
        ("", "eth0", "wire"), (B, device, "decapsulate"), (B, "veth@pod-2-1", "deliver")]
    wrapped = trace.hops[3]
    assert str(wrapped.outer) == outer.format(sport=wrapped.outer.sport)
    assert (str(wrapped.src), str(wrapped.dst)) == (str(net.hosts[A].pods["pod-1-1"]), str(dst))
    lines = str(trace).splitlines()
    assert lines[0] == f"trace pod-1-1 ({net.hosts[A].pods['pod-1-1']}) -> {dst}"
    assert lines[5].startswith(f" 5  (wire)           eth0         wire        {wrapped.outer}: IP ")
    assert lines[-1] == f"delivered to pod-2-1 on {B}"


def test_host_gw_sends_the_packet_as_it_is():
    net, _ = lab("host-gw")
    trace = net.trace("pod-1-1", str(net.hosts[B].pods["pod-2-1"]))
    assert trace.delivered and all(hop.outer is None for hop in trace.hops)
    assert [hop.action for hop in trace.hops] == ["veth", "bridge", "route", "wire", "receive", "deliver"]


def test_same_node_traffic_stays_on_the_bridge():
    net, _ = lab("vxlan")
    trace = net.trace(str(net.hosts[A].pods["pod-1-1"]), str(net.hosts[A].pods["pod-1-2"]))
    assert trace.delivered and [hop.action for hop in trace.hops] == ["veth", "bridge", "deliver"]
    assert trace.hops[1].note == "same subnet: the bridge switches it"


@pytest.mark.parametrize("backend, stop", [("udp", "flannel0"), ("vxlan", "eth0")])
def test_no_lease_no_route(backend, stop):
    net, lease = lab(backend, nodes=2)
    net.stop_flanneld(B)
    net.run(25 * 3600)  # B's lease expires; A's flanneld drops its route
    dst = net.hosts[B].pods["pod-2-1"]
    trace = net.trace("pod-1-1", str(dst))
    assert not trace.delivered and trace.hops[-1].device == stop
    if backend == "udp":
        assert trace.reason == f"{A}: no lease holds {dst}: no node has that subnet"
    else:
        assert trace.reason == (f"{A} has no route to {dst}: it leaves by the default route to 192.168.197.2, which "
                                f"drops it. No lease holds {dst}, so no flanneld routes it")


def test_host_gw_across_a_router():
    net, lease = lab("host-gw", nodes=1)
    net.add_host("far", "192.168.198.10/24", sysconfig=NOTES_SYSCONFIG)
    net.start_flanneld("far")
    net.run(1)
    net.hosts["far"].start_docker()
    net.add_pod("far", "f1")
    far = net.hosts["far"].flanneld.lease
    trace = net.trace("pod-1-1", str(net.hosts["far"].pods["f1"]))
    assert not trace.delivered
    assert trace.reason.endswith(f"host-gw needs every host on one layer-2 network, and far (192.168.198.10) is "
                                 f"behind a router: flanneld on {A} logged \"Error adding route to {far} via "
                                 "192.168.198.10: network is unreachable\"")


def test_docker_on_its_default_bridge_overlaps_every_node():
    net = FlannelNetwork()
    net.add_etcd("http://192.168.197.130:2379", enable_v2=True)
    for host in (A, B):  # the notes start docker but never flanneld
        net.add_host(host, f"{host}/24", sysconfig=NOTES_SYSCONFIG).start_docker()
    net.add_pod(A, "a1")
    net.add_pod(B, "b1")
    net.add_pod(B, "b2")
    assert str(net.hosts[A].pods["a1"]) == str(net.hosts[B].pods["b1"]) == "172.17.0.2"
    trace = net.trace("a1", "172.17.0.3")
    assert not trace.delivered
    assert trace.reason == (f"172.17.0.3 is inside {A}'s own bridge network 172.17.0.0/16 (docker0), so {A} looks "
                            f"for it there and never sends it out; the pod with that address is b2 on {B}: the nodes "
                            f"hand out pod addresses from overlapping ranges. docker on {A}, {B} uses its default "
                            "bridge 172.17.0.1/16 because flanneld never wrote /run/flannel/subnet.env before docker "
                            "started")


def test_a_trace_to_an_address_nobody_has():
    net, _ = lab("vxlan", nodes=1)
    with pytest.raises(UnknownAddressError, match=r"^trace: no pod has the address 10.9.9.9 \(pod subnets: "):
        net.trace("pod-1-1", "10.9.9.9")
    with pytest.raises(UnknownAddressError, match="^trace: 'web' is not an IPv4 address$"):
        net.trace("pod-1-1", "web")
    with pytest.raises(UnknownAddressError, match="^trace: no pod named 'nobody'$"):
        net.trace("nobody", "10.9.9.9")


def test_a_cni_pod_needs_subnet_env():
    net = FlannelNetwork()
    net.add_host(A, f"{A}/24", runtime="cni")
    with pytest.raises(PodNetworkError) as error:
        net.add_pod(A, "web")
    assert str(error.value) == ("plugin type=\"flannel\" failed (add): failed to load flannel 'subnet.env' file: open "
                                "/run/flannel/subnet.env: no such file or directory. Check the flannel pod log for "
                                "this node.")


def test_flanneld_needs_its_sysconfig():
    net = FlannelNetwork()
    net.add_host(A, f"{A}/24")
    with pytest.raises(FileNotFoundError, match="/etc/sysconfig/flanneld: no such file"):
        net.start_flanneld(A)


# --- drawings --------------------------------------------------------------------------------


def test_network_graph_has_every_device():
    net, lease = lab("vxlan", nodes=2)
    graph = network_graph(net)
    assert graph.has_edge(f"{A}/pod-1-1", f"{A}/docker0") and graph.has_edge(f"{A}/flannel.1", f"{A}/eth0")
    assert graph.has_edge(f"{B}/eth0", "wire") and graph.nodes[f"{A}/eth0"]["label"] == f"eth0 {A}/24"


@pytest.mark.parametrize("backend", ["vxlan", "udp", "host-gw"])
def test_drawings_fit_the_notebook_and_are_legible(backend):
    net, _ = lab(backend)
    for trace in (None, net.trace("pod-1-1", str(net.hosts[C].pods["pod-3-2"]))):
        figure = draw_network(net, trace)
        assert figure.get_figwidth() <= MAX_WIDTH and illegible_texts(figure) == []


def test_drawing_too_many_hosts_asks_for_a_choice():
    net, _ = lab("vxlan", nodes=5, pods_per_node=0)
    with pytest.raises(ValueError, match=r"draw_network draws 1 to 4 hosts, not 5: pass hosts=\[...\]"):
        draw_network(net)
    draw_network(net, hosts=[A, B])


# --- Cluster.trace: today's kube-flannel (vxlan, --kube-subnet-mgr) on the cluster's nodes ------

APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {containers: [{name: c, image: "busybox:1.36", command: [sleep, "3600"]}]}
"""


@pytest.fixture(scope="module")
def cluster():
    from k8scourse.cluster import Cluster
    cluster = Cluster.quickstart(nodes=3, seed=0)
    cluster.apply(APP)
    cluster.run(60)
    return cluster


def pods_by_node(cluster) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for pod in cluster.api.list("pods", "default"):
        found.setdefault(pod["spec"]["nodeName"], []).append((pod["metadata"]["name"], pod["status"]["podIP"]))
    return found


def test_cluster_trace_across_nodes_uses_the_node_pod_cidrs(cluster):
    client = cluster.api.get("pods", "client", "default")
    here = client["spec"]["nodeName"]
    there, pods = next((node, pods) for node, pods in sorted(pods_by_node(cluster).items()) if node != here)
    trace = cluster.trace("default/client", pods[0][1])
    assert trace.delivered and trace.to == f"default/{pods[0][0]} on {there}"
    wrapped = next(hop for hop in trace.hops if hop.action == "encapsulate")
    assert (wrapped.device, wrapped.outer.dport, wrapped.outer.vni) == ("flannel.1", 8472, 1)
    assert str(wrapped.outer.src) == cluster.kubelets[here].node_ip
    assert str(wrapped.outer.dst) == cluster.kubelets[there].node_ip
    assert trace.hops[1].device == "cni0"


def test_cluster_trace_to_a_service_goes_through_kube_proxy(cluster):
    trace = cluster.trace("client", "web:80")
    service_ip = cluster.api.get("services", "web", "default")["spec"]["clusterIP"]
    assert trace.delivered and trace.to.startswith("default/web-")
    assert trace.dialed == f"{service_ip}:80" and str(trace.hops[0].dst) == service_ip
    dnat = trace.hops[2]
    assert dnat.action == "dnat" and dnat.note.startswith(f"kube-proxy: {service_ip}:80 -> {trace.dst}:80 (")
    assert str(trace).splitlines()[0] == f"trace default/client ({trace.src_ip}) -> {service_ip}:80 (DNAT to {trace.dst})"


def test_cluster_trace_failures(cluster):
    trace = cluster.trace("client", "empty:80")
    assert not trace.delivered
    assert trace.reason.endswith("rejects " + cluster.api.get("services", "empty", "default")["spec"]["clusterIP"]
                                 + ":80: the Service has no ready endpoints (connect: connection refused)")
    with pytest.raises(UnknownAddressError, match=r"^trace: no pod has the address 10.244.9.9 \(pod subnets: "):
        cluster.trace("client", "10.244.9.9")
    with pytest.raises(UnknownAddressError, match="^trace: lookup nothing: no such host"):
        cluster.trace("client", "nothing:80")
    with pytest.raises(UnknownAddressError, match='^trace: pods "nobody" not found$'):
        cluster.trace("nobody", "10.244.1.2")


def test_cluster_trace_to_a_node_that_is_down():
    from k8scourse.cluster import Cluster
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(APP)
    cluster.run(60)
    here = cluster.api.get("pods", "client", "default")["spec"]["nodeName"]
    there, pods = next((node, pods) for node, pods in sorted(pods_by_node(cluster).items()) if node != here)
    cluster.fail_node(there)
    trace = cluster.trace("client", pods[0][1])
    assert not trace.delivered and trace.reason == f"{there} is down: the packet is lost on the wire"


def test_cluster_trace_to_a_cluster_ip_needs_its_port(cluster):
    service_ip = cluster.api.get("services", "web", "default")["spec"]["clusterIP"]
    with pytest.raises(UnknownAddressError, match=f"^trace: {service_ip} is a Service's ClusterIP: kube-proxy's "
                                                  rf"rules match its ports, so give one \({service_ip}:80\)$"):
        cluster.trace("client", service_ip)
    assert cluster.trace("client", f"{service_ip}:80").delivered


def test_a_crowded_drawing_shrinks_text_but_stays_legible():
    net, _ = lab("udp", nodes=4, pods_per_node=3)
    figure = draw_network(net, net.trace("pod-1-1", str(net.hosts["192.168.197.134"].pods["pod-4-3"])))
    assert illegible_texts(figure) == []
    address = str(net.hosts["192.168.197.134"].pods["pod-4-3"])
    texts = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]
    assert "pod-4-3\n…." + ".".join(address.split(".")[2:]) in texts


def test_a_lease_outside_a_changed_network_is_dropped():
    net = FlannelNetwork.lab(nodes=1, pods_per_node=0)
    old = net.hosts[A].flanneld.lease
    net.stop_flanneld(A)
    net.etcd["http://192.168.197.130:2379"].v2.set(KEY, '{"Network": "172.30.0.0/16", "Backend": {"Type": "vxlan"}}')
    net.start_flanneld(A)
    daemon = net.hosts[A].flanneld
    assert messages(net)[-3:-1] == [
        f"Found lease ({old}) for current IP ({A}) but not compatible with current config, deleting",
        f"Allocated lease ({daemon.lease}) to current node ({A})"]
    assert daemon.lease.subnet_of(ipaddress.ip_network("172.30.0.0/16"))
    assert net.leases().count("/atomic.io/network/subnets/") == 1


def test_a_deleted_lease_makes_flanneld_exit_and_systemd_start_it_again():
    net = FlannelNetwork.lab(nodes=2, pods_per_node=0)
    v2 = net.etcd["http://192.168.197.130:2379"].v2
    lease = net.hosts[A].flanneld.lease
    v2.delete(f"/atomic.io/network/subnets/{lease.network_address}-24")  # etcdctl rm
    net.sync()
    assert messages(net)[-1] == "Lease has been revoked. Shutting down daemon."
    assert net.hosts[A].flanneld.state == "stopped"
    net.run(1)
    assert net.hosts[A].flanneld.state == "running"
    assert messages(net)[-2] == f"Allocated lease ({lease}) to current node ({A})"  # subnet.env names it


def test_v2_writes_need_the_quorum_v3_writes_need():
    store = v2store()

    def no_quorum():
        raise TimeoutError("etcdserver: request timed out")
    store.commit_gate = no_quorum
    with pytest.raises(TimeoutError):
        store.v2.set("/atomic.io/network/config", "{}")
    store.commit_gate = None
    with pytest.raises(V2Error, match=r"^100: Key not found \(/atomic.io\) \[0\]$"):  # nothing was half written
        store.v2.get("/atomic.io/network/config")


def test_flanneld_without_an_etcd_quorum_keeps_trying():
    from k8scourse.etcd.raft.errors import StorageTimeoutError

    net, etcd = one_host()
    etcd.v2.set(KEY, '{"Network": "10.244.0.0/16"}')

    def no_quorum():
        raise StorageTimeoutError()
    etcd.commit_gate = no_quorum  # what RaftCluster.attach does while a majority is down
    net.run(1)
    assert messages(net)[-1] == "Failed to acquire lease: etcdserver: request timed out"
    etcd.commit_gate = None
    net.run(1)
    assert net.hosts[A].flanneld.state == "running"


def test_flanneld_with_no_endpoints_at_all():
    net = FlannelNetwork()
    net.add_host(A, f"{A}/24", sysconfig='FLANNEL_ETCD_PREFIX="/atomic.io/network"\n')
    net.start_flanneld(A)
    assert messages(net) == ["Couldn't fetch network config: client: no endpoints available"]


def test_route_tables_print_every_host():
    net, lease = lab("host-gw", nodes=2, pods_per_node=0)
    tables = net.route_tables().split("\n\n")
    assert [t.splitlines()[0] for t in tables] == [f"[root@{A} ~]# ip route", f"[root@{B} ~]# ip route"]
    assert f"{lease[B]} via {B} dev eth0" in tables[0] and f"{lease[A]} via {A} dev eth0" in tables[1]
