"""Generators, parsers and linters for every file the course writes.

``ClusterSpec`` describes a whole cluster and renders each machine's files
(etcd.conf, /etc/kubernetes/*, flanneld, systemd units, kubeconfigs);
``lint`` checks such files, one machine's or a whole tree, as the daemons
themselves would. One module per file: ``etcd`` (/etc/etcd/etcd.conf),
``sysconfig`` (/etc/kubernetes/* and /etc/sysconfig/flanneld), ``flannel``
(the network config in etcd), ``systemd`` (units), ``modern`` (today's
equivalents), ``tls`` (certificates).
"""

from .etcd import EtcdConfig, EtcdConfigError, etcd_startup_errors
from .lint import Finding, lint
from .spec import ClusterSpec, Machine, SpecError

__all__ = ["ClusterSpec", "EtcdConfig", "EtcdConfigError", "Finding", "Machine", "SpecError", "etcd_startup_errors",
           "lint"]
