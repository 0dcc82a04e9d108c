"""cluster.serve(): the Kubernetes API over HTTP, checked with plain HTTP requests (no kubectl needed)."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any

import pytest

from k8scourse.cluster import Cluster
from k8scourse.server import ServeError
from k8scourse.server.patch import json_patch, strategic_merge

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
       "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@pytest.fixture(scope="module")
def served():
    cluster = Cluster.quickstart(nodes=1)
    with cluster.serve() as server:
        yield server


def call(server: Any, method: str, path: str, body: Any = None, content_type: str = "application/json",
         accept: str = "application/json") -> tuple[int, Any]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"Content-Type": content_type, "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw, code = response.read(), response.status
    except urllib.error.HTTPError as err:
        raw, code = err.read(), err.code
    try:
        return code, json.loads(raw)
    except ValueError:
        return code, raw.decode()


def test_refuses_any_address_but_loopback():
    cluster = Cluster(seed=0)
    with pytest.raises(ServeError, match='refusing to listen on "0.0.0.0": the simulated cluster has no '
                                         r"authentication, so it listens on loopback \(127.0.0.1\) only"):
        cluster.serve(host="0.0.0.0")
    with pytest.raises(ServeError, match="speed must be a number of virtual seconds per real second > 0, got 0"):
        cluster.serve(speed=0)


def test_kubeconfig_and_repr_name_the_server(served):
    text = open(served.kubeconfig).read()
    assert f"server: {served.url}" in text and "current-context: k8scourse" in text
    assert served.url.startswith("http://127.0.0.1:")
    assert f"export KUBECONFIG={served.kubeconfig}" in repr(served)


def test_clock_follows_wall_time_and_paused_holds_it():
    cluster = Cluster.quickstart(nodes=0)
    with cluster.serve(speed=20) as server:
        start = cluster.now
        time.sleep(0.3)
        with server.lock:
            assert cluster.now - start >= 3  # 0.3 s at 20x: about 6 virtual seconds
        with server.paused():
            held = cluster.now
            time.sleep(0.2)
            assert call(server, "GET", "/api/v1/namespaces")[0] == 200
            assert cluster.now == held
    assert server.stopped and "stopped" in repr(server)


def test_discovery(served):
    code, body = call(served, "GET", "/version")
    assert (code, body["gitVersion"]) == (200, "v1.31.0")
    code, body = call(served, "GET", "/apis/apps/v1")
    deployments = next(r for r in body["resources"] if r["name"] == "deployments")
    assert deployments["shortNames"] == ["deploy"] and deployments["categories"] == ["all"]
    assert {"name": "deployments/scale", "singularName": "", "namespaced": True, "kind": "Scale",
            "verbs": ["get", "patch", "update"], "group": "autoscaling", "version": "v1"} in body["resources"]
    aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    code, body = call(served, "GET", "/api", accept=aggregated)
    assert body["kind"] == "APIGroupDiscoveryList"
    pods = next(r for r in body["items"][0]["versions"][0]["resources"] if r["resource"] == "pods")
    assert pods["scope"] == "Namespaced" and pods["shortNames"] == ["po"]


def test_errors_are_status_bodies(served):
    code, body = call(served, "GET", "/api/v1/namespaces/default/widgets")
    assert (code, body["reason"], body["message"]) == (404, "NotFound", "the server could not find the requested resource")
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods", b"{not json")
    assert (code, body["reason"]) == (400, "BadRequest")
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods",
                      {**POD, "metadata": {"name": "bad"}, "spec": {"containers": [{"name": "c"}]}})
    assert (code, body["reason"], body["message"]) == (422, "Invalid",
                                                       'Pod "bad" is invalid: spec.containers[0].image: Required value')
    assert body["details"]["causes"] == [{"reason": "FieldValueRequired", "message": "Required value",
                                          "field": "spec.containers[0].image"}]
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict",
                      {**POD, "metadata": {"name": "bad"}, "spec": {"containerz": []}})
    assert (code, body["message"]) == (400, 'Pod in version "v1" cannot be handled as a Pod: strict decoding '
                                            'error: unknown field "spec.containerz"')
    code, body = call(served, "GET", "/api/v1/namespaces/default/pods/ghost")
    assert (code, body["message"], body["details"]) == (404, 'pods "ghost" not found', {"name": "ghost", "kind": "pods"})
    code, body = call(served, "GET", "/api/v1/pods?fieldValidation=Bogus")
    assert (code, body["message"]) == (400, "fieldValidation must be one of Ignore, Warn, or Strict, got Bogus")
    code, body = call(served, "GET", "/api/v1/pods?fieldSelector=spec.bogus%3Dx")
    assert (code, body["message"]) == (400, "field label not supported: spec.bogus")


def test_create_conflicts_and_delete(served):
    pod = {**POD, "metadata": {"name": "crud"}}
    assert call(served, "POST", "/api/v1/namespaces/default/pods", pod)[0] == 201
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods", pod)
    assert (code, body["reason"], body["message"]) == (409, "AlreadyExists", 'pods "crud" already exists')
    stale = {**pod, "metadata": {"name": "crud", "resourceVersion": "1"}}
    code, body = call(served, "PUT", "/api/v1/namespaces/default/pods/crud", stale)
    assert (code, body["reason"]) == (409, "Conflict")
    code, body = call(served, "PUT", "/api/v1/namespaces/default/pods/other", pod)
    assert (code, body["message"]) == (400, "the name of the object (crud) does not match the name on the URL (other)")
    code, body = call(served, "DELETE", "/api/v1/namespaces/default/pods/crud")
    assert code == 200 and body["metadata"]["name"] == "crud"


def test_dry_run_writes_nothing(served):
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods?dryRun=All", {**POD, "metadata": {"name": "dry"}})
    assert code == 201 and body["metadata"]["namespace"] == "default"
    assert call(served, "GET", "/api/v1/namespaces/default/pods/dry")[0] == 404
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods?dryRun=Yes", POD)
    assert (code, body["message"]) == (400, 'Invalid dry run value: "Yes": Unsupported value: "Yes": '
                                            'supported values: "All"')


def test_list_pages_with_limit_and_continue(served):
    for i in range(3):
        call(served, "POST", "/api/v1/namespaces/default/pods", {**POD, "metadata": {"name": f"page-{i}",
                                                                                    "labels": {"page": "yes"}}})
    code, first = call(served, "GET", "/api/v1/namespaces/default/pods?labelSelector=page%3Dyes&limit=2")
    assert [p["metadata"]["name"] for p in first["items"]] == ["page-0", "page-1"]
    token = first["metadata"]["continue"]
    code, rest = call(served, "GET", f"/api/v1/namespaces/default/pods?labelSelector=page%3Dyes&limit=2&continue={token}")
    assert [p["metadata"]["name"] for p in rest["items"]] == ["page-2"] and "continue" not in rest["metadata"]
    code, body = call(served, "GET", "/api/v1/pods?continue=garbage!")
    assert code == 400


def test_table_has_the_course_printers_columns(served):
    code, body = call(served, "GET", "/api/v1/nodes", accept=TABLE)
    assert body["kind"] == "Table"
    assert [c["name"] for c in body["columnDefinitions"]][:5] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [c["priority"] for c in body["columnDefinitions"]][4:6] == [0, 1]  # INTERNAL-IP only with -o wide
    assert body["rows"][0]["cells"][:2] == ["node-1", "Ready"]
    assert body["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_patches(served):
    call(served, "POST", "/api/v1/namespaces/default/pods", {**POD, "metadata": {"name": "patched"}})
    path = "/api/v1/namespaces/default/pods/patched"
    code, body = call(served, "PATCH", path, {"metadata": {"labels": {"a": "1"}}}, "application/merge-patch+json")
    assert code == 200 and body["metadata"]["labels"] == {"a": "1"}
    code, body = call(served, "PATCH", path, [{"op": "add", "path": "/metadata/labels/b", "value": "2"}],
                      "application/json-patch+json")
    assert body["metadata"]["labels"] == {"a": "1", "b": "2"}
    code, body = call(served, "PATCH", path, {"spec": {"containers": [{"name": "c", "image": "nginx:1.26"}]}},
                      "application/strategic-merge-patch+json")
    assert code == 200 and body["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert body["spec"]["containers"][0]["imagePullPolicy"] == "Always"  # merged by name: the default stays
    code, body = call(served, "PATCH", path, {"a": 1}, "text/plain")
    assert code == 415


def test_strategic_merge_directives():
    current = {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}],
               "finalizers": ["f1"]}
    patched = strategic_merge(current, {"containers": [{"name": "b", "$patch": "delete"}, {"name": "c", "image": "z"}],
                                        "finalizers": ["f2"]})
    assert patched == {"containers": [{"name": "a", "image": "x"}, {"name": "c", "image": "z"}],
                       "finalizers": ["f1", "f2"]}
    assert json_patch({"a": [1, 2]}, [{"op": "remove", "path": "/a/0"}]) == {"a": [2]}


def test_scale_subresource(served):
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "scaled"},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "s"}},
                           "template": {"metadata": {"labels": {"app": "s"}},
                                        "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    assert call(served, "POST", "/apis/apps/v1/namespaces/default/deployments", deployment)[0] == 201
    code, body = call(served, "PATCH", "/apis/apps/v1/namespaces/default/deployments/scaled/scale",
                      {"spec": {"replicas": 3}}, "application/merge-patch+json")
    assert (code, body["kind"], body["spec"]["replicas"]) == (200, "Scale", 3)


def _watch_lines(server: Any, path: str, count: int) -> list[dict]:
    """Read ``count`` events from a watch, then hang up."""
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return [json.loads(response.readline()) for _ in range(count)]


def test_watch_streams_changes_and_bookmarks(served):
    code, listed = call(served, "GET", "/api/v1/namespaces/default/pods")
    rv = listed["metadata"]["resourceVersion"]
    call(served, "POST", "/api/v1/namespaces/default/pods", {**POD, "metadata": {"name": "watched"}})
    events = _watch_lines(served, f"/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}"
                                  "&allowWatchBookmarks=true", 2)
    assert (events[0]["type"], events[0]["object"]["metadata"]["name"]) == ("ADDED", "watched")
    assert events[1]["type"] in ("MODIFIED", "BOOKMARK")


def test_watch_from_a_compacted_revision_is_gone(served):
    with served.lock:
        cluster_store = served.cluster.etcd
        cluster_store.compact(cluster_store.revision)
    [event] = _watch_lines(served, "/api/v1/pods?watch=true&resourceVersion=2", 1)
    assert event["type"] == "ERROR"
    assert (event["object"]["code"], event["object"]["reason"]) == (410, "Expired")
    assert event["object"]["message"].startswith("too old resource version: 2 (")


def _no_watch_left(server: Any) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and server.active_watches:
        time.sleep(0.05)
    return server.active_watches == 0


def test_a_client_that_hangs_up_mid_watch_leaves_nothing_behind(served):
    assert _no_watch_left(served)  # the earlier tests' watches have ended
    with served.lock:
        baseline = len(served.cluster.etcd._watches)
    sock = socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1])))
    sock.sendall(b"GET /api/v1/pods?watch=true HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"200 OK" in sock.recv(4096)
    with served.lock:
        assert served.active_watches == 1
    sock.close()
    assert _no_watch_left(served)
    with served.lock:
        assert served.active_watches == 0 and len(served.cluster.etcd._watches) == baseline


def test_pod_log_checks_the_container(served):
    call(served, "POST", "/api/v1/namespaces/default/pods", {**POD, "metadata": {"name": "logged"}})
    code, body = call(served, "GET", "/api/v1/namespaces/default/pods/logged/log?container=nope")
    assert (code, body["message"]) == (400, "container nope is not valid for pod logged")


def test_openapi_v3_tells_kubectl_patch_takes_field_validation(served):
    code, index = call(served, "GET", "/openapi/v3")
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    code, doc = call(served, "GET", url)
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}} in patch["parameters"]
    strategy = doc["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentStrategy"]
    assert strategy["properties"]["type"] == {"type": "string"}


def test_k8scourse_serve_command_serves_until_stopped(capsys):
    import argparse
    import threading

    from k8scourse.course.cli import _parser
    from k8scourse.server.cli import run_serve

    args = _parser().parse_args(["serve", "--nodes", "1", "--speed", "5"])
    assert (args.nodes, args.seed, args.speed) == (1, 0, 5.0)
    stop = threading.Event()
    thread = threading.Thread(target=run_serve, args=(args, [], stop))
    thread.start()
    deadline = time.monotonic() + 30
    while "export KUBECONFIG=" not in (out := capsys.readouterr().out) and time.monotonic() < deadline:
        time.sleep(0.1)
    url = re.search(r"at (http://127\.0\.0\.1:\d+)", out).group(1)
    with urllib.request.urlopen(url + "/api/v1/nodes/node-1") as answer:
        created = json.load(answer)["metadata"]["creationTimestamp"]
    stop.set()
    thread.join(timeout=10)
    assert "Serving a 1-node cluster (seed 0) at http://127.0.0.1:" in out and "kubectl get nodes" in out
    age = datetime.now(timezone.utc) - datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert 0 <= age.total_seconds() < 60, f"dated by the wall clock, so real kubectl's ages are right: {created}"
    bad = argparse.Namespace(nodes=-1, seed=0, speed=1.0, port=0, tls=False)
    assert run_serve(bad, []) == 1
    assert "k8scourse: error: nodes: Invalid value: -1" in capsys.readouterr().err


def test_field_validation_strict_refuses_warn_and_ignore_drop_unknown_fields(served):
    pod = {**POD, "metadata": {"name": "fv-strict", "bogus": 1},
           "spec": {"containers": [{"name": "c", "image": "nginx", "foo": 2}]}}
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict", pod)
    assert (code, body["message"]) == (400, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: '
                                            'unknown field "metadata.bogus", unknown field "spec.containers[0].foo"')
    request = urllib.request.Request(served.url + "/api/v1/namespaces/default/pods", method="POST",
                                     data=json.dumps({**pod, "metadata": {"name": "fv-warn", "bogus": 1}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # no parameter: Warn, the server's default
        assert response.status == 201
        assert response.headers.get_all("Warning") == ['299 - "unknown field \\"metadata.bogus\\""',
                                                       '299 - "unknown field \\"spec.containers[0].foo\\""']
        assert "foo" not in json.loads(response.read())["spec"]["containers"][0]
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods?fieldValidation=Ignore",
                      {**pod, "metadata": {"name": "fv-ignore", "bogus": 1}})
    assert code == 201 and "bogus" not in body["metadata"]


def test_bad_numbers_in_the_query_are_bad_requests(served):
    code, body = call(served, "GET", "/api/v1/pods?limit=ten")
    assert (code, body["message"]) == (400, 'strconv.ParseInt: parsing "ten": invalid syntax')
    code, body = call(served, "DELETE", "/api/v1/namespaces/default/pods/ghost?gracePeriodSeconds=soon")
    assert code == 400


def test_a_bug_answers_500_internal_error(served, monkeypatch, capsys):
    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(served.handlers, "handle", broken)
    code, body = call(served, "GET", "/api/v1/pods")
    assert (code, body["reason"], body["message"]) == (500, "InternalError", "Internal error occurred: boom")
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_binding_and_eviction(served):
    pod = {**POD, "metadata": {"name": "bound"}, "spec": {**POD["spec"], "schedulerName": "nobody"}}
    call(served, "POST", "/api/v1/namespaces/default/pods", pod)
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "bound"},
               "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"}}
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods/bound/binding", binding)
    assert (code, body["status"]) == (201, "Success")
    assert call(served, "GET", "/api/v1/namespaces/default/pods/bound")[1]["spec"]["nodeName"] == "node-1"
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods/bound/binding", binding)
    assert (code, body["message"]) == (409, 'Operation cannot be fulfilled on pods "bound": pod bound is already '
                                            'assigned to node "node-1"')
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "bound"}}
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods/bound/eviction", eviction)
    assert (code, body["status"]) == (201, "Success")
    assert call(served, "GET", "/api/v1/namespaces/default/pods/bound")[1]["metadata"].get("deletionTimestamp")


def test_resource_versions_of_a_list(served):
    code, listed = call(served, "GET", "/api/v1/namespaces")
    rv = int(listed["metadata"]["resourceVersion"])
    code, body = call(served, "GET", f"/api/v1/namespaces?resourceVersion={rv + 10**6}&resourceVersionMatch=NotOlderThan")
    assert (code, body["reason"]) == (504, "Timeout")
    assert body["message"].startswith(f"Too large resource version: {rv + 10**6}, current: ")
    code, body = call(served, "GET", f"/api/v1/namespaces?resourceVersion={rv}&resourceVersionMatch=Exact")
    assert code == 200 and body["metadata"]["resourceVersion"] == str(rv)


def test_server_side_apply_creates_then_merges_and_records_the_manager(served):
    config = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ssa", "labels": {"a": "1"}},
              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    path = "/api/v1/namespaces/default/pods/ssa?fieldManager=course"
    code, body = call(served, "PATCH", path, config, "application/apply-patch+yaml")
    assert code == 201
    [entry] = body["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"], entry["fieldsType"]) == ("course", "Apply", "FieldsV1")
    assert entry["fieldsV1"]["f:spec"]["f:containers"] == {'k:{"name":"c"}': {".": {}, "f:image": {}, "f:name": {}}}
    config["metadata"]["labels"] = {"a": "2"}
    code, body = call(served, "PATCH", path, config, "application/apply-patch+yaml")
    assert (code, body["metadata"]["labels"]) == (200, {"a": "2"})
    code, body = call(served, "PATCH", "/api/v1/namespaces/default/pods/ssa", config, "application/apply-patch+yaml")
    assert (code, body["message"]) == (400, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                                            "is required for apply patch")


def test_a_watch_from_a_bad_resource_version_is_a_bad_request(served):
    code, body = call(served, "GET", "/api/v1/pods?watch=true&resourceVersion=latest")
    assert (code, body["message"]) == (400, 'invalid resource version "latest"')


def test_health_and_the_metrics_api(served):
    assert call(served, "GET", "/healthz") == (200, "ok")
    code, groups = call(served, "GET", "/apis")
    assert "metrics.k8s.io" in [g["name"] for g in groups["groups"]]
    served.cluster.set_load("app=none", cpu="100m")
    with served.lock:
        served.cluster.run(40)  # two scrapes
    code, nodes = call(served, "GET", "/apis/metrics.k8s.io/v1beta1/nodes")
    assert (code, nodes["kind"], nodes["items"][0]["metadata"]["name"]) == (200, "NodeMetricsList", "node-1")
    code, node = call(served, "GET", "/apis/metrics.k8s.io/v1beta1/nodes/node-1")
    assert node["kind"] == "NodeMetrics" and node["usage"]["cpu"].endswith("n")
    code, body = call(served, "GET", "/apis/metrics.k8s.io/v1beta1/nodes/ghost")
    assert (code, body["message"]) == (404, 'node "ghost" not found')  # metrics-server's typed NodeLister
    code, pods = call(served, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")
    assert (code, pods["kind"]) == (200, "PodMetricsList")


def test_serving_again_replaces_the_running_server():
    cluster = Cluster(seed=0)
    first = cluster.serve()
    second = cluster.serve()
    try:
        assert first.stopped and not second.stopped
        assert call(second, "GET", "/version")[0] == 200
    finally:
        second.stop()


def test_autoscaling_v1_is_served_by_conversion_from_v2(served):
    hpa = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "v1hpa"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "scaled"},
                    "maxReplicas": 4, "targetCPUUtilizationPercentage": 60}}
    code, body = call(served, "POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", hpa)
    assert (code, body["apiVersion"], body["spec"]["targetCPUUtilizationPercentage"]) == (201, "autoscaling/v1", 60)
    code, v2 = call(served, "GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/v1hpa")
    assert v2["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]
    code, body = call(served, "PATCH", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/v1hpa",
                      {"spec": {"targetCPUUtilizationPercentage": 70}}, "application/merge-patch+json")
    assert (code, body["spec"]["targetCPUUtilizationPercentage"]) == (200, 70)
    code, listed = call(served, "GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers")
    assert listed["apiVersion"] == "autoscaling/v1" and listed["items"][0]["apiVersion"] == "autoscaling/v1"
    code, body = call(served, "POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
                      {**hpa, "apiVersion": "autoscaling/v2"})
    assert (code, body["message"]) == (400, "the API version in the data (autoscaling/v2) does not match the "
                                            "expected API version (autoscaling/v1)")


def test_tls_lets_in_only_clients_with_the_admin_certificate(tmp_path):
    import ssl

    cluster = Cluster(seed=0)
    with cluster.serve(tls=True) as server:
        assert server.url.startswith("https://127.0.0.1:")
        config = open(server.kubeconfig).read()
        assert "certificate-authority-data:" in config and "client-certificate-data:" in config
        context = ssl.create_default_context(cadata=server.credentials.ca)
        with pytest.raises(OSError, match="certificate required|EOF|reset"):  # no client certificate: refused
            urllib.request.urlopen(server.url + "/version", context=context, timeout=5).read()
        (tmp_path / "admin.crt").write_text(server.credentials.client_cert)
        (tmp_path / "admin.key").write_text(server.credentials.client_key)
        context.load_cert_chain(tmp_path / "admin.crt", tmp_path / "admin.key")
        with urllib.request.urlopen(server.url + "/version", context=context, timeout=5) as response:
            assert json.loads(response.read())["gitVersion"] == "v1.31.0"


def test_a_booted_cluster_answers_only_while_its_apiserver_runs():
    from k8scourse.config.spec import ClusterSpec

    cluster = Cluster.from_spec(ClusterSpec.seed_lab())
    with cluster.serve() as server:
        assert call(server, "GET", "/api/v1/nodes")[0] == 200
        with server.lock:
            cluster.systemctl("master", "stop kube-apiserver")
        code, body = call(server, "GET", "/api/v1/nodes")
        assert (code, body["reason"], body["message"]) == (
            503, "ServiceUnavailable",
            "The connection to the server localhost:8080 was refused - did you specify the right host or port?")


def test_a_component_that_fails_stops_the_clock_not_the_server(capsys):
    cluster = Cluster(seed=0)
    with cluster.serve(speed=10) as server:
        with server.lock:
            cluster.clock.schedule(0.2, lambda: 1 / 0)
        time.sleep(0.5)
        with server.lock:
            held = cluster.now
        time.sleep(0.2)
        assert cluster.now == held and call(server, "GET", "/version")[0] == 200
    assert "ZeroDivisionError" in capsys.readouterr().err
