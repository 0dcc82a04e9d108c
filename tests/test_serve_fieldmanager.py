"""Field ownership (managedFields) of the served cluster: the field manager alone, then over HTTP
and with the real kubectl (``kubectl apply --server-side``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from k8scourse.cluster import Cluster
from k8scourse.server.fieldmanager import Managers, applied_set, compare, from_fields_v1, path_string, to_fields_v1
from k8scourse.server.status import HTTPError

from test_serve import call

DEPLOYMENT = "apps.v1.Deployment"
CONFIG = {"apiVersion": "apps/v1", "kind": "Deployment",
          "metadata": {"name": "shop", "labels": {"team": "a", "tier": "web"}},
          "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "shop"}},
                   "template": {"metadata": {"labels": {"app": "shop"}},
                                "spec": {"containers": [{"name": "web", "image": "nginx:1.25",
                                                         "ports": [{"containerPort": 80}]}]}}}}
T0, T1 = "2025-01-01T00:00:00Z", "2025-01-01T00:00:05Z"


def test_an_apply_owns_the_scalars_and_list_items_it_names_keyed_as_upstream():
    fields = to_fields_v1(applied_set(CONFIG, DEPLOYMENT))
    assert fields["f:metadata"] == {"f:labels": {"f:team": {}, "f:tier": {}}}  # name is no one's (stripmeta.go)
    assert fields["f:spec"]["f:selector"] == {}  # a LabelSelector is atomic: owned whole
    container = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']
    assert container == {".": {}, "f:image": {}, "f:name": {},  # a port is keyed with protocol's default
                         "f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}}}
    assert from_fields_v1(fields) == applied_set(CONFIG, DEPLOYMENT)


def test_an_update_owns_what_it_adds_and_a_new_map_or_item_itself():
    old = {"metadata": {"name": "x"}, "spec": {"replicas": 1}}
    new = {"metadata": {"name": "x", "labels": {"a": "1"}}, "spec": {"replicas": 2}}
    added, modified, removed = compare(old, new, DEPLOYMENT)
    assert (added, modified, removed) == ({("f:metadata", "f:labels"), ("f:metadata", "f:labels", "f:a")},
                                          {("f:spec", "f:replicas")}, set())
    assert to_fields_v1(added) == {"f:metadata": {"f:labels": {".": {}, "f:a": {}}}}


def test_an_update_that_sets_a_pointer_field_owns_the_field_itself():
    old = {"spec": {"strategy": {"type": "Recreate"}}}
    new = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    added, modified, _ = compare(old, new, DEPLOYMENT)
    assert to_fields_v1(added | modified) == {"f:spec": {"f:strategy": {
        "f:rollingUpdate": {".": {}, "f:maxSurge": {}}, "f:type": {}}}}


def test_paths_print_as_fieldpath_does():
    path = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"web"}', "f:image")
    assert path_string(path) == '.spec.template.spec.containers[name="web"].image'
    assert path_string(("f:metadata", "f:finalizers", 'v:"a"')) == '.metadata.finalizers[="a"]'


def test_a_field_applied_before_and_no_longer_is_removed_unless_another_manager_owns_it():
    merged, managed = Managers(None).apply(None, CONFIG, "mine", "apps/v1", T0, False)
    live = {**merged, "metadata": {**merged["metadata"], "managedFields": managed}}
    smaller = json.loads(json.dumps(CONFIG))
    del smaller["metadata"]["labels"]["tier"]
    merged, _ = Managers(managed).apply(live, smaller, "mine", "apps/v1", T1, False)
    assert merged["metadata"]["labels"] == {"team": "a"}
    shared, managed2 = Managers(managed).apply(live, {**CONFIG, "spec": {}}, "theirs", "apps/v1", T1, False)
    live2 = {**shared, "metadata": {**shared["metadata"], "managedFields": managed2}}
    merged, _ = Managers(managed2).apply(live2, {**CONFIG, "metadata": {"name": "shop"}}, "mine", "apps/v1", T1, False)
    assert merged["metadata"]["labels"] == {"team": "a", "tier": "web"}  # "theirs" co-owns them


def test_a_list_item_applied_before_and_no_longer_is_removed_whole():
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    merged, managed = Managers(None).apply(None, service, "mine", "v1", T0, False)
    moved = {**service, "spec": {"ports": [{"port": 81, "targetPort": 8080}]}}
    merged, managed = Managers(managed).apply(merged, moved, "mine", "v1", T1, False)
    assert merged["spec"]["ports"] == [{"port": 81, "targetPort": 8080}]
    assert list(managed[0]["fieldsV1"]["f:spec"]["f:ports"]) == ['k:{"port":81,"protocol":"TCP"}']


def test_a_conflict_names_each_field_and_manager_and_force_takes_them_over():
    _, managed = Managers(None).apply(None, CONFIG, "mine", "apps/v1", T0, False)
    live = {**CONFIG, "metadata": {**CONFIG["metadata"], "managedFields": managed}}
    other = {**CONFIG, "spec": {**CONFIG["spec"], "replicas": 5}, "metadata": {"name": "shop", "labels": {"team": "b"}}}
    with pytest.raises(HTTPError) as refused:
        Managers(managed).apply(live, other, "other", "apps/v1", T1, False)
    err = refused.value
    assert (err.code, err.reason) == (409, "Conflict")
    assert str(err.message) == ('Apply failed with 2 conflicts: conflicts with "mine":\n'
                                "- .metadata.labels.team\n- .spec.replicas")
    assert err.status()["details"]["causes"] == [
        {"type": "FieldManagerConflict", "message": 'conflict with "mine"', "field": ".metadata.labels.team"},
        {"type": "FieldManagerConflict", "message": 'conflict with "mine"', "field": ".spec.replicas"}]
    merged, forced = Managers(managed).apply(live, other, "other", "apps/v1", T1, True)
    assert merged["spec"]["replicas"] == 5
    owners = {m["manager"]: from_fields_v1(m["fieldsV1"]) for m in forced}
    assert ("f:spec", "f:replicas") in owners["other"] and ("f:spec", "f:replicas") not in owners["mine"]


def test_an_update_conflict_names_the_managers_version_and_time():
    managed = Managers(None).update(None, CONFIG, "kubectl-edit", "apps/v1", T0)
    live = {**CONFIG, "metadata": {**CONFIG["metadata"], "managedFields": managed}}
    with pytest.raises(HTTPError) as refused:
        Managers(managed).apply(live, {**CONFIG, "spec": {"replicas": 9}}, "mine", "apps/v1", T1, False)
    assert refused.value.message == ('Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1 at '
                                     f"{T0}: .spec.replicas")


@pytest.fixture(scope="module")
def served():
    cluster = Cluster.quickstart(nodes=1)
    with cluster.serve() as server:
        yield server


def test_http_writes_record_update_managers_and_apply_conflicts_are_409(served):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fm", "labels": {"a": "1"}},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods?fieldManager=creator", pod)
    [entry] = body["metadata"]["managedFields"]
    assert (code, entry["manager"], entry["operation"]) == (201, "creator", "Update")
    assert entry["fieldsV1"]["f:metadata"] == {"f:labels": {".": {}, "f:a": {}}}
    assert "f:terminationMessagePath" in entry["fieldsV1"]["f:spec"]["f:containers"]['k:{"name":"c"}']  # defaulted
    config = {**pod, "metadata": {"name": "fm", "labels": {"a": "2"}}}
    path = "/api/v1/namespaces/default/pods/fm?fieldManager=applier"
    code, body = call(served, "PATCH", path, config, "application/apply-patch+yaml")
    assert (code, body["reason"], body["details"]["causes"][0]["field"]) == (409, "Conflict", ".metadata.labels.a")
    code, body = call(served, "PATCH", path + "&force=true", config, "application/apply-patch+yaml")
    assert (code, body["metadata"]["labels"]) == (200, {"a": "2"})
    assert [m["manager"] for m in body["metadata"]["managedFields"]] == ["applier", "creator"]  # Apply first
    code, body = call(served, "PATCH", path + "&force=maybe", config, "application/apply-patch+yaml")
    assert (code, body["message"]) == (400, 'strconv.ParseBool: parsing "maybe": invalid syntax')


KUBECTL = shutil.which("kubectl")


# without kubectl: skipped, but under CI it runs and fails (the real-kubectl tests must run there)
@pytest.mark.skipif(KUBECTL is None and os.environ.get("CI") != "true",
                    reason="kubectl is not installed: this test runs the real kubectl")
def test_real_kubectl_server_side_apply_prunes_conflicts_and_forces(served, tmp_path):
    def kubectl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([KUBECTL, "--kubeconfig", served.kubeconfig, "--cache-dir", str(tmp_path), *args],
                              input=stdin, capture_output=True, text=True, timeout=60)

    first = yaml.safe_dump(CONFIG)
    assert kubectl("apply", "--server-side", "-f", "-", stdin=first).stdout == "deployment.apps/shop serverside-applied\n"
    second = yaml.safe_dump({**CONFIG, "metadata": {"name": "shop", "labels": {"team": "a"}}})
    assert kubectl("apply", "--server-side", "-f", "-", stdin=second).returncode == 0
    shown = yaml.safe_load(kubectl("get", "deploy", "shop", "-o", "yaml", "--show-managed-fields").stdout)
    assert shown["metadata"]["labels"] == {"team": "a"}  # tier: applied before, not now, so removed
    [entry] = shown["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("kubectl", "Apply")
    assert entry["fieldsV1"]["f:metadata"] == {"f:labels": {"f:team": {}}}
    assert "managedFields" not in yaml.safe_load(kubectl("get", "deploy", "shop", "-o", "yaml").stdout)["metadata"]
    other = yaml.safe_dump({**CONFIG, "spec": {**CONFIG["spec"], "replicas": 5}})
    refused = kubectl("apply", "--server-side", "--field-manager=ci", "-f", "-", stdin=other)
    assert refused.returncode == 1
    assert refused.stderr.startswith('error: Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas\n')
    assert kubectl("apply", "--server-side", "--field-manager=ci", "--force-conflicts", "-f", "-",
                   stdin=other).returncode == 0
    shown = yaml.safe_load(kubectl("get", "deploy", "shop", "-o", "yaml", "--show-managed-fields").stdout)
    owners = {m["manager"]: m["fieldsV1"]["f:spec"] for m in shown["metadata"]["managedFields"]}
    assert shown["spec"]["replicas"] == 5 and "f:replicas" in owners["ci"] and "f:replicas" not in owners["kubectl"]
