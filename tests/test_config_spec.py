"""ClusterSpec: the notes' files rendered from parameters, read back, round-tripped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8scourse.config import ClusterSpec, EtcdConfig, Machine, SpecError, etcd_startup_errors
from k8scourse.config.envfile import EnvFile, EnvFileError
from k8scourse.config.sysconfig import SysconfigFile
from k8scourse.config.systemd import environment_files
from k8scourse.config.spec import CURRENT_ETCD_VERSION, SEED_ETCD_VERSION, SEED_VERSION

SEED = Path(__file__).resolve().parent.parent / "tests" / "data" / "seed_notes.md"


def notes_blocks() -> list[str]:
    """The notes' fenced code blocks, in order."""
    return re.findall(r"```[a-z]*\n(.*?)```", SEED.read_text(), re.S)


def meaningful(text: str) -> list[str]:
    """Lines with their trailing blanks dropped, blank lines dropped: what the notes' copy-paste kept."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def seed_tree():
    return ClusterSpec.seed_lab().render_all()


def test_seed_etcd_conf_is_the_notes_file_verbatim(seed_tree):
    notes = next(b for b in notes_blocks() if b.startswith("#[Member]"))
    assert seed_tree["node1"]["/etc/etcd/etcd.conf"] == notes


def test_seed_apiserver_is_the_notes_file(seed_tree):
    notes = next(b for b in notes_blocks() if "KUBE_API_ADDRESS" in b)
    assert meaningful(seed_tree["master"]["/etc/kubernetes/apiserver"]) == meaningful(notes)


def test_seed_kubelet_is_the_notes_file(seed_tree):
    notes = next(b for b in notes_blocks() if "KUBELET_ADDRESS" in b)
    assert meaningful(seed_tree["node1"]["/etc/kubernetes/kubelet"]) == meaningful(notes)


def test_seed_flanneld_is_the_notes_file_under_the_packages_header(seed_tree):
    notes = next(b for b in notes_blocks() if "FLANNEL_ETCD_ENDPOINTS" in b)
    # The notes' copy starts with two stray "###" / "##" lines the package's file does not have.
    assert meaningful(seed_tree["node1"]["/etc/sysconfig/flanneld"]) == meaningful(notes)[2:]


@pytest.mark.parametrize("block", [b for b in notes_blocks() if re.search(r"^[A-Z_]+=", b, re.M)])
def test_notes_files_parse_and_render_back_verbatim(block):
    assert EnvFile.parse(block).render() == block


def test_seed_members_are_the_notes_names_and_start(seed_tree):
    names = {m: EtcdConfig.parse(f["/etc/etcd/etcd.conf"]).name for m, f in seed_tree.items()}
    assert names == {"master": "etcd1", "node1": "etcd3", "node2": "etcd2"}
    assert all(etcd_startup_errors(f["/etc/etcd/etcd.conf"]) == [] for f in seed_tree.values())


@pytest.mark.parametrize("spec", [ClusterSpec.seed_lab(), ClusterSpec.loopback_lab(), ClusterSpec.loopback_lab(1),
                                  ClusterSpec.loopback_lab(5)], ids=["seed", "loopback3", "loopback1", "loopback5"])
def test_from_files_reverses_render_all(spec, tmp_path):
    # no file names etcd's version: from_files takes the era's (the notes' 3.3.11, else 3.4)
    assert ClusterSpec.from_files(spec.render_all()) == spec
    spec.write(tmp_path)
    assert (tmp_path / "master" / "etc" / "etcd" / "etcd.conf").is_file()
    assert ClusterSpec.from_files(tmp_path) == spec


def test_loopback_lab_is_loopback_only():
    spec = ClusterSpec.loopback_lab(members=4)
    assert [m.address for m in spec.machines] == ["127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"]
    text = "".join(t for files in spec.render_all().values() for t in files.values())
    assert "192.168." not in text
    assert {m.etcd_name for m in spec.machines} == {"etcd1", "etcd2", "etcd3", "etcd4"}


def test_units_load_the_files_the_tree_has(seed_tree):
    for files in seed_tree.values():
        for path, text in files.items():
            if path.endswith(".service"):
                for env in environment_files(text):
                    assert env in files or env == "/etc/sysconfig/docker-network", (path, env)


def test_systemctl_steps_follow_the_notes():
    spec = ClusterSpec.seed_lab()
    assert spec.systemctl_steps("master") == [
        "systemctl start etcd&&systemctl enable etcd",
        "systemctl start kube-apiserver&&systemctl enable kube-apiserver",
        "systemctl start kube-controller-manager&&systemctl enable kube-controller-manager",
        "systemctl start kube-scheduler&&systemctl enable kube-scheduler",
    ]
    assert spec.systemctl_steps("node1")[-2:] == ["systemctl start kubelet&&systemctl enable kubelet",
                                                  "systemctl start kube-proxy&&systemctl enable kube-proxy"]


def test_bad_specs_are_refused():
    with pytest.raises(SpecError, match="address '192.168.1' is not an IP address"):
        Machine("m", "192.168.1", ("master",))
    with pytest.raises(SpecError, match="unknown role 'worker'"):
        Machine("m", "10.0.0.1", ("worker",))
    with pytest.raises(SpecError, match="no machine has the role 'master'"):
        ClusterSpec([Machine("n", "10.0.0.1", ("node",))])
    with pytest.raises(SpecError, match="kubernetes_version '1.x'"):
        ClusterSpec.loopback_lab().with_changes(kubernetes_version="1.x")
    with pytest.raises(SpecError, match="members: expected an int from 1 to 200"):
        ClusterSpec.loopback_lab(members=0)
    with pytest.raises(SpecError, match="apiserver_port: '6443' is not a port number"):
        ClusterSpec.loopback_lab().with_changes(apiserver_port="6443")
    with pytest.raises(SpecError, match="kubelet_address: 'node1' is not an IP address"):
        ClusterSpec.loopback_lab().with_changes(kubelet_address="node1")
    with pytest.raises(SpecError, match="service_cidr: 10.254.0.1/16 has host bits set"):
        ClusterSpec.loopback_lab().with_changes(service_cidr="10.254.0.1/16")


def test_sysconfig_flags_and_unknown_keys():
    text = 'KUBELET_ARGS="--kubeconfig=/k --v=2 --fail-swap-on"\nKUBELET_FOO="x"\n'
    f = SysconfigFile.parse("/etc/kubernetes/kubelet", text)
    assert f.flag("--kubeconfig") == "/k" and f.flag("--fail-swap-on") == "true"
    assert f.unknown_keys() == ["KUBELET_FOO"]
    assert f.render() == text
    old = SysconfigFile.parse("/etc/kubernetes/apiserver", 'KUBE_ETCD_SERVERS="--etcd_servers=http://m:4001"\n')
    assert old.flag("--etcd-servers") == "http://m:4001"


@pytest.mark.parametrize("text", ["", "\n", "\n\n", "A=1", "# c", "A=1\n\n", "  \n#x\n"])
def test_envfile_keeps_every_blank_line(text):
    assert EnvFile.parse(text).render() == text


def test_envfile_refuses_a_line_that_is_not_an_assignment():
    with pytest.raises(EnvFileError, match="line 2: 'this is not' is not KEY=value"):
        EnvFile.parse('A="1"\nthis is not\n')
    with pytest.raises(EnvFileError, match="'1A' is not a variable name"):
        EnvFile().set("1A", "x")
    with pytest.raises(TypeError, match="A: expected the value as str, got int"):
        EnvFile().set("A", 1)


values = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
keys = st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True)
comment = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(lambda t: "#" + t)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.tuples(keys, values), comment, st.just(""), st.just("   ")), max_size=12))
def test_envfile_round_trip_without_loss(lines):
    """Any file of assignments, comments and blanks: parse, set every value again, render: nothing changes."""
    env = EnvFile()
    for line in lines:
        if isinstance(line, tuple):
            if line[0] not in env.keys():
                env.set(*line)
        else:
            env.lines.extend(EnvFile.parse(line + "\n").lines)
    text = env.render()
    again = EnvFile.parse(text)
    assert again.render() == text
    assert again.values() == env.values()
    for key, value in env.values().items():
        again.set(key, value)
    assert again.render() == text


def test_from_files_explains_a_tree_it_cannot_read():
    tree = ClusterSpec.seed_lab().render_all()
    del tree["master"]["/etc/kubernetes/apiserver"]
    with pytest.raises(SpecError, match="no machine has /etc/kubernetes/apiserver, so none is the master"):
        ClusterSpec.from_files(tree)
    tree = ClusterSpec.seed_lab().render_all()
    tree["master"]["/etc/kubernetes/apiserver"] = 'KUBE_API_ARGS=""\n'
    with pytest.raises(SpecError, match="master:/etc/kubernetes/apiserver: no --bind-address"):
        ClusterSpec.from_files(tree)
    tree = ClusterSpec.seed_lab().render_all()
    tree["node1"]["/etc/sysconfig/flanneld"] = 'FLANNEL_ETCD_ENDPOINTS="http://10.0.0.9:2379"\n'
    with pytest.raises(SpecError, match="'http://10.0.0.9:2379' is no machine's etcd"):
        ClusterSpec.from_files(tree)
    with pytest.raises(SpecError, match="expected a tree"):
        ClusterSpec.from_files({})
    with pytest.raises(SpecError, match="machine name 'a/b'"):
        Machine("a/b", "10.0.0.1", ("master",))


@settings(max_examples=40, deadline=None)
@given(members=st.integers(1, 7), client=st.integers(1024, 30000), peer=st.integers(30001, 65535),
       era=st.sampled_from(["v1.5.2", "v1.31.0"]), tls=st.booleans(), localhost=st.booleans(),
       backend=st.sampled_from(["udp", "vxlan", "host-gw"]))
def test_any_spec_round_trips_through_its_files(members, client, peer, era, tls, localhost, backend):
    spec = ClusterSpec.loopback_lab(members).with_changes(
        kubernetes_version=era, etcd_client_port=client, etcd_peer_port=peer, etcd_tls=tls,
        etcd_listen_localhost=localhost, flannel_backend=backend,
        etcd_version=SEED_ETCD_VERSION if era == SEED_VERSION else CURRENT_ETCD_VERSION)  # no file names it: the era's
    tree = spec.render_all()
    assert ClusterSpec.from_files(tree) == spec
    for files in tree.values():
        assert etcd_startup_errors(files["/etc/etcd/etcd.conf"]) == []


def test_from_files_on_garbled_yaml_is_a_spec_error():
    tree = ClusterSpec.loopback_lab(3).render_all()
    tree["node1"]["/var/lib/kubelet/config.yaml"] = "address: [unclosed\n"
    with pytest.raises(SpecError, match="the tree is not one ClusterSpec renders"):
        ClusterSpec.from_files(tree)


def test_seed_lab_is_the_notes_packages():
    spec = ClusterSpec.seed_lab()
    assert (spec.kubernetes_version, spec.etcd_version) == ("v1.5.2", "3.3.11")  # CentOS 7 extras
