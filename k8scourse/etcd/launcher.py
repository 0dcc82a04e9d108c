"""``lab(spec)`` (``k8scourse.etcd.lab``): the etcd cluster a notebook plays with, real when it can be.

With Debian's ``etcd`` installed, the members of ``spec`` run as real
processes on 127.0.0.x (``k8scourse.etcd.real``); without it, the same
cells run on the Raft model (``k8scourse.etcd.raft``). Both answer
``leader() crash(name) restart(name) put(k, v) get(k) run(s)``, and the
function prints which one you got, so a learner knows whether a figure came
from etcd itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from k8scourse.etcd.real import ETCD_CONF, RealEtcdCluster, SpecLike


def lab(
    spec: SpecLike | Mapping[str, Mapping[str, str]],
    *,
    real: bool | None = None,
    seed: int = 0,
    quiet: bool = False,
) -> Any:
    """A running cluster of ``spec``'s etcd members: real etcd if installed (or ``real=True``), else the model.

    ``real=False`` always gives the model; ``real=True`` raises when real etcd
    cannot run here. The model is seeded with ``seed``. A real cluster stops
    with ``.stop()``, at the end of a ``with`` block, or with the kernel.
    """
    found = RealEtcdCluster.available(spec)
    if real or (real is None and found):
        cluster = RealEtcdCluster.launch(spec)
        if not quiet:
            print(f"Real etcd: {len(cluster.members)} members on loopback ({found.reason}).")
        return cluster
    from k8scourse.etcd.raft import RaftCluster

    tree = spec.render_all() if hasattr(spec, "render_all") else spec
    configs = {machine: files[ETCD_CONF] for machine, files in tree.items() if ETCD_CONF in files}
    model = RaftCluster.from_configs(configs, seed=seed)
    if not quiet:
        why = "asked for the model" if real is False else found.reason
        print(f"The Raft model (k8scourse.etcd.raft), not real etcd: {why}.")
    return model
