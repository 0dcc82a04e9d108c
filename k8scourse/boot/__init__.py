"""Booting a cluster from its files: machines, systemd units, daemons, etcdctl, journals.

``Cluster.from_files(tree)`` gives each folder of the tree a machine with its files,
a journal and a systemd unit per daemon it has a unit file for; nothing runs until
``cluster.systemctl(machine, "start etcd")``. ``Cluster.from_spec(spec)`` also does
the notes' manual steps. Each daemon then reads only its own machine's files, as
the real ones do, so a mistake in a file has the effect it has on real machines.

One module per thing:

* ``machine``: a machine, its files and its address; ``journal``: journalctl's view,
  klog's and etcd's line formats; ``units``: a systemd unit's states and restarts;
  ``systemctl``: the command; ``sockets``: who listens where;
* ``flags``: a daemon's command line from its unit and EnvironmentFiles, parsed per
  version (a v1.31 binary refuses the notes' removed flags);
* the daemons: ``etcd_member`` (etcd.conf and the Raft model), ``kube_daemons``
  (apiserver, controller-manager, scheduler, kubelet, kube-proxy), ``node_network``
  (flanneld and docker);
* ``etcdctl``: etcdctl 3.4's v2 and v3 commands; ``wiring``: ``Boot``, the machines and
  the cluster behind them; ``booting``: ``from_files`` and ``from_spec``.

A unit that fails or misbehaves says why in the journal, in its daemon's words, and
keeps the file and key it comes from (``unit.source``, ``unit.detail``).
"""

from .machine import BootError
from .booting import boot_from_files, boot_from_spec
from .wiring import Boot, NotBootedError

__all__ = ["Boot", "BootError", "NotBootedError", "boot_from_files", "boot_from_spec"]
