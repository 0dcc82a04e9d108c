"""Chapter 07's experiments and checks: an etcd cluster, on the Raft model, judges each answer.

The experiments (``failure_tolerance``, ``failover_times``, ``try_write``)
give the chapter its tables and plots; the predicates (``boots_as_fourth_member``,
``fixes_the_broken_lab``, ``predicts_the_writes``) compute the truth when the
check runs, from the files and the model, so the notebook never holds an answer::

    check("a fourth member", my_etcd_conf, predicate=boots_as_fourth_member())
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from k8scourse.config import ClusterSpec, EtcdConfig, etcd_startup_errors, lint
from k8scourse.config.spec import ETCD_CONF
from k8scourse.etcd.raft import RaftCluster
from k8scourse.etcd.raft import failover_times as raft_failover_times
from k8scourse.etcd.raft.errors import EtcdTimeoutError

Predicate = Callable[[Any], "bool | str"]
SETTLE = 3.0  # virtual seconds to let an election finish: etcd's randomised timeout is at most 2 s by default


def etcd_files(spec: ClusterSpec) -> dict[str, str]:
    """``{machine: etcd.conf text}`` for every etcd member of ``spec``."""
    return {machine: files[ETCD_CONF] for machine, files in spec.render_all().items() if ETCD_CONF in files}


def try_write(cluster: Any, key: str = "probe", value: str = "1", timeout: float = 1.0,
              endpoint: str | None = None) -> str:
    """Write once, as ``etcdctl --command-timeout`` would (through ``endpoint``): ``"OK"`` or etcd's error text."""
    try:
        cluster.put(key, value, timeout=timeout, endpoint=endpoint)
    except EtcdTimeoutError as err:
        return str(err)
    return "OK"


def failure_tolerance(members: int, seed: int = 0) -> int:
    """Crash followers of a ``members``-member model one at a time; how many it lost and still took writes."""
    cluster = RaftCluster.from_configs(etcd_files(ClusterSpec.loopback_lab(members=members)), seed=seed)
    cluster.wait_for_leader()
    lost = 0
    for name in [n for n in cluster.members if n != cluster.leader()] + [cluster.leader()]:
        cluster.crash(name)
        cluster.run(SETTLE)
        if try_write(cluster) != "OK":
            return lost
        lost += 1
    return lost


def failover_times(members: int = 3, count: int = 200, seed: int = 0,
                   configs: Mapping[str, str] | None = None) -> list[float]:
    """Kill the leader ``count`` times at random moments; the virtual seconds each time until a new leader
    (:func:`k8scourse.etcd.raft.failover_times`, as benchmarks/raft_elections.py measures it)."""
    return raft_failover_times(configs or etcd_files(ClusterSpec.loopback_lab(members=members)), count, seed)


# -- exercise 1: a fourth member -------------------------------------------------------------------

def four_member_lab() -> dict[str, str]:
    """The etcd.conf files of a four-member loopback lab, without the fourth member's (node3's)."""
    files = etcd_files(ClusterSpec.loopback_lab(members=4))
    del files["node3"]
    return files


def boots_as_fourth_member(seed: int = 0) -> Predicate:
    """Right when the text is an etcd.conf that etcd would start, and that joins the other three as etcd4."""
    def predicate(text: Any) -> bool | str:
        if not isinstance(text, str):
            return f"expected the etcd.conf as a string of KEY=\"value\" lines, got {type(text).__name__}."
        errors = etcd_startup_errors(text)
        if errors:
            return f"etcd refuses to start with it: {errors[0]}"
        others = four_member_lab()
        config = EtcdConfig.parse(text)
        peers = EtcdConfig.parse(next(iter(others.values()))).initial_cluster()
        if config.name not in peers:
            return (f"ETCD_NAME {config.name!r} is not one of the members the other three list in "
                    "ETCD_INITIAL_CLUSTER: they would not let it in.")
        if config.name in {EtcdConfig.parse(t).name for t in others.values()}:
            return f"{config.name!r} is already another member's name."
        problems = [f for f in lint({**{m: {ETCD_CONF: t} for m, t in others.items()}, "node3": {ETCD_CONF: text}})
                    if f.severity == "error"]
        if problems:
            return f"the linter finds {problems[0]}"
        cluster = RaftCluster.from_configs({**others, "node3": text}, seed=seed)
        cluster.wait_for_leader()
        for other in [n for n in cluster.members if n != config.name]:
            cluster.crash(other)
            break  # with one of the first three down, the new member is needed for a quorum of 3
        cluster.run(SETTLE)
        if try_write(cluster, "joined", "yes") != "OK":
            return "with one of the first three members down, the cluster took no write: the new member did not count."
        return True
    return predicate


# -- exercise 2: a broken lab ----------------------------------------------------------------------

def broken_lab() -> dict[str, dict[str, str]]:
    """The loopback lab's etcd.conf files with three mistakes in them, one per machine."""
    files = etcd_files(ClusterSpec.loopback_lab(members=3))
    files["master"] = files["master"].replace('ETCD_NAME="etcd1"', 'ETCD_NAME="master"')
    files["node1"] = files["node1"].replace('#ETCD_ELECTION_TIMEOUT="1000"', 'ETCD_ELECTION_TIMEOUT="400"')
    files["node2"] = files["node2"].replace('ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.13:2380"',
                                            'ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.13:2381"')
    return {machine: {ETCD_CONF: text} for machine, text in files.items()}


def with_fixes(tree: Mapping[str, Mapping[str, str]], fixes: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """``tree`` with each ``{machine: {KEY: value}}`` set in that machine's etcd.conf (a last line wins, as in systemd)."""
    fixed = {machine: dict(files) for machine, files in tree.items()}
    for machine, settings in fixes.items():
        fixed[machine][ETCD_CONF] += "".join(f'{key}="{value}"\n' for key, value in settings.items())
    return fixed


def fixes_the_broken_lab(seed: int = 0) -> Predicate:
    """Right when the fixes leave no linter error and the three members boot and elect a leader."""
    def predicate(fixes: Any) -> bool | str:
        tree = broken_lab()
        if not isinstance(fixes, Mapping) or not all(
                isinstance(s, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in s.items())
                for s in fixes.values()):
            return ('expected {machine: {KEY: "value"}}, e.g. {"node1": {"ETCD_DEBUG": "false"}}, '
                    f"got {type(fixes).__name__}.")
        unknown = sorted(set(fixes) - set(tree))
        if unknown:
            return f"no machine named {unknown[0]!r} here; the machines are {', '.join(tree)}."
        fixed = with_fixes(tree, fixes)
        errors = [f for f in lint(fixed) if f.severity == "error"]
        if errors:
            return f"{len(errors)} error(s) left, the first: {errors[0]}"
        cluster = RaftCluster.from_configs({m: f[ETCD_CONF] for m, f in fixed.items()}, seed=seed)
        cluster.wait_for_leader()
        if len(cluster.members) != 3:
            return f"the files now describe {len(cluster.members)} members, not the lab's three."
        return True
    return predicate


# -- exercise 3: quorum after crashes --------------------------------------------------------------

#: The story of exercise 3, on the five-member loopback lab (etcd1..etcd5): after each step, is a write taken?
QUORUM_STORY = [
    ("crash", ("etcd1",)),
    ("crash", ("etcd2",)),
    ("crash", ("etcd3",)),
    ("restart", ("etcd1",)),
    ("partition", (("etcd1", "etcd4"), ("etcd2", "etcd3", "etcd5"))),
    ("heal", ()),
]


def quorum_story(seed: int = 0) -> list[bool]:
    """Play ``QUORUM_STORY`` on the model: whether a write succeeds after each step."""
    cluster = RaftCluster.from_configs(etcd_files(ClusterSpec.loopback_lab(members=5)), seed=seed)
    cluster.wait_for_leader()
    results = []
    for action, args in QUORUM_STORY:
        getattr(cluster, action)(*args)
        cluster.run(SETTLE)
        results.append(try_write(cluster) == "OK")
    return results


def predicts_the_writes(seed: int = 0) -> Predicate:
    """Right when the list of True/False matches what the model does, step by step."""
    def predicate(answer: Any) -> bool | str:
        if not isinstance(answer, Sequence) or isinstance(answer, str) or not all(
                isinstance(a, bool) for a in answer):
            return f"expected a list of {len(QUORUM_STORY)} True/False values, got {answer!r}."
        if len(answer) != len(QUORUM_STORY):
            return f"expected one True/False per step: {len(QUORUM_STORY)} values, got {len(answer)}."
        wrong = sum(a != b for a, b in zip(answer, quorum_story(seed)))
        if wrong:
            return (f"{wrong} of the {len(QUORUM_STORY)} predictions are wrong. For each step count the members that "
                    "run and can reach each other, and compare with a majority of all five.")
        return True
    return predicate
