"""lint: every check, with its exact message; the seed lab's known mistakes all found."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8scourse.config import ClusterSpec, Finding, lint
from k8scourse.config.etcd import EtcdConfig
from k8scourse.config.sysconfig import SysconfigFile


def codes(findings: list[Finding]) -> set[tuple[str, str, str]]:
    return {(f.machine, f.code, f.key) for f in findings}


@pytest.fixture(scope="module")
def seed():
    return lint(ClusterSpec.seed_lab().render_all())


def test_loopback_lab_is_clean_but_for_flannels_v2_api():
    for spec in (ClusterSpec.loopback_lab(3), ClusterSpec.loopback_lab(1)):
        found = lint(spec.render_all(), etcd_version=spec.etcd_version)
        assert {(f.path, f.key, f.severity, f.code) for f in found} == {
            ("/etc/etcd/etcd.conf", "ETCD_ENABLE_V2", "warning", "etcd-v2-off")}


def test_flanneld_on_etcd_3_4_needs_enable_v2_in_every_member():
    tree = ClusterSpec.loopback_lab(3).render_all()
    found = [f for f in lint(tree) if f.code == "etcd-v2-off"]  # no etcd version given: 3.4's defaults
    assert [(f.machine, f.path, f.key) for f in found] == [(m, "/etc/etcd/etcd.conf", "ETCD_ENABLE_V2")
                                                           for m in ("master", "node1", "node2")]
    assert found[0].message == ("flanneld reads its network config and leases through etcd's v2 API, which etcd 3.4 "
                                'and later serve only with ETCD_ENABLE_V2="true" (3.3 and before: on by default); '
                                "without it this member answers flanneld's v2 requests with 404")
    assert found[0].fix == 'set ETCD_ENABLE_V2="true" in every member\'s etcd.conf and restart etcd'
    assert [f for f in lint(tree, etcd_version="3.3.11") if f.code == "etcd-v2-off"] == []
    assert len([f for f in lint(tree, etcd_version="3.5.0") if f.code == "etcd-v2-off"]) == 3
    for files in tree.values():
        files["/etc/etcd/etcd.conf"] += 'ETCD_ENABLE_V2="true"\n'
    assert [f for f in lint(tree) if f.code == "etcd-v2-off"] == []
    without_flannel = {m: {p: t for p, t in f.items() if p != "/etc/sysconfig/flanneld"}
                       for m, f in ClusterSpec.loopback_lab(3).render_all().items()}
    assert [f for f in lint(without_flannel) if f.code == "etcd-v2-off"] == []
    with pytest.raises(ValueError, match=r"etcd_version 'three': expected MAJOR.MINOR\[.PATCH\]"):
        lint(tree, etcd_version="three")


def test_seed_lab_known_mistakes_all_found(seed):
    found = codes(seed)
    expected = {
        # the kubelets and kube-proxy call 192.168.197.130:8080; the apiserver binds 127.0.0.1
        ("node1", "unreachable", "KUBELET_API_SERVER"), ("node2", "unreachable", "KUBELET_API_SERVER"),
        ("node1", "unreachable", "KUBE_MASTER"), ("node2", "unreachable", "KUBE_MASTER"),
        ("master", "public-service-range", "KUBE_SERVICE_ADDRESSES"),
        ("master", "insecure-port", "KUBE_API_ADDRESS"),
        ("master", "insecure-etcd", "KUBE_ETCD_SERVERS"), ("node1", "insecure-etcd", "ETCD_LISTEN_CLIENT_URLS"),
        ("node1", "anonymous-kubelet", "KUBELET_ARGS"), ("node1", "kubelet-loopback", "KUBELET_ADDRESS"),
        ("node1", "single-etcd-endpoint", "FLANNEL_ETCD_ENDPOINTS"),
        ("master", "removed-flag", "KUBE_API_ADDRESS"), ("master", "removed-flag", "KUBE_API_PORT"),
        ("master", "deprecated-flag", "KUBELET_PORT"), ("master", "deprecated-flag", "KUBE_ADMISSION_CONTROL"),
        ("node1", "removed-flag", "KUBELET_API_SERVER"), ("node1", "deprecated-flag", "KUBELET_POD_INFRA_CONTAINER"),
        ("node1", "deprecated-flag", "KUBELET_ADDRESS"), ("node1", "removed-flag", "KUBE_ALLOW_PRIV"),
        ("master", "admission", "KUBE_ADMISSION_CONTROL"),
    }
    assert expected <= found
    assert not any(f.code == "etcd-startup" for f in seed)  # the notes' etcd.conf files do start


def test_unreachable_apiserver_message(seed):
    f = next(f for f in seed if f.machine == "node1" and f.code == "unreachable" and f.key == "KUBELET_API_SERVER")
    assert str(f) == ("node1:/etc/kubernetes/kubelet: KUBELET_API_SERVER: error: http://192.168.197.130:8080 is not "
                      "served: the apiserver on master (192.168.197.130) listens on 127.0.0.1:8080, 0.0.0.0:6443 "
                      "only (--insecure-bind-address)")
    assert f.fix == "bind the apiserver to 192.168.197.130 (or 0.0.0.0), or call an address it serves"


def test_legacy_flag_messages(seed):
    messages = {(f.machine, f.key): f.message for f in seed if f.code in ("removed-flag", "deprecated-flag")}
    assert messages["master", "KUBE_API_ADDRESS"] == (
        '--insecure-bind-address was deprecated in v1.10 and removed in v1.24: kube-apiserver v1.31.0 stops with '
        '"unknown flag: --insecure-bind-address"')
    assert messages["node1", "KUBELET_API_SERVER"] == (
        '--api-servers was deprecated in v1.4 and removed in v1.8: kubelet v1.31.0 stops with '
        '"unknown flag: --api-servers"')
    assert messages["master", "KUBE_ADMISSION_CONTROL"] == (
        "--admission-control was deprecated in v1.10 and still accepted, with a warning (kube-apiserver)")
    assert messages["node1", "KUBELET_POD_INFRA_CONTAINER"] == (
        "--pod-infra-container-image was deprecated in v1.24 and still accepted, with a warning (kubelet)")
    assert messages["node1", "KUBELET_ADDRESS"] == (
        "--address was deprecated in v1.10 and still accepted, with a warning (kubelet)")
    assert messages["node1", "KUBE_LOGTOSTDERR"] == (
        '--logtostderr was deprecated in v1.23 and removed in v1.26: kubelet, kube-proxy v1.31.0 stop with '
        '"unknown flag: --logtostderr"')


def test_flags_are_judged_against_the_version_asked_for():
    found = lint(ClusterSpec.seed_lab().render_all(), kubernetes_version="v1.5.2")
    assert not any(f.code == "removed-flag" for f in found)
    assert any(f.code == "deprecated-flag" and f.key == "KUBELET_API_SERVER" for f in found)


def test_one_machine_etcd_conf_with_etcds_messages():
    text = EtcdConfig.generate(ETCD_NAME="etcd9", ETCD_ELECTION_TIMEOUT="400", ETCD_BOGUS="1",
                               ETCD_INITIAL_CLUSTER="etcd1=http://localhost:2380").render()
    found = lint({"/etc/etcd/etcd.conf": text})
    assert [str(f) for f in found] == [
        "/etc/etcd/etcd.conf: ETCD_ELECTION_TIMEOUT: error: etcd refuses to start: error verifying flags, "
        "--election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]. See 'etcd --help'.",
        '/etc/etcd/etcd.conf: ETCD_NAME: error: etcd refuses to start: couldn\'t find local name "etcd9" in the '
        "initial cluster configuration",
        "/etc/etcd/etcd.conf: ETCD_BOGUS: warning: etcd ignores it: unrecognized environment variable ETCD_BOGUS=1",
    ]


def test_etcd_cluster_disagreements():
    tree = ClusterSpec.loopback_lab(3).render_all()
    node2 = EtcdConfig.parse(tree["node2"]["/etc/etcd/etcd.conf"])
    node2.file.set("ETCD_INITIAL_CLUSTER_TOKEN", "other")
    node2.file.set("ETCD_NAME", "etcd1")
    tree["node2"]["/etc/etcd/etcd.conf"] = node2.render()
    found = {(f.machine, f.code): f.message for f in lint(tree)}
    assert found["node2", "etcd-duplicate-name"] == "ETCD_NAME 'etcd1' is also master's"
    assert found["master", "etcd-token-mismatch"] == (
        "members use different ETCD_INITIAL_CLUSTER_TOKENs, so they compute different cluster IDs")
    assert found["node2", "etcd-startup"].startswith("etcd refuses to start: --initial-cluster has etcd1=")


def test_even_member_count_is_noted():
    found = lint(ClusterSpec.loopback_lab(4).render_all())
    assert [f.message for f in found if f.code == "etcd-even"] == [
        "4 members tolerate no more failures than 3: a quorum is 3"]


def test_ranges():
    spec = ClusterSpec.loopback_lab(3).with_changes(service_cidr="10.244.0.0/20")
    found = [f for f in lint(spec.render_all()) if f.code == "range-overlap"]
    assert found[0].message == ("the service range 10.244.0.0/20 overlaps flannel's pod network 10.244.0.0/16: "
                                "a service IP and a pod IP can be the same address")
    big = ClusterSpec.loopback_lab(3).with_changes(service_cidr="10.0.0.0/8")
    assert any(f.message == "specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask "
                            "must be >= 12" for f in lint(big.render_all()))
    bad = SysconfigFile.generate("/etc/kubernetes/apiserver", KUBE_SERVICE_ADDRESSES="--service-cluster-ip-range=10.1")
    assert [f.message for f in lint({"/etc/kubernetes/apiserver": bad.render()}) if f.code == "bad-cidr"] == [
        "--service-cluster-ip-range '10.1': '10.1' does not appear to be an IPv4 or IPv6 network"]


def test_flannel_network_config_errors():
    tree = ClusterSpec.loopback_lab(3).render_all()
    tree["master"]["/etcd-keys/atomic.io/network/config"] = '{"SubnetLen": 24}'
    assert [f.message for f in lint(tree) if f.code == "flannel-config"] == [
        "please define a correct Network parameter in the flannel config"]


def test_unknown_keys_and_unparsable_lines():
    found = lint({"/etc/kubernetes/kubelet": 'KUBELET_EXTRA="--v=2"\nnot an assignment\n'})
    assert [(f.code, f.message) for f in found] == [
        ("parse", "cannot read the file: line 2: 'not an assignment' is not KEY=value, a comment or blank")]
    found = lint({"/etc/kubernetes/proxy": 'KUBE_PROXY_EXTRA="--v=2"\n'})
    assert [(f.code, f.key, f.message) for f in found] == [
        ("unknown-key", "KUBE_PROXY_EXTRA", "no unit passes $KUBE_PROXY_EXTRA to its daemon, so it has no effect")]


def test_unreachable_etcd_and_unknown_address():
    tree = ClusterSpec.loopback_lab(3).render_all()
    flanneld = SysconfigFile.parse("/etc/sysconfig/flanneld", tree["node1"]["/etc/sysconfig/flanneld"])
    flanneld.file.set("FLANNEL_ETCD_ENDPOINTS", "http://127.0.0.11:4001,http://10.9.9.9:2379")
    tree["node1"]["/etc/sysconfig/flanneld"] = flanneld.render()
    messages = [f.message for f in lint(tree) if f.code == "unreachable"]
    assert messages == [
        "10.9.9.9:2379 (etcd member) is no machine's address in this cluster",
        "http://127.0.0.11:4001 is not served: the etcd member on master (127.0.0.11) listens on 127.0.0.11:2379 "
        "only (ETCD_LISTEN_CLIENT_URLS)",
    ]


def test_findings_have_every_field_and_a_known_severity(seed):
    for f in seed:
        assert f.severity in ("error", "warning", "info") and f.code and f.path and f.key and f.message and f.fix


def test_lint_refuses_what_is_not_files():
    with pytest.raises(TypeError, match="lint expects"):
        lint(["/etc/etcd/etcd.conf"])
    with pytest.raises(TypeError, match="not a mix"):
        lint({"a": "x", "b": {"/p": "y"}})


SEED_MESSAGES = [
    ("master", "insecure-etcd", "ETCD_LISTEN_CLIENT_URLS",
     "http://192.168.197.130:2379 is plain HTTP: clients (the apiserver, flanneld) talk to etcd unencrypted and "
     "unauthenticated, and anyone who reaches it can read every Secret"),
    ("master", "insecure-etcd", "ETCD_LISTEN_PEER_URLS",
     "http://192.168.197.130:2380 is plain HTTP: the members replicate every write to each other unencrypted, and "
     "anyone who reaches it can pose as a member"),
    ("master", "insecure-etcd", "KUBE_ETCD_SERVERS",
     "the apiserver stores the whole cluster, Secrets included, in etcd over plain HTTP (http://192.168.197.130:2379)"),
    ("master", "public-service-range", "KUBE_SERVICE_ADDRESSES",
     "192.254.0.0/16 is public address space, not private (RFC 1918): pods can no longer reach the real hosts in "
     "it, since kube-proxy captures those addresses"),
    ("master", "admission", "KUBE_ADMISSION_CONTROL",
     "NamespaceExists is deprecated: NamespaceLifecycle already refuses objects in a missing namespace"),
    ("master", "admission", "KUBE_ADMISSION_CONTROL",
     "ServiceAccount is not in --admission-control: pods get no service account or API token"),
    ("master", "insecure-port", "KUBE_API_ADDRESS",
     "the apiserver serves plain HTTP on 127.0.0.1:8080 with no authentication or authorization: whoever reaches "
     "it is cluster-admin"),
    ("node1", "kubelet-loopback", "KUBELET_ADDRESS",
     "the kubelet serves its API on 127.0.0.1 only: the apiserver cannot reach it, so kubectl logs, exec and "
     "port-forward fail for this node's pods"),
    ("node1", "anonymous-kubelet", "KUBELET_ARGS",
     "the kubelet answers anonymous requests (--anonymous-auth defaults to true, authorization to AlwaysAllow): "
     "anyone who reaches port 10250 can run commands in its pods"),
    ("node1", "single-etcd-endpoint", "FLANNEL_ETCD_ENDPOINTS",
     "flanneld asks only http://192.168.197.130:2379: when that member is down it cannot renew its subnet lease, "
     "though 3 members could answer"),
]


@pytest.mark.parametrize(("machine", "code", "key", "message"), SEED_MESSAGES)
def test_seed_lab_messages(seed, machine, code, key, message):
    assert any((f.machine, f.code, f.key, f.message) == (machine, code, key, message) for f in seed)


def test_duplicate_keys_and_mismatched_clusters():
    tree = ClusterSpec.loopback_lab(3).render_all()
    tree["node1"]["/etc/etcd/etcd.conf"] += 'ETCD_INITIAL_CLUSTER="etcd2=http://127.0.0.12:2380"\n'
    found = {(f.machine, f.code): f.message for f in lint(tree)}
    assert found["node1", "duplicate-key"] == "ETCD_INITIAL_CLUSTER is set twice; the last line wins"
    assert found["node1", "etcd-cluster-mismatch"] == (
        "this member's ETCD_INITIAL_CLUSTER differs from master's: the members will not agree on who is in the cluster")


def test_kubelet_configuration_defaults_close_anonymous_access():
    tree = ClusterSpec.loopback_lab(3).render_all()
    tree["node1"]["/var/lib/kubelet/config.yaml"] = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
    assert not any(f.code == "anonymous-kubelet" for f in lint(tree))
    tree["node1"]["/var/lib/kubelet/config.yaml"] += "authentication:\n  anonymous:\n    enabled: true\n"
    assert [f.machine for f in lint(tree) if f.code == "anonymous-kubelet"] == ["node1"]


def test_no_apiserver_on_the_machine_called():
    tree = ClusterSpec.loopback_lab(3).render_all()
    kubelet = SysconfigFile.parse("/etc/kubernetes/kubelet", tree["node1"]["/etc/kubernetes/kubelet"])
    kubelet.file.set("KUBELET_API_SERVER", "--api-servers=http://127.0.0.13:8080")
    tree["node1"]["/etc/kubernetes/kubelet"] = kubelet.render()
    assert [f.message for f in lint(tree) if f.code == "unreachable"] == [
        "http://127.0.0.13:8080 is not served: no apiserver runs on node2 (127.0.0.13)"]


def test_empty_etcd_values_are_noted():
    found = lint({"/etc/etcd/etcd.conf": 'ETCD_NAME=""\n'})
    assert [(f.code, f.message) for f in found if f.severity == "info"] == [
        ("etcd-empty", 'etcd ignores ETCD_NAME="": an empty value is no setting, so etcd uses its default (default)')]


SEED_TREE = ClusterSpec.seed_lab().render_all()
LINES = [(m, p, i) for m, files in SEED_TREE.items() for p, text in files.items()
         for i, line in enumerate(text.splitlines()) if "=" in line and not line.startswith("#")]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LINES), st.text(max_size=30)), min_size=1, max_size=4))
def test_lint_never_crashes_on_garbled_values(edits):
    """Any value anywhere replaced by any text: lint reports, it does not raise."""
    tree = {m: dict(files) for m, files in SEED_TREE.items()}
    for (machine, path, index), junk in edits:
        lines = tree[machine][path].splitlines()
        key = lines[index].split("=", 1)[0]
        lines[index] = f"{key}={junk}".replace("\n", " ").replace("\r", " ")
        tree[machine][path] = "\n".join(lines) + "\n"
    for finding in lint(tree):
        assert finding.severity in ("error", "warning", "info")


def test_unreadable_yaml_files_are_findings():
    tree = ClusterSpec.loopback_lab(3).render_all()
    tree["node1"]["/var/lib/kubelet/config.yaml"] = "- just\n- a list\n"
    tree["node2"]["/etc/kubernetes/kubelet.kubeconfig"] = "clusters: 5\n"
    found = [(f.machine, f.path, f.message) for f in lint(tree) if f.code == "parse"]
    assert found == [
        ("node1", "/var/lib/kubelet/config.yaml", "cannot read the file: a KubeletConfiguration is a YAML mapping"),
        ("node2", "/etc/kubernetes/kubelet.kubeconfig", "cannot read the file: clusters: expected a list of mappings"),
    ]
