"""The node's pure parts: image names and pulls, what a command does, pod IPs, back-off, and Go's
duration format."""

import random

import pytest

from k8scourse.clock import VirtualClock
from k8scourse.node.backoff import Backoff
from k8scourse.node.cni import AddressesExhausted, HostLocalIPAM
from k8scourse.node.events import go_duration, pulled
from k8scourse.node.images import ImageService, Registry, normalize, pull_seconds
from k8scourse.node.node_status import NodeStatus, status_changed
from k8scourse.node.programs import Output, Program, program_of, run_script
from k8scourse.node.runtime import ContainerRuntime, docker_duration
from k8scourse.node.static_pods import mirror_pod, rfc3339_nano, static_pod


@pytest.mark.parametrize("image, full", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.27", "docker.io/library/nginx:1.27"),
    ("bitnami/redis", "docker.io/bitnami/redis:latest"),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
    ("busybox@sha256:abcd", "docker.io/library/busybox@sha256:abcd"),
])
def test_image_names_are_normalised_as_docker_does(image, full):
    assert normalize(image) == full


def test_pulls_take_time_by_size_and_queue_one_at_a_time():
    clock = VirtualClock()
    images = ImageService(clock)
    done = []
    images.pull(normalize("nginx"), lambda error, took, total, size: done.append((clock.now, took, total, size)))
    images.pull(normalize("busybox"), lambda error, took, total, size: done.append((clock.now, took, total, size)))
    clock.run(10)
    assert done == [(7.2, 7.2, 7.2, 72_000_000), (pytest.approx(7.4), 0.2, pytest.approx(7.4), 2_200_000)]
    assert pull_seconds(Registry().resolve(normalize("registry.k8s.io/pause:3.10")).size) == 0.1
    assert [ref for ref, _ in images.images()] == ["docker.io/library/nginx:latest",
                                                   "docker.io/library/busybox:latest"]


def test_pulled_message_uses_gos_durations():
    assert pulled("nginx", 7.2, 12.3456, 10) == \
        'Successfully pulled image "nginx" in 7.2s (12.345s including waiting). Image size: 10 bytes.'


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (0.5, "500ms"), (0.0015, "1.5ms"), (7.2, "7.2s"), (10, "10s"), (80, "1m20s"),
    (300, "5m0s"), (3600, "1h0m0s"), (3725.5, "1h2m5.5s"),
])
def test_go_duration(seconds, text):
    assert go_duration(seconds) == text


@pytest.mark.parametrize("seconds, text", [
    (0.5, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"),
    (600, "10 minutes"), (3600, "About an hour"), (7200, "2 hours"),
])
def test_docker_ps_durations(seconds, text):
    assert docker_duration(seconds) == text


BUSYBOX, NGINX = Registry().resolve(normalize("busybox")), Registry().resolve(normalize("nginx"))


@pytest.mark.parametrize("container, image, program", [
    # a server: runs until stopped, stops on SIGTERM, listens on its image's port
    ({}, NGINX, Program(None, 0, True, (), (80,), ("/", "/index.html"))),
    ({}, BUSYBOX, Program(0.0, 0, False)),  # sh without a terminal exits at once
    ({"tty": True, "stdin": True}, BUSYBOX, Program(None, 0, False)),
    ({"command": ["sleep", "3600"]}, BUSYBOX, Program(3600.0, 0, False)),
    ({"command": ["sleep", "infinity"]}, BUSYBOX, Program(None, 0, False)),
    ({"command": ["sh", "-c", "sleep 5; exit 1"]}, BUSYBOX, Program(5.0, 1, False)),
    ({"command": ["sh", "-c"], "args": ["sleep 1m && exit 3"]}, BUSYBOX, Program(60.0, 3, False)),
    ({"command": ["sh", "-c", "false || echo recovered"]}, BUSYBOX,  # echo prints: the container's log
     Program(0.0, 0, False, output=(Output(0.0, "recovered"),))),
    ({"command": ["sh", "-c", "false && echo never"]}, BUSYBOX, Program(0.0, 1, False)),
    ({"command": ["sh", "-c", "while true; do sleep 1; done"]}, BUSYBOX, Program(None, 0, False)),
    ({"command": ["nginx", "-g", "daemon off;"]}, NGINX, Program(None, 0, True)),
    ({"args": ["sleep", "10"]}, BUSYBOX, Program(10.0, 0, False)),  # args replace busybox's CMD
])
def test_what_a_command_does(container, image, program):
    assert program_of(container, image) == program


def test_shell_syntax_errors_exit_2():
    assert run_script('echo "unterminated') == Program(0.0, 2, False)
    assert run_script("exit nope") == Program(0.0, 2, False)


def test_host_local_hands_out_addresses_round_robin():
    ipam = HostLocalIPAM("10.244.1.0/29")  # .1 is the gateway; .2 to .6 for pods
    assert ipam.gateway == "10.244.1.1"
    assert [ipam.allocate() for _ in range(3)] == ["10.244.1.2", "10.244.1.3", "10.244.1.4"]
    ipam.release("10.244.1.2")
    assert [ipam.allocate() for _ in range(3)] == ["10.244.1.5", "10.244.1.6", "10.244.1.2"]
    with pytest.raises(AddressesExhausted, match="no IP addresses available in range set: 10.244.1.1-10.244.1.6"):
        ipam.allocate()


def test_pod_cidr_may_have_host_bits_but_must_parse():
    assert str(HostLocalIPAM("10.244.1.7/24").network) == "10.244.1.0/24"
    with pytest.raises(ValueError, match='podCIDR: Invalid value: "10.244.1.0/33": must be a valid CIDR'):
        HostLocalIPAM("10.244.1.0/33")


def test_backoff_starts_at_10s_doubles_to_5m_and_resets_after_10m():
    backoff = Backoff()
    key = "web"
    assert not backoff.in_backoff_since(key, 0, 0)
    backoff.next(key, 0, 0)
    assert backoff.get(key) == 10 and backoff.in_backoff_since(key, 1, 10.9)
    assert not backoff.in_backoff_since(key, 1, 11)
    for expected in (20, 40, 80, 160, 300, 300):
        backoff.next(key, 2, 2)
        assert backoff.get(key) == expected
    backoff.next(key, 2 + 601, 603)  # it ran for more than 2 x 5 minutes since the last update
    assert backoff.get(key) == 10


def test_allocatable_is_capacity_minus_reservations():
    status = NodeStatus("n", "10.0.0.1", random.Random(0), capacity={"cpu": "1", "memory": "1000Mi",
                                                                      "ephemeral-storage": "10G"},
                        reserved={"cpu": "100m"}, max_pods=10)
    assert status.allocatable == {"cpu": "900m", "ephemeral-storage": "9G", "hugepages-1Gi": "0",
                                  "hugepages-2Mi": "0", "memory": "900Mi", "pods": "10"}
    with pytest.raises(ValueError, match=r"reserved\[memory\]"):
        NodeStatus("n", "10.0.0.1", random.Random(0), capacity=None, reserved={"memory": "lots"}, max_pods=1)


def test_node_status_change_ignores_heartbeats():
    node = NodeStatus("n", "10.0.0.1", random.Random(0), capacity=None, reserved=None, max_pods=110)
    first, events = node.status({}, 0, [])
    assert events == ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"]
    later, events = node.status(first, 10, [])
    assert events == [] and not status_changed(first, later)
    assert status_changed(first, node.status(first, 10, [("docker.io/library/nginx:latest", 1)])[0])
    unknown = {**first, "conditions": [{**c, "status": "Unknown"} for c in first["conditions"]]}
    assert node.status(unknown, 20, [])[1][-1] == "NodeReady"  # back from the node controller's Unknown


def test_static_pod_defaults_and_mirror():
    pod = static_pod({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "etcd"},
                      "spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.15-0"}]}},
                     "/etc/kubernetes/manifests/etcd.yaml", "Master-1", 20.5)
    meta = pod["metadata"]
    assert (meta["name"], meta["namespace"], pod["spec"]["nodeName"]) == ("etcd-master-1", "default", "Master-1")
    assert meta["annotations"]["kubernetes.io/config.hash"] == meta["uid"] and len(meta["uid"]) == 32
    assert meta["annotations"]["kubernetes.io/config.seen"] == "2025-01-01T00:00:20.5Z"
    mirror = mirror_pod(pod, "master-1", "node-uid")
    assert "uid" not in mirror["metadata"] and "uid" in meta  # the static pod is left alone
    assert mirror["metadata"]["annotations"]["kubernetes.io/config.mirror"] == meta["uid"]
    assert rfc3339_nano(0) == "2025-01-01T00:00:00Z"


def test_runtime_files_resolve_the_deepest_mount():
    clock = VirtualClock()
    runtime = ContainerRuntime(clock, random.Random(0), pod_cidr="10.244.0.0/24", host_ip="10.0.0.1",
                               sandbox_image="registry.k8s.io/pause:3.10")
    made = []
    runtime.run_pod_sandbox("p", "default", "uid", host_network=False, done=lambda s, e: made.append(s),
                            volumes=[{"name": "a", "emptyDir": {}}, {"name": "b", "emptyDir": {}}])
    clock.run(2)
    spec = {"name": "c", "image": "busybox", "command": ["sleep", "60"],
            "volumeMounts": [{"name": "a", "mountPath": "/data"}, {"name": "b", "mountPath": "/data/deep"}]}
    container = runtime.create_container(made[0], spec, 0)
    runtime.write_file(container, "/data/deep/x", "1")
    assert made[0].volumes["b"].files == {"/x": "1"} and made[0].volumes["a"].files == {}
