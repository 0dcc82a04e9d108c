"""Chapter 02's checks: they run the learner's Pod on the cluster and report what happened.

Each function returns a predicate for :func:`k8scourse.course.check`; the
truth comes from the cluster when the check runs, never from the notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import yaml

from .checks import describe

Predicate = Callable[[Any], "bool | str"]
PHASES = ("Pending", "Running", "Succeeded", "Failed")


def _manifest(answer: Any) -> dict | str:
    """A Pod manifest as a dict, or a sentence saying why the answer is not one."""
    if isinstance(answer, str):
        try:
            answer = yaml.safe_load(answer)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark is not None else ""
            return f"that is not valid YAML{where}: {getattr(error, 'problem', None) or error}."
    if not isinstance(answer, Mapping):
        return f"expected a Pod manifest as YAML text, got {describe(answer)}."
    if answer.get("kind") != "Pod":
        return f"expected a Pod manifest, got kind {answer.get('kind')!r}."
    return dict(answer)


def _all_running(pod: Mapping[str, Any]) -> bool:
    """Every container of the stored Pod is running."""
    statuses = pod.get("status", {}).get("containerStatuses") or []
    return len(statuses) == len(pod["spec"]["containers"]) and all("running" in s["state"] for s in statuses)


def shares_a_file(cluster: Any, writer: tuple[str, str], reader: tuple[str, str], wait: float = 60) -> Predicate:
    """A predicate: in the learner's Pod, what ``writer`` writes, ``reader`` reads.

    ``writer`` and ``reader`` are (container, file path). The Pod runs under
    a fresh name (``<name>-check-N``, the first N no Pod has yet, so that
    rerunning the check cell, which builds a new predicate, still works)
    until all its containers run (at most ``wait`` seconds); then the check writes and reads as ``kubectl exec``
    into each container would on a real cluster.
    """
    def predicate(answer: Any) -> bool | str:
        pod = _manifest(answer)
        if isinstance(pod, str):
            return pod
        metadata = dict(pod.get("metadata") or {})
        name = metadata["name"] = _free_name(cluster, f"{metadata.get('name', 'pod')}-check",
                                             metadata.get("namespace", "default"))
        try:
            cluster.apply({**pod, "metadata": metadata})
        except ValueError as error:
            return f"the apiserver refuses it: {error}"
        try:
            cluster.wait_for(lambda: _all_running(cluster.pod(name)), timeout=wait)
        except TimeoutError:
            return f"its containers are not all running after {wait:g} s: look at kubectl describe pod {name}."
        node = cluster.pod(name)["spec"]["nodeName"]
        runtime = cluster.kubelets[node].runtime
        try:
            source, target = runtime.find(name, writer[0]), runtime.find(name, reader[0])
        except ValueError as error:  # a container missing or renamed
            return f"{error}."
        runtime.write_file(source, writer[1], "hello\n")
        try:
            text = runtime.read_file(target, reader[1])
        except ValueError as error:
            return f"{writer[0]} wrote {writer[1]}, but {reader[0]} cannot read it: {error}."
        return text == "hello\n" or f"{reader[0]} reads something else at {reader[1]}."

    return predicate


def _free_name(cluster: Any, prefix: str, namespace: str) -> str:
    """``<prefix>-N`` for the first N from 1 that names no Pod in ``namespace``."""
    taken = {pod["metadata"]["name"] for pod in cluster.api.list("pods", namespace)}
    number = 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"


def predicts_phases(cluster: Any, pods: Mapping[Any, str]) -> Predicate:
    """A predicate: a dict of predicted phases, keyed as ``pods`` is, matches each Pod's ``status.phase``.

    A wrong prediction is named by its key, never by the right phase.
    """
    def predicate(prediction: Any) -> bool | str:
        if not isinstance(prediction, Mapping):
            return f"expected a dict of phases keyed by (restartPolicy, exit code), got {describe(prediction)}."
        unknown = sorted({str(v) for v in prediction.values() if str(v).capitalize() not in PHASES})
        if unknown:
            return f"{', '.join(unknown)} is not a phase; a phase is one of {', '.join(PHASES)}."
        missing = [key for key in pods if key not in prediction]
        if missing:
            return f"no prediction for {', '.join(map(str, missing))}."
        wrong = [key for key, name in pods.items()  # "running" counts as "Running"
                 if str(prediction[key]).capitalize() != cluster.pod(name)["status"]["phase"]]
        return not wrong or f"{len(wrong)} of {len(pods)} wrong: {', '.join(map(str, wrong))}."

    return predicate


def static_pod_gone(cluster: Any, node: str, namespace: str = "default") -> Predicate:
    """A predicate: ``node`` runs no containers and the apiserver shows no Pod on it in ``namespace``."""
    def predicate(_: Any) -> bool | str:
        left = cluster.api.list("pods", namespace, field_selector=f"spec.nodeName={node}")
        if left:
            return f"the apiserver still shows {', '.join(p['metadata']['name'] for p in left)}."
        if cluster.kubelets[node].runtime.ps():
            return f"{node} still runs containers."
        return True

    return predicate
