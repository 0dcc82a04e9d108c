"""Images: the cluster's registry, pulls that fail (ErrImagePull, ImagePullBackOff), pull policies."""

import pytest

from k8scourse.cluster import Cluster
from k8scourse.node.images import CATALOGUE, PullError, Registry, normalize
from k8scourse.node.kubelet import DEFAULT_POD_INFRA_CONTAINER_IMAGE


def pod(name: str, image: str, **container) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "web", "image": image, **container}]}}


def kubelet_events(cluster: Cluster, name: str) -> list[tuple[str, str, str, int]]:
    """(type, reason, message, count) of the kubelet's events about a pod, oldest first."""
    found = [e for e in cluster.api.list("events", "default")
             if e["involvedObject"]["name"] == name and e["source"]["component"] == "kubelet"]
    return [(e["type"], e["reason"], e["message"], e["count"]) for e in found]


def waiting(cluster: Cluster, name: str) -> dict:
    return cluster.api.get("pods", name)["status"]["containerStatuses"][0]["state"].get("waiting") or {}


@pytest.fixture
def cluster() -> Cluster:
    return Cluster.quickstart(nodes=1, seed=3)


UNKNOWN_REPO = ('rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/ngnix:lastest": '
                'failed to resolve reference "docker.io/library/ngnix:lastest": pull access denied, repository '
                "does not exist or may require authorization: server message: insufficient_scope: "
                "authorization failed")


def test_registry_knows_the_catalogue_and_refuses_typos_as_containerd_does():
    registry = Registry()
    assert registry.resolve(normalize("nginx:1.27")).size == 72_000_000
    assert "busybox:1.36" in registry and "nginx" in registry and DEFAULT_POD_INFRA_CONTAINER_IMAGE in registry
    with pytest.raises(PullError) as typo:
        registry.resolve(normalize("ngnix:lastest"))
    assert str(typo.value) == UNKNOWN_REPO
    with pytest.raises(PullError) as tag:
        registry.resolve(normalize("nginx:lastest"))
    assert str(tag.value) == (
        'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:lastest": '
        'failed to resolve reference "docker.io/library/nginx:lastest": docker.io/library/nginx:lastest: not found')
    with pytest.raises(PullError, match='lookup registry.example: no such host'):
        registry.resolve(normalize("registry.example/app:1"))


def test_every_image_the_course_uses_is_in_the_catalogue():
    registry = Registry()
    for image in ("nginx:1.25", "nginx:1.27", "nginx:1.28", "busybox:1.36", "redis:7.2", "redis:7.4", "httpd:2.4",
                  "postgres:16", "registry.k8s.io/etcd:3.5.15-0", "registry.k8s.io/pause:3.10",
                  "registry.access.redhat.com/rhel7/pod-infrastructure:latest",
                  "registry.k8s.io/kube-apiserver:v1.31.0", "registry.k8s.io/busybox:1.27.2"):
        assert image in registry, image
    assert all(tags for _, tags in CATALOGUE.values())


def test_a_notebook_adds_its_own_images_to_its_own_cluster():
    one, two = Cluster(seed=1), Cluster(seed=1)
    assert one.registry.add("myapp:1.0", ports=[8080], http_paths=["/healthz"]) == "docker.io/library/myapp:1.0"
    assert "myapp:1.0" in one.registry and "myapp:1.0" not in two.registry  # no state shared between clusters
    assert "myapp:2.0" not in one.registry
    one.registry.add("localhost:5000/tools:dev")
    assert "localhost:5000/tools:dev" in one.registry
    assert "docker.io/library/myapp:1.0" in one.registry.images()
    with pytest.raises(TypeError, match="image must be a non-empty string"):
        one.registry.add(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="size must be a positive number of bytes"):
        one.registry.add("x:1", size=0)


def test_an_added_image_runs(cluster):
    cluster.registry.add("myapp:1.0", size=20_000_000)
    cluster.apply(pod("app", "myapp:1.0"))
    cluster.run(10)
    assert "Running" in cluster.kubectl("get pod app")
    assert ("Normal", "Pulled", 'Successfully pulled image "myapp:1.0" in 2s (2s including waiting). '
            "Image size: 20000000 bytes.", 1) in kubelet_events(cluster, "app")


def test_a_typo_gives_err_image_pull_then_image_pull_back_off(cluster):
    cluster.apply(pod("typo", "ngnix:lastest"))
    cluster.run(3)
    states = []
    for _ in range(60):
        cluster.run(1)
        state = waiting(cluster, "typo").get("reason")
        if not states or states[-1] != state:
            states.append(state)
    assert states[:4] == ["ImagePullBackOff", "ErrImagePull", "ImagePullBackOff", "ErrImagePull"]
    events = kubelet_events(cluster, "typo")
    reasons = [(kind, reason, message) for kind, reason, message, _ in events]
    assert reasons[:5] == [
        ("Normal", "Pulling", 'Pulling image "ngnix:lastest"'),
        ("Warning", "Failed", f'Failed to pull image "ngnix:lastest": {UNKNOWN_REPO}'),
        ("Warning", "Failed", "Error: ErrImagePull"),
        ("Normal", "BackOff", 'Back-off pulling image "ngnix:lastest"'),
        ("Warning", "Failed", "Error: ImagePullBackOff"),
    ]
    table = cluster.kubectl("get pod typo").splitlines()[1].split()
    assert table[1:3] in (["0/1", "ImagePullBackOff"], ["0/1", "ErrImagePull"])
    pod_status = cluster.api.get("pods", "typo")["status"]
    assert pod_status["phase"] == "Pending"


def test_pulls_back_off_from_10s_doubling_to_300s(cluster):
    cluster.apply(pod("typo", "nginx:lastest"))
    pulls = []
    for _ in range(1500):
        cluster.run(1)
        count = next((c for _, reason, _, c in kubelet_events(cluster, "typo") if reason == "Pulling"), 0)
        if count > len(pulls):
            pulls.append(cluster.now)
    gaps = [b - a for a, b in zip(pulls, pulls[1:])]
    assert len(gaps) >= 7
    # A retry comes at the first sync past the back-off; syncs are 10 to 15 s apart after a failure.
    for gap, backoff in zip(gaps, [10, 20, 40, 80, 160, 300, 300]):
        assert backoff <= gap <= backoff + 17, (gap, backoff)
    assert waiting(cluster, "typo")["reason"] in ("ImagePullBackOff", "ErrImagePull")


def test_image_never_pull_when_missing(cluster):
    cluster.apply(pod("never", "nginx:1.27", imagePullPolicy="Never"))
    cluster.run(5)
    assert waiting(cluster, "never") == {
        "reason": "ErrImageNeverPull",
        "message": 'Container image "nginx:1.27" is not present with pull policy of Never'}
    events = [(kind, reason, message) for kind, reason, message, _ in kubelet_events(cluster, "never")]
    assert events[:2] == [
        ("Warning", "ErrImageNeverPull", 'Container image "nginx:1.27" is not present with pull policy of Never'),
        ("Warning", "Failed", "Error: ErrImageNeverPull")]
    assert "ErrImageNeverPull" in cluster.kubectl("get pod never")


def test_image_never_pull_runs_an_image_already_there(cluster):
    cluster.apply(pod("first", "nginx:1.27"))
    cluster.run(10)
    cluster.apply(pod("second", "nginx:1.27", imagePullPolicy="Never"))
    cluster.run(3)
    assert ("Normal", "Pulled", 'Container image "nginx:1.27" already present on machine', 1) in \
        kubelet_events(cluster, "second")
    assert "Running" in cluster.kubectl("get pod second")


def test_always_pulls_at_every_start(cluster):
    cluster.apply(pod("always", "busybox:1.36", imagePullPolicy="Always", command=["sh", "-c", "sleep 1"]))
    cluster.run(30)
    pulling = next(c for _, reason, _, c in kubelet_events(cluster, "always") if reason == "Pulling")
    started = next(c for _, reason, _, c in kubelet_events(cluster, "always") if reason == "Started")
    assert pulling == started >= 2


def test_an_unknown_pause_image_fails_the_sandbox():
    cluster = Cluster(seed=0)
    cluster.add_node(pod_infra_container_image="registry.k8s.io/pause:3.99")
    cluster.run(10)
    cluster.apply(pod("web", "nginx:1.27"))
    cluster.run(5)
    ref = "registry.k8s.io/pause:3.99"
    assert ("Warning", "FailedCreatePodSandBox",
            f'Failed to create pod sandbox: rpc error: code = NotFound desc = failed to get sandbox image "{ref}": '
            f'failed to pull image "{ref}": failed to pull and unpack image "{ref}": failed to resolve reference '
            f'"{ref}": {ref}: not found', 1) in kubelet_events(cluster, "web")
    assert "ContainerCreating" in cluster.kubectl("get pod web")


@pytest.mark.parametrize("image, error", [
    ("NGINX", "invalid reference format: repository name (library/NGINX) must be lowercase"),
    ("docker.io/Library/nginx:1.27", "invalid reference format: repository name (Library/nginx) must be lowercase"),
    ("nginx:", "invalid reference format"),
    ("nginx 1.27", "invalid reference format"),
])
def test_an_unparsable_image_name_is_invalid_image_name(cluster, image, error):
    cluster.apply(pod("bad", image))
    cluster.run(5)
    message = f'Failed to apply default image tag "{image}": couldn\'t parse image reference "{image}": {error}'
    assert waiting(cluster, "bad") == {"reason": "InvalidImageName", "message": message}
    events = [(kind, reason, text) for kind, reason, text, _ in kubelet_events(cluster, "bad")]
    assert events[:2] == [("Warning", "InspectFailed", message), ("Warning", "Failed", "Error: InvalidImageName")]
    assert "InvalidImageName" in cluster.kubectl("get pod bad")


def test_registry_add_refuses_bad_arguments_and_keeps_a_repositorys_description():
    registry = Registry()
    with pytest.raises(ValueError, match=r"repository name \(library/MyApp\) must be lowercase"):
        registry.add("MyApp:1.0")
    with pytest.raises(TypeError, match="ports must be port numbers between 1 and 65535"):
        registry.add("myapp:1.0", ports=[0])
    with pytest.raises(TypeError, match="http_paths must be paths starting with '/'"):
        registry.add("myapp:1.0", http_paths=["healthz"])
    registry.add("nginx:9.9")
    assert registry.resolve(normalize("nginx:9.9")) == registry.resolve(normalize("nginx:1.27"))
    registry.add("myapp:1.0", ports=[8080])
    registry.add("myapp:2.0", size=1_000_000)
    assert registry.resolve(normalize("myapp:2.0")).ports == (8080,)
    assert registry.resolve(normalize("myapp:2.0")).size == 1_000_000
