"""The official ``kubernetes`` Python client against a served cluster: list, create, patch, watch, delete.

Without the client installed (it is in pyproject's ``test`` extras) these skip, saying
why; under CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

try:
    from kubernetes import client, config, watch
except ImportError:
    if os.environ.get("CI") == "true":
        pytest.fail("the kubernetes Python client is not installed (pyproject's test extras), and CI needs it",
                    pytrace=False)
    pytest.skip("the kubernetes Python client is not installed: pip install kubernetes (pyproject's test extras)",
                allow_module_level=True)

from k8scourse.cluster import Cluster

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hello", "labels": {"app": "hello"}},
       "spec": {"containers": [{"name": "hello", "image": "nginx:1.27"}]}}


@pytest.fixture(scope="module")
def api():
    cluster = Cluster.quickstart(nodes=2)
    with cluster.serve(speed=10) as server:
        api_client = config.new_client_from_config(config_file=server.kubeconfig)
        yield client.CoreV1Api(api_client), client.AppsV1Api(api_client), server
        api_client.close()


def test_list_nodes_and_namespaces(api):
    core, _, _ = api
    assert [n.metadata.name for n in core.list_node().items] == ["node-1", "node-2"]
    names = {ns.metadata.name for ns in core.list_namespace().items}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names


def test_create_patch_watch_and_delete_a_pod(api):
    core, _, _ = api
    created = core.create_namespaced_pod("default", POD)
    assert created.metadata.name == "hello" and created.status.phase == "Pending"
    patched = core.patch_namespaced_pod("hello", "default", {"metadata": {"labels": {"tier": "web"}}})
    assert patched.metadata.labels == {"app": "hello", "tier": "web"}
    phases = []
    for event in watch.Watch().stream(core.list_namespaced_pod, "default", label_selector="app=hello",
                                      timeout_seconds=20):
        phases.append(event["object"].status.phase)
        if event["object"].status.phase == "Running":
            break
    assert phases[0] == "Pending" and phases[-1] == "Running"
    core.delete_namespaced_pod("hello", "default", grace_period_seconds=0)
    with pytest.raises(client.ApiException) as err:
        core.read_namespaced_pod("hello", "default")
    assert err.value.status == 404


def test_errors_come_back_as_api_exceptions(api):
    core, _, _ = api
    with pytest.raises(client.ApiException) as err:
        core.create_namespaced_pod("default", {**POD, "spec": {"containers": [{"name": "c"}]}})
    assert err.value.status == 422 and "spec.containers[0].image: Required value" in err.value.body


def test_scale_a_deployment(api):
    _, apps, _ = api
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}
    apps.create_namespaced_deployment("default", deployment)
    scale = apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
    assert scale.spec.replicas == 3
    assert apps.read_namespaced_deployment("web", "default").spec.replicas == 3


def test_a_watch_the_client_closes_leaves_nothing_behind(api):
    core, _, server = api
    stop = threading.Event()
    w = watch.Watch()

    def run() -> None:
        for _ in w.stream(core.list_namespaced_pod, "default", timeout_seconds=30):
            if stop.is_set():
                break

    thread = threading.Thread(target=run)
    thread.start()
    stop.set()
    core.create_namespaced_pod("default", {**POD, "metadata": {"name": "nudge"}})  # an event, so the loop sees stop
    w.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    deadline = time.monotonic() + 10
    while server.active_watches and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.active_watches == 0
