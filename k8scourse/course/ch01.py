"""Chapter 01's exercise checks: etcd keys, the binding's revision, a repaired manifest, a node's silence.

Each function returns a *predicate* for :func:`k8scourse.course.check`: it
reads the truth from the learner's cluster (etcd, the apiserver), so the
exercise notebook never spells the answer, and it answers a wrong guess
with a sentence that says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from k8scourse.api.errors import StatusError

from .answers import as_component, as_text
from .checks import AnswerTypeError

if TYPE_CHECKING:
    from k8scourse.cluster import Cluster

Predicate = Callable[[Any], "bool | str"]
#: An object as (kind, namespace or None for cluster-scoped kinds, name).
ObjectRef = tuple[str, "str | None", str]


def keys_for(cluster: Cluster, objects: Sequence[ObjectRef]) -> Predicate:
    """A check that an answer lists, in order, the etcd key of each of ``objects``."""
    count = len(objects)

    def holds_the_objects(keys: Any) -> bool | str:
        if not isinstance(keys, (list, tuple)) or not all(isinstance(key, str) for key in keys):
            raise AnswerTypeError(f"a list of {count} keys (texts in quotes)", keys)
        if len(keys) != count:
            return f"give one key for each of the {count} objects, in order; this list has {len(keys)}."
        for key, (kind, namespace, name) in zip(keys, objects):
            key = key.strip().rstrip("/")  # "/registry/pods/shop/api/" names the same key
            kv = cluster.etcd.get(key)
            if kv is None:
                return f"etcd has no key {key!r}. {_why_no_key(key, kind, namespace)}"
            stored = json.loads(kv.value)
            meta = stored["metadata"]
            if (stored["kind"], meta.get("namespace"), meta["name"]) != (kind, namespace, name):
                return f"{key!r} holds the {stored['kind']} {meta['name']!r}, not the {kind} {name!r}."
        return True

    return holds_the_objects


def _why_no_key(key: str, kind: str, namespace: str | None) -> str:
    """A hint for a key that does not exist: what its parts should be."""
    if not key.startswith("/registry/"):
        return "The apiserver keeps every object under the prefix /registry/."
    if namespace and f"/{namespace}/" not in key:
        return (f"A {kind} lives in a namespace, and its key names it: /registry/<resource>/<namespace>/<name>. "
                f"Which namespace holds this {kind}?")
    if kind == "Node":
        return "Nodes keep, in etcd, the name they had in early Kubernetes (the notes' master config still uses it)."
    return "The resource part of the key is the plural, lower-case resource name, as in kubectl get <resource>."


def binding_in(cluster: Cluster, key: str) -> Predicate:
    """A check that an answer ``(revision, node)`` is the revision at which the Pod at ``key`` got its node."""

    def is_the_binding(answer: Any) -> bool | str:
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise AnswerTypeError('a pair (revision, node), such as (12, "node-1")', answer)
        revision, node = answer
        if isinstance(revision, bool) or not isinstance(revision, int):
            raise AnswerTypeError("a revision that is a whole number", revision)
        if not cluster.etcd.revision >= revision >= 1:
            return f"etcd has no revision {revision} yet: its newest is {cluster.etcd.revision}."
        version = cluster.etcd.get(key, revision=revision)
        if version is None or version.mod_revision != revision:
            return f"the Pod's key was not written at revision {revision}: that revision changed another key."
        stored_node = _node_name(version.value)
        if stored_node is None:
            return f"at revision {revision}, the Pod has no node yet: look later."
        if stored_node != node:
            return f"at revision {revision}, spec.nodeName is not {node!r}."
        if revision > version.create_revision and _node_name(cluster.etcd.get(key, revision=revision - 1).value):
            return f"spec.nodeName was already set before revision {revision}: look earlier."
        return True

    return is_the_binding


def _node_name(value: str | bytes) -> str | None:
    """The ``spec.nodeName`` of a Pod as etcd stores it (JSON)."""
    return json.loads(value)["spec"].get("nodeName")


def runs_with_volume(cluster: Cluster, pod: str, mount_path: str, timeout: float = 60) -> Predicate:
    """A check that an answer, a Pod manifest, runs Pod ``pod`` with a volume mounted at ``mount_path``.

    Each try replaces the Pod from the try before (a Pod's volumes cannot be
    changed in place), then waits up to ``timeout`` virtual seconds for it to run.
    """

    def runs_with_the_volume(manifest: Any) -> bool | str:
        if not isinstance(manifest, str):
            raise AnswerTypeError("a Pod manifest as YAML text (in triple quotes)", manifest)
        cluster.kubectl(f"delete pod {pod} --force --grace-period=0 --ignore-not-found")
        result = cluster.kubectl("apply -f -", stdin=manifest)
        if not result.ok:
            return f"the apiserver still refuses it: {result.strip()}"
        try:
            stored = cluster.pod(pod)
        except StatusError:
            return f"the manifest must still create the Pod {pod!r}."
        volumes = {volume["name"] for volume in stored["spec"].get("volumes", [])}
        mounts = {mount["mountPath"]: mount["name"]
                  for container in stored["spec"]["containers"] for mount in container.get("volumeMounts", [])}
        if mounts.get(mount_path) not in volumes:
            return f"{mount_path} must be a volumeMount of the container, naming a volume the Pod declares."
        try:
            cluster.wait_for(lambda: cluster.pod(pod)["status"]["phase"] == "Running", timeout=timeout)
        except TimeoutError:
            return f"the Pod is {cluster.pod(pod)['status']['phase']} after {timeout:g} s, not Running."
        return True

    return runs_with_the_volume


def same_number(truth: float, too_low: str, too_high: str) -> Predicate:
    """A check that a number (``4``, ``4.0`` or ``"4"``) equals ``truth``, read from the cluster;
    a wrong one learns which way it is off, and why."""

    def is_the_number(answer: Any) -> bool | str:
        if isinstance(answer, str):  # "4" counts as 4
            try:
                answer = float(answer)
            except ValueError:
                raise AnswerTypeError("a number", answer) from None
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            raise AnswerTypeError("a number", answer)
        if answer == truth:
            return True
        return f"{answer:g} is too {'low' if answer < truth else 'high'}: {too_low if answer < truth else too_high}"

    return is_the_number


def as_component_running(answer: Any) -> str:
    """A component's name, as :func:`~k8scourse.course.as_component` reads it, where a
    controller's name (``node lifecycle controller``) counts as the component that runs it."""
    text = as_text(answer)
    if text.endswith("controller") and "manager" not in text:
        return "kube-controller-manager"
    return as_component(answer)
