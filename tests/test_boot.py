"""Cluster.from_files / from_spec: each daemon reads its own machine's files, and a mistake in a
file has the effect it has on real machines."""

import re

import pytest

from k8scourse.boot import BootError
from k8scourse.cluster import Cluster
from k8scourse.config import ClusterSpec

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
"""
JOURNAL_LINE = re.compile(r"^Jan 01 \d\d:\d\d:\d\d [\w.-]+ [\w.-]+\[\d+\]: ")


def lab_tree(v2: bool = True) -> dict:
    """The corrected lab's files; ``v2`` adds ETCD_ENABLE_V2="true", which flannel 0.7 needs from etcd 3.4."""
    tree = ClusterSpec.loopback_lab().render_all()
    if v2:
        for files in tree.values():
            files["/etc/etcd/etcd.conf"] += 'ETCD_ENABLE_V2="true"\n'
    return tree


def edited(tree: dict, machine: str, path: str, old: str, new: str) -> dict:
    """``tree`` with ``old`` replaced by ``new`` in one file (which must contain it): a learner's mistake."""
    assert old in tree[machine][path]
    tree[machine][path] = tree[machine][path].replace(old, new)
    return tree


def start_all(cluster: Cluster, config: str | None = '{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}',
              wait: float = 15) -> Cluster:
    """What a learner does after from_files: etcd everywhere, flannel's config, then the daemons."""
    for machine in cluster.boot.machines:
        cluster.systemctl(machine, "start etcd --no-block")
    cluster.run(3)
    if config is not None:
        cluster.etcdctl(f"ETCDCTL_API=2 etcdctl --endpoints=http://127.0.0.11:2379 mk /atomic.io/network/config "
                        f"'{config}'")
    cluster.systemctl("master", "start kube-apiserver kube-controller-manager kube-scheduler")
    for node in ("node1", "node2"):
        cluster.systemctl(node, "start flanneld --no-block")
        cluster.systemctl(node, "start kubelet kube-proxy")
    cluster.run(wait)
    return cluster


def pod_ips(cluster: Cluster) -> dict[str, list[str]]:
    ips: dict[str, list[str]] = {}
    for pod in cluster.api.list("pods", "default"):
        ips.setdefault(pod["spec"]["nodeName"], []).append(pod["status"]["podIP"])
    return {node: sorted(found) for node, found in ips.items()}


# --- a working cluster ------------------------------------------------------------------------


def test_from_files_starts_nothing_until_systemctl():
    cluster = Cluster.from_files(lab_tree())
    states = {m.name: {d: u.state for d, u in m.units.items()} for m in cluster.boot.machines.values()}
    assert states["node1"] == {"etcd": "inactive", "flanneld": "inactive", "kubelet": "inactive",
                               "kube-proxy": "inactive", "docker": "inactive"}
    assert cluster.logs("node1", "kubelet") == "-- No entries --"
    cluster.run(30)
    assert cluster.api.list("nodes") == []


def test_a_corrected_cluster_boots_and_runs_pods_on_flannel_subnets():
    cluster = start_all(Cluster.from_files(lab_tree()))
    assert sorted(n["metadata"]["name"] for n in cluster.api.list("nodes")) == ["127.0.0.12", "127.0.0.13"]
    cluster.apply(WEB)
    cluster.run(30)
    ips = pod_ips(cluster)
    subnets = {node: {ip.rsplit(".", 1)[0] for ip in found} for node, found in ips.items()}
    assert all(len(s) == 1 for s in subnets.values()) and len(set.union(*subnets.values())) == 2
    assert [len(d.daemon.peers) for d in cluster.boot.flannel.values()] == [1, 1]  # each knows the other's lease
    docker = cluster.boot.machines["node1"].files["/run/flannel/docker"]
    assert 'DOCKER_NETWORK_OPTIONS=" --bip=10.244.' in docker and "--mtu=1450" in docker  # vxlan: 1500 - 50
    assert cluster.systemctl("node1", "is-active flanneld") == "active"


def test_journal_lines_are_journalctl_style():
    cluster = start_all(Cluster.from_files(lab_tree()))
    text = cluster.logs("127.0.0.12", "kubelet")  # a machine by its address, too
    lines = text.splitlines()
    assert lines[0] == "-- Logs begin at Wed 2025-01-01 00:00:00 UTC, end at Wed 2025-01-01 00:00:03 UTC. --"
    assert all(JOURNAL_LINE.match(line) for line in lines[1:])
    assert "node1 systemd[1]: Started Kubernetes Kubelet Server." in text
    assert re.search(r'kubelet\[\d+\]: I0101 00:00:03.\d{6} +\d+ kubelet_node_status.go:75\] '
                     r'"Successfully registered node" node="127.0.0.12"', text)
    assert "etcdserver: published {Name:etcd1 ClientURLs:[http://127.0.0.11:2379]} to cluster" in \
        cluster.logs("master", "etcd")
    status = cluster.systemctl("node1", "status kubelet")
    assert status.splitlines()[0] == "● kubelet.service - Kubernetes Kubelet Server"
    assert status.splitlines()[2].startswith("   Active: active (running) since Wed 2025-01-01 00:00:03 UTC;")


def test_same_seed_same_story():
    first = start_all(Cluster.from_files(lab_tree(), seed=3))
    second = start_all(Cluster.from_files(lab_tree(), seed=3))
    assert first.logs("node1", "flanneld") == second.logs("node1", "flanneld")
    assert first.etcdctl("ETCDCTL_API=2 etcdctl --endpoints=http://127.0.0.11:2379 ls /atomic.io/network/subnets") \
        == second.etcdctl("ETCDCTL_API=2 etcdctl --endpoints=http://127.0.0.11:2379 ls /atomic.io/network/subnets")


# --- the notes' own cluster ---------------------------------------------------------------------


def test_seed_lab_nodes_never_reach_an_apiserver_on_127_0_0_1():
    cluster = Cluster.from_spec(ClusterSpec.seed_lab())
    assert cluster.api.list("nodes") == []
    log = cluster.logs("192.168.197.131", "kubelet")
    assert ('Unable to register node "192.168.197.131" with API server: Post '
            "http://192.168.197.130:8080/api/v1/nodes: dial tcp 192.168.197.130:8080: getsockopt: connection refused"
            in log)
    assert "Serving insecurely on 127.0.0.1:8080" in cluster.logs("master", "kube-apiserver")
    # the notes' controller-manager and scheduler are on the master: --master=http://127.0.0.1:8080 works there
    assert "successfully acquired lease kube-system/kube-scheduler" in cluster.logs("master", "kube-scheduler")
    # the notes' etcd 3.3.11 serves v2 by default: the notes' etcdctl mk works, and flanneld takes a lease
    assert "Lease acquired: 172.17." in cluster.logs("node1", "flanneld")
    assert "etcd Version: 3.3.11" in cluster.logs("master", "etcd")
    # the same files on etcd 3.4 serve no v2 keys without --enable-v2: the etcdctl mk fails, and flanneld waits
    today = Cluster.from_spec(ClusterSpec.seed_lab().with_changes(etcd_version="3.4"))
    assert "Couldn't fetch network config: client: response is invalid json" in today.logs("node1", "flanneld")
    assert today.systemctl("node1", "is-active flanneld") == "activating"


def test_seed_lab_fixed_boots():
    spec = ClusterSpec.seed_lab().with_changes(apiserver_bind_address="0.0.0.0", etcd_version="3.3.11")
    cluster = Cluster.from_spec(spec)
    assert sorted(n["metadata"]["name"] for n in cluster.api.list("nodes")) == ["192.168.197.131", "192.168.197.132"]
    assert cluster.etcdctl("ETCDCTL_API=2 etcdctl get /atomic.io/network/config") == \
        '{"Network": "172.17.0.0/16", "SubnetLen": 24, "Backend": {"Type": "udp"}}'


def test_seed_files_on_v1_31_binaries_stop_at_the_removed_flags():
    cluster = Cluster.from_files(ClusterSpec.seed_lab().render_all(), kubernetes_version="v1.31.0")
    for machine in cluster.boot.machines:
        cluster.systemctl(machine, "start etcd --no-block")
    cluster.run(3)
    failed = cluster.systemctl("master", "start kube-apiserver")
    assert failed == ('Job for kube-apiserver.service failed because the control process exited with error code. '
                      'See "systemctl status kube-apiserver.service" and "journalctl -xe" for details.')
    assert "kube-apiserver[" in cluster.logs("master", "kube-apiserver")
    assert ": Error: unknown flag: --logtostderr" in cluster.logs("master", "kube-apiserver")
    assert cluster.systemctl("node1", "start kubelet") == ""  # a simple service: started, then it dies
    cluster.run(5)
    log = cluster.logs("node1", "kubelet")
    assert '"command failed" err="failed to parse kubelet flag: unknown flag: --logtostderr"' in log
    assert log.count("kubelet.service holdoff time over, scheduling restart.") == 5
    assert "systemd[1]: start request repeated too quickly for kubelet.service" in log
    assert cluster.systemctl("node1", "is-active kubelet") == "failed"
    assert "Active: failed (Result: start-limit)" in cluster.systemctl("node1", "status kubelet")


def test_legacy_binaries_refuse_modern_flags_with_pflags_words():
    cluster = Cluster.from_files(lab_tree(), kubernetes_version="v1.5.2")
    cluster.systemctl("node1", "start kubelet")
    assert "kubelet[" in cluster.logs("node1", "kubelet")
    assert ": unknown flag: --config" in cluster.logs("node1", "kubelet")
    assert "status=2/FAILURE" in cluster.logs("node1", "kubelet")


# --- mistakes in files --------------------------------------------------------------------------


def test_kubelet_pointed_at_loopback_on_a_node_never_registers():
    tree = lab_tree()
    path = "/etc/kubernetes/kubelet.kubeconfig"
    edited(tree, "node1", path, "https://127.0.0.11:6443", "https://127.0.0.1:6443")
    cluster = start_all(Cluster.from_files(tree))
    assert [n["metadata"]["name"] for n in cluster.api.list("nodes")] == ["127.0.0.13"]
    assert ('"Unable to register node with API server" err="Post \\"https://127.0.0.1:6443/api/v1/nodes\\": '
            'dial tcp 127.0.0.1:6443: connect: connection refused" node="127.0.0.12"') \
        in cluster.logs("node1", "kubelet")


def test_wrong_hostname_override_registers_under_that_name():
    tree = lab_tree()
    edited(tree, "node2", "/etc/kubernetes/kubelet", "--hostname-override=127.0.0.13", "--hostname-override=web-7")
    cluster = start_all(Cluster.from_files(tree))
    assert sorted(n["metadata"]["name"] for n in cluster.api.list("nodes")) == ["127.0.0.12", "web-7"]


def test_apiserver_without_a_reachable_etcd_fails_after_the_dial_timeout():
    tree = lab_tree()
    path = "/etc/kubernetes/apiserver"
    edited(tree, "master", path, "--etcd-servers=http://127.0.0.11:2379,http://127.0.0.12:2379,http://127.0.0.13:2379",
           "--etcd-servers=http://127.0.0.99:2379")
    cluster = Cluster.from_files(tree)
    assert cluster.systemctl("master", "start kube-apiserver").startswith("Job for kube-apiserver.service failed")
    assert cluster.now == pytest.approx(20, abs=0.1)  # storagebackend's 20 s dial timeout
    log = cluster.logs("master", "kube-apiserver")
    assert ('grpc: addrConn.createTransport failed to connect to {Addr: "127.0.0.99:2379", ServerName: '
            '"127.0.0.99:2379", }. Err: connection error: desc = "transport: Error while dialing: dial tcp '
            '127.0.0.99:2379: connect: connection refused"') in log
    assert 'run.go:72] "command failed" err="context deadline exceeded"' in log


def test_no_flannel_config_leaves_docker_on_its_default_bridge_and_pods_collide():
    cluster = start_all(Cluster.from_files(lab_tree()), config=None)
    assert "Couldn't fetch network config: 100: Key not found (/atomic.io)" in cluster.logs("node1", "flanneld")
    assert "Default bridge (docker0) is assigned with an IP address 172.17.0.0/16" in cluster.logs("node1", "docker")
    cluster.apply(WEB)
    cluster.run(30)
    ips = pod_ips(cluster)
    assert ips["127.0.0.12"] == ips["127.0.0.13"] == ["172.17.0.2", "172.17.0.3"]


def test_two_nodes_with_one_public_ip_share_a_subnet():
    tree = lab_tree()
    for node in ("node1", "node2"):
        tree[node]["/etc/sysconfig/flanneld"] += 'FLANNEL_OPTIONS="-public-ip=127.0.0.12"\n'
    cluster = start_all(Cluster.from_files(tree))
    assert "Found lease (" in cluster.logs("node2", "flanneld") and "reusing" in cluster.logs("node2", "flanneld")
    cluster.apply(WEB)
    cluster.run(30)
    ips = pod_ips(cluster)
    assert ips["127.0.0.12"] == ips["127.0.0.13"]


def test_invalid_network_config_is_flanneld_s_error():
    cluster = start_all(Cluster.from_files(lab_tree()), config='{"Network": "10.244.0.0/16"')
    log = cluster.logs("node1", "flanneld")
    assert "main.go] Couldn't fetch network config: unexpected end of JSON input" in log  # retried every second
    assert cluster.systemctl("node1", "is-active flanneld") == "activating"


def test_unknown_backend_stops_flanneld_until_systemd_gives_up():
    cluster = start_all(Cluster.from_files(lab_tree()),
                        config='{"Network": "10.244.0.0/16", "Backend": {"Type": "bogus"}}')
    log = cluster.logs("node1", "flanneld")
    assert "main.go] Error fetching backend: unknown backend type: bogus" in log
    assert "start request repeated too quickly for flanneld.service" in log
    assert cluster.systemctl("node1", "is-active flanneld") == "failed"


def test_etcd_refuses_a_bad_etcd_conf_with_its_own_words():
    tree = lab_tree()
    edited(tree, "node2", "/etc/etcd/etcd.conf", 'ETCD_NAME="etcd3"', 'ETCD_NAME="etcd9"')
    cluster = Cluster.from_files(tree)
    cluster.systemctl("node2", "start etcd --no-block")
    assert "C | etcdmain: couldn't find local name \"etcd9\" in the initial cluster configuration" in \
        cluster.logs("node2", "etcd")


# --- bad input ----------------------------------------------------------------------------------


def test_missing_environment_file_fails_the_unit_naming_the_file():
    tree = lab_tree()
    del tree["node1"]["/etc/sysconfig/flanneld"]
    cluster = Cluster.from_files(tree)
    assert cluster.systemctl("node1", "start flanneld") == (
        'Job for flanneld.service failed because of unavailable resources or another system error. '
        'See "systemctl status flanneld.service" and "journalctl -xe" for details.')
    log = cluster.logs("node1", "flanneld")
    assert "systemd[1]: Failed to load environment files: No such file or directory" in log
    assert "systemd[1]: flanneld.service failed to run 'start' task: No such file or directory" in log
    unit = cluster.boot.machines["node1"].units["flanneld"]
    assert unit.result == "resources" and unit.source == ("/etc/sysconfig/flanneld", "")
    assert unit.detail == ("Failed to load environment files: /etc/sysconfig/flanneld: No such file or directory "
                           "(/usr/lib/systemd/system/flanneld.service: EnvironmentFile=/etc/sysconfig/flanneld)")


def test_missing_unit_and_unknown_machine():
    cluster = Cluster.from_files(lab_tree())
    assert cluster.systemctl("master", "start kubelet") == "Failed to start kubelet.service: Unit not found."
    with pytest.raises(BootError, match=r"no machine 'node9' in this cluster \(machines: master \(127.0.0.11\), "):
        cluster.logs("node9", "kubelet")


def test_bad_trees():
    with pytest.raises(BootError, match="expected a tree"):
        Cluster.from_files({})
    with pytest.raises(BootError, match="node1: 'etc/x': expected an absolute path"):
        Cluster.from_files({"node1": {"etc/x": ""}})
    with pytest.raises(BootError, match="node1: cannot tell this machine's address"):
        Cluster.from_files({"node1": {"/etc/kubernetes/config": ""}})
    with pytest.raises(ValueError, match="kubernetes_version 'one': expected vMAJOR.MINOR"):
        Cluster.from_files(lab_tree(), kubernetes_version="one")


def test_a_folder_as_k8scourse_gen_writes_it(tmp_path):
    ClusterSpec.loopback_lab().write(tmp_path)
    cluster = Cluster.from_files(tmp_path)
    assert sorted(cluster.boot.machines) == ["master", "node1", "node2"]
    assert cluster.boot.machines["node1"].address == "127.0.0.12"


def test_quickstart_has_no_machines():
    with pytest.raises(ValueError, match="logs\\(\\): this cluster has no machines"):
        Cluster.quickstart(nodes=1).logs("node-1", "kubelet")


def test_from_spec_with_a_learners_files_and_a_stranger():
    spec = ClusterSpec.loopback_lab().with_changes(etcd_version="3.3.11")
    tree = spec.render_all()
    edited(tree, "node2", "/etc/kubernetes/kubelet", "--hostname-override=127.0.0.13",
           "--hostname-override=127.0.0.99")
    cluster = Cluster.from_spec(spec, files=tree)
    assert cluster.boot.machines["node2"].address == "127.0.0.13"  # the spec's, not the override's
    assert sorted(n["metadata"]["name"] for n in cluster.api.list("nodes")) == ["127.0.0.12", "127.0.0.99"]
    tree["node7"] = dict(tree["node1"])
    with pytest.raises(BootError, match=r"node7: no machine of that name in the spec \(its machines: master, node1, "
                                        r"node2\)"):
        Cluster.from_spec(spec, files=tree)


def test_systemctl_exit_codes_enable_and_the_transcript():
    cluster = Cluster.from_spec(ClusterSpec.seed_lab().with_changes(etcd_version="3.4"))  # the notes' files today
    assert cluster.systemctl("node1", "is-active kubelet").exit_code == 0
    assert cluster.systemctl("node1", "is-active flanneld").exit_code == 3
    missing = cluster.systemctl("node1", "start kube-apiserver")
    assert (missing, missing.exit_code) == ("Failed to start kube-apiserver.service: Unit not found.", 5)
    assert cluster.systemctl("node1", "reload kubelet") == "Unknown operation 'reload'."
    assert "kubelet.service; enabled; vendor preset: disabled)" in cluster.systemctl("node1", "status kubelet")
    assert cluster.systemctl("node1", "disable kubelet") == \
        "Removed symlink /etc/systemd/system/multi-user.target.wants/kubelet.service."
    # the notes' steps as from_spec ran them: the etcdctl mk that etcd 3.4 refuses, flanneld's start that timed out
    steps = cluster.boot.transcript
    assert ("master", "ETCDCTL_API=2 etcdctl --endpoints=http://192.168.197.130:2379 mk /atomic.io/network/config "
            "'{\"Network\": \"172.17.0.0/16\", \"SubnetLen\": 24, \"Backend\": {\"Type\": \"udp\"}}'",
            "Error:  client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint") \
        in steps
    assert ("node1", "systemctl start flanneld&&systemctl enable flanneld",
            'Job for flanneld.service failed because a timeout was exceeded. See "systemctl status flanneld.service" '
            'and "journalctl -xe" for details.') in steps
    assert cluster.boot.unit_states()["master"] == {"etcd": "active", "kube-apiserver": "active",
                                                    "kube-controller-manager": "active", "kube-scheduler": "active"}


def test_a_line_that_is_no_assignment_is_skipped_with_systemds_warning():
    tree = lab_tree()
    tree["node1"]["/etc/kubernetes/kubelet"] += "--node-labels=disk=ssd\n"
    cluster = start_all(Cluster.from_files(tree))
    assert ("systemd[1]: Ignoring invalid environment assignment '--node-labels=disk=ssd': /etc/kubernetes/kubelet"
            in cluster.logs("node1", "kubelet"))
    assert cluster.systemctl("node1", "is-active kubelet") == "active"


def test_kubectl_needs_the_masters_apiserver():
    cluster = Cluster.from_files(lab_tree())
    refused = cluster.kubectl("get nodes")
    assert (refused, refused.exit_code) == ("The connection to the server 127.0.0.11:6443 was refused - did you "
                                            "specify the right host or port?", 1)
    seed = Cluster.from_spec(ClusterSpec.seed_lab())  # the notes' kubectl on the master: localhost:8080 answers
    assert seed.kubectl("get nodes").exit_code == 0
    seed.systemctl("master", "stop kube-apiserver")
    assert seed.kubectl("get pods") == ("The connection to the server localhost:8080 was refused - did you specify "
                                        "the right host or port?")


def test_a_bad_port_is_pflags_error():
    tree = lab_tree()
    edited(tree, "master", "/etc/kubernetes/apiserver", "--secure-port=6443", "--secure-port=six")
    cluster = Cluster.from_files(tree)
    cluster.systemctl("master", "start kube-apiserver")
    assert ('Error: invalid argument "six" for "--secure-port" flag: strconv.ParseInt: parsing "six": invalid syntax'
            in cluster.logs("master", "kube-apiserver"))


def test_a_missing_kubeconfig_stops_the_kubelet():
    tree = lab_tree()
    del tree["node1"]["/etc/kubernetes/kubelet.kubeconfig"]
    cluster = Cluster.from_files(tree)
    cluster.systemctl("node1", "start kubelet")
    assert ('"command failed" err="failed to run Kubelet: invalid kubeconfig: stat /etc/kubernetes/kubelet.kubeconfig: '
            'no such file or directory"') in cluster.logs("node1", "kubelet")


def test_the_notes_files_on_todays_packages():
    cluster = Cluster.from_spec(ClusterSpec.seed_lab(), kubernetes_version="v1.31.0")
    states = cluster.boot.unit_states()
    assert states["master"]["etcd"] == "active"
    assert {states[m][d] for m, d in [("master", "kube-apiserver"), ("master", "kube-scheduler"),
                                      ("node1", "kubelet"), ("node1", "kube-proxy")]} == {"failed"}
    assert cluster.api.list("nodes") == []
    assert ": Error: unknown flag: --logtostderr" in cluster.logs("master", "kube-controller-manager")


def test_pflag_stops_at_the_first_unknown_flag_so_fixes_reveal_the_next():
    tree = ClusterSpec.seed_lab().render_all()
    edited(tree, "node1", "/etc/kubernetes/config", 'KUBE_LOGTOSTDERR="--logtostderr=true"', "")
    cluster = Cluster.from_files(tree, kubernetes_version="v1.31.0")
    cluster.systemctl("node1", "start kubelet")
    assert "failed to parse kubelet flag: unknown flag: --api-servers" in cluster.logs("node1", "kubelet")


def test_a_refused_flag_is_traced_to_its_file_and_key():
    cluster = Cluster.from_files(ClusterSpec.seed_lab().render_all(), kubernetes_version="v1.31.0")
    cluster.systemctl("node1", "start kubelet")
    unit = cluster.boot.machines["node1"].units["kubelet"]
    assert unit.source == ("/etc/kubernetes/config", "KUBE_LOGTOSTDERR")
    assert unit.detail == '"command failed" err="failed to parse kubelet flag: unknown flag: --logtostderr"'


def test_misbehaving_daemons_name_the_file_and_key_behind_it():
    seed = Cluster.from_spec(ClusterSpec.seed_lab())
    kubelet = seed.boot.machines["node1"].units["kubelet"]
    assert kubelet.state == "active"  # it runs, but cannot register
    assert kubelet.source == ("/etc/kubernetes/kubelet", "KUBELET_API_SERVER")
    assert kubelet.detail.startswith("Unable to register node with API server: Post "
                                      "http://192.168.197.130:8080/api/v1/nodes: dial tcp 192.168.197.130:8080")
    tree = lab_tree()
    edited(tree, "node2", "/etc/etcd/etcd.conf", 'ETCD_NAME="etcd3"', 'ETCD_NAME="etcd9"')
    cluster = start_all(Cluster.from_files(tree))
    etcd = cluster.boot.machines["node2"].units["etcd"]
    assert etcd.source == ("/etc/etcd/etcd.conf", "ETCD_NAME")
    assert cluster.boot.machines["node1"].units["kubelet"].source is None  # registered: nothing to blame


def test_flanneld_without_its_config_blames_the_prefix_and_without_v2_the_endpoints():
    cluster = start_all(Cluster.from_files(lab_tree()), config=None, wait=2)
    unit = cluster.boot.machines["node1"].units["flanneld"]
    assert unit.source == ("/etc/sysconfig/flanneld", "FLANNEL_ETCD_PREFIX")
    assert unit.detail.startswith("Couldn't fetch network config: 100: Key not found (/atomic.io)")
    cluster = start_all(Cluster.from_files(lab_tree(v2=False)), config=None, wait=2)
    assert cluster.boot.machines["node1"].units["flanneld"].source == ("/etc/sysconfig/flanneld",
                                                                       "FLANNEL_ETCD_ENDPOINTS")


def test_the_tree_holds_what_the_daemons_wrote():
    cluster = start_all(Cluster.from_files(lab_tree()))
    env = cluster.boot.tree["node1"]["/run/flannel/subnet.env"]
    assert env.startswith("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.")


def test_a_lone_etcd_member_waits_for_its_peers_as_etcd_does():
    cluster = Cluster.from_files(lab_tree())
    assert cluster.systemctl("master", "start etcd").startswith("Job for etcd.service failed because a timeout "
                                                                "was exceeded.")
    log = cluster.logs("master", "etcd")
    assert "W | rafthttp: health check for peer 1abae318bc589329 could not connect: dial tcp 127.0.0.12:2380: " \
           "connect: connection refused" in log
    assert "E | etcdserver: publish error: etcdserver: request timed out" in log
    assert re.search(r"raft2025/01/01 00:00:\d\d INFO: 5783384be9eeae8f became candidate at term 2\n", log)
    assert cluster.systemctl("node1", "start etcd") == ""  # two of three: a quorum, both publish
    assert cluster.boot.unit_states()["master"]["etcd"] == "active"


def test_flags_parse_as_pflag_does():
    from k8scourse.boot.flags import FlagError, parse
    line = parse("kube-apiserver", "v1.31.0", ["--etcd-servers", "http://127.0.0.11:2379", "--allow-privileged",
                                               "--v=2", "--secure-port=6443"])
    assert line.flags == {"etcd-servers": "http://127.0.0.11:2379", "allow-privileged": "true", "v": "2",
                          "secure-port": "6443"}
    with pytest.raises(FlagError, match="^Error: unknown flag: --insecure-bind-address$"):
        parse("kube-apiserver", "v1.31.0", ["--insecure-bind-address=127.0.0.1"])
    with pytest.raises(FlagError, match="^unknown flag: --enable-admission-plugins$"):  # came in v1.10
        parse("kube-apiserver", "v1.5.2", ["--enable-admission-plugins=NodeRestriction"])


def test_repairing_the_notes_cluster_file_by_file():
    cluster = Cluster.from_spec(ClusterSpec.seed_lab().with_changes(etcd_version="3.3.11"))  # etcd 3.3: v2 on
    assert cluster.api.list("nodes") == []
    edited(cluster.boot.tree, "master", "/etc/kubernetes/apiserver", "--insecure-bind-address=127.0.0.1",
           "--insecure-bind-address=0.0.0.0")
    assert cluster.systemctl("master", "restart kube-apiserver") == ""
    cluster.run(10)  # the kubelets retry every 7 s at most
    assert sorted(n["metadata"]["name"] for n in cluster.api.list("nodes")) == ["192.168.197.131", "192.168.197.132"]
    assert "Serving insecurely on 0.0.0.0:8080" in cluster.logs("master", "kube-apiserver")


def test_a_changed_unit_file_needs_daemon_reload():
    cluster = Cluster.from_files(lab_tree())
    path = "/usr/lib/systemd/system/kubelet.service"
    edited(cluster.boot.tree, "node1", path, "Restart=on-failure", "Restart=no")
    assert cluster.systemctl("node1", "start kubelet") == ("Warning: kubelet.service changed on disk. Run "
                                                           "'systemctl daemon-reload' to reload units.")
    assert cluster.systemctl("node1", "daemon-reload") == ""
    assert cluster.boot.machines["node1"].units["kubelet"].restart == "no"


def test_a_stray_line_in_etcd_conf_is_skipped_as_systemd_does():
    tree = lab_tree()
    tree["node1"]["/etc/etcd/etcd.conf"] += "--enable-v2\n"
    cluster = start_all(Cluster.from_files(tree))
    assert ("systemd[1]: Ignoring invalid environment assignment '--enable-v2': /etc/etcd/etcd.conf"
            in cluster.logs("node1", "etcd"))
    assert cluster.boot.unit_states()["node1"]["etcd"] == "active"


def test_a_repaired_etcd_member_joins():
    tree = lab_tree()
    edited(tree, "node2", "/etc/etcd/etcd.conf", 'ETCD_NAME="etcd3"', 'ETCD_NAME="etcd9"')
    cluster = start_all(Cluster.from_files(tree))
    assert "started, etcd3" not in cluster.etcdctl("member list --endpoints=http://127.0.0.11:2379")
    edited(cluster.boot.tree, "node2", "/etc/etcd/etcd.conf", 'ETCD_NAME="etcd9"', 'ETCD_NAME="etcd3"')
    assert cluster.systemctl("node2", "restart etcd") == ""
    assert "started, etcd3" in cluster.etcdctl("member list --endpoints=http://127.0.0.11:2379")


def test_a_member_whose_cluster_disagrees_is_refused():
    tree = lab_tree()
    edited(tree, "node2", "/etc/etcd/etcd.conf", ",etcd2=http://127.0.0.12:2380", "")
    cluster = Cluster.from_files(tree)
    for machine in ("master", "node1", "node2"):
        cluster.systemctl(machine, "start etcd --no-block")
    cluster.run(3)
    unit = cluster.boot.machines["node2"].units["etcd"]
    assert unit.state == "failed" and unit.source == ("/etc/etcd/etcd.conf", "ETCD_INITIAL_CLUSTER")
    assert cluster.boot.machines["master"].units["etcd"].state == "active"  # two of three: a quorum


def test_the_members_majority_decides_the_cluster():
    tree = lab_tree()
    edited(tree, "master", "/etc/etcd/etcd.conf", ",etcd2=http://127.0.0.12:2380", "")
    cluster = Cluster.from_files(tree)
    assert sorted(cluster.boot.raft.members) == ["etcd1", "etcd2", "etcd3"]


def test_the_kubelets_pause_image_comes_from_its_flag():
    spec = ClusterSpec.seed_lab().with_changes(apiserver_bind_address="0.0.0.0", etcd_version="3.3.11")
    cluster = Cluster.from_spec(spec)
    kubelet = cluster.kubelets["192.168.197.131"]
    assert kubelet.runtime.sandbox_image == "registry.access.redhat.com/rhel7/pod-infrastructure:latest"


def test_a_broken_kubeconfig_is_one_line_of_the_kubelets_log():
    tree = lab_tree()
    tree["node1"]["/etc/kubernetes/kubelet.kubeconfig"] = "clusters: [a\n"
    cluster = Cluster.from_files(tree)
    cluster.systemctl("node1", "start kubelet")
    assert ('"command failed" err="failed to run Kubelet: invalid kubeconfig: error loading config file '
            '\\"/etc/kubernetes/kubelet.kubeconfig\\": yaml: line 2: did not find expected \',\' or \']\'"'
            in cluster.logs("node1", "kubelet"))


# --- an etcd cluster without a quorum, a missing etcd.conf, members known by ID ---------------------------


def two_members_refused() -> dict:
    """The loopback lab with node1's and node2's ETCD_INITIAL_CLUSTER naming a member nobody runs."""
    tree = lab_tree()
    for node in ("node1", "node2"):
        edited(tree, node, "/etc/etcd/etcd.conf", 'ETCD_INITIAL_CLUSTER="', 'ETCD_INITIAL_CLUSTER="bad,')
    return tree


def test_without_a_quorum_the_components_log_their_timeouts_and_nothing_raises():
    cluster = Cluster.from_spec(ClusterSpec.loopback_lab(), files=two_members_refused())
    cluster.run(60)
    states = cluster.boot.unit_states()
    assert states["node1"]["etcd"] == states["node2"]["etcd"] == "failed"
    assert states["master"]["kube-controller-manager"] == "active"  # it runs and keeps trying to lead
    timeout = "etcdserver: request timed out"
    assert (f"leaderelection.go:0] error initially creating leader election record: {timeout}"
            in cluster.logs("master", "kube-controller-manager"))
    assert ('status.go:71] "Unhandled Error" err="apiserver received an error that is not an metav1.Status: '
            'rpctypes.EtcdError{code:0xe, desc:\\"etcdserver: request timed out\\"}: etcdserver: request timed out" '
            'logger="UnhandledError"') in cluster.logs("master", "kube-apiserver")
    assert f'"Unable to register node with API server" err="{timeout}"' in cluster.logs("node1", "kubelet")
    assert cluster.api.list("nodes") == []
    assert "Job for etcd.service failed because a timeout was exceeded." in "\n".join(
        printed for machine, _, printed in cluster.boot.transcript if machine == "master")


def test_a_leader_that_loses_the_quorum_loses_its_lease_and_exits():
    cluster = start_all(Cluster.from_files(lab_tree()))
    cluster.apply(WEB)
    cluster.run(5)
    cluster.systemctl("node1", "stop etcd")
    cluster.systemctl("node2", "stop etcd")
    cluster.run(30)
    log = cluster.logs("master", "kube-controller-manager")
    assert "Failed to update lock optimitically: etcdserver: request timed out, falling back to slow path" in log
    assert 'controllermanager.go:0] "leaderelection lost"' in log
    assert "kube-controller-manager.service: main process exited, code=exited, status=1/FAILURE" in log
    assert "leaderelection.go:0] Failed to update lock: etcdserver: request timed out" in log.rsplit("Starting", 1)[1]
    assert '"Leaderelection lost"' in cluster.logs("master", "kube-scheduler")
    assert str(cluster.kubectl("scale deployment web --replicas=6")).strip() == ("Error from server: etcdserver: "
                                                                                 "request timed out")
    assert cluster.systemctl("node1", "start etcd") == ""  # the quorum is back: the next retry leads again
    cluster.run(40)
    assert cluster.logs("master", "kube-controller-manager").endswith(
        "successfully acquired lease kube-system/kube-controller-manager")


def test_a_missing_etcd_conf_fails_etcd_as_the_unit_runs_it_without_one():
    spec = ClusterSpec.loopback_lab()
    tree = lab_tree()
    del tree["node1"]["/etc/etcd/etcd.conf"]
    cluster = Cluster.from_spec(spec, files=tree)  # EnvironmentFile=-/etc/etcd/etcd.conf: systemd goes on
    unit = cluster.boot.machines["node1"].units["etcd"]
    assert unit.state == "failed" and unit.source == ("/etc/etcd/etcd.conf", "")
    assert "/etc/etcd/etcd.conf is missing" in unit.detail
    log = cluster.logs("node1", "etcd")
    assert ("E | etcdmain: error verifying flags, --advertise-client-urls is required when --listen-client-urls is "
            "set explicitly. See 'etcd --help'.") in log
    assert "etcd Version" not in log  # etcd checks its flags before anything else
    assert cluster.boot.unit_states()["master"]["etcd"] == "active"  # two of three: a quorum
    [finding] = [f for f in cluster.doctor() if f.machine == "node1" and f.code == "unit-failed"]
    assert (finding.path, finding.key) == ("/etc/etcd/etcd.conf", "etcd")
    assert finding.message.startswith("etcd failed and is not running: /etc/etcd/etcd.conf is missing")
    cluster.boot.tree["node1"]["/etc/etcd/etcd.conf"] = lab_tree()["node1"]["/etc/etcd/etcd.conf"]
    assert cluster.systemctl("node1", "restart etcd") == ""  # the file is back: the member joins
    assert "started, etcd2" in cluster.etcdctl("member list --endpoints=http://127.0.0.11:2379")


def test_a_missing_environment_file_without_dash_is_systemds_refusal():
    tree = lab_tree()
    for machine in tree.values():
        machine["/usr/lib/systemd/system/etcd.service"] = machine["/usr/lib/systemd/system/etcd.service"].replace(
            "EnvironmentFile=-/etc/etcd/etcd.conf", "EnvironmentFile=/etc/etcd/etcd.conf")
    del tree["node2"]["/etc/etcd/etcd.conf"]
    cluster = Cluster.from_spec(ClusterSpec.loopback_lab(), files=tree)
    unit = cluster.boot.machines["node2"].units["etcd"]
    assert unit.state == "failed" and unit.source == ("/etc/etcd/etcd.conf", "")
    assert "Failed to load environment files: No such file or directory" in cluster.logs("node2", "etcd")


def test_a_member_named_like_another_is_still_the_member_its_urls_make_it():
    # etcd 3.4.23 on loopback: a member whose ETCD_INITIAL_CLUSTER swaps two names (and whose ETCD_NAME follows)
    # has the same member IDs (from peer URLs): it runs, and member list shows the name each one published.
    tree = lab_tree()
    edited(tree, "node2", "/etc/etcd/etcd.conf", "etcd2=http://127.0.0.12:2380,etcd3=http://127.0.0.13:2380",
           "etcd2=http://127.0.0.13:2380,etcd3=http://127.0.0.12:2380")
    edited(tree, "node2", "/etc/etcd/etcd.conf", 'ETCD_NAME="etcd3"', 'ETCD_NAME="etcd2"')
    cluster = start_all(Cluster.from_files(tree))
    assert {m: s["etcd"] for m, s in cluster.boot.unit_states().items()} == dict.fromkeys(
        ("master", "node1", "node2"), "active")
    rows = str(cluster.etcdctl("member list --endpoints=http://127.0.0.11:2379")).splitlines()
    assert [row.split(", ")[1:4] for row in rows] == [["started", "etcd1", "http://127.0.0.11:2380"],
                                                      ["started", "etcd2", "http://127.0.0.12:2380"],
                                                      ["started", "etcd2", "http://127.0.0.13:2380"]]
    assert len({row.split(", ")[0] for row in rows}) == 3


def test_a_name_missing_from_the_initial_cluster_is_etcds_refusal():
    tree = lab_tree()
    edited(tree, "node2", "/etc/etcd/etcd.conf", 'ETCD_NAME="etcd3"', 'ETCD_NAME="etcd9"')
    cluster = start_all(Cluster.from_files(tree))
    assert ('C | etcdmain: couldn\'t find local name "etcd9" in the initial cluster configuration'
            in cluster.logs("node2", "etcd"))
    assert cluster.boot.unit_states()["node2"]["etcd"] == "failed"


def test_systemctl_status_of_a_failed_unit_is_systemds():
    cluster = Cluster.from_files(lab_tree())
    cluster.systemctl("master", "start etcd")
    status = str(cluster.systemctl("master", "status etcd")).splitlines()
    assert status[2].startswith("   Active: activating (start) since ") or status[2].startswith(
        "   Active: failed (Result: timeout) since ")
    cluster.systemctl("master", "stop etcd")
    stopped = str(cluster.systemctl("master", "status etcd")).splitlines()
    assert stopped[2].startswith("   Active: inactive (dead) since ")
    tree = lab_tree()
    edited(tree, "node1", "/usr/lib/systemd/system/etcd.service", "Restart=on-failure", "Restart=no")
    cluster = Cluster.from_files(tree)
    assert cluster.systemctl("node1", "start etcd").startswith("Job for etcd.service failed because a timeout")
    assert str(cluster.systemctl("node1", "status etcd")).splitlines()[2] == (
        "   Active: failed (Result: timeout) since Wed 2025-01-01 00:01:30 UTC; 0s ago")


def test_nodes_report_the_version_their_units_run():
    cluster = Cluster.from_spec(ClusterSpec.seed_lab())
    edited(cluster.boot.tree, "master", "/etc/kubernetes/apiserver", "--insecure-bind-address=127.0.0.1",
           "--insecure-bind-address=0.0.0.0")
    cluster.systemctl("master", "restart kube-apiserver")
    cluster.run(10)
    assert [line.split()[-1] for line in str(cluster.kubectl("get nodes")).splitlines()] == ["VERSION", "v1.5.2",
                                                                                           "v1.5.2"]
    info = cluster.api.list("nodes")[0]["status"]["nodeInfo"]
    assert (info["kubeletVersion"], info["kubeProxyVersion"]) == ("v1.5.2", "v1.5.2")
    modern = start_all(Cluster.from_files(lab_tree()))
    info = modern.api.list("nodes")[0]["status"]["nodeInfo"]
    assert (info["kubeletVersion"], info["kubeProxyVersion"]) == ("v1.31.0", "")  # DisableNodeKubeProxyVersion


def test_flannel_network_is_what_flanneld_read_or_none():
    import ipaddress
    tree = edited(lab_tree(), "node1", "/etc/kubernetes/proxy", " --cluster-cidr=10.244.0.0/16", "")
    cluster = Cluster.from_files(tree)
    assert cluster.boot.flannel_network() is None
    assert not hasattr(cluster.boot, "network_cidr")
    start_all(cluster)
    assert cluster.boot.flannel_network() == ipaddress.ip_network("10.244.0.0/16")
    assert cluster.kube_proxies["127.0.0.12"].cluster_cidr == "10.244.0.0/16"  # the model's stand-in for the flag
    tree = edited(lab_tree(), "node1", "/etc/kubernetes/proxy", " --cluster-cidr=10.244.0.0/16", "")
    unflannelled = start_all(Cluster.from_files(tree), config=None)
    assert unflannelled.boot.flannel_network() is None
    assert unflannelled.kube_proxies["127.0.0.12"].cluster_cidr == ""  # no flag, no flannel network: no masquerade
    assert "! -s" not in unflannelled.kube_proxies["127.0.0.12"].iptables_save()


def test_the_etcd_version_decides_whether_v2_is_on_by_default():
    for version, served in (("3.3.11", True), ("3.4", False)):
        cluster = Cluster.from_files(lab_tree(v2=False), etcd_version=version)
        for machine in cluster.boot.machines:
            cluster.systemctl(machine, "start etcd --no-block")
        cluster.run(3)
        mk = cluster.etcdctl("ETCDCTL_API=2 etcdctl --endpoints=http://127.0.0.11:2379 mk /a b")
        assert (str(mk) == "b") is served
        assert f"etcd Version: {'3.3.11' if served else '3.4.23'}" in cluster.logs("master", "etcd")
    with pytest.raises(BootError, match=r"^etcd_version 'three': expected MAJOR.MINOR\[.PATCH\], e.g. 3.4 or 3.3.11$"):
        Cluster.from_files(lab_tree(), etcd_version="three")
