"""One pod's life on its node: sandbox, images, containers, restarts, status, termination.

The kubelet gives every pod bound to its node a worker (``pkg/kubelet/pod_workers.go``)
that runs ``syncPod`` whenever something changes, one sync at a time:

1. write the pod's status (``generateAPIPodStatus``; the status manager
   skips a write that changes nothing);
2. make the runtime match the spec (``kuberuntime_manager.go`` ``SyncPod``):
   create the sandbox if there is none, then for each container in order,
   pull its image if the pull policy says so, create it and start it.

Pulls and sandbox setup take virtual time, so step 2 continues in callbacks;
a sync asked for meanwhile runs when it is done. The kubelet notices that a
container started or exited at its next PLEG relist, every second
(``genericPlegRelistPeriod``, ``pkg/kubelet/kubelet.go``), and syncs then:
that is when ``kubectl get pods`` changes.

A pod's phase: **Pending** while a container has not started (``STATUS``
ContainerCreating), **Running** once all have, then by ``restartPolicy``
when containers exit (``getPhase`` in ``kubelet_pods.go``): ``Always``
restarts them (so the pod stays Running), ``OnFailure`` restarts the failed
ones, ``Never`` none; when all have ended it is **Succeeded** (every exit 0)
or **Failed**. Restarts wait out the CrashLoopBackOff (:mod:`.backoff`).

Deletion: the API server only sets ``deletionTimestamp``. The worker stops
every container (event Killing; SIGTERM, SIGKILL after the grace period),
stops the sandbox (the IP goes back to the pool), writes the final status
and deletes the pod with grace period 0: then it is gone from the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from k8scourse.api.errors import StatusError
from k8scourse.clock import Timer
from k8scourse.timefmt import rfc3339

from . import events
from .images import normalize
from .runtime import Container, Sandbox
from .static_pods import mirror_pod

if TYPE_CHECKING:
    from .kubelet import Kubelet

SYNC_RETRY_SECONDS = 10.0  # pkg/kubelet/kubelet.go backOffPeriod: a failed sync is retried after it
SYNC_FREQUENCY = 60.0  # defaults.go SyncFrequency: every pod is synced again at least this often
MINIMUM_GRACE_SECONDS = 2  # kuberuntime_container.go: minimumGracePeriodInSeconds
TERMINAL = ("Succeeded", "Failed")


class PodWorker:
    """Runs one pod; ``pod`` is the latest pod object seen (never modified)."""

    def __init__(self, kubelet: Kubelet, pod: Mapping[str, Any], *, static: bool = False) -> None:
        self.kubelet = kubelet
        self.pod = pod
        self.static = static
        meta = pod["metadata"]
        self.uid, self.name, self.namespace = meta["uid"], meta["name"], meta["namespace"]
        # Where status goes: the pod itself, or a static pod's mirror once it exists.
        self.api_pod: Mapping[str, Any] | None = None if static else pod
        self.sandbox: Sandbox | None = None
        self.ip = ""  # kept after the sandbox stops, as the status keeps it
        self.containers: dict[str, Container] = {}  # current instance of each container
        self.previous: dict[str, Container] = {}  # the instance before it (lastState)
        self.attempts = self._carried_attempts(pod)
        self.waiting: dict[str, tuple[str, str]] = {}  # why a container waits: (reason, message)
        self.transitions: dict[str, tuple[str, str]] = {}  # condition type -> (status, since)
        self.start_time = (pod.get("status") or {}).get("startTime") or rfc3339(kubelet.clock.now)
        self.posted: dict | None = None
        self.busy = self.again = False
        self.terminating = self.kill_sent = False
        self.in_api = not static  # a pod of the API server's, to delete from it when done
        self.gone = False
        self._timer: Timer | None = None

    @staticmethod
    def _carried_attempts(pod: Mapping[str, Any]) -> dict[str, int]:
        """After a reboot, restart counts go on from what the API last showed."""
        attempts = {}
        for status in (pod.get("status") or {}).get("containerStatuses") or ():
            ran = "waiting" not in (status.get("state") or {}) or bool(status.get("lastState"))
            attempts[status["name"]] = status.get("restartCount", 0) + ran
        return attempts

    # --- scheduling syncs ------------------------------------------------------------

    def request_sync(self, delay: float = 0.0) -> None:
        """Sync ``delay`` seconds from now, unless a sync is already due sooner."""
        when = self.kubelet.clock.now + delay
        if self._timer is not None and self._timer.active:
            if self._timer.when <= when:
                return
            self._timer.cancel()
        self._timer = self.kubelet.clock.schedule(delay, self.sync)

    def sync_at_relist(self) -> None:
        """The PLEG sees a runtime change at its next relist."""
        self.request_sync(self.kubelet.until_relist())

    def update(self, pod: Mapping[str, Any]) -> None:
        """A newer version of the (non-static) pod arrived from the API server."""
        self.pod = self.api_pod = pod
        if pod["metadata"].get("deletionTimestamp"):
            self.terminate()

    def terminate(self) -> None:
        """Stop the pod: its deletion was asked for, or its manifest is gone."""
        if self.terminating or self.gone:
            return
        self.terminating = True
        if self.static and self.api_pod is not None:
            self.kubelet.delete_pod(self.api_pod)  # the kubelet's housekeeping removes the mirror
            self.api_pod = None
        self.request_sync()

    # --- syncPod ---------------------------------------------------------------------

    def sync(self) -> None:
        if self.gone:
            return
        if self.busy:
            self.again = True
            return
        if self.terminating:
            self._sync_terminating()
            return
        phase = self._phase()
        if phase in TERMINAL and self.sandbox is not None and self.sandbox.ready:
            self.kubelet.runtime.stop_pod_sandbox(self.sandbox)  # a finished pod gives its IP back
        self._post_status()
        if self.static:
            self._ensure_mirror()
        if phase in TERMINAL:
            return
        self.busy = True
        if self.sandbox is None:
            spec = self.pod["spec"]
            self.kubelet.runtime.run_pod_sandbox(
                self.name, self.namespace, self.uid, volumes=spec.get("volumes") or (),
                host_network=bool(spec.get("hostNetwork")), done=self._sandbox_done)
        else:
            self._start_containers(0)

    def _chain_done(self) -> None:
        """The runtime work of one sync is over. A sync asked for meanwhile runs once the
        PLEG cache is newer than this sync (``podCache.GetNewerThan``): at the next relist."""
        self.busy = False
        if self.again:
            self.again = False
            self.sync_at_relist()

    def _sandbox_done(self, sandbox: Sandbox | None, error: str) -> None:
        if self.gone:
            if sandbox is not None:
                self.kubelet.runtime.remove_pod_sandbox(sandbox)
            return
        if sandbox is None:
            self.kubelet.event(self._ref(), events.WARNING, events.FAILED_CREATE_POD_SANDBOX,
                               events.sandbox_failed(error))
            self.request_sync(SYNC_RETRY_SECONDS)
        else:
            self.sandbox, self.ip = sandbox, sandbox.ip
            self.sync_at_relist()
            if not self.terminating:
                self._start_containers(0)
                return
        self._chain_done()

    def _start_containers(self, index: int) -> None:
        """Start, in spec order from ``index``, the containers that should run and don't."""
        specs = self.pod["spec"]["containers"]
        while index < len(specs) and not self.terminating:
            spec = specs[index]
            if self._should_start(spec):
                self._ensure_image(index, spec)
                return  # continues in _create_and_start
            index += 1
        self._chain_done()

    def _should_start(self, spec: Mapping[str, Any]) -> bool:
        name = spec["name"]
        current = self.containers.get(name)
        if current is None:
            return True
        if current.state != "exited":
            return False
        policy = self.pod["spec"].get("restartPolicy", "Always")
        if policy == "Never" or (policy == "OnFailure" and current.exit_code == 0):
            return False
        backoff, key, now = self.kubelet.backoff, self.backoff_key(name), self.kubelet.clock.now
        if backoff.in_backoff_since(key, current.finished_at, now):
            pod = events.pod_full_name(self.name, self.namespace, self.uid)
            waiting = ("CrashLoopBackOff", events.crash_loop_message(backoff.get(key), name, pod))
            if self.waiting.get(name) != waiting:  # once per wait: a sync in the wait changes nothing
                self.waiting[name] = waiting
                self.kubelet.event(self._ref(), events.WARNING, events.BACK_OFF, events.back_off(name, pod))
                self.sync_at_relist()  # kubectl shows CrashLoopBackOff
            self.request_sync(current.finished_at + backoff.get(key) - now)
            return False
        backoff.next(key, current.finished_at, now)
        return True

    def backoff_key(self, container: str) -> str:
        """The container's back-off entry (getStableKey, without the spec hash)."""
        return f"{self.name}_{self.namespace}_{self.uid}_{container}"

    def close(self) -> None:
        """The pod has left the node: nothing of this worker may run again."""
        self.gone = True
        if self._timer is not None:
            self._timer.cancel()

    def _ensure_image(self, index: int, spec: Mapping[str, Any]) -> None:
        """EnsureImageExists: pull as the policy says, with its events."""
        image, images = spec["image"], self.kubelet.runtime.images
        ref = normalize(image)
        policy = spec.get("imagePullPolicy", "IfNotPresent")
        if policy == "Always" or (policy == "IfNotPresent" and not images.is_present(ref)):
            self.kubelet.event(self._ref(), events.NORMAL, events.PULLING, events.pulling(image))
            images.pull(ref, lambda took, total, size: self._pulled(index, image, took, total, size))
        elif images.is_present(ref):
            self.kubelet.event(self._ref(), events.NORMAL, events.PULLED, events.already_present(image))
            self._create_and_start(index)
        else:  # Never, and the image is not there
            message = events.image_never_pull(image)
            self.waiting[spec["name"]] = (events.ERR_IMAGE_NEVER_PULL, message)
            self.kubelet.event(self._ref(), events.WARNING, events.ERR_IMAGE_NEVER_PULL, message)
            self.request_sync(SYNC_RETRY_SECONDS)
            self._start_containers(index + 1)

    def _pulled(self, index: int, image: str, took: float, total: float, size: int) -> None:
        if self.gone:
            return
        self.kubelet.event(self._ref(), events.NORMAL, events.PULLED, events.pulled(image, took, total, size))
        if self.terminating:
            self._chain_done()
        else:
            self._create_and_start(index)

    def _create_and_start(self, index: int) -> None:
        spec = self.pod["spec"]["containers"][index]
        name, runtime = spec["name"], self.kubelet.runtime
        attempt = self.attempts.get(name, 0)
        self.attempts[name] = attempt + 1
        container = runtime.create_container(self.sandbox, spec, attempt)  # type: ignore[arg-type]
        self.kubelet.event(self._ref(), events.NORMAL, events.CREATED, events.created(name))
        runtime.start_container(container)
        self.kubelet.event(self._ref(), events.NORMAL, events.STARTED, events.started(name))
        if name in self.containers:
            self.previous[name] = self.containers[name]
        self.containers[name] = container
        self.waiting.pop(name, None)
        self.sync_at_relist()
        self._start_containers(index + 1)

    def _sync_terminating(self) -> None:
        """Kill the containers; once all are gone, stop the sandbox, report, delete."""
        runtime = self.kubelet.runtime
        running = [c for c in self.containers.values() if c.state == "running"]
        if not self.kill_sent:
            self.kill_sent = True
            meta, spec = self.pod["metadata"], self.pod["spec"]
            grace = meta.get("deletionGracePeriodSeconds", spec.get("terminationGracePeriodSeconds", 30))
            for container in running:
                self.kubelet.event(self._ref(), events.NORMAL, events.KILLING, events.killing(container.name))
                runtime.stop_container(container, max(grace, MINIMUM_GRACE_SECONDS))
        if running:
            return  # their exits bring the next sync, at the relist that sees them
        if self.sandbox is not None:
            runtime.stop_pod_sandbox(self.sandbox)
        self._post_status()
        if self.in_api:
            self.kubelet.delete_pod(self.pod)
        if self.sandbox is not None:
            runtime.remove_pod_sandbox(self.sandbox)
        self.kubelet.forget(self)

    # --- static pods ---------------------------------------------------------------------

    def _ensure_mirror(self) -> None:
        """A static pod's mirror must exist, and not be on its way out (``syncPod``)."""
        mirror = self.api_pod
        if mirror is not None and mirror["metadata"].get("deletionTimestamp"):
            self.kubelet.delete_pod(mirror)  # someone deleted it: replace it
            mirror = self.api_pod = None
        if mirror is not None:
            return
        api, node_name = self.kubelet.api, self.kubelet.node_name
        try:
            node = api.get("nodes", node_name)  # not registered yet: "No need to create a mirror pod"
            self.api_pod = api.create(mirror_pod(self.pod, node_name, node["metadata"]["uid"]))
        except StatusError:
            self.request_sync(SYNC_FREQUENCY)  # the pod's periodic resync tries again
            return
        self.posted = None
        self.sync_at_relist()

    # --- status ------------------------------------------------------------------------

    def _ref(self) -> Mapping[str, Any]:
        """The object events are about (a static pod's own UID, as upstream)."""
        return self.pod if self.static or self.api_pod is None else self.api_pod

    def _phase(self) -> str:
        """getPhase (kubelet_pods.go), from what the runtime shows."""
        waiting = running = stopped = succeeded = 0
        for spec in self.pod["spec"]["containers"]:
            current = self.containers.get(spec["name"])
            if current is None:
                waiting += 1
            elif current.state == "running":
                running += 1
            else:
                stopped += 1
                succeeded += current.exit_code == 0
        if waiting:
            return "Pending"
        if running:
            return "Running"
        if self.terminating:
            return "Succeeded" if stopped == succeeded else "Failed"
        policy = self.pod["spec"].get("restartPolicy", "Always")
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        return "Failed" if policy == "Never" else "Running"

    def _condition(self, kind: str, status: str, now: str, reason: str = "", message: str = "") -> dict:
        before = self.transitions.get(kind)
        if before is None or before[0] != status:
            before = self.transitions[kind] = (status, now)
        condition = {"type": kind, "status": status, "lastProbeTime": None, "lastTransitionTime": before[1]}
        if reason:
            condition["reason"] = reason
        if message:
            condition["message"] = message
        return condition

    def status(self) -> dict:
        """The pod status the kubelet would write now."""
        now = rfc3339(self.kubelet.clock.now)
        phase = self._phase()
        specs = self.pod["spec"]["containers"]
        unready = [s["name"] for s in specs if getattr(self.containers.get(s["name"]), "state", "") != "running"]
        if phase == "Succeeded":
            ready = ("False", "PodCompleted", "")
        elif unready:
            ready = ("False", "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]")
        else:
            ready = ("True", "", "")
        api_status = (self.api_pod or {}).get("status") or {}
        scheduled = next((c for c in api_status.get("conditions") or () if c["type"] == "PodScheduled"),
                         None) or self._condition("PodScheduled", "True", now)
        sandbox_ready = "True" if self.sandbox is not None and self.sandbox.ready else "False"
        status = {
            **api_status,  # fields others own (qosClass, nominatedNodeName) are kept
            "phase": phase,
            "conditions": [
                self._condition("PodReadyToStartContainers", sandbox_ready, now),
                self._condition("Initialized", "True", now),
                self._condition("Ready", ready[0], now, ready[1], ready[2]),
                self._condition("ContainersReady", ready[0], now, ready[1], ready[2]),
                scheduled,
            ],
            "hostIP": self.kubelet.node_ip, "hostIPs": [{"ip": self.kubelet.node_ip}],
            "startTime": self.start_time,
            "containerStatuses": [self._container_status(s) for s in sorted(specs, key=lambda s: s["name"])],
        }
        if self.ip:
            status["podIP"], status["podIPs"] = self.ip, [{"ip": self.ip}]
        return status

    def _container_status(self, spec: Mapping[str, Any]) -> dict:
        name = spec["name"]
        current = self.containers.get(name)
        if current is None:
            reason, message = self.waiting.get(name, ("ContainerCreating", ""))
            waiting = {"reason": reason, **({"message": message} if message else {})}
            return {"name": name, "image": spec["image"], "imageID": "", "lastState": {}, "ready": False,
                    "restartCount": self.attempts.get(name, 0), "started": False, "state": {"waiting": waiting}}
        previous = self.previous.get(name)
        status = {"name": name, "image": current.image, "imageID": current.image_id,
                  "containerID": f"containerd://{current.id}", "restartCount": current.attempt,
                  "lastState": {"terminated": _terminated(previous)} if previous else {}}
        if current.state == "running":
            return {**status, "ready": True, "started": True,
                    "state": {"running": {"startedAt": rfc3339(current.started_at)}}}
        if name in self.waiting:  # exited, waiting to be restarted
            reason, message = self.waiting[name]
            return {**status, "ready": False, "started": False, "lastState": {"terminated": _terminated(current)},
                    "state": {"waiting": {"reason": reason, "message": message}}}
        return {**status, "ready": False, "started": False, "state": {"terminated": _terminated(current)}}

    def _post_status(self) -> None:
        """Write the status if it changed (the status manager's job)."""
        if self.api_pod is None:
            return
        status = self.status()
        if status == self.posted:
            return
        meta = {k: v for k, v in self.api_pod["metadata"].items() if k != "resourceVersion"}
        try:
            self.api_pod = self.kubelet.api.update_status({**self.api_pod, "metadata": meta, "status": status})
        except StatusError:
            return  # deleted meanwhile: the watch tells the kubelet
        self.posted = status


def _terminated(container: Container) -> dict:
    return {"containerID": f"containerd://{container.id}", "exitCode": container.exit_code,
            "finishedAt": rfc3339(container.finished_at),
            "reason": "Completed" if container.exit_code == 0 else "Error",
            "startedAt": rfc3339(container.started_at)}
