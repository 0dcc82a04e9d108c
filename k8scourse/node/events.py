"""What the kubelet says in Events: reasons and messages, worded as in v1.31.

``kubectl describe pod`` shows these lines; learners read them to follow a
pod's life (Pulling, Pulled, Created, Started, Killing, BackOff). Reasons come
from ``pkg/kubelet/events/event.go``; each message cites the file that
words it.
"""

from __future__ import annotations

NORMAL, WARNING = "Normal", "Warning"  # v1.EventTypeNormal, v1.EventTypeWarning
SOURCE = "kubelet"  # the event source component

# pkg/kubelet/events/event.go
PULLING, PULLED, ERR_IMAGE_NEVER_PULL = "Pulling", "Pulled", "ErrImageNeverPull"
CREATED, STARTED, KILLING, BACK_OFF = "Created", "Started", "Killing", "BackOff"
FAILED = "Failed"  # FailedToPullImage and FailedToCreateContainer share it
INSPECT_FAILED = "InspectFailed"  # FailedToInspectImage
UNHEALTHY = "Unhealthy"  # ContainerUnhealthy
FAILED_CREATE_POD_SANDBOX = "FailedCreatePodSandBox"
STARTING = "Starting"
NODE_ALLOCATABLE_ENFORCED = "NodeAllocatableEnforced"

_SECOND = 1_000_000_000


def go_duration(seconds: float) -> str:
    """A duration as Go's ``time.Duration.String()`` prints it: ``7.2s``, ``500ms``, ``5m0s``."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    sign, ns = ("-" if ns < 0 else ""), abs(ns)
    if ns < _SECOND:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _decimal(ns, size) + unit
    hours, rest = divmod(ns, 3600 * _SECOND)
    minutes, rest = divmod(rest, 60 * _SECOND)
    text = _decimal(rest, _SECOND) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    return f"{sign}{minutes}m{text}" if minutes else sign + text


def _decimal(value: int, unit: int) -> str:
    """``value / unit`` with the fraction's trailing zeros dropped, as Go prints it."""
    whole, fraction = divmod(value, unit)
    digits = str(fraction).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def truncate_ms(seconds: float) -> float:
    """``Duration.Truncate(time.Millisecond)``, as the image manager does before printing."""
    return int(round(seconds * 1e9) // 1_000_000) / 1000


def pod_full_name(name: str, namespace: str, uid: str) -> str:
    """``format.Pod``: how the kubelet names a pod in messages, ``web_default(<uid>)``."""
    return f"{name}_{namespace}({uid})"


# pkg/kubelet/images/image_manager.go (EnsureImageExists)
def pulling(image: str) -> str:
    return f'Pulling image "{image}"'


def pulled(image: str, pull_seconds: float, total_seconds: float, size: int) -> str:
    return (f'Successfully pulled image "{image}" in {go_duration(truncate_ms(pull_seconds))} '
            f"({go_duration(truncate_ms(total_seconds))} including waiting). Image size: {size} bytes.")


def already_present(image: str) -> str:
    return f'Container image "{image}" already present on machine'


def image_never_pull(image: str) -> str:
    return f'Container image "{image}" is not present with pull policy of Never'


def invalid_image_name(image: str, error: str) -> str:
    return f'Failed to apply default image tag "{image}": couldn\'t parse image reference "{image}": {error}'


def failed_to_pull(image: str, error: str) -> str:
    return f'Failed to pull image "{image}": {error}'


def back_off_pulling(image: str) -> str:
    """The BackOff event (type Normal) and the ImagePullBackOff waiting message."""
    return f'Back-off pulling image "{image}"'


# pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer): the reason a start failed
def start_error(reason: str) -> str:
    return f"Error: {reason}"


# pkg/kubelet/prober/prober.go (probe): every failed probe, whatever the threshold
def probe_failed(kind: str, output: str) -> str:
    """``kind``: liveness, readiness or startup."""
    return f"{kind.capitalize()} probe failed: {output}"


# pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions): the Killing message
def failed_probe_kill(container: str, kind: str, restart: bool) -> str:
    return f"Container {container} failed {kind} probe" + (", will be restarted" if restart else "")


# pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer, killContainer)
def created(container: str) -> str:
    return f"Created container {container}"


def started(container: str) -> str:
    return f"Started container {container}"


def killing(container: str) -> str:
    return f"Stopping container {container}"


# pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff, createPodSandbox)
def back_off(container: str, pod: str) -> str:
    return f"Back-off restarting failed container {container} in pod {pod}"


def crash_loop_message(backoff_seconds: float, container: str, pod: str) -> str:
    """The CrashLoopBackOff waiting message in the container's status."""
    return f"back-off {go_duration(backoff_seconds)} restarting failed container={container} pod={pod}"


def sandbox_failed(error: str) -> str:
    return f"Failed to create pod sandbox: {error}"


# pkg/kubelet/kubelet_node_status.go (recordNodeStatusEvent), kubelet.go, cm/node_container_manager_linux.go
def node_status(node: str, event: str) -> str:
    return f"Node {node} status is now: {event}"


STARTING_KUBELET = "Starting kubelet."
ALLOCATABLE_ENFORCED = "Updated Node Allocatable limit across pods"
