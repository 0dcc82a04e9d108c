"""Chapter 08's helpers show the master's files as systemd runs them, and its checks compute the truth."""

from __future__ import annotations

from k8scourse.config import ClusterSpec
from k8scourse.course import check
from k8scourse.course.ch08 import (admission_outcome, apiserver_starts_cleanly, exec_start, legacy_flag_rows,
                                   markdown_table, names_refusing_plugins, refusing_plugin, starts_in_order)

SEED_MASTER = ClusterSpec.seed_lab().render_all()["master"]
SEED_APISERVER = SEED_MASTER["/etc/kubernetes/apiserver"]


def pod(name: str, spec: str) -> str:
    return f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec: {{{spec}containers: [{{name: c, image: busybox}}]}}\n"


def test_exec_start_pastes_the_environment_files_and_drops_empty_variables():
    line = exec_start(SEED_MASTER, "kube-scheduler")
    assert line == "/usr/bin/kube-scheduler --logtostderr=true --v=0 --master=http://127.0.0.1:8080"
    assert exec_start({}, "kube-scheduler") == "/usr/bin/kube-scheduler"
    assert "--insecure-bind-address=127.0.0.1 --port=8080" in exec_start(SEED_MASTER, "kube-apiserver")


def test_legacy_flag_rows_come_from_the_linter_data():
    rows = legacy_flag_rows(["kube-apiserver"])
    port = next(r for r in rows if r["flag"] == "--port")
    assert port == {"flag": "--port", "daemons": "kube-apiserver", "deprecated": "v1.10", "removed": "v1.24",
                    "replacement": "--secure-port (6443)"}
    assert next(r for r in rows if r["flag"] == "--admission-control")["removed"] == "not yet"
    assert not any(r["flag"] == "--api-servers" for r in rows)  # the kubelet's
    table = markdown_table(rows)
    assert table.splitlines()[0] == "| flag | daemons | deprecated | removed | replacement |"
    assert "| `--port` | kube-apiserver | v1.10 | v1.24 | `--secure-port (6443)` |" in table


def test_admission_outcome_is_the_apiservers_answer():
    from k8scourse.cluster import Cluster
    from k8scourse.master.admission import AdmissionChain

    seed, today = Cluster(admission_plugins=AdmissionChain.SEED_PLUGINS), Cluster()
    nightly = pod("nightly", "priorityClassName: nightly, ")
    assert admission_outcome(seed, nightly) == "created"
    assert admission_outcome(today, nightly) == ('(Forbidden): pods "nightly" is forbidden: '
                                                 "no PriorityClass with name nightly was found")


def test_refusing_plugin_is_found_by_leaving_plugins_out():
    assert refusing_plugin(pod("a", "serviceAccountName: builder, ")) == "ServiceAccount"
    assert refusing_plugin(pod("b", "priority: 5, ")) == "Priority"
    assert refusing_plugin(pod("c", "")) is None
    assert refusing_plugin(pod("d", "priority: 5, "), plugins=["NamespaceLifecycle"]) is None


def test_names_refusing_plugins_judges_each_pod():
    predicate = names_refusing_plugins({"a": pod("a", "serviceAccountName: builder, "), "c": pod("c", "")})
    assert predicate({"a": "serviceaccount", "c": None}) is True
    assert predicate({"a": "ServiceAccount", "c": "none"}) is True
    assert predicate({"a": "Priority", "c": None}) == "not right for a (the others are right)."
    assert predicate({"a": "ServiceAccount"}) == "say what happens to every Pod: c is missing."
    assert predicate({"a": "Foo", "c": None}).startswith("'Foo' (a) is no admission plugin this cluster runs")
    assert predicate(["ServiceAccount"]) == ("expected a dict {pod name: plugin name or None}, "
                                             "got a list of 1 item.")


def test_names_refusing_plugins_names_a_wrong_type(capsys):
    predicate = names_refusing_plugins({"c": pod("c", "")})
    check("refuses", {"c": 42}, predicate=predicate)
    assert "expected a plugin name in quotes (or None), got the number 42." in capsys.readouterr().out


def test_apiserver_starts_cleanly_lints_the_file_on_the_seed_master():
    predicate = apiserver_starts_cleanly()
    verdict = predicate(SEED_APISERVER)
    assert verdict.startswith("the linter still reports 2 error(s), the first: KUBE_API_ADDRESS: "
                              "--insecure-bind-address was deprecated in v1.10 and removed in v1.24")
    fixed = SEED_APISERVER.replace("--insecure-bind-address=127.0.0.1", "--bind-address=0.0.0.0")
    assert predicate(fixed.replace("--port=8080", "--secure-port=6443")) is True
    assert predicate('KUBE_API_ARGS=""\n') == "kube-apiserver stops with: --etcd-servers must be specified"
    only_etcd = 'KUBE_API_ARGS="--etcd-servers=http://192.168.197.130:2379"\n'
    assert predicate(only_etcd).startswith("keep the service range and the admission plugins")
    assert predicate("no equals sign") == ("the file does not parse: line 1: 'no equals sign' is not KEY=value, "
                                           "a comment or blank")
    assert predicate(None) == "expected the file's text (a str), got a NoneType (None)."


def test_starts_in_order_accepts_every_working_order():
    predicate = starts_in_order(["etcd", "master"])
    assert predicate(["etcd", "apiserver", "scheduler", "controller-manager"]) is True
    assert predicate(["systemctl start etcd&&systemctl enable etcd", "kube-apiserver.service",
                      "kube-controller-manager", "kube-scheduler"]) is True
    assert predicate(["kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"]) == (
        "kube-apiserver starts before etcd, which it calls: it fails, and systemd restarts it.")
    assert predicate(["etcd", "kube-apiserver"]).startswith("start each of etcd, kube-apiserver, ")
    assert predicate("etcd") == "expected a list of steps, in order, got the text 'etcd'."
    assert predicate([1]) == ("expected a list of systemctl lines or daemon names (texts in quotes), "
                              "got the number 1.")
