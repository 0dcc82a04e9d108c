"""systemd units for the daemons, as CentOS 7's packages install them, and the
notes' ``systemctl`` steps.

Each unit loads the EnvironmentFiles (``EnvironmentFile=-/etc/kubernetes/config``:
the ``-`` means a missing file is no error) and pastes their variables onto
``ExecStart``; an unset variable expands to nothing. The texts follow
etcd-3.3.11, kubernetes-master/-node-1.5.2 and flannel-0.7.1 from CentOS 7.
"""

from __future__ import annotations

_TAIL = "Restart=on-failure\nLimitNOFILE=65536\n\n[Install]\nWantedBy=multi-user.target\n"


def _exec(binary: str, variables: list[str]) -> str:
    lines = [f"ExecStart={binary} \\"] + [f"\t    ${name} \\" for name in variables]
    lines[-1] = lines[-1][:-2]
    return "\n".join(lines) + "\n"


def _kube(description: str, after: str, files: list[str], user: str, binary: str, variables: list[str],
          notify: bool = False) -> str:
    return (f"[Unit]\nDescription={description}\nDocumentation=https://github.com/GoogleCloudPlatform/kubernetes\n"
            f"{after}\n[Service]\n" + "".join(f"EnvironmentFile=-{path}\n" for path in files) + user
            + _exec(binary, variables) + ("Type=notify\n" if notify else "") + _TAIL)


UNITS: dict[str, str] = {
    "etcd": """\
[Unit]
Description=Etcd Server
After=network.target
After=network-online.target
Wants=network-online.target

[Service]
Type=notify
WorkingDirectory=/var/lib/etcd/
EnvironmentFile=-/etc/etcd/etcd.conf
User=etcd
# set GOMAXPROCS to number of processors
ExecStart=/bin/bash -c "GOMAXPROCS=$(nproc) /usr/bin/etcd --name=\\"${ETCD_NAME}\\" --data-dir=\\"${ETCD_DATA_DIR}\\" \
--listen-client-urls=\\"${ETCD_LISTEN_CLIENT_URLS}\\""
""" + _TAIL,
    "kube-apiserver": _kube(
        "Kubernetes API Server", "After=network.target\nAfter=etcd.service\n",
        ["/etc/kubernetes/config", "/etc/kubernetes/apiserver"], "User=kube\n", "/usr/bin/kube-apiserver",
        ["KUBE_LOGTOSTDERR", "KUBE_LOG_LEVEL", "KUBE_ETCD_SERVERS", "KUBE_API_ADDRESS", "KUBE_API_PORT",
         "KUBELET_PORT", "KUBE_ALLOW_PRIV", "KUBE_SERVICE_ADDRESSES", "KUBE_ADMISSION_CONTROL", "KUBE_API_ARGS"],
        notify=True),
    "kube-controller-manager": _kube(
        "Kubernetes Controller Manager", "", ["/etc/kubernetes/config", "/etc/kubernetes/controller-manager"],
        "User=kube\n", "/usr/bin/kube-controller-manager",
        ["KUBE_LOGTOSTDERR", "KUBE_LOG_LEVEL", "KUBE_MASTER", "KUBE_CONTROLLER_MANAGER_ARGS"]),
    "kube-scheduler": _kube(
        "Kubernetes Scheduler Plugin", "", ["/etc/kubernetes/config", "/etc/kubernetes/scheduler"],
        "User=kube\n", "/usr/bin/kube-scheduler",
        ["KUBE_LOGTOSTDERR", "KUBE_LOG_LEVEL", "KUBE_MASTER", "KUBE_SCHEDULER_ARGS"]),
    "kubelet": """\
[Unit]
Description=Kubernetes Kubelet Server
Documentation=https://github.com/GoogleCloudPlatform/kubernetes
After=docker.service
Requires=docker.service

[Service]
WorkingDirectory=/var/lib/kubelet
EnvironmentFile=-/etc/kubernetes/config
EnvironmentFile=-/etc/kubernetes/kubelet
""" + _exec("/usr/bin/kubelet", [
        "KUBE_LOGTOSTDERR", "KUBE_LOG_LEVEL", "KUBELET_API_SERVER", "KUBELET_ADDRESS", "KUBELET_PORT",
        "KUBELET_HOSTNAME", "KUBE_ALLOW_PRIV", "KUBELET_POD_INFRA_CONTAINER", "KUBELET_ARGS"])
    + "Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n",
    "kube-proxy": _kube(
        "Kubernetes Kube-Proxy Server", "After=network.target\n",
        ["/etc/kubernetes/config", "/etc/kubernetes/proxy"], "", "/usr/bin/kube-proxy",
        ["KUBE_LOGTOSTDERR", "KUBE_LOG_LEVEL", "KUBE_MASTER", "KUBE_PROXY_ARGS"]),
    "flanneld": """\
[Unit]
Description=Flanneld overlay address etcd agent
After=network.target
After=network-online.target
Wants=network-online.target
After=etcd.service
Before=docker.service

[Service]
Type=notify
EnvironmentFile=/etc/sysconfig/flanneld
EnvironmentFile=-/etc/sysconfig/docker-network
ExecStart=/usr/bin/flanneld-start $FLANNEL_OPTIONS
ExecStartPost=/usr/libexec/flannel/mk-docker-opts.sh -k DOCKER_NETWORK_OPTIONS -d /run/flannel/docker
Restart=on-failure

[Install]
WantedBy=multi-user.target
WantedBy=docker.service
""",
}

UNIT_DIR = "/usr/lib/systemd/system"  # where CentOS 7's packages put their units

# Which daemons each role runs, in the order they must start: etcd before the
# apiserver, the apiserver before the components that watch it; flanneld
# before docker and the kubelet on a node.
ROLE_DAEMONS = {
    "etcd": ["etcd"],
    "master": ["kube-apiserver", "kube-controller-manager", "kube-scheduler"],
    "node": ["flanneld", "kubelet", "kube-proxy"],
}


def unit_path(daemon: str) -> str:
    return f"{UNIT_DIR}/{daemon}.service"


def environment_files(unit_text: str) -> list[str]:
    """The EnvironmentFile= paths a unit loads, without the optional-file ``-``."""
    return [line.split("=", 1)[1].lstrip("-") for line in unit_text.splitlines()
            if line.startswith("EnvironmentFile=")]


def start_order(roles: list[str] | tuple[str, ...]) -> list[str]:
    """The daemons a machine with ``roles`` runs, in start order."""
    return [daemon for role in ("etcd", "master", "node") if role in roles for daemon in ROLE_DAEMONS[role]]


def systemctl_steps(roles: list[str] | tuple[str, ...]) -> list[str]:
    """The notes' steps, ``systemctl start X&&systemctl enable X``, for each daemon in order.

    ``start`` runs it now, ``enable`` at every boot; the notes chain the two
    with ``&&`` so a daemon that fails to start is not enabled.
    """
    return [f"systemctl start {daemon}&&systemctl enable {daemon}" for daemon in start_order(roles)]
