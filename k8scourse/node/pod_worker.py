"""One pod's life on its node: sandbox, images, init containers, containers, probes, restarts, status.

The kubelet gives every pod bound to its node a worker (``pkg/kubelet/pod_workers.go``)
that runs ``syncPod`` whenever something changes, one sync at a time:

1. write the pod's status (``generateAPIPodStatus``; the status manager
   skips a write that changes nothing);
2. make the runtime match the spec (``kuberuntime_manager.go`` ``SyncPod``):
   create the sandbox if there is none; kill containers a liveness or startup
   probe failed; then start what should run: while the pod is initialising,
   the next init container (one at a time, each only after the one before
   exited 0); after that, every app container that does not run, each after
   its image is there (:mod:`.images`: pull as ``imagePullPolicy`` says).

Pulls and sandbox setup take virtual time, so step 2 continues in callbacks;
a sync asked for meanwhile runs when it is done. The kubelet notices that a
container started or exited at its next PLEG relist, every second
(``genericPlegRelistPeriod``, ``pkg/kubelet/kubelet.go``), and syncs then:
that is when ``kubectl get pods`` changes. A sync that fails (an image that
will not pull, a container in CrashLoopBackOff) is retried after the pod
worker's back-off, 10 s plus up to half as much again at random
(``completeWork``), at the kubelet's next one-second sync tick.

Init containers (``spec.initContainers``) run in order before the app
containers: STATUS ``Init:0/2``, ``Init:1/2``, then ``PodInitializing``
while the app containers are created. One that fails is restarted with the
same back-off as app containers (``Init:Error``, ``Init:CrashLoopBackOff``),
unless the pod's ``restartPolicy`` is ``Never``: then the pod fails. An init
container with ``restartPolicy: Always`` is a sidecar (v1.29+): the next one
starts once it has started, and it keeps running beside the app containers.

A pod's phase (``getPhase`` in ``kubelet_pods.go``): **Pending** while a
container has not started, **Running** once all have, then by
``restartPolicy`` when containers exit: ``Always`` restarts them (so the pod
stays Running), ``OnFailure`` restarts the failed ones, ``Never`` none; when
all have ended it is **Succeeded** (every exit 0) or **Failed**. Restarts
wait out the CrashLoopBackOff (:mod:`.backoff`). Probes (:mod:`.prober`)
decide ``ready`` and ``started``, and kill containers that fail them.

Deletion: the API server only sets ``deletionTimestamp``. The worker stops
every container (event Killing; SIGTERM, SIGKILL after the grace period),
stops the sandbox (the IP goes back to the pool), writes the final status
and deletes the pod with grace period 0: then it is gone from the API.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.clock import Timer, VirtualClock
from k8scourse.master.apiserver import APIServer

from . import events
from .backoff import Backoff
from .images import InvalidReference, PullError, check_reference, normalize
from .prober import Prober, kind_name
from .runtime import Container, ContainerRuntime, Sandbox
from .static_pods import mirror_pod

SYNC_RETRY_SECONDS = 10.0  # pkg/kubelet/kubelet.go backOffPeriod: a failed sync is retried after it
WORKER_BACKOFF_JITTER = 0.5  # pod_workers.go workerBackOffPeriodJitterFactor
SYNC_FREQUENCY = 60.0  # defaults.go SyncFrequency: every pod is synced again at least this often
MINIMUM_GRACE_SECONDS = 2  # kuberuntime_container.go: minimumGracePeriodInSeconds
DEFAULT_GRACE_SECONDS = 30  # pkg/apis/core/v1 defaults: terminationGracePeriodSeconds
TERMINAL = ("Succeeded", "Failed")
CONTAINER_CREATING, POD_INITIALIZING = "ContainerCreating", "PodInitializing"  # kubelet_pods.go


class KubeletServices(Protocol):
    """What a pod worker uses of its kubelet (so the two modules don't import each other)."""

    api: APIServer
    clock: VirtualClock
    rng: random.Random
    runtime: ContainerRuntime
    backoff: Backoff
    image_backoff: Backoff
    node_name: str
    node_ip: str

    def event(self, obj: Mapping[str, Any], type: str, reason: str, message: str) -> None: ...
    def until_relist(self, after: float = 0.0) -> float: ...
    def delete_pod(self, pod: Mapping[str, Any]) -> None: ...
    def forget(self, worker: PodWorker) -> None: ...
    def up_for(self) -> float: ...


def is_sidecar(spec: Mapping[str, Any]) -> bool:
    """An init container with ``restartPolicy: Always`` (isRestartableInitContainer)."""
    return spec.get("restartPolicy") == "Always"


class PodWorker:
    """Runs one pod; ``pod`` is the latest pod object seen (never modified)."""

    def __init__(self, kubelet: KubeletServices, pod: Mapping[str, Any], *, static: bool = False) -> None:
        self.kubelet = kubelet
        self.pod = pod
        self.static = static
        meta = pod["metadata"]
        self.uid, self.name, self.namespace = meta["uid"], meta["name"], meta["namespace"]
        # Where status goes: the pod itself, or a static pod's mirror once it exists.
        self.api_pod: Mapping[str, Any] | None = None if static else pod
        self.sandbox: Sandbox | None = None
        self.ip = ""  # kept after the sandbox stops, as the status keeps it
        self.containers: dict[str, Container] = {}  # current instance of each container (init ones too)
        self.previous: dict[str, Container] = {}  # the instance before it (lastState)
        self.attempts = self._carried_attempts(pod)
        self.waiting: dict[str, tuple[str, str]] = {}  # why a container waits: (reason, message)
        self.killed_by_probe: set[str] = set()  # ids of instances killed for a failed probe
        self.transitions: dict[str, tuple[str, str]] = {}  # condition type -> (status, since)
        self.start_time = (pod.get("status") or {}).get("startTime") or kubelet.clock.rfc3339(kubelet.clock.now)
        self.posted: dict | None = None
        self.busy = self.again = self.failed = False
        self.terminating = self.kill_sent = False
        self.in_api = not static  # a pod of the API server's, to delete from it when done
        self.gone = False
        self._timer: Timer | None = None
        self._queue: list[Mapping[str, Any]] = []  # containers this sync still starts, in order
        spec = pod["spec"]
        self.prober = Prober(kubelet.clock, kubelet.runtime, kubelet.rng,
                             [*(spec.get("initContainers") or ()), *spec["containers"]],
                             lambda: self.containers, self._unhealthy, self._probe_changed, kubelet.up_for())

    @staticmethod
    def _carried_attempts(pod: Mapping[str, Any]) -> dict[str, int]:
        """After a reboot, restart counts go on from what the API last showed."""
        attempts = {}
        status = pod.get("status") or {}
        for container in [*(status.get("initContainerStatuses") or ()), *(status.get("containerStatuses") or ())]:
            ran = "waiting" not in (container.get("state") or {}) or bool(container.get("lastState"))
            attempts[container["name"]] = container.get("restartCount", 0) + ran
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

    def retry_after_error(self) -> None:
        """completeWork after a failed sync: requeue after wait.Jitter(backOffPeriod, 0.5),
        picked up at the kubelet's next one-second sync tick."""
        delay = SYNC_RETRY_SECONDS * (1 + self.kubelet.rng.random() * WORKER_BACKOFF_JITTER)
        self.request_sync(self.kubelet.until_relist(delay))

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

    def close(self) -> None:
        """The pod has left the node: nothing of this worker may run again."""
        self.gone = True
        self.prober.stop()
        if self._timer is not None:
            self._timer.cancel()

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
        if phase in TERMINAL:
            self.prober.stop()  # probe workers end with the pod (doProbe)
            if self.sandbox is not None and self.sandbox.ready:
                self.kubelet.runtime.stop_pod_sandbox(self.sandbox)  # a finished pod gives its IP back
        self._post_status()
        if self.static:
            self._ensure_mirror()
        if phase in TERMINAL:
            return
        self.busy, self.failed = True, False
        if self.sandbox is None:
            spec = self.pod["spec"]
            self.kubelet.runtime.run_pod_sandbox(
                self.name, self.namespace, self.uid, volumes=spec.get("volumes") or (),
                host_network=bool(spec.get("hostNetwork")), done=self._sandbox_done)
        else:
            self._sync_containers()

    def _chain_done(self) -> None:
        """The runtime work of one sync is over. A sync asked for meanwhile runs once the
        PLEG cache is newer than this sync (``podCache.GetNewerThan``): at the next relist;
        a failed sync is retried after the worker's back-off."""
        self.busy = False
        if self.again:
            self.again = False
            self.sync_at_relist()
        if self.failed:
            self.retry_after_error()

    def _sandbox_done(self, sandbox: Sandbox | None, error: str) -> None:
        if self.gone:
            if sandbox is not None:
                self.kubelet.runtime.remove_pod_sandbox(sandbox)
            return
        if sandbox is None:
            self.kubelet.event(self._ref(), events.WARNING, events.FAILED_CREATE_POD_SANDBOX,
                               events.sandbox_failed(error))
            self.failed = True
        else:
            self.sandbox, self.ip = sandbox, sandbox.ip
            self.sync_at_relist()
            if not self.terminating:
                self._sync_containers()
                return
        self._chain_done()

    def _sync_containers(self) -> None:
        """computePodActions: kill what failed its probes, then start what should run."""
        for container in list(self.containers.values()):
            kind = self.prober.failed(container)
            if kind and container.id not in self.killed_by_probe:
                self._kill_for_probe(container, kind)
            elif container.state == "running":
                self.prober.kick(container)
        self._queue = self._to_start()
        self._start_next()

    def _to_start(self) -> list[Mapping[str, Any]]:
        """The containers this sync starts, in order: the next init container while the
        pod initialises (and sidecars that stopped), else every app container that should run."""
        spec = self.pod["spec"]
        app_started = any(c["name"] in self.containers for c in spec["containers"])
        wanted: list[Mapping[str, Any]] = []
        for init in spec.get("initContainers") or ():
            current = self.containers.get(init["name"])
            if is_sidecar(init):
                if self._should_start(init, "Always"):
                    wanted.append(init)
                if not app_started and (current is None or not self.prober.started(current)):
                    return wanted  # the next one starts once this sidecar has started
                continue
            if app_started or (current is not None and current.state == "exited" and current.exit_code == 0):
                continue
            policy = "Never" if self._restart_policy() == "Never" else "OnFailure"
            if self._should_start(init, policy):
                wanted.append(init)
            return wanted  # one init container at a time; the app containers wait
        return wanted + [c for c in spec["containers"] if self._should_start(c, self._restart_policy())]

    def _restart_policy(self) -> str:
        return self.pod["spec"].get("restartPolicy", "Always")

    def _should_start(self, spec: Mapping[str, Any], policy: str) -> bool:
        """Whether the container should start now, by its restart policy and back-off (doBackOff)."""
        name = spec["name"]
        current = self.containers.get(name)
        if current is None:
            return True
        if current.state != "exited":
            return False
        by_probe = current.id in self.killed_by_probe
        if policy == "Never" or (policy == "OnFailure" and current.exit_code == 0 and not by_probe):
            return False
        # doBackOff looks at the newest instance that had exited when the sync began: for a
        # container killed by a probe (killed and restarted in one SyncPod upstream) the one before.
        last = self.previous.get(name) if by_probe else current
        if last is None:
            return True
        backoff, key, now = self.kubelet.backoff, self.backoff_key(name), self.kubelet.clock.now
        if backoff.in_backoff_since(key, last.finished_at, now):
            pod = events.pod_full_name(self.name, self.namespace, self.uid)
            waiting = ("CrashLoopBackOff", events.crash_loop_message(backoff.get(key), name, pod))
            if self.waiting.get(name) != waiting:
                self.sync_at_relist()  # kubectl shows CrashLoopBackOff
            self.waiting[name] = waiting
            self.kubelet.event(self._ref(), events.WARNING, events.BACK_OFF, events.back_off(name, pod))
            self.failed = True
            return False
        backoff.next(key, last.finished_at, now)
        return True

    def backoff_key(self, container: str) -> str:
        """The container's back-off entry (getStableKey, without the spec hash)."""
        return f"{self.name}_{self.namespace}_{self.uid}_{container}"

    def image_backoff_key(self, image: str) -> str:
        """The image's back-off entry (image_manager.go: ``pod.UID_image``)."""
        return f"{self.uid}_{image}"

    def _start_next(self) -> None:
        """Start the next queued container; the chain ends when the queue is empty."""
        if not self._queue or self.terminating:
            self._queue = []
            self._chain_done()
            return
        spec = self._queue.pop(0)
        self._ensure_image(spec, lambda: self._create_and_start(spec))

    def _ensure_image(self, spec: Mapping[str, Any], then: Callable[[], None]) -> None:
        """EnsureImageExists (``pkg/kubelet/images/image_manager.go``): pull as the policy says."""
        image, images, now = spec["image"], self.kubelet.runtime.images, self.kubelet.clock.now
        try:
            check_reference(image)
        except InvalidReference as exc:
            message = events.invalid_image_name(image, str(exc))
            self.kubelet.event(self._ref(), events.WARNING, events.INSPECT_FAILED, message)
            self._start_failed(spec, "InvalidImageName", message)
            return
        ref = normalize(image)
        policy = spec.get("imagePullPolicy", "IfNotPresent")
        if policy == "Never" or (policy == "IfNotPresent" and images.is_present(ref)):
            if images.is_present(ref):
                self.kubelet.event(self._ref(), events.NORMAL, events.PULLED, events.already_present(image))
                then()
            else:
                message = events.image_never_pull(image)
                self.kubelet.event(self._ref(), events.WARNING, events.ERR_IMAGE_NEVER_PULL, message)
                self._start_failed(spec, events.ERR_IMAGE_NEVER_PULL, message)
            return
        key = self.image_backoff_key(image)
        if self.kubelet.image_backoff.in_backoff_since_update(key, now):
            message = events.back_off_pulling(image)
            self.kubelet.event(self._ref(), events.NORMAL, events.BACK_OFF, message)
            self._start_failed(spec, "ImagePullBackOff", message)
            return
        self.kubelet.event(self._ref(), events.NORMAL, events.PULLING, events.pulling(image))
        images.pull(ref, lambda error, took, total, size: self._pulled(spec, error, took, total, size, then))

    def _pulled(self, spec: Mapping[str, Any], error: PullError | None, took: float, total: float, size: int,
                then: Callable[[], None]) -> None:
        if self.gone:
            return
        image = spec["image"]
        if error is not None:
            self.kubelet.event(self._ref(), events.WARNING, events.FAILED, events.failed_to_pull(image, str(error)))
            self.kubelet.image_backoff.next(self.image_backoff_key(image), self.kubelet.clock.now,
                                            self.kubelet.clock.now)
            self._start_failed(spec, "ErrImagePull", str(error))
            return
        self.kubelet.event(self._ref(), events.NORMAL, events.PULLED, events.pulled(image, took, total, size))
        if self.terminating:
            self._chain_done()
        else:
            then()

    def _start_failed(self, spec: Mapping[str, Any], reason: str, message: str) -> None:
        """startContainer failed: the container waits with the reason; an init container's
        failure ends the sync, an app container's lets the next one start."""
        name = spec["name"]
        self.kubelet.event(self._ref(), events.WARNING, events.FAILED, events.start_error(reason))
        if self.waiting.get(name) != (reason, message):
            self.sync_at_relist()
        self.waiting[name] = (reason, message)
        self.failed = True
        if any(c["name"] == name for c in self.pod["spec"].get("initContainers") or ()):
            self._queue = []
        self._start_next()

    def _create_and_start(self, spec: Mapping[str, Any]) -> None:
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
        self._start_next()

    # --- probes ------------------------------------------------------------------------

    def _kill_for_probe(self, container: Container, kind: str) -> None:
        """A liveness or startup probe failed: kill the container (the next sync restarts it)."""
        restart = self._restart_policy() != "Never" or is_sidecar(self._spec_of(container.name))
        self.killed_by_probe.add(container.id)
        self.kubelet.event(self._ref(), events.NORMAL, events.KILLING,
                           events.failed_probe_kill(container.name, kind, restart))
        grace = self.prober.grace_seconds(container.name, kind)
        if grace is None:
            grace = self.pod["spec"].get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
        self.kubelet.runtime.stop_container(container, max(grace, MINIMUM_GRACE_SECONDS))

    def _unhealthy(self, container: Container, kind: str, output: str) -> None:
        if not self.gone:
            self.kubelet.event(self._ref(), events.WARNING, events.UNHEALTHY,
                               events.probe_failed(kind_name(kind), output))

    def _probe_changed(self, kind: str) -> None:
        """Readiness goes to the status at once; liveness and startup results bring a sync."""
        if self.gone or self.terminating:
            return
        if kind == "readinessProbe" and not self.busy:
            self._post_status()
        else:
            self.request_sync()

    def _spec_of(self, name: str) -> Mapping[str, Any]:
        spec = self.pod["spec"]
        return next(c for c in [*(spec.get("initContainers") or ()), *spec["containers"]] if c["name"] == name)

    def _sync_terminating(self) -> None:
        """Kill the containers; once all are gone, stop the sandbox, report, delete."""
        runtime = self.kubelet.runtime
        running = [c for c in self.containers.values() if c.state == "running"]
        if not self.kill_sent:
            self.kill_sent = True
            self.prober.stop()
            meta, spec = self.pod["metadata"], self.pod["spec"]
            grace = meta.get("deletionGracePeriodSeconds", spec.get("terminationGracePeriodSeconds",
                                                                     DEFAULT_GRACE_SECONDS))
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
        spec, policy = self.pod["spec"], self._restart_policy()
        pending_init = failed_init = 0
        running = waiting = stopped = succeeded = 0
        for init in spec.get("initContainers") or ():
            current = self.containers.get(init["name"])
            if is_sidecar(init):
                if current is None:
                    pending_init += 1
                    waiting += 1
                elif current.state == "running":
                    pending_init += not self.prober.started(current)
                    running += 1
            elif current is None or current.state == "running":
                pending_init += 1
            elif current.exit_code != 0:
                failed_init += 1
        for container in spec["containers"]:
            current = self.containers.get(container["name"])
            if current is None:
                waiting += 1
            elif current.state == "running" or (current.id in self.killed_by_probe and policy != "Never"):
                running += 1  # killed by a probe: upstream restarts it in the same SyncPod
            else:
                stopped += 1
                succeeded += current.exit_code == 0
        if failed_init and policy == "Never":
            return "Failed"
        app_started = any(c["name"] in self.containers for c in spec["containers"])
        if (pending_init and not app_started) or waiting:
            return "Pending"
        if running:
            return "Running"
        if not stopped:
            return "Pending"
        if self.terminating:
            return "Succeeded" if stopped == succeeded else "Failed"
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

    def _initialized(self, phase: str) -> tuple[str, str, str]:
        """GeneratePodInitializedCondition (pkg/kubelet/status/generate.go): (status, reason, message)."""
        spec = self.pod["spec"]
        inits = spec.get("initContainers") or ()
        if not inits or any(c["name"] in self.containers for c in spec["containers"]):
            return "True", "", ""
        incomplete = []
        for init in inits:
            current = self.containers.get(init["name"])
            if is_sidecar(init):
                done = current is not None and self.prober.started(current)
            else:
                done = current is not None and current.state == "exited" and current.exit_code == 0
            if not done:
                incomplete.append(init["name"])
        if phase == "Succeeded":
            return "True", "PodCompleted", ""
        if incomplete:
            return "False", "ContainersNotInitialized", f"containers with incomplete status: [{' '.join(incomplete)}]"
        return "True", "", ""

    def _containers_ready(self, phase: str) -> tuple[str, str, str]:
        """GenerateContainersReadyCondition: app containers and sidecars must all be ready."""
        if phase == "Succeeded":
            return "False", "PodCompleted", ""
        if phase == "Failed":
            return "False", "PodFailed", ""
        spec = self.pod["spec"]
        watched = [c for c in spec.get("initContainers") or () if is_sidecar(c)] + list(spec["containers"])
        unready = [c["name"] for c in watched if not self._ready(c["name"])]
        if unready:
            return "False", "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]"
        return "True", "", ""

    def _ready(self, name: str) -> bool:
        current = self.containers.get(name)
        return current is not None and self.prober.ready(current)

    def status(self) -> dict:
        """The pod status the kubelet would write now."""
        now = self.kubelet.clock.rfc3339(self.kubelet.clock.now)
        phase = self._phase()
        spec = self.pod["spec"]
        initialized = self._initialized(phase)
        ready = self._containers_ready(phase)
        api_status = (self.api_pod or {}).get("status") or {}
        scheduled = next((c for c in api_status.get("conditions") or () if c["type"] == "PodScheduled"),
                         None) or self._condition("PodScheduled", "True", now)
        sandbox_ready = "True" if self.sandbox is not None and self.sandbox.ready else "False"
        status = {
            **api_status,  # fields others own (qosClass, nominatedNodeName) are kept
            "phase": phase,
            "conditions": [
                self._condition("PodReadyToStartContainers", sandbox_ready, now),
                self._condition("Initialized", initialized[0], now, *initialized[1:]),
                self._condition("Ready", ready[0], now, *ready[1:]),
                self._condition("ContainersReady", ready[0], now, *ready[1:]),
                scheduled,
            ],
            "hostIP": self.kubelet.node_ip, "hostIPs": [{"ip": self.kubelet.node_ip}],
            "startTime": self.start_time,
        }
        inits = spec.get("initContainers") or ()
        if inits:  # in spec order (SortStatusesOfInitContainers); app containers by name
            status["initContainerStatuses"] = [self._container_status(c, init=True) for c in inits]
        status["containerStatuses"] = [self._container_status(c, init=False, creating=bool(inits))
                                       for c in sorted(spec["containers"], key=lambda c: c["name"])]
        if self.ip:
            status["podIP"], status["podIPs"] = self.ip, [{"ip": self.ip}]
        return status

    def _container_status(self, spec: Mapping[str, Any], *, init: bool, creating: bool = True) -> dict:
        """convertToAPIContainerStatuses for one container. Before its first start it waits as
        ContainerCreating, or PodInitializing in a pod with init containers."""
        name = spec["name"]
        current = self.containers.get(name)
        if current is None:
            default = POD_INITIALIZING if init or creating else CONTAINER_CREATING
            reason, message = self.waiting.get(name, (default, ""))
            waiting = {"reason": reason, **({"message": message} if message else {})}
            return {"name": name, "image": spec["image"], "imageID": "", "lastState": {}, "ready": False,
                    "restartCount": self.attempts.get(name, 0), "started": False, "state": {"waiting": waiting}}
        previous = self.previous.get(name)
        started = self.prober.started(current)
        if init and not is_sidecar(spec):  # a run-to-completion init container is ready once it succeeded
            ready = current.state == "exited" and current.exit_code == 0
        else:
            ready = self.prober.ready(current)
        status = {"name": name, "image": current.image, "imageID": current.image_id,
                  "containerID": f"containerd://{current.id}", "restartCount": current.attempt,
                  "lastState": {"terminated": _terminated(previous, self.kubelet.clock)} if previous else {},
                  "ready": ready, "started": started}
        if current.state == "running":
            return {**status, "state": {"running": {"startedAt": self.kubelet.clock.rfc3339(current.started_at)}}}
        if name in self.waiting:  # exited, waiting to be restarted
            reason, message = self.waiting[name]
            return {**status, "lastState": {"terminated": _terminated(current, self.kubelet.clock)},
                    "state": {"waiting": {"reason": reason, "message": message}}}
        return {**status, "state": {"terminated": _terminated(current, self.kubelet.clock)}}

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


def _terminated(container: Container, clock: VirtualClock) -> dict:
    return {"containerID": f"containerd://{container.id}", "exitCode": container.exit_code,
            "finishedAt": clock.rfc3339(container.finished_at),
            "reason": "Completed" if container.exit_code == 0 else "Error",
            "startedAt": clock.rfc3339(container.started_at)}
