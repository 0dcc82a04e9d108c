"""Chapter 08's helpers and checks: the master's files, its admission plugins, its start order.

The helpers show what the chapter talks about (a unit's command line after
systemd pastes the EnvironmentFiles in, the legacy flags as a table, what
each admission chain does to a manifest); the ``check`` predicates compute
the truth by running the linter or a cluster, so the notebooks never hold
the answer::

    check("a clean apiserver file", text, predicate=apiserver_starts_cleanly())
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from k8scourse.config import ClusterSpec, lint
from k8scourse.config.envfile import EnvFile
from k8scourse.config.legacy import LEGACY_FLAGS
from k8scourse.config.systemd import UNITS, environment_files, start_order
from k8scourse.master.admission import PLUGINS, AdmissionChain

from .answers import as_component
from .checks import AnswerTypeError, describe

Predicate = Callable[[Any], "bool | str"]

APISERVER_FILE = "/etc/kubernetes/apiserver"
MASTER_DAEMONS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
#: Whom each master daemon calls, so must find serving when it starts: the apiserver stores
#: everything in etcd; the controller-manager and the scheduler watch the apiserver.
CALLS = {"etcd": (), "kube-apiserver": ("etcd",), "kube-controller-manager": ("kube-apiserver",),
         "kube-scheduler": ("kube-apiserver",)}


def exec_start(files: Mapping[str, str], daemon: str) -> str:
    """The command line systemd runs for ``daemon``: its unit's ExecStart with the variables from
    its EnvironmentFiles (``files``: one machine's ``{path: text}``) pasted in.

    An unset or empty variable expands to nothing, as systemd's ``$VAR`` does.
    """
    unit = UNITS[daemon]
    values: dict[str, str] = {}
    for path in environment_files(unit):
        if path in files:
            values.update(EnvFile.parse(files[path]).values())
    lines = iter(unit.split("ExecStart=", 1)[1].splitlines())
    command = next(lines)
    while command.endswith("\\"):  # a line continued onto the next
        command = command[:-1] + " " + next(lines)
    words = [values.get(word[1:], "") if word.startswith("$") else word
             for word in command.split()]
    return " ".join(word for word in words if word)


def legacy_flag_rows(daemons: Iterable[str]) -> list[dict[str, str]]:
    """The linter's table of legacy flags, for the ``daemons`` given: flag, deprecated, removed, replacement."""
    wanted = set(daemons)
    return [{"flag": f.flag, "daemons": ", ".join(d for d in f.daemons if d in wanted), "deprecated": f.deprecated,
             "removed": f.removed or "not yet", "replacement": f.replacement}
            for f in LEGACY_FLAGS if wanted & set(f.daemons)]


def markdown_table(rows: list[dict[str, str]]) -> str:
    """Rows of equal keys as a Markdown table (flags in code font)."""
    keys = list(rows[0])
    cell = lambda v: f"`{v}`" if v.startswith("--") else v.replace("|", "/")  # noqa: E731
    return "\n".join(["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
                     + ["| " + " | ".join(cell(r[k]) for k in keys) + " |" for r in rows])


def admission_outcome(cluster: Any, manifest: str) -> str:
    """What the apiserver answers to ``kubectl apply`` of ``manifest``: ``created`` or its refusal."""
    result = cluster.kubectl("apply -f -", stdin=manifest)
    if result.ok:
        return "created"
    return str(result).strip().removeprefix("Error from server ").replace('error when creating "STDIN": ', "")


def refusing_plugin(manifest: str, plugins: Iterable[str] = AdmissionChain.V1_31_PLUGINS) -> str | None:
    """The admission plugin that refuses ``manifest`` on a cluster running ``plugins``, or None if it is accepted.

    Found the honest way: the manifest is sent to a cluster without each plugin in turn; the
    plugin whose absence lets it through is the one that refuses it.
    """
    from k8scourse.cluster import Cluster

    plugins = tuple(plugins)
    if admission_outcome(Cluster(admission_plugins=plugins), manifest) == "created":
        return None
    for name in plugins:
        without = tuple(p for p in plugins if p != name)
        if admission_outcome(Cluster(admission_plugins=without), manifest) == "created":
            return name
    return "the apiserver's validation (no admission plugin)"


def _plugin_name(answer: Any) -> str | None:
    """A plugin name, compared without case; None, "", "none" or "accepted" mean no plugin refuses."""
    if answer is None:
        return None
    if not isinstance(answer, str):
        raise AnswerTypeError('a plugin name in quotes (or None)', answer)
    text = answer.strip().strip("`'\"").lower()
    if text in ("", "none", "accepted", "nothing", "no plugin"):
        return None
    known = {name.lower(): name for name in PLUGINS}
    return known.get(text, answer.strip())


def names_refusing_plugins(manifests: Mapping[str, str]) -> Predicate:
    """Predicate: the answer maps each Pod's name to the plugin that refuses it (None: accepted).

    The truth comes from :func:`refusing_plugin` on v1.31's plugins, once, on the first check.
    """
    truth: dict[str, str | None] = {}

    def predicate(answer: Any) -> bool | str:
        if not isinstance(answer, Mapping):
            return f"expected a dict {{pod name: plugin name or None}}, got {describe(answer)}."
        missing = [name for name in manifests if name not in answer]
        if missing:
            return f"say what happens to every Pod: {', '.join(missing)} is missing."
        if not truth:
            truth.update({name: refusing_plugin(text) for name, text in manifests.items()})
        wrong = []
        for name in manifests:
            given = _plugin_name(answer[name])
            if isinstance(given, str) and given not in PLUGINS:
                return (f"{given!r} ({name}) is no admission plugin this cluster runs; "
                        f"they are {', '.join(AdmissionChain.V1_31_PLUGINS)}.")
            if given != truth[name]:
                wrong.append(name)
        if wrong:
            return f"not right for {', '.join(wrong)} (the others are right)."
        return True

    return predicate


def apiserver_starts_cleanly(spec: ClusterSpec | None = None) -> Predicate:
    """Predicate: ``answer``, the text of the master's /etc/kubernetes/apiserver, draws no linter error.

    It is linted in place of the seed lab's file, beside the other machines' files, for Kubernetes
    v1.31 (``lint``'s default); it must still name the etcd servers, as the apiserver demands, and
    keep the notes' service range and admission plugins (deleting them is no fix).
    """
    spec = spec or ClusterSpec.seed_lab()
    tree = spec.render_all()
    master = spec.masters[0].name

    def predicate(answer: Any) -> bool | str:
        if not isinstance(answer, str):
            return f"expected the file's text (a str), got {describe(answer)}."
        try:
            flags = " ".join(EnvFile.parse(answer).values().values())
        except ValueError as exc:
            return f"the file does not parse: {exc}"
        if not re.search(r"--etcd-servers=\S", flags):
            # staging/src/k8s.io/apiserver/pkg/server/options/etcd.go, EtcdOptions.Validate
            return "kube-apiserver stops with: --etcd-servers must be specified"
        if "--service-cluster-ip-range=" not in flags or not re.search(r"--(enable-)?admission-(control|plugins)=", flags):
            return ("keep the service range and the admission plugins: leaving a setting out changes the "
                    "cluster, it does not fix the file.")
        files = {**tree, master: {**tree[master], APISERVER_FILE: answer}}
        errors = [f for f in lint(files) if f.machine == master and f.path == APISERVER_FILE and f.severity == "error"]
        if errors:
            return f"the linter still reports {len(errors)} error(s), the first: {errors[0].key}: {errors[0].message}"
        return True

    return predicate


def _daemon(step: Any) -> str:
    """A daemon's name from a systemctl line (``systemctl start X&&...``) or a plain name."""
    if not isinstance(step, str):
        raise AnswerTypeError("a list of systemctl lines or daemon names (texts in quotes)", step)
    match = re.search(r"systemctl\s+(?:start|enable)\s+([^\s&]+)", step)
    return as_component((match.group(1) if match else step).strip().removesuffix(".service"))


def starts_in_order(roles: Iterable[str] = ("etcd", "master")) -> Predicate:
    """Predicate: the answer lists the daemons of a machine with ``roles`` in an order that works:
    each one after the daemons it calls (:data:`CALLS`)."""
    daemons = start_order(tuple(roles))

    def predicate(answer: Any) -> bool | str:
        if isinstance(answer, str) or not isinstance(answer, (list, tuple)):
            return f"expected a list of steps, in order, got {describe(answer)}."
        try:
            order = [_daemon(step) for step in answer]
        except AnswerTypeError as exc:
            return str(exc)
        if sorted(order) != sorted(daemons):
            return f"start each of {', '.join(sorted(daemons))} exactly once (you start {', '.join(order) or 'nothing'})."
        for position, daemon in enumerate(order):
            late = [needed for needed in CALLS.get(daemon, ()) if needed in order[position:]]
            if late:
                return f"{daemon} starts before {late[0]}, which it calls: it fails, and systemd restarts it."
        return True

    return predicate
