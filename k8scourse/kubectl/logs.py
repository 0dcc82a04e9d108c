"""``kubectl logs``: print a container's log (``staging/src/k8s.io/kubectl/pkg/cmd/logs/logs.go``).

``POD`` or ``TYPE/NAME``: for a Deployment, ReplicaSet, ReplicationController or
Service kubectl picks one of its pods, the one ``podutils.ByLogging`` sorts first
(assigned, running, ready the longest, most restarts, oldest) and says so when
there were several. Without ``-c`` it takes the pod's first container, saying so when
the pod has others (``polymorphichelpers/logsforobject.go``). The log itself comes
from the apiserver's ``pods/log`` (:mod:`k8scourse.master.pod_log`), as the served
cluster answers it to the real kubectl.
"""

from __future__ import annotations

from typing import Any

from k8scourse.api.errors import StatusError
from k8scourse.api.objects import kind_for_resource
from k8scourse.api.selectors import LabelSelector, selector_from_set
from k8scourse.master.controllers.replicaset import is_pod_ready, ready_since
from k8scourse.master.pod_log import LogOptions, read_log
from k8scourse.timefmt import parse_rfc3339

from .context import Command, Context
from .errors import CommandError, usage_error
from .flags import BOOL, INT, STRING, Flag

#: podutils.ByLogging's phase order: running first, then unknown, then pending.
PHASE_RANK = {"Running": 0, "Unknown": 1, "Pending": 2}


def logs(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl logs [-p] (POD | TYPE/NAME) [-c CONTAINER] [--tail=N] [--timestamps]``."""
    if not args:
        raise usage_error("logs", "expected POD or TYPE/NAME is a required argument for the logs command")
    if len(args) > 2:
        raise usage_error("logs", "expected POD or TYPE/NAME, optionally followed by a CONTAINER name")
    container = opts["container"]
    if len(args) == 2:
        if container:
            raise usage_error("logs", "only one of -c or an inline [CONTAINER] arg is allowed")
        container = args[1]
    kind_name, _, name = args[0].rpartition("/") if "/" in args[0] else ("pods", "", args[0])
    kind = kind_for_resource(kind_name)
    try:
        obj = ctx.api.get(kind.RESOURCE, name, ctx.namespace)
    except StatusError as err:  # the builder's error, as logs.go prints it (lower case, with the namespace)
        raise CommandError(f'error: error from server ({err.reason}): {err} in namespace '
                           f'"{ctx.namespace}"') from None
    pod = obj if kind.KIND == "Pod" else _pod_of(ctx, obj)
    if not container:
        names = [c["name"] for c in pod["spec"]["containers"]]
        container = names[0]
        if len(names) > 1 or pod["spec"].get("initContainers"):
            every = names + [f'{c["name"]} (init)' for c in pod["spec"].get("initContainers") or ()]
            ctx.write(f'Defaulted container "{container}" out of: {", ".join(every)}\n')
    tail = opts["tail"] if opts["tail"] >= 0 else None
    every = [c["name"] for field in ("containers", "initContainers", "ephemeralContainers")
             for c in pod["spec"].get(field) or ()]
    if container not in every:  # logsforobject.go checks it itself (podcmd.FindContainerByName)
        raise CommandError(f"error: container {container} is not valid for pod {pod['metadata']['name']}")
    ctx.write(read_log(ctx.api, pod["metadata"]["name"], ctx.namespace,
                       LogOptions(container, opts["previous"], tail, opts["timestamps"])))


def _pod_of(ctx: Context, obj: dict) -> dict:
    """The pod a controller's or service's log is read from (GetFirstPod: ByLogging's first)."""
    selector = (obj.get("spec") or {}).get("selector") or {}
    if "matchLabels" in selector or "matchExpressions" in selector:
        wanted = LabelSelector.from_dict(selector).selector
    else:
        wanted = selector_from_set(selector)
    pods = ctx.api.list("pods", ctx.namespace, label_selector=str(wanted))
    if not pods:
        raise CommandError("error: timed out waiting for the condition")
    pods.sort(key=_by_logging)
    if len(pods) > 1:
        ctx.write(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}\n")
    return pods[0]


def _by_logging(pod: dict) -> tuple:
    """podutils.ByLogging (k8s.io/kubectl/pkg/util/podutils/podutils.go) as a sort key."""
    status = pod.get("status") or {}
    since = ready_since(pod)
    restarts = max((c.get("restartCount", 0) for c in status.get("containerStatuses") or ()), default=0)
    return (not pod["spec"].get("nodeName"), PHASE_RANK.get(status.get("phase", ""), 3), not is_pod_ready(pod),
            since if since is not None else float("inf"), -restarts,
            parse_rfc3339(pod["metadata"]["creationTimestamp"]))


COMMANDS = {
    "logs": Command(logs, (
        Flag("container", "c", STRING), Flag("previous", "p", BOOL), Flag("tail", type=INT, default=-1),
        Flag("timestamps", type=BOOL)),
        "logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]",
        "Print the logs for a container in a pod"),
}
