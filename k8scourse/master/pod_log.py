"""``pods/log``: a container's output, read from the kubelet of the pod's node.

The apiserver checks the request against the pod (``pkg/registry/core/pod/strategy.go``
LogLocation: which container), then asks the pod's kubelet, which checks the
container's status (``pkg/kubelet/kubelet_pods.go`` validateContainerLogStatus:
running, terminated, or the previous instance with ``previous``) and reads the
runtime's log of that container (``pkg/kubelet/kuberuntime/logs``: ``tailLines``,
``timestamps``). The served cluster's ``GET .../pods/<name>/log`` and the course's
``kubectl logs`` both call :func:`read_log`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from k8scourse.api.errors import bad_request
from k8scourse.timefmt import EPOCH, moment

#: The container-status waiting reasons kubelet words on their own (validateContainerLogStatus).
WAITING_WORDS = {"ErrImagePull": "image can't be pulled", "ImagePullBackOff": "trying and failing to pull image"}


@dataclass(frozen=True)
class LogOptions:
    """PodLogOptions (k8s.io/api/core/v1): the fields the course reads."""

    container: str | None = None
    previous: bool = False
    tail_lines: int | None = None
    timestamps: bool = False


def read_log(api: Any, name: str, namespace: str, options: LogOptions = LogOptions()) -> str:
    """The log of a pod's container, as ``GET /api/v1/namespaces/<ns>/pods/<name>/log`` answers it."""
    pod = api.get("pods", name, namespace)
    container = _container(pod, options.container)
    node = pod["spec"].get("nodeName")
    if not node:
        return ""  # LogLocation: a pod not yet on a node has no log location, and an empty log
    status = _container_status(pod, container)
    container_id = _log_container_id(status, container, name, options.previous)
    kubelet = api.kubelets.get(node)
    found = kubelet.runtime.by_id(container_id.split("://")[-1]) if kubelet is not None else None
    lines = list(found.log) if found is not None else []
    if options.tail_lines is not None:
        lines = lines[len(lines) - options.tail_lines:] if options.tail_lines < len(lines) else lines
    if options.timestamps:
        return "".join(f"{rfc3339_nano(at, api.clock.epoch)} {text}\n" for at, text in lines)
    return "".join(f"{text}\n" for _, text in lines)


def _container(pod: Mapping[str, Any], container: str | None) -> str:
    """LogLocation's validateContainer (pkg/registry/core/pod/strategy.go)."""
    name = pod["metadata"]["name"]
    names = [c["name"] for c in pod["spec"].get("containers") or []]
    every = names + [c["name"] for c in pod["spec"].get("initContainers") or []]
    if not container:
        if len(names) != 1:
            raise bad_request(f"a container name must be specified for pod {name}, choose one of: "
                              f"[{' '.join(every)}]")
        return names[0]
    if container not in every:
        raise bad_request(f"container {container} is not valid for pod {name}")
    return container


def _container_status(pod: Mapping[str, Any], container: str) -> dict | None:
    status = pod.get("status") or {}
    for entry in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []):
        if entry["name"] == container:
            return entry
    return None


def _log_container_id(status: dict | None, container: str, pod: str, previous: bool) -> str:
    """Which instance's log (validateContainerLogStatus, pkg/kubelet/kubelet_pods.go)."""
    if status is None:  # the kubelet has not reported the pod yet: it is still being set up
        raise bad_request(f'container "{container}" in pod "{pod}" is waiting to start: ContainerCreating')
    state, last = status.get("state") or {}, (status.get("lastState") or {}).get("terminated")
    if previous:
        if not last or not last.get("containerID"):
            raise bad_request(f'previous terminated container "{container}" in pod "{pod}" not found')
        return last["containerID"]
    if "running" in state:
        return status["containerID"]
    if "terminated" in state or last:
        found = (state.get("terminated") or {}).get("containerID") or (last or {}).get("containerID")
        if not found:
            raise bad_request(f'container "{container}" in pod "{pod}" is terminated')
        return found
    reason = (state.get("waiting") or {}).get("reason", "")
    if reason:
        raise bad_request(f'container "{container}" in pod "{pod}" is waiting to start: '
                          f"{WAITING_WORDS.get(reason, reason)}")
    raise bad_request(f'container "{container}" in pod "{pod}" is waiting to start - no logs yet')


def rfc3339_nano(seconds: float, epoch: datetime = EPOCH) -> str:
    """Go's time.RFC3339Nano, as ``--timestamps`` prints: trailing zeros of the fraction dropped."""
    whole = int(seconds)
    nanos = round((seconds - whole) * 1e9)
    text = moment(whole, epoch).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{text}.{fraction}Z" if fraction else f"{text}Z"

