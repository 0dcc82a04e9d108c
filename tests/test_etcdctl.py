"""cluster.etcdctl: etcdctl 3.4's v2 and v3 commands, printing what etcdctl 3.4.23 prints.

The expected texts were copied from the real etcdctl 3.4.23 against etcd 3.4.23 on
127.0.0.1 (``--enable-v2`` for the v2 ones); member IDs are etcd's own
(sha1 of the peer URLs and the cluster token)."""

import pytest

from k8scourse.boot.etcdctl import cluster_id, member_id
from k8scourse.cluster import Cluster
from k8scourse.config import ClusterSpec

CONFIG = '{"Network":"172.17.0.0/16"}'


def boot(v2: bool = True) -> Cluster:
    """The loopback lab's files, etcd started on every member (with --enable-v2 when ``v2``)."""
    tree = ClusterSpec.loopback_lab().render_all()
    if v2:
        for files in tree.values():
            files["/etc/etcd/etcd.conf"] += 'ETCD_ENABLE_V2="true"\n'
    cluster = Cluster.from_files(tree)
    for machine in cluster.boot.machines:
        cluster.systemctl(machine, "start etcd --no-block")
    cluster.run(3)
    return cluster


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return boot()


EP = "--endpoints=http://127.0.0.11:2379"


def v2(cluster: Cluster, command: str):
    return cluster.etcdctl(f"ETCDCTL_API=2 etcdctl {EP} {command}")


def test_member_id_and_cluster_id_are_etcds():
    # etcd 3.4.23 with --initial-cluster e1=http://127.0.0.1:23800 logs
    # "starting member 2e1259d415f2a040 in cluster 48276a8f75b6a87"
    assert member_id(["http://127.0.0.1:23800"]) == "2e1259d415f2a040"
    assert cluster_id(["2e1259d415f2a040"]) == "48276a8f75b6a87"


def test_v2_mk_get_and_errors(cluster):
    result = v2(cluster, f"mk /atomic.io/network/config '{CONFIG}'")
    assert (result, result.exit_code) == (CONFIG, 0)
    again = v2(cluster, "mk /atomic.io/network/config x")
    assert again.startswith("Error:  105: Key already exists (/atomic.io/network/config) [")
    assert again.exit_code == 4
    assert v2(cluster, "get /atomic.io/network/config") == CONFIG
    missing = v2(cluster, "get /atomic.io/network/nope")
    assert missing.startswith("Error:  100: Key not found (/atomic.io/network/nope) [") and missing.exit_code == 4
    directory = v2(cluster, "get /atomic.io")
    assert (directory, directory.exit_code) == ("/atomic.io: is a directory", 1)


def test_v2_set_ls_update_rm(cluster):
    assert v2(cluster, "set /a/b c") == "c"
    assert v2(cluster, "ls /") == "/a\n/atomic.io"
    assert v2(cluster, "ls --recursive /a") == "/a/b"
    assert v2(cluster, "update /a/b d") == "d"
    assert v2(cluster, "update /a/zz d").startswith("Error:  100: Key not found (/a/zz) [")
    assert v2(cluster, "rm /a/b") == "PrevNode.Value: d"
    assert v2(cluster, "rm /a").startswith("Error:  102: Not a file (/a) [")
    unknown = v2(cluster, "frob")
    assert (unknown, unknown.exit_code) == ("No help topic for 'frob'", 3)


def test_v2_and_v3_keys_are_separate(cluster):
    v2(cluster, "set /only/v2 yes")
    assert cluster.etcdctl(f"{EP} get /only/v2") == ""
    assert cluster.etcdctl(f"{EP} put /only/v3 yes") == "OK"
    assert v2(cluster, "get /only/v3").startswith("Error:  100: Key not found (/only/v3) [")


def test_v3_put_get_del(cluster):
    assert cluster.etcdctl(f"{EP} put /demo/x hello") == "OK"
    assert cluster.etcdctl(f"etcdctl {EP} get /demo/x") == "/demo/x\nhello"
    assert cluster.etcdctl(f"{EP} get /demo --prefix --keys-only") == "/demo/x\n"
    assert cluster.etcdctl(f"{EP} get /nope") == ""
    assert cluster.etcdctl(f"{EP} del /demo/x") == "1"
    assert cluster.etcdctl(f"{EP} del /demo/x") == "0"
    usage = cluster.etcdctl(f"{EP} put a")
    assert (usage, usage.exit_code) == ("Error: put command needs 1 argument and input from stdin or 2 arguments", 128)
    unknown = cluster.etcdctl(f"{EP} frob")
    assert unknown == 'Error: unknown command "frob" for "etcdctl"\nRun \'etcdctl --help\' for usage.'
    assert unknown.exit_code == 1


def test_member_list_v3_and_v2(cluster):
    ids = [member_id([f"http://127.0.0.{n}:2380"]) for n in (11, 12, 13)]
    assert cluster.etcdctl(f"{EP} member list").splitlines()[0] == \
        f"{ids[0]}, started, etcd1, http://127.0.0.11:2380, http://127.0.0.11:2379, false"
    lines = v2(cluster, "member list").splitlines()
    leader = cluster.boot.raft.leader()
    assert lines[1] == (f"{ids[1]}: name=etcd2 peerURLs=http://127.0.0.12:2380 clientURLs=http://127.0.0.12:2379 "
                        f"isLeader={'true' if leader == 'etcd2' else 'false'}")


def test_health(cluster):
    health = cluster.etcdctl(f"{EP} endpoint health")
    assert health.startswith("http://127.0.0.11:2379 is healthy: successfully committed proposal: took = ")
    assert health.endswith("ms")
    report = v2(cluster, "cluster-health").splitlines()
    assert report[0] == f"member {member_id(['http://127.0.0.11:2380'])} is healthy: got healthy result from " \
                        "http://127.0.0.11:2379"
    assert report[-1] == "cluster is healthy"


def test_default_endpoints_are_the_machines_loopback(cluster):
    refused = cluster.etcdctl("ETCDCTL_API=2 etcdctl get /a")  # the loopback lab's members listen on 127.0.0.1x only
    assert refused == ("Error:  client: etcd cluster is unavailable or misconfigured; error #0: dial tcp "
                       "127.0.0.1:2379: connect: connection refused; error #1: dial tcp 127.0.0.1:4001: connect: "
                       "connection refused\n\nerror #0: dial tcp 127.0.0.1:2379: connect: connection refused\n"
                       "error #1: dial tcp 127.0.0.1:4001: connect: connection refused\n")
    assert refused.exit_code == 4
    timeout = cluster.etcdctl("put a b")
    assert (timeout, timeout.exit_code) == ("Error: context deadline exceeded", 1)


def test_v2_off_without_enable_v2():
    cluster = boot(v2=False)
    result = v2(cluster, "mk /atomic.io/network/config x")
    assert result == ("Error:  client: response is invalid json. The endpoint is probably not valid etcd cluster "
                      "endpoint")
    assert result.exit_code == 4
    assert v2(cluster, "member list") == "unexpected status code 404"
    assert v2(cluster, "cluster-health") == "cluster may be unhealthy: failed to list members\n" \
                                            "Error:  unexpected status code 404"
    assert cluster.etcdctl(f"{EP} put k v") == "OK"  # v3 is always served


def test_a_stopped_member(cluster):
    cluster.systemctl("node2", "stop etcd")
    health = cluster.etcdctl("endpoint health --endpoints=http://127.0.0.13:2379")
    assert health == ("http://127.0.0.13:2379 is unhealthy: failed to commit proposal: context deadline exceeded\n"
                      "Error: unhealthy cluster")
    cluster.run(3)  # the others elect a leader if it was the one
    report = v2(cluster, "cluster-health").splitlines()
    assert report[2] == f"member {member_id(['http://127.0.0.13:2380'])} is unreachable: [http://127.0.0.13:2379] " \
                        "are all unreachable"
    assert report[-1] == "cluster is degraded"
    assert "started, etcd3" in cluster.etcdctl(f"{EP} member list")  # still a member, published
    cluster.systemctl("node2", "start etcd")


def test_api_argument_and_bad_calls(cluster):
    assert cluster.etcdctl(f"{EP} get /atomic.io/network/config", api=2) == CONFIG
    with pytest.raises(ValueError, match="api: etcdctl speaks API 2 or 3"):
        cluster.etcdctl("get /a", api=4)
    with pytest.raises(TypeError, match="etcdctl\\(\\) takes a command line"):
        cluster.etcdctl(["get", "/a"])
    with pytest.raises(ValueError, match="etcdctl\\(\\): this cluster has no machines"):
        Cluster(seed=0).etcdctl("get /a")


def test_real_commands_the_model_does_not_run_are_a_clear_error(cluster):
    from k8scourse.boot.etcdctl import UnsupportedCommand
    with pytest.raises(UnsupportedCommand, match=r"etcdctl watch: the course's etcdctl \(API 3\) runs put, get, del, "
                                                 r"member list, endpoint health"):
        cluster.etcdctl(f"{EP} watch /a")
    with pytest.raises(UnsupportedCommand, match=r"etcdctl member add: the course's etcdctl \(API 2\) runs mk, "):
        v2(cluster, "member add etcd4 http://127.0.0.14:2380")


def test_command_line_mistakes(cluster):
    assert cluster.etcdctl("ETCDCTL_API=4 etcdctl get /a") == "unsupported API version 4"
    assert cluster.etcdctl("--endpoints http://127.0.0.11:2379 put /spaced yes") == "OK"
    with pytest.raises(ValueError, match="bash: unexpected EOF while looking for matching quote"):
        cluster.etcdctl("put /a 'oops")


def test_endpoint_health_cluster_checks_every_members_client_url():
    cluster = boot()
    lines = str(cluster.etcdctl(f"{EP} endpoint health --cluster")).splitlines()
    assert [line.split(" is ")[0] for line in lines] == [f"http://127.0.0.{n}:2379" for n in (11, 12, 13)]
    assert all(" is healthy: successfully committed proposal: took = " in line for line in lines)
    cluster.systemctl("node1", "stop etcd")
    health = cluster.etcdctl(f"{EP} endpoint health --cluster")
    lines = str(health).splitlines()  # the healthy answer in ms, the unhealthy one after the command timeout
    assert lines[0].startswith("http://127.0.0.11:2379 is healthy: ")
    assert lines[1].startswith("http://127.0.0.13:2379 is healthy: ")
    assert lines[2:] == ["http://127.0.0.12:2379 is unhealthy: failed to commit proposal: context deadline exceeded",
                         "Error: unhealthy cluster"]
    assert health.exit_code == 1
    refused = cluster.etcdctl("--endpoints=http://127.0.0.12:2379 endpoint health --cluster")
    assert (str(refused), refused.exit_code) == (
        "Error: failed to fetch endpoints from etcd cluster member list: context deadline exceeded", 1)
