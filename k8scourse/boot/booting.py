"""Booting a cluster from its files (``Cluster.from_files``) or from a ClusterSpec (``Cluster.from_spec``).

``boot_from_files`` reads the tree, makes one :class:`~.machine.Machine` per folder
and an unstarted :class:`~k8scourse.cluster.Cluster` whose apiserver options come
from the master's apiserver file, and hands both to :class:`~.wiring.Boot`. Nothing
runs until a unit is started. ``boot_from_spec`` then does what the notes do by hand.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from k8scourse.config.flannel import ETCD_KEYS_DIR, config_key
from k8scourse.config.spec import (CURRENT_ETCD_VERSION, CURRENT_VERSION, SEED_ETCD_VERSION, SEED_VERSION, read_tree,
                                   version_tuple)
from k8scourse.config.systemd import ROLE_DAEMONS
from k8scourse.master.admission import PLUGINS, AdmissionChain

from . import flags
from .journal import Journal
from .machine import BootError, Machine, machine_address
from .systemctl import systemctl, wait_for_job
from .wiring import Boot

if TYPE_CHECKING:
    from k8scourse.cluster import Cluster
    from k8scourse.config.spec import ClusterSpec


def _tree(tree: Any) -> dict[str, dict[str, str]]:
    if isinstance(tree, (str, Path)):
        tree = read_tree(tree)
    if not isinstance(tree, Mapping) or not tree:
        raise BootError("from_files: expected a tree {machine: {path: text}} (or a folder of <machine>/etc/...) "
                        "with at least one machine")
    for name, files in tree.items():
        if not isinstance(name, str) or not isinstance(files, Mapping):
            raise BootError(f"from_files: machine {name!r}: expected {{path: text}}, got {type(files).__name__}")
        for path, text in files.items():
            if not isinstance(path, str) or not path.startswith("/") or not isinstance(text, str):
                raise BootError(f"from_files: {name}: {path!r}: expected an absolute path and its text")
    return {name: dict(files) for name, files in tree.items()}


def files_version(tree: Mapping[str, Mapping[str, str]]) -> str:
    """The era of the files, as ClusterSpec.from_files reads it: the notes' insecure port is v1.5.2."""
    for files in tree.values():
        if "--insecure-bind-address" in files.get("/etc/kubernetes/apiserver", ""):
            return SEED_VERSION
    return CURRENT_VERSION


def _apiserver_options(machines: dict[str, Machine], version: str) -> dict[str, Any]:
    """The Cluster's apiserver settings from the (first) master's files, read leniently: the unit's own
    start reports what is wrong with them."""
    for machine in machines.values():
        found = machine.unit_file("kube-apiserver")
        if not found:
            continue
        try:
            argv = flags.exec_argv(found[1], flags.environment(found[1], machine.files, found[0]))
        except (OSError, ValueError):
            return {}
        values = {w.lstrip("-").partition("=")[0]: w.partition("=")[2] for w in argv if w.startswith("--")}
        options: dict[str, Any] = {}
        if values.get("service-cluster-ip-range"):
            options["service_cluster_ip_range"] = values["service-cluster-ip-range"]
        legacy = values.get("admission-control")
        enabled = values.get("enable-admission-plugins")
        if legacy or enabled:
            names = legacy.split(",") if legacy else list(AdmissionChain.V1_31_PLUGINS) + enabled.split(",")
            options["admission_plugins"] = [n for n in dict.fromkeys(names) if n in PLUGINS]
        return options
    return {}


def boot_from_files(cls: type, tree: Any, *, seed: int = 0, kubernetes_version: str | None = None,
                    etcd_version: str | None = None, spec: ClusterSpec | None = None) -> Cluster:
    """``Cluster.from_files``: machines, units and an unstarted cluster; nothing runs yet.

    With ``spec`` the machines are the spec's (their addresses, whatever the files say) and a
    folder for a machine the spec does not have is an error."""
    files = _tree(tree)
    addresses = {m.name: m.address for m in spec.machines} if spec is not None else {}
    if spec is not None:
        strangers = [name for name in files if name not in addresses]
        if strangers:
            raise BootError(f"{strangers[0]}: no machine of that name in the spec (its machines: "
                            f"{', '.join(addresses)})")
    version = kubernetes_version or files_version(files)
    version_tuple(version)
    if etcd_version is None:  # no file names it: the notes' era ran CentOS 7's etcd, today's Debian has 3.4
        etcd_version = SEED_ETCD_VERSION if version == SEED_VERSION else CURRENT_ETCD_VERSION
    if not isinstance(etcd_version, str) or not re.fullmatch(r"\d+\.\d+(\.\d+)?", etcd_version):
        raise BootError(f"etcd_version {etcd_version!r}: expected MAJOR.MINOR[.PATCH], e.g. 3.4 or 3.3.11")
    machines = {}
    for name, machine_files in files.items():
        address = addresses.get(name) or machine_address(name, machine_files)
        machines[name] = Machine(name, address, machine_files, Journal(name))
    options = _apiserver_options(machines, version)
    try:
        cluster = cls(seed, start=False, **options)
    except ValueError:
        cluster = cls(seed, start=False)  # the apiserver's own start says what is wrong with its flags
    cluster.boot = Boot(cluster, machines, version, etcd_version)
    return cluster


def boot_from_spec(cls: type, spec: ClusterSpec, *, seed: int = 0, files: Any = None,
                   kubernetes_version: str | None = None) -> Cluster:
    """``Cluster.from_spec``: boot the spec's files (or ``files``, as its machines) at its versions (or the
    binaries' ``kubernetes_version``), then the notes' manual steps: etcd started on every member at once
    (each in its own terminal), ``etcdctl mk`` of flannel's config (the tree's ``/etcd-keys<prefix>/config``,
    ClusterSpec's stand-in for the key), then each machine's ``systemctl start X&&systemctl enable X``
    lines, masters first. What each step printed is in ``cluster.boot.transcript``."""
    tree = _tree(files) if files is not None else spec.render_all()
    cluster = boot_from_files(cls, tree, seed=seed, kubernetes_version=kubernetes_version or spec.kubernetes_version,
                              etcd_version=spec.etcd_version, spec=spec)
    boot: Boot = cluster.boot
    members = [spec.machine(name) for name in spec.etcd_members if name in boot.machines]
    for member in members:
        boot.machines[member.name].units["etcd"].start()
    for member in members:
        machine = boot.machines[member.name]
        printed = wait_for_job(machine.units["etcd"], boot.clock) or systemctl(machine, "enable etcd", boot.clock)
        boot.transcript.append((member.name, "systemctl start etcd&&systemctl enable etcd", str(printed)))
    key = config_key(spec.flannel_prefix)
    value = tree[members[0].name].get(ETCD_KEYS_DIR + key) if members else None
    if value is not None:  # "etcdctl mk /atomic.io/network/config '{...}'" on the first member, if the tree has it
        boot.etcdctl(f"ETCDCTL_API=2 etcdctl --endpoints={spec.client_url(members[0])} mk {key} "
                     f"{shlex.quote(value.strip())}", members[0].name, None)
    for role in ("master", "node"):
        for machine in spec.machines:
            if role in machine.roles and machine.name in boot.machines:
                for daemon in ROLE_DAEMONS[role]:
                    boot.systemctl(machine.name, f"systemctl start {daemon}&&systemctl enable {daemon}")
    cluster.run(10)  # registration and the first status reports, as quickstart waits
    return cluster
