"""Chapter 12's helpers and checks: the capstone cluster, its files, five broken copies, and the grading.

The learner repairs a broken cluster by editing its files (a ``{machine: {path: text}}``
tree) with :func:`set_value` or :func:`replace_text`; the check boots the repaired
files as a new cluster and grades what it does, never the text::

    check("lab 2", repaired, predicate=serves_the_app)   # boots `repaired`, deploys, requests
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from k8scourse.config import ClusterSpec, Machine
from k8scourse.config.envfile import EnvFile

from .checks import AnswerTypeError

Predicate = Callable[[Any], "bool | str"]
Tree = dict[str, dict[str, str]]

#: The application the capstone deploys: three nginx replicas behind a Service, and a client pod.
APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: frontend}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: client, image: "busybox:1.36", command: [sleep, infinity]}]
"""


def capstone_spec() -> ClusterSpec:
    """The notes' design, corrected, at v1.31: a master and three nodes on 192.168.197.130-133,
    etcd on the first three machines (the notes' etcd1, etcd2, etcd3)."""
    return ClusterSpec(machines=[
        Machine("master", "192.168.197.130", ("master", "etcd"), "etcd1"),
        Machine("node1", "192.168.197.131", ("node", "etcd"), "etcd2"),
        Machine("node2", "192.168.197.132", ("node", "etcd"), "etcd3"),
        Machine("node3", "192.168.197.133", ("node",)),
    ])


def _file(tree: Any, machine: Any, path: Any) -> str:
    if not isinstance(tree, Mapping) or not all(isinstance(f, Mapping) for f in tree.values()):
        raise AnswerTypeError("a tree of files {machine: {path: text}}", tree)
    if machine not in tree:
        raise KeyError(f"no machine {machine!r} in the tree (its machines: {', '.join(sorted(tree))})")
    if path not in tree[machine]:
        raise KeyError(f"{machine} has no file {path!r} (its files: {', '.join(sorted(tree[machine]))})")
    return tree[machine][path]


def set_value(tree: Tree, machine: str, path: str, key: str, value: str) -> Tree:
    """A copy of ``tree`` in which ``machine``'s ``path`` (a KEY="value" file: etcd.conf,
    /etc/kubernetes/*, flanneld's) sets ``key`` to ``value``, as editing that line with vim would.
    A commented-out ``#KEY=`` line is uncommented; a key not in the file is appended."""
    text = _file(tree, machine, path)
    env = EnvFile.parse(text)
    env.set(key, value)
    changed = copy.deepcopy(dict(tree))
    changed[machine][path] = env.render()
    return changed


def replace_text(tree: Tree, machine: str, path: str, old: str, new: str) -> Tree:
    """A copy of ``tree`` in which ``old`` is replaced by ``new`` in ``machine``'s ``path``
    (for YAML files: a kubeconfig, a KubeletConfiguration). ``old`` must be in the file."""
    text = _file(tree, machine, path)
    if not isinstance(old, str) or not isinstance(new, str):
        raise TypeError("replace_text takes the old and the new text as strings")
    if old not in text:
        raise ValueError(f"{machine}:{path} does not contain {old!r}")
    changed = copy.deepcopy(dict(tree))
    changed[machine][path] = text.replace(old, new)
    return changed


# --- the five broken clusters ----------------------------------------------------------------------

#: The notes' ETCD_INITIAL_CLUSTER line: their etcd2 is .132 and etcd3 is .131.
NOTES_INITIAL_CLUSTER = ("etcd1=http://192.168.197.130:2380,etcd2=http://192.168.197.132:2380,"
                         "etcd3=http://192.168.197.131:2380")
#: The notes' kubelet line, which a v1.31 kubelet no longer knows.
NOTES_API_SERVER = "--api-servers=http://192.168.197.130:8080"


def _break_etcd(tree: Tree) -> Tree:
    """A colleague pasted the notes' ETCD_INITIAL_CLUSTER line into node2's etcd.conf."""
    return set_value(tree, "node2", "/etc/etcd/etcd.conf", "ETCD_INITIAL_CLUSTER", NOTES_INITIAL_CLUSTER)


def _break_apiserver(tree: Tree) -> Tree:
    """The apiserver "for safety" listens on the loopback address only."""
    return set_value(tree, "master", "/etc/kubernetes/apiserver", "KUBE_API_ADDRESS", "--bind-address=127.0.0.1")


def _break_kubelet(tree: Tree) -> Tree:
    """node3's kubelet file got the notes' --api-servers line back."""
    return set_value(tree, "node3", "/etc/kubernetes/kubelet", "KUBELET_API_SERVER", NOTES_API_SERVER)


def _break_flannel(tree: Tree) -> Tree:
    """node2's flanneld looks under kube-flannel's default prefix, where nobody wrote a config."""
    return set_value(tree, "node2", "/etc/sysconfig/flanneld", "FLANNEL_ETCD_PREFIX", "/coreos.com/network")


BROKEN_SELECTOR = "selector: {app: web, tier: front-end}"
BROKEN_APP = APP.replace("  selector: {app: web}\n", f"  {BROKEN_SELECTOR}\n")
LAYERS = {"etcd": _break_etcd, "apiserver": _break_apiserver, "kubelet": _break_kubelet, "flannel": _break_flannel}


def capstone_files() -> Tree:
    """The capstone's files as they work: the spec's, with etcd's v2 API on for flanneld
    (the notes' commented-out ``#ETCD_ENABLE_V2="true"``, switched on in each member's etcd.conf)."""
    spec = capstone_spec()
    tree = spec.render_all()
    for member in spec.etcd_members:
        tree = set_value(tree, member, "/etc/etcd/etcd.conf", "ETCD_ENABLE_V2", "true")
    return tree


def broken_files(layer: str) -> Tree:
    """The capstone's files with one mistake in ``layer``: etcd, apiserver, kubelet or flannel."""
    if layer not in LAYERS:
        raise ValueError(f"layer: {layer!r} is not one of {', '.join(LAYERS)}")
    return LAYERS[layer](capstone_files())


def boot(files: Tree | None = None, app: str = APP, seed: int = 0, seconds: float = 60) -> Any:
    """The capstone's four machines booted on ``files`` (default: the working ones) with the notes'
    manual steps (``Cluster.from_spec``), then ``app`` applied and ``seconds`` run.

    An object the apiserver refuses (a Pod, while no controller-manager has made the namespace's
    ServiceAccount) is left out, as ``kubectl apply -f`` goes on with the next document."""
    from k8scourse.api.errors import StatusError
    from k8scourse.cluster import Cluster

    cluster = Cluster.from_spec(capstone_spec(), seed=seed, files=files if files is not None else capstone_files())
    for document in app.split("\n---\n"):
        try:
            cluster.apply(document)
        except StatusError:
            pass  # what_is_wrong finds what is missing
    cluster.run(seconds)
    return cluster


def what_is_wrong(cluster: Any) -> str | None:
    """The first thing the capstone cluster does not do, in a sentence, or None when it serves the app:
    every unit active, every etcd member joined, every node Ready, three web pods Running with distinct pod-network IPs,
    the client's request answered and a packet from the client reaching each web pod."""
    import ipaddress

    boot_ = cluster.boot
    for name, units in boot_.unit_states().items():
        for daemon, state in units.items():
            if state != "active":
                return f"{daemon} on {name} is {state} (systemctl status {daemon})."
    listing = str(cluster.etcdctl("--endpoints=http://192.168.197.130:2379 member list"))
    unstarted = [line for line in listing.splitlines() if ", unstarted," in line]
    if unstarted:
        return f"etcdctl member list shows a member that never joined: {unstarted[0]}"
    names = [line.split(", ")[2] for line in listing.splitlines() if ", started, " in line]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:  # etcd knows members by their peer URLs: it runs them, but a name now means two members
        return (f"etcdctl member list shows two members named {twice[0]}: a member's ETCD_NAME must be the name "
                "the other members' ETCD_INITIAL_CLUSTER gives its peer URL.")
    nodes = {n["metadata"]["name"]: n for n in cluster.api.list("nodes")}
    for name, machine in boot_.machines.items():
        if "kubelet" in machine.units:
            node = boot_.nodes.get(name)
            if node is None or node not in nodes:
                return f"{name}'s kubelet never registered its Node."
            ready = {c["type"]: c["status"] for c in nodes[node]["status"].get("conditions", [])}
            if ready.get("Ready") != "True":
                return f"Node {node} is not Ready."
    if not cluster.api.list("pods", "default", field_selector="metadata.name=client"):
        return "the client Pod was never created (kubectl get events)."
    web = cluster.api.list("pods", "default", label_selector="app=web")
    running = [p for p in web if p["status"].get("phase") == "Running"]
    if len(running) < 3:
        return f"{len(running)} of the 3 web pods are Running."
    network = boot_.flannel_network()
    if network is None:
        return "no flanneld has read its network config from etcd: pods are on docker's default bridge."
    ips = [p["status"].get("podIP", "") for p in cluster.api.list("pods", "default")]
    strays = sorted(ip for ip in ips if ip and ipaddress.ip_address(ip) not in network)
    if strays:
        return f"pods have addresses outside the pod network {network}: {', '.join(strays)}."
    if len(set(ips)) != len(ips):
        return "two pods have the same IP."
    answer = cluster.request("default/client", "web:80")
    if not answer.ok:
        return f"the client's request to web:80 failed: {answer.error}"
    for pod in running:
        trace = cluster.trace("default/client", pod["status"]["podIP"])
        if not trace.delivered:
            return f"a packet from the client to {pod['metadata']['name']} does not arrive: {trace.reason}"
    return None


def serves_the_app(answer: Any) -> bool | str:
    """The check of every lab: boot the learner's repaired files (a tree) or app (manifest text)
    and grade what the cluster does."""
    if isinstance(answer, str):
        files, app = None, answer
    elif isinstance(answer, Mapping) and answer and all(isinstance(f, Mapping) for f in answer.values()):
        files, app = answer, APP
    else:
        raise AnswerTypeError("your repaired files {machine: {path: text}} or the app's manifests as text", answer)
    if files is not None:
        missing = _missing(files)
        if missing:
            return missing
    try:
        cluster = boot(files, app)
    except ValueError as error:  # a tree the boot refuses, or manifests kubectl could not read: it says why
        return f"your answer does not boot: {error}"
    problem = what_is_wrong(cluster)
    return True if problem is None else f"booted with your answer, the cluster still fails: {problem}"


def unit_states(cluster: Any) -> str:
    """Every machine's units and their states, one machine a line, as ``systemctl is-active`` says them."""
    return "\n".join(f"{name:<7} " + "  ".join(f"{daemon}={state}" for daemon, state in units.items())
                     for name, units in cluster.boot.unit_states().items())


def pod_on_another_node(cluster: Any, pod: str, selector: str, namespace: str = "default") -> dict:
    """A pod matching ``selector`` on another node than ``pod``'s (for a trace that crosses nodes)."""
    node = cluster.pod(pod, namespace)["spec"].get("nodeName")
    for candidate in cluster.api.list("pods", namespace, label_selector=selector):
        if candidate["spec"].get("nodeName") not in (None, node):
            return candidate
    raise LookupError(f"no pod matching {selector} runs on another node than {pod}'s ({node})")


def _missing(files: Mapping[str, Mapping[str, str]]) -> str | None:
    """What the learner's tree lacks of the capstone's machines and files (a repair edits, never deletes)."""
    expected = capstone_files()
    if set(files) != set(expected):
        return (f"your files are for the machines {', '.join(sorted(files))}; the capstone's are "
                f"{', '.join(sorted(expected))}.")
    for machine, paths in expected.items():
        gone = sorted(set(paths) - set(files[machine]))
        if gone:
            return f"{machine}'s {gone[0]} is missing from your files: repair a file rather than delete it."
    return None
