"""Chapter 11's helpers and checks: a Service's endpoints over time, rounds of requests, and the exercises' predicates.

The helpers read the cluster the way ``kubectl get endpoints`` and a client
sending requests would; the predicates compute the truth from the cluster
(or from kube-proxy's rule) when the check runs, never from the notebook.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from numbers import Real
from typing import Any

import yaml

from .checks import describe

Predicate = Callable[[Any], "bool | str"]


def endpoint_pods(cluster: Any, service: str, namespace: str = "default") -> tuple[list[str], list[str]]:
    """The pods behind ``service`` as its Endpoints list them: (ready, not ready), names sorted."""
    subsets = cluster.api.get("endpoints", service, namespace).get("subsets") or []
    names = ({a.get("targetRef", {}).get("name", a["ip"]) for s in subsets for a in s.get(field) or ()}
             for field in ("addresses", "notReadyAddresses"))
    ready, not_ready = (sorted(group) for group in names)
    return ready, not_ready


def watch_endpoints(cluster: Any, service: str, seconds: float, every: float = 1.0,
                    namespace: str = "default") -> list[tuple[float, list[str], list[str]]]:
    """Run the clock for ``seconds``, looking at the Service's Endpoints every ``every`` seconds;
    return each change as (seconds since the start, ready pods, not-ready pods), the first look included."""
    start, changes = cluster.now, []
    while True:
        ready, not_ready = endpoint_pods(cluster, service, namespace)
        if not changes or changes[-1][1:] != (ready, not_ready):
            changes.append((round(cluster.now - start, 3), ready, not_ready))
        if cluster.now - start >= seconds - 1e-9:
            return changes
        cluster.run(every)


def request_rounds(cluster: Any, source: str, target: str, seconds: float, every: float = 5.0,
                   per_round: int = 20) -> tuple[list[float], list[int], list[int]]:
    """Every ``every`` seconds for ``seconds``, send ``per_round`` requests from ``source`` to ``target``;
    return the rounds' times (since the start), and how many were answered and failed in each."""
    start, times, answered, failed = cluster.now, [], [], []
    while cluster.now - start <= seconds + 1e-9:
        results = [cluster.request(source, target) for _ in range(per_round)]
        times.append(round(cluster.now - start, 3))
        answered.append(sum(r.ok for r in results))
        failed.append(per_round - answered[-1])
        cluster.run(every)
    return times, answered, failed


# --- the exercises' predicates ------------------------------------------------------------------------


#: How far a learner's probability may be from the exact one: 0.33 for 1/3 counts.
ROUNDING = 0.005


def _probability(value: Any) -> float | None:
    """A number, or a fraction written as text ("1/3"), as a float; None for anything else."""
    if isinstance(value, Real) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            return None
    return None


def statistic_probabilities(endpoints: int) -> Predicate:
    """A predicate: the ``--probability`` of each rule of a KUBE-SVC chain with ``endpoints`` endpoints,
    in order, the last rule's given as None (it has none). Numbers, or fractions as text ("1/3"),
    rounded to two decimals or better count."""
    def predicate(answer: Any) -> bool | str:
        if not isinstance(answer, (list, tuple)):
            return f"expected a list of {endpoints} probabilities (the last one None), got {describe(answer)}."
        if len(answer) != endpoints:
            return (f"a chain with {endpoints} endpoints has {endpoints} rules, one per endpoint; "
                    f"you gave {len(answer)}.")
        if answer[-1] is not None:
            return "the last rule has no --probability at all: write None for it."
        numbers = [_probability(p) for p in answer[:-1]]
        if None in numbers:
            return "every rule but the last needs a number between 0 and 1."
        wrong = [i + 1 for i, p in enumerate(numbers) if abs(p - 1 / (endpoints - i)) > ROUNDING]
        if not wrong:
            return True
        if all(abs(p - 1 / endpoints) <= ROUNDING for p in numbers):
            return ("1/n for every rule would be right only if every packet met every rule; a packet reaches "
                    "rule 2 only when rule 1 did not match.")
        rules = f"rule{'s' if len(wrong) > 1 else ''} {', '.join(map(str, wrong))}"
        return f"{rules}: not the probability kube-proxy writes."

    return predicate


def _service_manifest(answer: Any) -> dict | str:
    if isinstance(answer, str):
        try:
            answer = yaml.safe_load(answer)
        except yaml.YAMLError as error:
            return f"that is not valid YAML: {getattr(error, 'problem', None) or error}."
    if not isinstance(answer, Mapping):
        return f"expected a Service manifest as YAML text, got {describe(answer)}."
    if answer.get("kind") != "Service":
        return f"expected a Service manifest, got kind {answer.get('kind')!r}."
    return dict(answer)


def service_answers(cluster: Any, source: str, pods: Sequence[str], requests: int = 60,
                    port: int | None = None) -> Predicate:
    """A predicate: the learner's Service, created under a fresh name, answers ``requests`` requests
    from ``source`` on its first port (which must be ``port``, if given), and every pod in ``pods``
    answers some of them. The trial Service is deleted afterwards.

    The name is ``<name>-check-N`` with the first N no Service has, so that rerunning the notebook
    cell never updates an earlier try (an update would keep fields the new manifest leaves out).
    """
    def predicate(answer: Any) -> bool | str:
        service = _service_manifest(answer)
        if isinstance(service, str):
            return service
        metadata = dict(service.get("metadata") or {})
        taken = {s["metadata"]["name"] for s in cluster.api.list("services", metadata.get("namespace", "default"))}
        base = metadata.get("name", "svc")
        name = metadata["name"] = next(f"{base}-check-{n}" for n in itertools.count(1)
                                       if f"{base}-check-{n}" not in taken)
        try:
            stored = cluster.apply({**service, "metadata": metadata})[0]
        except ValueError as error:
            return f"the apiserver refuses it: {error}"
        try:
            return _answers(cluster, source, stored, pods, requests, port)
        finally:
            cluster.api.delete("services", name, stored["metadata"]["namespace"])

    return predicate


def _answers(cluster: Any, source: str, service: dict, pods: Sequence[str], requests: int,
             port: int | None) -> bool | str:
    """Whether the stored ``service`` answers from ``source`` on ``port``, by every pod in ``pods``."""
    name, first_port = service["metadata"]["name"], service["spec"]["ports"][0]["port"]
    if port is not None and first_port != port:
        return f"it listens on port {first_port}; the clients use port {port}."
    cluster.run(2)  # the endpoint controllers and kube-proxy's next sync
    results = [cluster.request(source, f"{name}:{first_port}") for _ in range(requests)]
    failed = [r for r in results if not r.ok]
    if failed:
        ready, not_ready = endpoint_pods(cluster, name)
        why = ("its Endpoints list no pod: look at the selector, and at the port the pods really have"
               if not ready and not not_ready else "some of its endpoints do not answer on that port")
        return f"{len(failed)} of {requests} requests failed ({failed[0].error}): {why}."
    missing = sorted(set(pods) - {r.pod for r in results})
    return not missing or f"all answered, but never by {', '.join(missing)}: does the selector pick every pod?"


def not_ready_pods(cluster: Any, service: str, namespace: str = "default") -> Predicate:
    """A predicate: a set of pod names equal to the Service's ``notReadyAddresses`` right now."""
    def predicate(answer: Any) -> bool | str:
        _, not_ready = endpoint_pods(cluster, service, namespace)
        if set(answer) == set(not_ready):
            return True
        pods = {p["metadata"]["name"] for p in cluster.api.list("pods", namespace)}
        unknown = sorted(set(answer) - pods)
        if unknown:
            return f"no pod is named {', '.join(unknown)}."
        return f"{len(answer)} pod{'s' if len(answer) != 1 else ''}, but not the ones the Endpoints list as not ready."

    return predicate


def reaches_from_outside(cluster: Any, service: str, namespace: str = "default") -> Predicate:
    """A predicate: an ``"IP:port"`` text a machine outside the cluster could use to reach ``service``:
    a node's address and the Service's node port, answered through kube-proxy's rules (by at least
    one of ten requests, so that a backend on a dead node does not fail a right answer)."""
    def predicate(answer: Any) -> bool | str:
        if not isinstance(answer, str) or ":" not in answer:
            return f'expected an address and port as text, such as "192.0.2.1:8080", got {describe(answer)}.'
        host, _, port = answer.rpartition(":")
        node_ips = {k.node_ip: name for name, k in cluster.kubelets.items()}
        if host not in node_ips:
            spec = cluster.api.get("services", service, namespace)["spec"]
            if host == spec.get("clusterIP"):
                return "a ClusterIP lives only in the nodes' rules: a machine outside the cluster cannot route to it."
            return f"{host} is not one of the nodes' addresses ({', '.join(sorted(node_ips))})."
        # the closest thing to a laptop: another machine that runs, else the node itself
        outside = next((name for name, k in cluster.kubelets.items() if name != node_ips[host] and k.running),
                       node_ips[host])
        results = [cluster.request(outside, answer) for _ in range(10)]  # one dead backend must not fail it
        if not any(r.ok for r in results):
            return f"{answer} does not answer: {results[0].error}."
        return any(r.pod for r in results) or "that answers, but not from the Service's pods."

    return predicate
