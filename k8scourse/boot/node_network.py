"""A node's network daemons: flanneld from /etc/sysconfig/flanneld, then docker from what flanneld wrote.

flanneld is k8scourse/network/flanneld.py's, run on the machine's host of the
boot's :class:`~k8scourse.network.flannel.FlannelNetwork`, asking etcd through the
URLs in its own file; its unit becomes active once it holds a lease (flanneld
notifies systemd then). docker reads ``/run/flannel/docker`` (mk-docker-opts.sh's)
when it starts: without it, docker0 keeps docker's default 172.17.0.1/16, the same
on every node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.network.flanneld import RETRY, SYSCONFIG, Flanneld, FlanneldFlagError
from k8scourse.network.host import DOCKER_DEFAULT_BIP

from .etcd_member import EtcdMember
from .journal import klog, moment
from .machine import Machine
from .units import Unit

if TYPE_CHECKING:
    from .wiring import Boot

DOCKER_UNIT = """[Unit]
Description=Docker Application Container Engine
After=network.target flanneld.service
[Service]
Type=notify
EnvironmentFile=-/run/flannel/docker
ExecStart=/usr/bin/dockerd-current $DOCKER_NETWORK_OPTIONS
Restart=on-abnormal
"""


class FlanneldDaemon:
    """flanneld from /etc/sysconfig/flanneld (k8scourse/network/flanneld.py), on the machine's flannel host."""

    def __init__(self, boot: Boot, machine: Machine) -> None:
        self.boot, self.machine = boot, machine
        self.daemon: Flanneld | None = None
        self.unit: Unit | None = None
        self._seen = 0

    def start(self, unit: Unit) -> None:
        self.flush()
        self.unit, self._seen = unit, 0
        host = self.boot.network.hosts[self.machine.name]
        try:
            daemon = Flanneld(self.machine.name, host.eth.ip, self.machine.files[SYSCONFIG],
                              _EtcdDialer(self.boot, self.machine), self.machine.files, self.boot.clock,
                              self.boot.rng, on_change=self.boot.leases_changed)
        except FlanneldFlagError as exc:
            unit.log(str(exc).split(": ", 2)[-1])
            unit.exited(2)
            return
        self.daemon = host.flanneld = daemon
        unit.on_stop = daemon.stop
        daemon.start()
        self._watch(unit)

    def _watch(self, unit: Unit) -> None:
        """Until it holds a lease (sd_notify READY=1) or exits, look once per retry (a second)."""
        if self.unit is not unit or unit.state != "activating" or self.daemon is None:
            return
        self.flush()
        if self.daemon.log and self.daemon.log[-1][1] == "E":
            message = self.daemon.log[-1][2]
            # what it could not reach is FLANNEL_ETCD_ENDPOINTS'; what it did not find there, under the prefix
            reached = "100: Key not found" in message or "backend" in message or "JSON" in message
            unit.blame(SYSCONFIG, "FLANNEL_ETCD_PREFIX" if reached else "FLANNEL_ETCD_ENDPOINTS", message)
        if self.daemon.state == "running":
            unit.clear_blame()
            unit.ready()
        elif self.daemon.state == "failed":
            unit.exited(1)
        else:
            self.boot.clock.schedule(RETRY, self._watch, unit)

    def flush(self) -> None:
        """Copy flanneld's new log lines into the journal (glog's format)."""
        if self.daemon is None or self.unit is None:
            return
        for when, level, message in self.daemon.log[self._seen:]:
            self.machine.journal.add(when, "flanneld", "flanneld", self.unit.pid,
                                     klog(level, when, self.unit.pid, "main.go", message))
        self._seen = len(self.daemon.log)


class DockerDaemon:
    """docker: its bridge from /run/flannel/docker (mk-docker-opts.sh's), else its default 172.17.0.1/16."""

    def __init__(self, boot: Boot, machine: Machine) -> None:
        self.boot, self.machine = boot, machine

    def start(self, unit: Unit) -> None:
        host = self.boot.network.hosts[self.machine.name]
        bridge = host.start_docker()
        stamp = f"time=\"{_docker_time(self.boot.clock.now)}\""
        if bridge.address == DOCKER_DEFAULT_BIP:
            unit.log(f'{stamp} level=info msg="Default bridge (docker0) is assigned with an IP address '
                     f'{DOCKER_DEFAULT_BIP.network}. Daemon option --bip can be used to set a preferred IP address"')
        unit.log(f'{stamp} level=info msg="API listen on /var/run/docker.sock"')
        unit.ready()


class _EtcdDialer:
    """flanneld's view of etcd from its machine: ``get(url)`` is the member answering there, or None."""

    def __init__(self, boot: Boot, machine: Machine) -> None:
        self.boot, self.machine = boot, machine

    def get(self, url: str) -> EtcdMember | None:
        member = self.boot.sockets.dial_url(self.machine.name, url)
        return member if isinstance(member, EtcdMember) and member.running else None


def _docker_time(seconds: float) -> str:
    """logrus' time field, RFC 3339 with nanoseconds."""
    return f"{moment(seconds):%Y-%m-%dT%H:%M:%S.%f}000Z"


def pod_cidr(machine: Machine, boot: Boot) -> str:
    """The node's pod range: docker's bridge network (flannel's lease, or docker's default)."""
    bridge = boot.network.hosts[machine.name].bridge
    return str((bridge.address if bridge else DOCKER_DEFAULT_BIP).network)
