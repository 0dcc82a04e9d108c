"""Container images on one node: their full names, sizes, and pulls that take time.

``image: nginx`` is short for ``docker.io/library/nginx:latest``: the runtime
fills in the registry, the ``library/`` namespace and the ``latest`` tag
(docker's reference normalisation, ``github.com/distribution/reference``).

A pull takes virtual time in proportion to the image's size. Real pulls
depend on the registry and the network; the course fixes both so every run
tells the same story: sizes come from a small catalogue and the link moves
``PULL_BYTES_PER_SECOND``. The kubelet pulls one image at a time
(``serializeImagePulls: true`` is the default,
``pkg/kubelet/apis/config/v1beta1/defaults.go``), so a pull may first wait
for the ones queued before it: the Pulled event reports both times.
"""

from __future__ import annotations

import hashlib
from collections import deque
from typing import Callable, NamedTuple

from k8scourse.clock import Timer, VirtualClock

#: Course value: a 10 MB/s link to every registry.
PULL_BYTES_PER_SECOND = 10_000_000
#: Course value: re-pulling an image that is already present (``imagePullPolicy:
#: Always``) only fetches its manifest.
MANIFEST_CHECK_SECONDS = 0.5


class ImageInfo(NamedTuple):
    """What the course knows about an image: its size, and whether its default
    command is a shell (which exits at once without a terminal)."""

    size: int
    shell: bool = False


#: Approximate compressed sizes of images the course uses (registry listings,
#: rounded). The pause images hold the pod's namespaces and nothing else.
CATALOGUE: dict[str, ImageInfo] = {
    "docker.io/library/nginx": ImageInfo(72_000_000),
    "docker.io/library/httpd": ImageInfo(58_000_000),
    "docker.io/library/redis": ImageInfo(45_000_000),
    "docker.io/library/busybox": ImageInfo(2_200_000, shell=True),
    "docker.io/library/alpine": ImageInfo(3_600_000, shell=True),
    "docker.io/library/ubuntu": ImageInfo(29_700_000, shell=True),
    "registry.k8s.io/pause": ImageInfo(320_000),
    # The seed's --pod-infra-container-image: a full RHEL 7 userland around the pause binary.
    "registry.access.redhat.com/rhel7/pod-infrastructure": ImageInfo(205_000_000),
    "registry.k8s.io/etcd": ImageInfo(57_000_000),
    "registry.k8s.io/kube-apiserver": ImageInfo(28_000_000),
    "registry.k8s.io/kube-controller-manager": ImageInfo(26_000_000),
    "registry.k8s.io/kube-scheduler": ImageInfo(19_000_000),
    "registry.k8s.io/kube-proxy": ImageInfo(29_000_000),
}
UNKNOWN_IMAGE = ImageInfo(50_000_000)  # course value for images not in the catalogue


def normalize(image: str) -> str:
    """The full reference the runtime reports: ``nginx`` -> ``docker.io/library/nginx:latest``."""
    name, at, digest = image.partition("@")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        domain, path = first, rest
    else:
        domain, path = "docker.io", name
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    if not at and ":" not in path.rpartition("/")[2]:
        path += ":latest"
    return f"{domain}/{path}{at}{digest}"


def repository(ref: str) -> str:
    """A normalised reference without its tag or digest."""
    name = ref.partition("@")[0]
    head, slash, last = name.rpartition("/")
    return f"{head}{slash}{last.partition(':')[0]}"


def info(ref: str) -> ImageInfo:
    return CATALOGUE.get(repository(ref), UNKNOWN_IMAGE)


def image_id(ref: str) -> str:
    """The repo digest the runtime reports (``imageID``); a stand-in hash of the name."""
    return f"{repository(ref)}@sha256:{hashlib.sha256(ref.encode()).hexdigest()}"


def pull_seconds(size: int) -> float:
    """Course value: size over ``PULL_BYTES_PER_SECOND``, to a tenth of a second."""
    return max(0.1, round(size / PULL_BYTES_PER_SECOND, 1))


PullDone = Callable[[float, float, int], None]  # (pull seconds, seconds including waiting, size)


class ImageService:
    """The images a node holds, and its pull queue (the CRI ImageService)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.present: dict[str, int] = {}  # normalised reference -> size in bytes
        self._queue: deque[tuple[str, float, PullDone]] = deque()
        self._current: Timer | None = None  # the pull in progress
        self._fetching: dict[str, float] = {}  # sandbox images being fetched -> when they land

    def is_present(self, ref: str) -> bool:
        return ref in self.present

    def pull(self, ref: str, done: PullDone) -> None:
        """Queue a pull of ``ref``; ``done`` is called when it has landed."""
        self._queue.append((ref, self.clock.now, done))
        if self._current is None:
            self._next()

    def _next(self) -> None:
        if not self._queue:
            self._current = None
            return
        ref, queued_at, done = self._queue.popleft()
        size = info(ref).size
        took = MANIFEST_CHECK_SECONDS if ref in self.present else pull_seconds(size)
        self._current = self.clock.schedule(took, self._landed, ref, size, took, queued_at, done)

    def _landed(self, ref: str, size: int, took: float, queued_at: float, done: PullDone) -> None:
        self.present[ref] = size
        done(took, self.clock.now - queued_at, size)
        self._next()

    def sandbox_image_delay(self, ref: str) -> float:
        """Seconds until the sandbox image is present, fetching it if needed.

        The runtime pulls its pause image itself, outside the kubelet's queue
        and without events (containerd's ``sandbox_image``).
        """
        if ref in self.present:
            return 0.0
        if ref not in self._fetching:
            size = info(ref).size
            self._fetching[ref] = self.clock.now + pull_seconds(size)
            self.clock.schedule(pull_seconds(size), self._fetched, ref, size)
        return self._fetching[ref] - self.clock.now

    def _fetched(self, ref: str, size: int) -> None:
        if self._fetching.pop(ref, None) is not None:
            self.present[ref] = size

    def images(self) -> list[tuple[str, int]]:
        """(reference, size) of every present image, largest first, as node status lists them."""
        return sorted(self.present.items(), key=lambda item: (-item[1], item[0]))

    def power_off(self) -> None:
        """The machine stops: pulls in flight are lost; images on disk stay."""
        if self._current is not None:
            self._current.cancel()
        self._current = None
        self._queue.clear()
        self._fetching.clear()
