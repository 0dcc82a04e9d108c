"""Container logs: what the container programs print, read by the course's ``kubectl logs`` and,
through the served cluster's ``pods/log``, by the real kubectl, which must agree."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from k8scourse.cluster import Cluster
from k8scourse.master.pod_log import rfc3339_nano
from k8scourse.timefmt import parse_rfc3339

from test_serve import call

PODS = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: web, image: "nginx:1.25"}
  - name: ticker
    image: busybox
    command: [sh, -c, "echo starting; sleep 2.5; echo tick; exit 3"]
---
apiVersion: v1
kind: Pod
metadata: {name: broken}
spec:
  containers:
  - {name: app, image: "ngnix:1.25"}
"""


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster.quickstart(nodes=1)
    cluster.apply(PODS)
    cluster.run(60)
    return cluster


def test_a_server_prints_its_start_up_lines(cluster):
    out = cluster.kubectl("logs web")
    assert out.startswith('Defaulted container "web" out of: web, ticker\n'
                          "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform "
                          "configuration\n")
    started = cluster.api.get("pods", "web")["status"]["containerStatuses"][1]["state"]["running"]["startedAt"]
    stamp = started[:10].replace("-", "/") + " " + started[11:19]
    assert out.endswith(f'{stamp} [notice] 1#1: using the "epoll" event method\n'
                        f"{stamp} [notice] 1#1: start worker processes\n")
    assert cluster.kubectl("logs web -c web --tail=1") == f"{stamp} [notice] 1#1: start worker processes\n"


def test_a_script_prints_its_echo_lines_when_it_reaches_them_and_previous_shows_the_last_run(cluster):
    assert cluster.kubectl("logs web -c ticker") in ("starting\n", "starting\ntick\n")  # the current run
    [status] = [s for s in cluster.api.get("pods", "web")["status"]["containerStatuses"] if s["name"] == "ticker"]
    started = status["lastState"]["terminated"]["startedAt"]
    previous = [line.split(" ", 1) for line in cluster.kubectl("logs -p --timestamps web -c ticker").splitlines()]
    assert [text for _, text in previous] == ["starting", "tick"]
    assert previous[0][0].startswith(started[:-1])  # at the start, to the nanosecond
    assert parse_rfc3339(previous[1][0]) - parse_rfc3339(previous[0][0]) == 2.5  # after the script's sleep 2.5


def test_nginx_logs_each_probe_request_so_a_failing_liveness_probe_shows_in_the_previous_log():
    cluster = Cluster.quickstart(nodes=1)
    cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  containers:
  - name: web
    image: nginx:1.25
    livenessProbe: {httpGet: {path: /healthz, port: 80}}
    readinessProbe: {httpGet: {path: /, port: 80}}
""")
    cluster.run(45)
    previous = cluster.kubectl("logs probed -p --tail=3").splitlines()
    assert previous[-1].startswith('10.244.1.1 - - [01/Jan/2025:00:00:')  # cni0's address, nginx's time format
    assert previous[-1].endswith(' +0000] "GET /healthz HTTP/1.1" 404 153 "-" "kube-probe/1.31" "-"')
    assert '"GET / HTTP/1.1" 200 615 "-" "kube-probe/1.31" "-"' in "\n".join(previous)


def test_timestamps_print_as_gos_rfc3339nano():
    assert rfc3339_nano(5) == "2025-01-01T00:00:05Z"
    assert rfc3339_nano(5.25) == "2025-01-01T00:00:05.25Z"


@pytest.mark.parametrize("command, message", [
    ("logs web -c nope", "error: container nope is not valid for pod web"),
    ("logs nope", 'error: error from server (NotFound): pods "nope" not found in namespace "default"'),
    ("logs web -c web -p",
     'Error from server (BadRequest): previous terminated container "web" in pod "web" not found'),
    ("logs broken", 'Error from server (BadRequest): container "app" in pod "broken" is waiting to start: '
                    "trying and failing to pull image"),
    ("logs", "error: expected POD or TYPE/NAME is a required argument for the logs command\n"
             "See 'kubectl logs -h' for help and examples"),
    ("logs web web -c web", "error: only one of -c or an inline [CONTAINER] arg is allowed\n"
                            "See 'kubectl logs -h' for help and examples"),
])
def test_bad_requests_are_refused_as_kubectl_does(cluster, command, message):
    out = cluster.kubectl(command)
    assert (out.exit_code, out.rstrip("\n")) == (1, message)


def test_the_served_log_endpoint_answers_text_and_bad_requests(cluster):
    with cluster.serve() as server, server.paused():
        code, body = call(server, "GET", "/api/v1/namespaces/default/pods/web/log?container=ticker&previous=true&tailLines=1")
        assert (code, body) == (200, "tick\n")
        code, body = call(server, "GET", "/api/v1/namespaces/default/pods/web/log")
        assert (code, body["message"]) == (400, "a container name must be specified for pod web, choose one of: "
                                                "[web ticker]")


KUBECTL = shutil.which("kubectl")


# without kubectl: skipped, but under CI it runs and fails (the real-kubectl tests must run there)
@pytest.mark.skipif(KUBECTL is None and os.environ.get("CI") != "true",
                    reason="kubectl is not installed: this test runs the real kubectl")
@pytest.mark.parametrize("args", [
    "logs web", "logs web -c ticker", "logs web -c ticker -p --timestamps", "logs web -c web --tail=2",
    "logs web -c nope", "logs web -c web -p", "logs broken", "logs nope",
])
def test_real_kubectl_and_the_course_agree(cluster, args, tmp_path):
    with cluster.serve() as server, server.paused():
        done = subprocess.run([KUBECTL, "--kubeconfig", server.kubeconfig, "--cache-dir", str(tmp_path),
                               *args.split()], capture_output=True, text=True, timeout=60)
        with server.lock:
            ours = cluster.kubectl(args)
    assert (done.stderr + done.stdout, done.returncode) == (str(ours), ours.exit_code)
