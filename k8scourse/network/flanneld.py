"""flanneld, as CentOS 7's flannel package ran it from /etc/sysconfig/flanneld.

The unit runs ``flanneld-start $FLANNEL_OPTIONS``, which execs
``flanneld -etcd-endpoints=$FLANNEL_ETCD_ENDPOINTS -etcd-prefix=$FLANNEL_ETCD_PREFIX``.
Then flanneld:

1. reads ``<prefix>/config`` through etcd's v2 API, once a second until it can
   (``main.go`` getConfig: ``Couldn't fetch network config: <error>``), and checks it
   (``flannel_config.py``); an unknown backend type ends it (``Error fetching backend``);
2. takes a subnet lease under ``<prefix>/subnets/<a.b.c.d-len>``: the lease that already
   names this host's public IP, else the subnet in the previous ``/run/flannel/subnet.env``
   if it is free, else a random free subnet among the first 100 from SubnetMin
   (``subnet/local_manager.go``), created with ``prevExist=false`` and a 24 h TTL;
3. sets up the backend (``backends.py``), writes ``/run/flannel/subnet.env`` and, as the
   unit's ``ExecStartPost``, ``mk-docker-opts.sh -k DOCKER_NETWORK_OPTIONS -d /run/flannel/docker``,
   which docker's drop-in reads to start ``docker0`` on the lease;
4. renews the lease an hour before it expires (``--subnet-lease-renew-margin=60`` minutes)
   and keeps its routes in step with the other hosts' leases; when its own lease is gone
   (deleted with etcdctl, or expired while it could not renew) it exits, and systemd starts it again.

The model's watch on ``<prefix>/subnets`` is ``sync()``, which the network calls after
every lease change and at the end of each ``run``.
"""

from __future__ import annotations

import ipaddress
import json
import random
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from k8scourse.api.errors import K8sValueError
from k8scourse.config.envfile import EnvFile
from k8scourse.etcd.store import Store
from k8scourse.etcd.v2store import KEY_NOT_FOUND, V2DisabledError, V2Error
from k8scourse.network.backends import LeaseAttrs, backend_mtu
from k8scourse.network.flannel_config import NetworkConfigError, FlannelNetworkConfig, parse_network_config
from k8scourse.network.routes import Net

if TYPE_CHECKING:
    from k8scourse.clock import Timer, VirtualClock

SYSCONFIG = "/etc/sysconfig/flanneld"
SUBNET_ENV = "/run/flannel/subnet.env"
DOCKER_ENV = "/run/flannel/docker"
SUBNET_TTL = 24 * 3600  # subnet/local_manager.go: subnetTTL = 24 * time.Hour
RENEW_MARGIN = 60 * 60  # main.go: --subnet-lease-renew-margin, default 60 (minutes)
RETRY = 1.0  # main.go getConfig: "Retry every second until it succeeds"
CANDIDATES = 100  # subnet/local_manager.go allocateSubnet: picks among the first 100 free subnets
FLAGS = ("etcd-endpoints", "etcd-prefix", "iface", "public-ip", "ip-masq", "subnet-lease-renew-margin",
         "subnet-file", "etcd-keyfile", "etcd-certfile", "etcd-cafile", "etcd-username", "etcd-password",
         "v", "logtostderr")


class FlanneldFlagError(ValueError):
    """A flag flanneld does not know: Go's flag package refuses it and flanneld exits."""


class EtcdClientError(Exception):
    """The etcd client's own error: no endpoint answered."""


class OutOfSubnets(Exception):
    """Every subnet from SubnetMin to SubnetMax is leased (subnet/local_manager.go)."""


def client_error(exc: Exception) -> str:
    """How flanneld's v2 client words what went wrong talking to etcd."""
    if isinstance(exc, V2DisabledError):  # etcd 3.4 answers /v2/keys with a 404 page, not JSON
        return "client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint."
    return str(exc)


@dataclass
class Options:
    """flanneld's flags, from /etc/sysconfig/flanneld."""

    endpoints: list[str]
    prefix: str
    iface: str | None = None
    public_ip: str | None = None
    ip_masq: bool = False
    renew_margin: int = RENEW_MARGIN

    @classmethod
    def from_sysconfig(cls, text: str) -> Options:
        """What ``flanneld-start $FLANNEL_OPTIONS`` hands flanneld."""
        env = EnvFile.parse(text).values()
        argv = [f"-etcd-endpoints={env.get('FLANNEL_ETCD_ENDPOINTS') or env.get('FLANNEL_ETCD', '')}",
                f"-etcd-prefix={env.get('FLANNEL_ETCD_PREFIX') or env.get('FLANNEL_ETCD_KEY', '')}"]
        argv += shlex.split(env.get("FLANNEL_OPTIONS", ""))
        flags: dict[str, str] = {}
        for arg in argv:
            name, _, value = arg.lstrip("-").partition("=")
            if not arg.startswith("-") or name not in FLAGS:
                raise FlanneldFlagError(f"{SYSCONFIG}: FLANNEL_OPTIONS: flag provided but not defined: -{name}")
            flags[name] = value if "=" in arg else "true"
        margin = flags.get("subnet-lease-renew-margin", "60")
        if not margin.isdigit():
            raise FlanneldFlagError(f'{SYSCONFIG}: FLANNEL_OPTIONS: invalid value "{margin}" for flag '
                                    "-subnet-lease-renew-margin: parse error")
        return cls([u for u in flags["etcd-endpoints"].split(",") if u],
                   flags["etcd-prefix"], flags.get("iface"), flags.get("public-ip"),
                   flags.get("ip-masq", "false") == "true", int(margin) * 60)


def lease_key(prefix: str, subnet: Net) -> str:
    """``/atomic.io/network/subnets/10.244.1.0-24`` (subnet/etcdv2/registry.go: IP-len)."""
    return f"{prefix}/subnets/{subnet.network_address}-{subnet.prefixlen}"


def lease_value(attrs: LeaseAttrs) -> str:
    """The lease's JSON as Go's encoding/json writes LeaseAttrs (BackendData omitted when empty)."""
    doc: dict[str, object] = {"PublicIP": str(attrs.public_ip), "BackendType": attrs.backend_type}
    if attrs.vtep_mac:
        doc["BackendData"] = {"VtepMAC": attrs.vtep_mac}
    return json.dumps(doc, separators=(",", ":"))


def parse_lease(key: str, value: str) -> tuple[Net, LeaseAttrs] | None:
    """A lease from its etcd key and value; None for what is not one."""
    try:
        address, length = key.rsplit("/", 1)[1].split("-")
        doc = json.loads(value)
        data = doc.get("BackendData") or {}
        return (ipaddress.IPv4Network(f"{address}/{length}"),
                LeaseAttrs(ipaddress.IPv4Address(doc["PublicIP"]), doc.get("BackendType", "udp"), data.get("VtepMAC")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def subnet_env(config: FlannelNetworkConfig, lease: Net, mtu: int, ip_masq: bool) -> str:
    """/run/flannel/subnet.env as main.go WriteSubnetFile writes it: the bridge gets the lease's first IP."""
    bridge = ipaddress.IPv4Interface((int(lease.network_address) + 1, lease.prefixlen))
    return (f"FLANNEL_NETWORK={config.network}\nFLANNEL_SUBNET={bridge}\n"
            f"FLANNEL_MTU={mtu}\nFLANNEL_IPMASQ={'true' if ip_masq else 'false'}\n")


def mk_docker_opts(subnet_env_text: str, key: str = "DOCKER_NETWORK_OPTIONS") -> str:
    """What ``mk-docker-opts.sh -k KEY -d /run/flannel/docker`` writes from subnet.env:
    each DOCKER_OPT_* in name order, then all of them on the KEY line (dist/mk-docker-opts.sh)."""
    env = EnvFile.parse(subnet_env_text).values()
    opts = {}
    if env.get("FLANNEL_SUBNET"):
        opts["DOCKER_OPT_BIP"] = f"--bip={env['FLANNEL_SUBNET']}"
    if env.get("FLANNEL_IPMASQ") == "true":  # flannel masquerades, so docker must not
        opts["DOCKER_OPT_IPMASQ"] = "--ip-masq=false"
    if env.get("FLANNEL_MTU"):
        opts["DOCKER_OPT_MTU"] = f"--mtu={env['FLANNEL_MTU']}"
    lines = [f'{name}="{value}"' for name, value in sorted(opts.items())]
    combined = " " + "".join(value + " " for _, value in sorted(opts.items()))
    return "\n".join(lines + [f'{key}="{combined}"']) + "\n"


class Flanneld:
    """One host's flanneld: fetches the config, holds a lease, renews it, programs the backend.

    ``etcd``: the etcd members by client URL (an URL not in it refuses connections);
    ``files``: the host's files, where subnet.env and /run/flannel/docker are written;
    ``on_change``: called after this flanneld writes its lease (the others' watches).
    """

    def __init__(self, host: str, public_ip: ipaddress.IPv4Address, sysconfig: str, etcd: Mapping[str, Store],
                 files: dict[str, str], clock: VirtualClock, rng: random.Random, version: str = "0.7",
                 iface_mtu: int = 1500, on_change: Callable[[], None] = lambda: None) -> None:
        self.host, self.version, self.iface_mtu = host, version, iface_mtu
        self.options = Options.from_sysconfig(sysconfig)
        self.public_ip = ipaddress.IPv4Address(self.options.public_ip) if self.options.public_ip else public_ip
        self._etcd, self.files, self._clock, self._rng, self._on_change = etcd, files, clock, rng, on_change
        self.config: FlannelNetworkConfig | None = None
        self.lease: Net | None = None
        self.attrs: LeaseAttrs | None = None
        self.expiration: float | None = None
        self.peers: dict[Net, LeaseAttrs] = {}
        self.state = "stopped"  # "starting" (no config or lease yet), "running", "failed", "stopped"
        self.log: list[tuple[float, str, str]] = []  # (time, level I/W/E, message)
        self._timer: Timer | None = None
        self._vtep_mac = "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}".format(
            0x02 | (rng.getrandbits(8) & 0xFC), *(rng.getrandbits(8) for _ in range(5)))
        self.changes = 0  # bumped whenever what the backend programs may have changed

    @property
    def prefix(self) -> str:
        return self.options.prefix.rstrip("/")

    # -- life cycle --

    def start(self) -> None:
        """``systemctl start flanneld``: try at once, then once a second."""
        if self.state in ("starting", "running"):
            return
        # a new process: it learns everything again (the kernel keeps what the last one programmed)
        self.config, self.lease, self.attrs, self.expiration, self.peers = None, None, None, None, {}
        self.state = "starting"
        self._attempt()

    def stop(self) -> None:
        """``systemctl stop flanneld``: no more renewals; the lease stays in etcd until its TTL runs out,
        and the devices and routes stay in the kernel."""
        if self._timer is not None:
            self._timer.cancel()
        self.state = "stopped"

    def _say(self, level: str, message: str) -> None:
        self.log.append((self._clock.now, level, message))

    def _after(self, delay: float, callback: Callable[[], None]) -> None:
        self._timer = self._clock.schedule(delay, callback)

    def _v2(self):
        """The v2 API of the first endpoint that answers, or the etcd client's error."""
        if not self.options.endpoints:  # FLANNEL_ETCD_ENDPOINTS empty: flanneld-start passes -etcd-endpoints=
            raise EtcdClientError("client: no endpoints available")  # etcd client/client.go ErrNoEndpoints
        errors = []
        for number, url in enumerate(self.options.endpoints):
            store = self._etcd.get(url.rstrip("/"))
            if store is None:
                host = urlsplit(url).netloc or url
                errors.append(f"error #{number}: dial tcp {host}: getsockopt: connection refused")
                continue
            if not store.v2.enabled:
                raise V2DisabledError()
            return store.v2
        raise EtcdClientError("client: etcd cluster is unavailable or misconfigured; " + "; ".join(errors))

    def _attempt(self) -> None:
        if self.state != "starting":
            return
        if self.config is None:
            try:
                text = self._v2().get(self.prefix + "/config").value or ""
                self.config = parse_network_config(text, self.prefix + "/config", self.version)
            except NetworkConfigError as exc:
                if exc.reason.startswith("unknown backend type"):
                    self._say("E", f"Error fetching backend: {exc.reason}")  # main.go: exits 1
                    self.state = "failed"
                    return
                self._say("E", f"Couldn't fetch network config: {exc.reason}")
            except (K8sValueError, EtcdClientError) as exc:  # v2 errors, v2 off, no quorum, no etcd
                self._say("E", f"Couldn't fetch network config: {client_error(exc)}")
            if self.config is None:
                self._after(RETRY, self._attempt)
                return
            self._say("I", f"Found network config - Backend type: {self.config.backend.type}")
        try:
            self._acquire()
        except (K8sValueError, EtcdClientError, OutOfSubnets) as exc:
            self._say("E", f"Failed to acquire lease: {client_error(exc)}")
            self._after(RETRY, self._attempt)
            return
        self.state = "running"
        self._write_files()
        self._on_change()
        self._after(self.expiration - self.options.renew_margin - self._clock.now, self._renew)

    # -- leases --

    def _leases(self) -> dict[Net, tuple[LeaseAttrs, int]]:
        try:
            nodes = self._v2().ls(self.prefix + "/subnets")
        except V2Error as exc:
            if exc.code == KEY_NOT_FOUND:
                return {}
            raise
        found = {}
        for node in nodes:
            lease = parse_lease(node.key, node.value or "")
            if lease is not None:
                found[lease[0]] = (lease[1], node.modified_index)
        return found

    def _acquire(self) -> None:
        assert self.config is not None
        v2, config = self._v2(), self.config
        attrs = LeaseAttrs(self.public_ip, config.backend.type,
                           self._vtep_mac if config.backend.type == "vxlan" else None)
        leases = self._leases()
        mine = [subnet for subnet, (other, _) in leases.items() if other.public_ip == self.public_ip]
        if mine and not (mine[0].subnet_of(config.network) and mine[0].prefixlen == config.subnet_len):
            self._say("I", f"Found lease ({mine[0]}) for current IP ({self.public_ip}) but not compatible with "
                           "current config, deleting")
            v2.delete(lease_key(self.prefix, mine[0]))
            del leases[mine[0]]
            mine = []
        if mine:
            subnet = mine[0]
            node = v2.set(lease_key(self.prefix, subnet), lease_value(attrs), SUBNET_TTL)
            self._say("I", f"Found lease ({subnet}) for current IP ({self.public_ip}), reusing")
        else:
            subnet = self._previous_subnet(leases) or self._pick(leases)
            node = v2.create(lease_key(self.prefix, subnet), lease_value(attrs), SUBNET_TTL)
            self._say("I", f"Allocated lease ({subnet}) to current node ({self.public_ip})")
        self.lease, self.attrs, self.expiration = subnet, attrs, node.expiration
        self._say("I", f"Lease acquired: {subnet}")

    def _previous_subnet(self, leases: Mapping[Net, object]) -> Net | None:
        """The subnet the last subnet.env names, if it still fits the config and nobody holds it."""
        env = EnvFile.parse(self.files.get(SUBNET_ENV, "")).values()
        try:
            previous = ipaddress.IPv4Interface(env.get("FLANNEL_SUBNET", "")).network
        except ValueError:
            return None
        config = self.config
        assert config is not None
        if (previous.prefixlen == config.subnet_len and config.subnet_min <= previous.network_address <= config.subnet_max
                and previous not in leases):
            return previous
        return None

    def _pick(self, leases: Mapping[Net, object]) -> Net:
        assert self.config is not None
        free = []
        for subnet in self.config.subnets():
            if subnet not in leases:
                free.append(subnet)
                if len(free) == CANDIDATES:
                    break
        if not free:
            raise OutOfSubnets("out of subnets")  # subnet/local_manager.go allocateSubnet
        return free[self._rng.randrange(len(free))]

    def _renew(self) -> None:
        if self.state != "running":
            return
        assert self.lease is not None and self.attrs is not None
        try:
            node = self._v2().update(lease_key(self.prefix, self.lease), lease_value(self.attrs), SUBNET_TTL)
        except V2Error:
            self._revoked()
            return
        except (K8sValueError, EtcdClientError) as exc:
            self._say("E", f"Error renewing lease (trying again in 1 min): {client_error(exc)}")
            self._after(60, self._renew)
            return
        self.expiration = node.expiration
        self._say("I", "Lease renewed, new expiration: " + f"t={self.expiration:g}s")
        self._after(self.expiration - self.options.renew_margin - self._clock.now, self._renew)

    def _revoked(self) -> None:
        """Its own lease is gone from etcd: flanneld exits (main.go MonitorLease), and the unit's
        ``Restart=on-failure`` starts a new one 100 ms later (systemd's default RestartSec)."""
        self._say("E", "Lease has been revoked. Shutting down daemon.")
        self.stop()
        self._after(0.1, self.start)

    def sync(self) -> None:
        """The watch on ``<prefix>/subnets``: learn the other hosts' leases, and notice its own is gone."""
        if self.state != "running":
            return
        try:
            leases = self._leases()
        except (K8sValueError, EtcdClientError):
            return
        if self.lease not in leases:
            self._revoked()
            return
        peers = {subnet: attrs for subnet, (attrs, _) in leases.items() if subnet != self.lease}
        if peers != self.peers:
            self.peers = peers
            self.changes += 1

    # -- files --

    @property
    def mtu(self) -> int:
        assert self.config is not None
        return backend_mtu(self.config, self.iface_mtu)

    def _write_files(self) -> None:
        assert self.config is not None and self.lease is not None
        env = subnet_env(self.config, self.lease, self.mtu, self.options.ip_masq)
        self.files[SUBNET_ENV] = env
        self.files[DOCKER_ENV] = mk_docker_opts(env)
        self.changes += 1

    def log_text(self) -> str:
        """The log as glog prints it: level, time of day, ``main.go]`` and the message."""
        lines = []
        for when, level, message in self.log:
            hours, rest = divmod(when, 3600)
            minutes, seconds = divmod(rest, 60)
            lines.append(f"{level} {int(hours):02d}:{int(minutes):02d}:{seconds:09.6f} flanneld] {message}")
        return "\n".join(lines)
