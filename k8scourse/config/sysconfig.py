"""The Kubernetes and flannel EnvironmentFiles of CentOS 7's packages.

``kubernetes-master`` and ``kubernetes-node`` (1.5.2, CentOS extras) ship
/etc/kubernetes/{config,apiserver,controller-manager,scheduler,kubelet,proxy};
``flannel`` ships /etc/sysconfig/flanneld. Each holds a few variables whose
values are command-line flags (``KUBE_API_PORT="--port=8080"``); the systemd
units paste them onto the daemon's command line. ``SysconfigFile`` generates
such a file in its package's layout, parses one back (comments, quoting and
unknown keys kept) and lists the flags it passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .envfile import EnvFile

# Each template is the package's file; ``generate`` fills and uncomments lines in place.
TEMPLATES: dict[str, str] = {
    "/etc/kubernetes/config": """\
###
# kubernetes system config
#
# The following values are used to configure various aspects of all
# kubernetes services, including
#
#   kube-apiserver.service
#   kube-controller-manager.service
#   kube-scheduler.service
#   kubelet.service
#   kube-proxy.service
# logging to stderr means we get it in the systemd journal
KUBE_LOGTOSTDERR="--logtostderr=true"

# journal message level, 0 is debug
KUBE_LOG_LEVEL="--v=0"

# Should this cluster be allowed to run privileged docker containers
KUBE_ALLOW_PRIV="--allow-privileged=false"

# How the controller-manager, scheduler, and proxy find the apiserver
KUBE_MASTER="--master=http://127.0.0.1:8080"
""",
    "/etc/kubernetes/apiserver": """\
###
# kubernetes system config
#
# The following values are used to configure the kube-apiserver
#

# The address on the local server to listen to.
KUBE_API_ADDRESS="--insecure-bind-address=127.0.0.1"

# The port on the local server to listen on.
# KUBE_API_PORT="--port=8080"

# Port minions listen on
# KUBELET_PORT="--kubelet-port=10250"

# Comma separated list of nodes in the etcd cluster
KUBE_ETCD_SERVERS="--etcd-servers=http://127.0.0.1:2379"

# Address range to use for services
KUBE_SERVICE_ADDRESSES="--service-cluster-ip-range=10.254.0.0/16"

# default admission control policies
KUBE_ADMISSION_CONTROL="--admission-control=NamespaceLifecycle,NamespaceExists,LimitRanger,SecurityContextDeny,ServiceAccount,ResourceQuota"

# Add your own!
KUBE_API_ARGS=""
""",
    "/etc/kubernetes/controller-manager": """\
###
# The following values are used to configure the kubernetes controller-manager

# defaults from config and apiserver should be adequate

# Add your own!
KUBE_CONTROLLER_MANAGER_ARGS=""
""",
    "/etc/kubernetes/scheduler": """\
###
# kubernetes scheduler config

# default config should be adequate

# Add your own!
KUBE_SCHEDULER_ARGS=""
""",
    "/etc/kubernetes/kubelet": """\
###
# kubernetes kubelet (minion) config

# The address for the info server to serve on (set to 0.0.0.0 or "" for all interfaces)
KUBELET_ADDRESS="--address=127.0.0.1"

# The port for the info server to serve on
# KUBELET_PORT="--port=10250"

# You may leave this blank to use the actual hostname
KUBELET_HOSTNAME="--hostname-override=127.0.0.1"

# location of the api-server
KUBELET_API_SERVER="--api-servers=http://127.0.0.1:8080"

# pod infrastructure container
KUBELET_POD_INFRA_CONTAINER="--pod-infra-container-image=registry.access.redhat.com/rhel7/pod-infrastructure:latest"

# Add your own!
KUBELET_ARGS=""
""",
    "/etc/kubernetes/proxy": """\
###
# kubernetes proxy config

# default config should be adequate

# Add your own!
KUBE_PROXY_ARGS=""
""",
    "/etc/sysconfig/flanneld": """\
# Flanneld configuration options

# etcd url location.  Point this to the server where etcd runs
FLANNEL_ETCD_ENDPOINTS="http://127.0.0.1:2379"

# etcd config key.  This is the configuration key that flannel queries
# For address range assignment
FLANNEL_ETCD_PREFIX="/atomic.io/network"

# Any additional options that you want to pass
#FLANNEL_OPTIONS=""
""",
}

# The daemon each file configures (the systemd unit that loads it).
DAEMONS = {
    "/etc/kubernetes/apiserver": "kube-apiserver",
    "/etc/kubernetes/controller-manager": "kube-controller-manager",
    "/etc/kubernetes/scheduler": "kube-scheduler",
    "/etc/kubernetes/kubelet": "kubelet",
    "/etc/kubernetes/proxy": "kube-proxy",
    "/etc/sysconfig/flanneld": "flanneld",
}


def known_keys(path: str) -> set[str]:
    """The variables the package's file and unit use (commented-out ones too)."""
    keys = set()
    for raw in TEMPLATES[path].splitlines():
        body = raw.lstrip("# ")
        if "=" in body and body.split("=", 1)[0].isupper():
            keys.add(body.split("=", 1)[0])
    return keys


@dataclass(frozen=True)
class FlagUse:
    """One ``--flag=value`` in a file: which variable carries it."""

    key: str
    flag: str
    value: str


@dataclass
class SysconfigFile:
    """One of the package files above, parsed; ``render()`` gives back its text."""

    path: str
    file: EnvFile

    @classmethod
    def parse(cls, path: str, text: str) -> SysconfigFile:
        if path not in TEMPLATES:
            raise ValueError(f"{path}: not a file the CentOS 7 packages ship; known: {', '.join(TEMPLATES)}")
        return cls(path, EnvFile.parse(text))

    @classmethod
    def generate(cls, path: str, **settings: str | None) -> SysconfigFile:
        """The package's file with ``settings`` filled in (uncommenting lines in place).

        ``None`` comments a variable out, as one does for a flag a version no longer has.
        """
        config = cls.parse(path, TEMPLATES[path])
        for key, value in settings.items():
            if value is None:
                config.comment_out(key)
            else:
                config.file.set(key, value)
        return config

    def comment_out(self, key: str) -> None:
        for line in self.file.lines:
            if line.key == key:
                line.raw, line.key = f"# {line.raw}", None

    def render(self) -> str:
        return self.file.render()

    @property
    def values(self) -> dict[str, str]:
        return self.file.values()

    def unknown_keys(self) -> list[str]:
        return self.file.unknown_keys(known_keys(self.path))

    def flags(self) -> list[FlagUse]:
        """Every ``--flag[=value]`` the file passes, in order (``--flag`` alone is ``true``; ``_`` reads as ``-``)."""
        uses = []
        for line in self.file.assignments():
            # The units paste $VAR unquoted, and systemd splits such a value at whitespace, quotes and
            # all (systemd.service(5), "Command lines"): no shell-style quoting here.
            for word in line.value.split():
                if word.startswith("-"):
                    name, _, value = word.lstrip("-").partition("=")
                    # Kubernetes' flag sets read --etcd_servers as --etcd-servers (WordSepNormalizeFunc).
                    uses.append(FlagUse(line.key, f"--{name.replace('_', '-')}", value if "=" in word else "true"))
        return uses

    def flag(self, name: str, default: str | None = None) -> str | None:
        """The last value given for ``--name`` (as the daemon's flag parser keeps it)."""
        found = [use.value for use in self.flags() if use.flag == name]
        return found[-1] if found else default
