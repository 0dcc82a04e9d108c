"""Generators, parsers and linters for every file the course writes.

``ClusterSpec`` describes a whole cluster and renders each machine's files
(etcd.conf, /etc/kubernetes/*, flanneld, systemd units, kubeconfigs);
``lint`` checks such files, one machine's or a whole tree, as the daemons
themselves would. One module per file: ``envfile`` (the KEY="value" format),
``etcd`` (/etc/etcd/etcd.conf and etcd's start-up checks), ``sysconfig``
(/etc/kubernetes/* and /etc/sysconfig/flanneld), ``flannel`` (the network
config in etcd), ``systemd`` (units, start order), ``modern`` (today's
equivalents), ``tls`` (certificates); ``legacy`` lists the flags Kubernetes
has dropped since, ``spec`` holds ClusterSpec and ``lint`` the checks.
"""

from .etcd import EtcdConfig, EtcdConfigError, etcd_startup_errors
from .lint import Finding, lint
from .spec import ClusterSpec, Machine, SpecError

__all__ = ["ClusterSpec", "EtcdConfig", "EtcdConfigError", "Finding", "Machine", "SpecError", "etcd_startup_errors",
           "lint"]
