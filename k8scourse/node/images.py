"""Container images: the registries a cluster pulls from, and the images on one node.

``image: nginx`` is short for ``docker.io/library/nginx:latest``: the runtime
fills in the registry, the ``library/`` namespace and the ``latest`` tag
(docker's reference normalisation, ``github.com/distribution/reference``).
A name that does not parse (``NGINX``, ``nginx:``) never reaches a registry:
the kubelet reports InvalidImageName.

**The registry** (:class:`Registry`, one per cluster: ``cluster.registry``)
knows a small catalogue, :data:`CATALOGUE`: a few tags of nginx, httpd,
redis, postgres, busybox, alpine and ubuntu on Docker Hub, the pause images,
and the control-plane images kubeadm runs (v1.31). A name or tag it does not
know fails to pull, as a typo does on a real cluster (``ngnix:lastest``:
ErrImagePull, then ImagePullBackOff). A notebook adds its own images with
``cluster.registry.add("myapp:1.0", ports=[8080], http_paths=["/healthz"])``.

**Pulls** take virtual time in proportion to the image's size. Real pulls
depend on the registry and the network; the course fixes both so every run
tells the same story: sizes come from the catalogue and the link moves
``PULL_BYTES_PER_SECOND``. The kubelet pulls one image at a time
(``serializeImagePulls: true`` is the default,
``pkg/kubelet/apis/config/v1beta1/defaults.go``), so a pull may first wait
for the ones queued before it: the Pulled event reports both times.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, NamedTuple

from k8scourse.clock import Timer, VirtualClock

#: Course value: a 10 MB/s link to every registry.
PULL_BYTES_PER_SECOND = 10_000_000
#: Course value: fetching an image's manifest, all a re-pull of a present image
#: (``imagePullPolicy: Always``) or a failed pull does.
MANIFEST_CHECK_SECONDS = 0.5


class ImageInfo(NamedTuple):
    """What the course knows about an image: its size, whether its default
    command is a shell (which exits at once without a terminal), the ports its
    default command listens on, and the HTTP paths it answers 200 on (any
    port of the image; other paths get 404; none: it does not speak HTTP)."""

    size: int
    shell: bool = False
    ports: tuple[int, ...] = ()
    http_paths: tuple[str, ...] = ()


_WEB = ("/", "/index.html")
#: repository -> (what its images are, the tags the registry holds). Sizes are
#: approximate compressed sizes from registry listings, rounded. Read-only: each
#: cluster's Registry starts from a copy.
CATALOGUE: Mapping[str, tuple[ImageInfo, tuple[str, ...]]] = MappingProxyType({
    "docker.io/library/nginx": (ImageInfo(72_000_000, ports=(80,), http_paths=_WEB),
                                ("latest", "stable", "1.25", "1.26", "1.27", "1.28", "1.29")),
    "docker.io/library/httpd": (ImageInfo(58_000_000, ports=(80,), http_paths=_WEB), ("latest", "2.4")),
    "docker.io/library/redis": (ImageInfo(45_000_000, ports=(6379,)), ("latest", "7.2", "7.4", "8.0")),
    "docker.io/library/postgres": (ImageInfo(150_000_000, ports=(5432,)), ("latest", "15", "16", "17")),
    "docker.io/library/busybox": (ImageInfo(2_200_000, shell=True), ("latest", "1.35", "1.36", "1.37")),
    "docker.io/library/alpine": (ImageInfo(3_600_000, shell=True), ("latest", "3.19", "3.20", "3.21")),
    "docker.io/library/ubuntu": (ImageInfo(29_700_000, shell=True), ("latest", "22.04", "24.04")),
    # The busybox of Kubernetes' own documentation examples (exec-liveness.yaml, ...).
    "registry.k8s.io/busybox": (ImageInfo(1_300_000, shell=True), ("latest", "1.27.2")),
    # The pause images hold the pod's namespaces and nothing else.
    "registry.k8s.io/pause": (ImageInfo(320_000), ("3.8", "3.9", "3.10")),
    # The seed's --pod-infra-container-image: a full RHEL 7 userland around the pause binary.
    "registry.access.redhat.com/rhel7/pod-infrastructure": (ImageInfo(205_000_000), ("latest",)),
    # What kubeadm v1.31 runs (cmd/kubeadm/app/constants: etcd 3.5.15-0, CoreDNS v1.11.3), with the
    # ports and health endpoints its static pods' probes use (etcd's metrics listener is 2381).
    "registry.k8s.io/etcd": (ImageInfo(57_000_000, ports=(2379, 2380, 2381), http_paths=("/health", "/readyz",
                                                                                    "/livez")), ("3.5.15-0",)),
    "registry.k8s.io/coredns/coredns": (ImageInfo(18_000_000, ports=(53, 8080, 8181),
                                                  http_paths=("/health", "/ready")), ("v1.11.3",)),
    **{f"registry.k8s.io/{name}": (ImageInfo(size, ports=(port,), http_paths=("/healthz", "/livez", "/readyz")),
                                   tuple(f"v1.31.{p}" for p in range(5)))
       for name, size, port in (("kube-apiserver", 28_000_000, 6443),
                                ("kube-controller-manager", 26_000_000, 10257),
                                ("kube-scheduler", 19_000_000, 10259), ("kube-proxy", 29_000_000, 10256))},
})
#: Registries the simulated network reaches; a pull from any other host fails its DNS lookup.
REGISTRY_HOSTS = frozenset({"docker.io", "registry.k8s.io", "registry.access.redhat.com", "quay.io", "ghcr.io"})
#: Course value: the size of an image a notebook adds without saying.
DEFAULT_SIZE = 50_000_000


class PullError(Exception):
    """The registry refused a pull; the message is containerd's, as the kubelet relays it."""


def _containerd_error(ref: str, code: str, reason: str) -> PullError:
    """containerd 1.7's wording for a reference it could not resolve (CRI PullImage)."""
    return PullError(f'rpc error: code = {code} desc = failed to pull and unpack image "{ref}": '
                     f'failed to resolve reference "{ref}": {reason}')


class Registry:
    """The images a cluster can pull: :data:`CATALOGUE` plus what a notebook adds."""

    def __init__(self) -> None:
        self._repositories: dict[str, tuple[ImageInfo, set[str]]] = {
            repo: (image, set(tags)) for repo, (image, tags) in CATALOGUE.items()}
        self._hosts = set(REGISTRY_HOSTS)

    def add(self, image: str, *, size: int | None = None, shell: bool | None = None,
            ports: Iterable[int] | None = None, http_paths: Iterable[str] | None = None) -> str:
        """Publish ``image`` (e.g. ``"myapp:1.0"``); returns its full reference.

        ``size`` in bytes (default 50 MB), ``shell``: whether its default command
        is a shell, ``ports``: what its default command listens on (probes reach
        them), ``http_paths``: where it answers HTTP 200 there. A new tag of a
        known repository keeps the repository's description, but for what is given."""
        if not isinstance(image, str) or not image:
            raise TypeError(f"image must be a non-empty string like 'myapp:1.0', not {image!r}")
        check_reference(image)
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size <= 0):
            raise TypeError(f"size must be a positive number of bytes, not {size!r}")
        listens = None if ports is None else tuple(ports)
        if listens is not None and not all(type(p) is int and 0 < p < 65536 for p in listens):
            raise TypeError(f"ports must be port numbers between 1 and 65535, not {ports!r}")
        paths = None if http_paths is None else tuple(http_paths)
        if paths is not None and not all(isinstance(p, str) and p.startswith("/") for p in paths):
            raise TypeError(f"http_paths must be paths starting with '/', not {http_paths!r}")
        ref = normalize(image)
        repo, tag = repository(ref), _tag(ref)
        known, tags = self._repositories.get(repo, (ImageInfo(DEFAULT_SIZE), set()))
        info = ImageInfo(known.size if size is None else size, known.shell if shell is None else bool(shell),
                         known.ports if listens is None else listens, known.http_paths if paths is None else paths)
        self._repositories[repo] = (info, tags | {tag})
        self._hosts.add(repo.partition("/")[0])
        return ref

    def resolve(self, ref: str) -> ImageInfo:
        """What ``ref`` (normalised) is, or the PullError containerd would report."""
        repo = repository(ref)
        host = repo.partition("/")[0]
        if host not in self._hosts:
            path = repo.partition("/")[2]
            raise _containerd_error(ref, "Unknown", f'failed to do request: Head "https://{host}/v2/{path}/'
                                    f'manifests/{_tag(ref)}": dial tcp: lookup {host}: no such host')
        known = self._repositories.get(repo)
        if known is None and host == "docker.io":
            raise _containerd_error(ref, "Unknown", "pull access denied, repository does not exist or may "
                                    "require authorization: server message: insufficient_scope: "
                                    "authorization failed")
        if known is None or ("@" not in ref and _tag(ref) not in known[1]):
            raise _containerd_error(ref, "NotFound", f"{ref}: not found")
        return known[0]

    def __contains__(self, image: object) -> bool:
        if not isinstance(image, str):
            return False
        try:
            self.resolve(normalize(image))
        except PullError:
            return False
        return True

    def images(self) -> list[str]:
        """Every reference the registry holds, sorted."""
        return sorted(f"{repo}:{tag}" for repo, (_, tags) in self._repositories.items() for tag in tags)

    def __repr__(self) -> str:
        return f"<Registry {len(self._repositories)} repositories>"


# github.com/distribution/reference regexp.go: the grammar of an image reference
_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?"
_PATH = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_REFERENCE = re.compile(rf"(?:{_DOMAIN}/)?{_PATH}(?:/{_PATH})*(?::[\w][\w.-]{{0,127}})?"
                        r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?")


class InvalidReference(ValueError):
    """An image name the kubelet cannot parse (InvalidImageName)."""


def check_reference(image: str) -> None:
    """Refuse what ``reference.ParseNormalizedNamed`` refuses, in its words."""
    if _REFERENCE.fullmatch(image):
        return
    first, slash, rest = image.partition("/")
    if not slash or (not any(c in first for c in ".:") and first != "localhost" and first.lower() == first):
        remainder = image if "/" in image else "library/" + image  # splitDockerDomain
    else:
        remainder = rest
    remote = remainder.partition(":")[0]
    if remote.lower() != remote:  # distribution/reference v0.6.0 normalize.go
        raise InvalidReference(f"invalid reference format: repository name ({remote}) must be lowercase")
    raise InvalidReference("invalid reference format")


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


def _tag(ref: str) -> str:
    """The tag of a normalised reference (or its digest)."""
    name, at, digest = ref.partition("@")
    return digest if at else name.rpartition("/")[2].partition(":")[2]


def image_id(ref: str) -> str:
    """The repo digest the runtime reports (``imageID``); a stand-in hash of the name."""
    return f"{repository(ref)}@sha256:{hashlib.sha256(ref.encode()).hexdigest()}"


def pull_seconds(size: int) -> float:
    """Course value: size over ``PULL_BYTES_PER_SECOND``, to a tenth of a second."""
    return max(0.1, round(size / PULL_BYTES_PER_SECOND, 1))


PullDone = Callable[["PullError | None", float, float, int], None]
"""(the error or None, pull seconds, seconds including waiting, size)"""


class ImageService:
    """The images a node holds, and its pull queue (the CRI ImageService)."""

    def __init__(self, clock: VirtualClock, registry: Registry | None = None) -> None:
        self.clock = clock
        self.registry = registry if registry is not None else Registry()
        self.present: dict[str, ImageInfo] = {}  # normalised reference -> what it is
        self._queue: deque[tuple[str, float, PullDone]] = deque()
        self._current: Timer | None = None  # the pull in progress
        self._fetching: dict[str, float] = {}  # sandbox images being fetched -> when they land

    def is_present(self, ref: str) -> bool:
        return ref in self.present

    def info(self, ref: str) -> ImageInfo:
        """What an image is: as pulled, else as the registry describes it."""
        if ref in self.present:
            return self.present[ref]
        try:
            return self.registry.resolve(ref)
        except PullError:
            return ImageInfo(DEFAULT_SIZE)

    def pull(self, ref: str, done: PullDone) -> None:
        """Queue a pull of ``ref``; ``done`` is called when it has landed or failed."""
        self._queue.append((ref, self.clock.now, done))
        if self._current is None:
            self._next()

    def _next(self) -> None:
        if not self._queue:
            self._current = None
            return
        ref, queued_at, done = self._queue.popleft()
        try:
            image: ImageInfo | PullError = self.registry.resolve(ref)
        except PullError as exc:
            image = exc
        if isinstance(image, PullError) or ref in self.present:
            took = MANIFEST_CHECK_SECONDS
        else:
            took = pull_seconds(image.size)
        self._current = self.clock.schedule(took, self._landed, ref, image, took, queued_at, done)

    def _landed(self, ref: str, image: ImageInfo | PullError, took: float, queued_at: float,
                done: PullDone) -> None:
        if isinstance(image, PullError):
            done(image, took, self.clock.now - queued_at, 0)
        else:
            self.present[ref] = image
            done(None, took, self.clock.now - queued_at, image.size)
        self._next()

    def sandbox_image_delay(self, ref: str) -> tuple[float, PullError | None]:
        """Seconds until the sandbox image is present (fetching it if needed), or until
        its pull fails, and the failure.

        The runtime pulls its pause image itself, outside the kubelet's queue
        and without events (containerd's ``sandbox_image``).
        """
        if ref in self.present:
            return 0.0, None
        try:
            image = self.registry.resolve(ref)
        except PullError as exc:
            return MANIFEST_CHECK_SECONDS, exc
        if ref not in self._fetching:
            self._fetching[ref] = self.clock.now + pull_seconds(image.size)
            self.clock.schedule(pull_seconds(image.size), self._fetched, ref, image)
        return self._fetching[ref] - self.clock.now, None

    def _fetched(self, ref: str, image: ImageInfo) -> None:
        if self._fetching.pop(ref, None) is not None:
            self.present[ref] = image

    def images(self) -> list[tuple[str, int]]:
        """(reference, size) of every present image, largest first, as node status lists them."""
        return sorted(((ref, image.size) for ref, image in self.present.items()), key=lambda item: (-item[1], item[0]))

    def power_off(self) -> None:
        """The machine stops: pulls in flight are lost; images on disk stay."""
        if self._current is not None:
            self._current.cancel()
        self._current = None
        self._queue.clear()
        self._fetching.clear()
