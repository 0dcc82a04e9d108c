"""Each daemon accepts every flag its version defines (k8scourse.boot.flag_sets) and refuses the rest
with its own words; a deprecated flag is accepted with pflag's warning."""

import pytest

from k8scourse.boot.flag_sets import BOOLEAN, FLAG_SETS
from k8scourse.boot.flags import FlagError, parse
from k8scourse.cluster import Cluster
from k8scourse.config import ClusterSpec
from k8scourse.config.legacy import LEGACY_FLAGS

VALID_V1_31 = [
    ("kubelet", ["--max-pods=50"]),
    ("kube-apiserver", ["--audit-log-path=/var/log/kubernetes/audit.log", "--audit-log-maxage=30"]),
    ("kube-controller-manager", ["--node-monitor-grace-period=40s"]),
    ("kube-proxy", ["--proxy-mode=ipvs", "--ipvs-scheduler=rr"]),
    ("kube-scheduler", ["--profiling", "--leader-elect=false"]),
]


@pytest.mark.parametrize(("daemon", "argv"), VALID_V1_31)
def test_valid_flags_the_course_does_not_model_are_still_accepted(daemon, argv):
    line = parse(daemon, "v1.31.0", argv)
    for word in argv:
        name, _, value = word.lstrip("-").partition("=")
        assert line.get(name) == (value or "true")


@pytest.mark.parametrize(("daemon", "flag", "printed", "status"), [
    ("kubelet", "api-servers", '"command failed" err="failed to parse kubelet flag: unknown flag: --api-servers"', 1),
    ("kube-apiserver", "insecure-bind-address", "Error: unknown flag: --insecure-bind-address", 1),
    ("kube-apiserver", "port", "Error: unknown flag: --port", 1),
    ("kube-proxy", "logtostderr", "Error: unknown flag: --logtostderr", 1),
])
def test_removed_flags_are_refused_at_v1_31(daemon, flag, printed, status):
    with pytest.raises(FlagError) as refused:
        parse(daemon, "v1.31.0", [f"--{flag}=x"])
    assert refused.value.lines == [printed]
    assert refused.value.status == status


def test_the_notes_v1_5_kubelet_takes_api_servers_and_refuses_todays_flags():
    line = parse("kubelet", "v1.5.2", ["--api-servers=http://127.0.0.11:8080", "--logtostderr", "--max-pods", "40"])
    assert line.flags == {"api-servers": "http://127.0.0.11:8080", "logtostderr": "true", "max-pods": "40"}
    assert line.warnings == []  # no v1.31 deprecation notices on v1.5 binaries
    with pytest.raises(FlagError, match="^unknown flag: --bootstrap-kubeconfig$") as refused:
        parse("kubelet", "v1.5.2", ["--bootstrap-kubeconfig=/etc/kubernetes/bootstrap.kubeconfig"])
    assert refused.value.status == 2


def test_a_boolean_flag_alone_does_not_swallow_the_next_flag():
    line = parse("kube-controller-manager", "v1.31.0", ["--profiling", "--allocate-node-cidrs", "--cluster-cidr",
                                                        "10.244.0.0/16"])
    assert line.flags == {"profiling": "true", "allocate-node-cidrs": "true", "cluster-cidr": "10.244.0.0/16"}


def test_deprecated_flags_are_accepted_with_pflags_warning():
    line = parse("kubelet", "v1.31.0", ["--max-pods=50", "--v=2", "--pod-infra-container-image=pause:3.10"])
    assert line.warnings == [
        "Flag --max-pods has been deprecated, This parameter should be set via the config file specified by the "
        "Kubelet's --config flag. See https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/ for "
        "more information.",
        "Flag --pod-infra-container-image has been deprecated, will be removed in 1.35. Image garbage collector will "
        "get sandbox image information from CRI.",
    ]
    line = parse("kube-apiserver", "v1.31.0", ["--admission-control=NamespaceLifecycle"])
    assert line.warnings == ["Flag --admission-control has been deprecated, Use --enable-admission-plugins or "
                             "--disable-admission-plugins instead. Will be removed in a future version."]


def test_the_sets_agree_with_the_legacy_flags_table():
    for entry in LEGACY_FLAGS:
        for daemon in entry.daemons:
            assert (entry.flag.lstrip("-") in FLAG_SETS[(daemon, "v1.31")]) == (not entry.removed_by("v1.31.0")), \
                (daemon, entry.flag)
            if not entry.deprecated_by("v1.5.2"):
                assert entry.flag.lstrip("-") in FLAG_SETS[(daemon, "v1.5")], (daemon, entry.flag)


def test_every_boolean_flag_belongs_to_some_daemon():
    assert BOOLEAN <= frozenset().union(*FLAG_SETS.values())


def test_a_kubelet_with_max_pods_starts_and_journals_the_deprecation():
    tree = ClusterSpec.loopback_lab().render_all()
    path = next(p for p, text in tree["node1"].items() if "KUBELET_ARGS=" in text)
    tree["node1"][path] = tree["node1"][path].replace('KUBELET_ARGS="', 'KUBELET_ARGS="--max-pods=50 ')
    cluster = Cluster.from_files(tree)
    assert cluster.systemctl("node1", "start kubelet") == ""
    cluster.run(2)
    log = cluster.logs("node1", "kubelet")
    assert "unknown flag" not in log
    assert ": Flag --max-pods has been deprecated, This parameter should be set via the config file" in log
    assert cluster.systemctl("node1", "is-active kubelet") == "active"


def test_the_notes_kubelet_port_on_todays_apiserver_is_accepted_with_a_warning():
    line = parse("kube-apiserver", "v1.31.0", ["--kubelet-port=10250", "--secure-port=6443"])
    assert line.get("kubelet-port") == "10250"
    assert line.warnings == ["Flag --kubelet-port has been deprecated, kubelet-port is deprecated and will be removed."]


# Corrections from checking the sets against stored upstream option files (k8scourse.boot.flag_sets cites them).

def test_the_apiserver_warns_of_its_deprecated_storage_and_audit_flags():
    line = parse("kube-apiserver", "v1.31.0", ["--default-watch-cache-size=100",
                                               "--audit-webhook-batch-initial-backoff=10s"])
    assert line.warnings == [
        "Flag --default-watch-cache-size has been deprecated, watch caches are sized automatically and this flag "
        "will be removed in a future version",
        "Flag --audit-webhook-batch-initial-backoff has been deprecated, Deprecated, use "
        "--audit-webhook-initial-backoff instead.",
    ]


def test_the_apiserver_refuses_flags_from_after_v1_31():
    with pytest.raises(FlagError) as refused:
        parse("kube-apiserver", "v1.31.0", ["--emulation-forward-compatible"])
    assert refused.value.lines == ["Error: unknown flag: --emulation-forward-compatible"]


def test_the_controller_manager_takes_its_volume_and_cloud_flags_and_warns_of_the_deprecated_ones():
    line = parse("kube-controller-manager", "v1.31.0", ["--enable-dynamic-provisioning", "--allow-untagged-cloud",
                                                        "--horizontal-pod-autoscaler-upscale-delay=3m"])
    assert line.flags == {"enable-dynamic-provisioning": "true", "allow-untagged-cloud": "true",
                          "horizontal-pod-autoscaler-upscale-delay": "3m"}
    assert line.warnings == [
        "Flag --allow-untagged-cloud has been deprecated, This flag is deprecated and will be removed in a future "
        "release. A cluster-id will be required on cloud instances.",
        "Flag --horizontal-pod-autoscaler-upscale-delay has been deprecated, This flag is currently no-op and will "
        "be deleted.",
    ]


@pytest.mark.parametrize("flag", ["concurrent-pod-gc-syncs", "concurrent-resource-claim-syncs"])
def test_the_controller_manager_refuses_flags_it_never_had_at_v1_31(flag):
    with pytest.raises(FlagError) as refused:
        parse("kube-controller-manager", "v1.31.0", [f"--{flag}=5"])
    assert refused.value.lines == [f"Error: unknown flag: --{flag}"]


def test_the_notes_v1_5_apiserver_takes_its_deprecated_aliases_and_refuses_v1_6_flags():
    line = parse("kube-apiserver", "v1.5.2", ["--portal-net=10.254.0.0/16", "--requestheader-allowed-names=front",
                                              "--storage-version=v1"])
    assert line.get("portal-net") == "10.254.0.0/16"
    for flag in ("max-mutating-requests-inflight", "experimental-bootstrap-token-auth"):
        with pytest.raises(FlagError, match=f"^unknown flag: --{flag}$"):
            parse("kube-apiserver", "v1.5.2", [f"--{flag}=1"])


def test_the_notes_v1_5_controller_manager_flags():
    line = parse("kube-controller-manager", "v1.5.2", ["--register-retry-count=10",
                                                       "--insecure-experimental-approve-all-kubelet-csrs-for-group=x"])
    assert line.get("register-retry-count") == "10"
    with pytest.raises(FlagError, match="^unknown flag: --approve-all-kubelet-csrs-for-group$"):
        parse("kube-controller-manager", "v1.5.2", ["--approve-all-kubelet-csrs-for-group=system:nodes"])


def test_the_notes_v1_5_scheduler_and_proxy_flags():
    assert parse("kube-scheduler", "v1.5.2", ["--contention-profiling"]).get("contention-profiling") == "true"
    line = parse("kube-proxy", "v1.5.2", ["--cleanup-iptables", "--conntrack-tcp-timeout-close-wait=1h"])
    assert line.flags == {"cleanup-iptables": "true", "conntrack-tcp-timeout-close-wait": "1h"}
    with pytest.raises(FlagError, match="^unknown flag: --port$"):
        parse("kube-proxy", "v1.5.2", ["--port=10249"])


def test_the_apiserver_warns_that_its_cloud_provider_flags_are_deprecated():
    line = parse("kube-apiserver", "v1.31.0", ["--cloud-provider=external"])
    assert line.warnings == ["Flag --cloud-provider has been deprecated, will be removed in a future version"]
