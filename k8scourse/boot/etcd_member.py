"""An etcd member booted from its machine's /etc/etcd/etcd.conf.

Its start is etcd's: the config is checked as etcd checks it
(``k8scourse.config.etcd.etcd_startup_errors``: etcd stops at the first error, a
``C | etcdmain:`` line), its URLs are bound on its machine, and its Raft member (the
model in k8scourse/etcd/raft, built by ``RaftCluster.from_configs`` from every
member's file) starts ticking. Like etcd under ``Type=notify`` it tells systemd it
is ready only once it has published itself to the cluster, which takes a leader:
the first member of three started alone keeps ``systemctl start`` waiting.
The members share the cluster's store (its v3 keys and its v2 tree); each member
says whether it serves v2 (``--enable-v2``, on by default before etcd 3.4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from k8scourse.config.etcd import EtcdConfig, etcd_startup_problems
from k8scourse.config.spec import ETCD_CONF, version_tuple
from k8scourse.etcd.store import Store

from .etcdctl import CLUSTER_TOKEN, cluster_id, member_id
from .flags import assignments_only
from .journal import capnslog
from .machine import Machine
from .units import Unit

if TYPE_CHECKING:
    from .wiring import Boot

ETCD_VERSION = "3.4.23"  # the etcd the course installs (Debian's etcd-server 3.4)
PROBE_FIRST, PROBE_EVERY = 5.0, 30.0  # rafthttp's peer probes: the first warning 5 s after start (seen), then 30 s


class _V2Off:
    """The v2 API of an etcd 3.4 member started without --enable-v2: not served."""

    enabled = False


class EtcdMember:
    """One etcd member: its etcd.conf, its Raft member (the model in k8scourse/etcd/raft), its sockets."""

    def __init__(self, boot: Boot, machine: Machine) -> None:
        self.boot, self.machine = boot, machine
        self.client_urls: list[str] = []  # published once it has joined
        self.store: Store = boot.cluster.etcd
        self.unit: Unit | None = None
        self.read_config()

    def read_config(self) -> None:
        """Read /etc/etcd/etcd.conf as systemd hands it to etcd (lines that are no assignment dropped)."""
        self.has_file = ETCD_CONF in self.machine.files
        config = self.config = EtcdConfig.parse(assignments_only(self.machine.files.get(ETCD_CONF, "")))
        self.name = config.name
        self.peer_urls = config.urls("ETCD_INITIAL_ADVERTISE_PEER_URLS")
        self.advertised = config.urls("ETCD_ADVERTISE_CLIENT_URLS")
        self.token = config.get("ETCD_INITIAL_CLUSTER_TOKEN") or CLUSTER_TOKEN
        self.id = member_id(self.peer_urls, self.token)
        enable = config.values.get("ETCD_ENABLE_V2", "").lower()  # unset: the version's default (on before 3.4)
        self.v2_enabled = enable == "true" if enable else version_tuple(self.boot.etcd_version) < (3, 4)

    @property
    def raft_name(self) -> str:
        """The name the Raft model knows this member by: the one the cluster's files give its peer URLs.
        etcd knows a member by its ID, which comes from its peer URLs (and the cluster token), not from
        ETCD_NAME: a member named like another one is still the member its URLs make it."""
        return self.boot.raft_names.get(self.id, self.name)

    @property
    def v2(self) -> Any:
        return self.store.v2 if self.v2_enabled else _V2Off()

    @property
    def cluster_id(self) -> str:
        return cluster_id([member_id(urls, self.token) for urls in self.config.initial_cluster().values()])

    @property
    def started(self) -> bool:
        """Published to the cluster (etcdctl member list's "started"); it stays so when the member stops."""
        return bool(self.client_urls)

    @property
    def running(self) -> bool:
        return self.unit is not None and self.unit.state in ("active", "activating") and \
            self.boot.raft is not None and self.raft_name in self.boot.raft.alive

    def is_leader(self) -> bool:
        return self.running and self.boot.raft.leader() == self.raft_name

    def healthy(self) -> bool:
        return self.running and self.boot.raft.has_quorum()

    def log(self, level: str, package: str, message: str) -> None:
        self.unit.log(capnslog(level, self.boot.clock.now, package, message))

    def start(self, unit: Unit) -> None:
        self.unit = unit
        self.read_config()  # etcd reads its file at every start
        if not self.has_file and self._flags_error(unit):
            return
        self.log("I", "etcdmain", f"etcd Version: {self.boot.etcd_release}")
        problems = etcd_startup_problems(self.config) or self._membership_problems()
        for key in ("ETCD_LISTEN_PEER_URLS", "ETCD_LISTEN_CLIENT_URLS"):
            for url in self.config.urls(key):
                parts = urlsplit(url)
                bind = self.boot.sockets.bind_error(self.machine.name, parts.hostname or "", parts.port or 2379)
                if bind and not problems:
                    problems = [(key, bind)]
        if problems:
            unit.blame(ETCD_CONF, *problems[0])
            self.log("C", "etcdmain", problems[0][1])
            unit.exited(1)
            return
        unit.clear_blame()
        self.log("I", "embed", f"name = {self.name}")
        self.log("I", "etcdserver", f"starting member {self.id} in cluster {self.cluster_id}")
        for url in self.config.urls("ETCD_LISTEN_CLIENT_URLS"):
            parts = urlsplit(url)
            self.boot.sockets.listen(self.machine.name, parts.hostname or "", parts.port or 2379, self)
        self.boot.raft.restart(self.raft_name)
        unit.on_stop = self.stop
        self._wait_ready(unit)

    def _flags_error(self, unit: Unit) -> bool:
        """Without its EnvironmentFile (``EnvironmentFile=-``: systemd goes on without it) etcd gets the
        unit's ``--name="${ETCD_NAME}" ... --listen-client-urls="${ETCD_LISTEN_CLIENT_URLS}"`` empty, and
        refuses the explicit empty listen URLs before anything else (etcdmain/config.go, as etcd 3.4.23
        prints it). Whether it did (True: the unit failed)."""
        if "--listen-client-urls" not in unit.text:
            return False
        detail = (f"{ETCD_CONF} is missing: etcd got its unit's flags empty and stops: error verifying flags, "
                  "--advertise-client-urls is required when --listen-client-urls is set explicitly")
        unit.blame(ETCD_CONF, "", detail)
        self.log("E", "etcdmain", "error verifying flags, --advertise-client-urls is required when "
                                  "--listen-client-urls is set explicitly. See 'etcd --help'.")
        self.log("E", "etcdmain", "When listening on specific address(es), this etcd process must advertise "
                                  "accessible url(s) to each connected client.")
        unit.exited(1)
        return True

    def _membership_problems(self) -> list[tuple[str, str]]:
        """What the other members say to a member whose file disagrees with theirs (the cluster is the one
        their files describe: ``Boot.raft``). Members are known by ID (their peer URLs), not by name."""
        raft = self.boot.raft
        peers = sorted(raft.members) if raft is not None else []
        if raft is None or self.raft_name not in raft.members:
            return [("ETCD_NAME", f"member {self.name!r} is not in the cluster the other members' "
                                  f"ETCD_INITIAL_CLUSTER describes ({', '.join(peers) or 'none'})")]
        ids = {member_id(urls, self.token) for urls in self.config.initial_cluster().values()}
        if ids != set(self.boot.raft_names):
            return [("ETCD_INITIAL_CLUSTER", f"ETCD_INITIAL_CLUSTER lists {', '.join(self.config.initial_cluster())} "
                                             f"but the other members list {', '.join(peers)}: every member must "
                                             "list the same cluster")]
        return []

    def _wait_ready(self, unit: Unit) -> None:
        """etcdmain notifies systemd once the member has published itself, which takes a leader. Meanwhile
        rafthttp probes the peers (a warning for each one down, 5 s after start, then every 30 s) and each
        publish attempt times out after the request timeout (5 s + 2 x election timeout: 7 s by default)."""
        if unit.state != "activating" or self.unit is not unit:
            return
        waited = round(self.boot.clock.now - unit.since, 6)
        if waited >= PROBE_FIRST and (waited - PROBE_FIRST) % PROBE_EVERY < 1e-6:
            for urls in self.config.initial_cluster().values():
                peer_id = member_id(urls, self.token)
                peer = next((m for m in self.boot.etcd.values() if m.id == peer_id), None)
                if peer_id != self.id and (peer is None or not peer.running):
                    host = urlsplit(urls[0]).netloc
                    for _ in range(2):  # one per prober: ROUND_TRIPPER_SNAPSHOT and ROUND_TRIPPER_RAFT_MESSAGE
                        self.log("W", "rafthttp", f"health check for peer {member_id(urls, self.token)} could not "
                                                  f"connect: dial tcp {host}: connect: connection refused")
        timeout = 5 + 2 * self.config.election_ms / 1000  # etcdserver/config.go ReqTimeout
        if waited > 0 and waited % timeout < 1e-6:
            self.log("E", "etcdserver", "publish error: etcdserver: request timed out")
        if self.boot.raft.has_quorum():
            self.client_urls = list(self.advertised)
            self.log("I", "etcdserver", f"published {{Name:{self.name} ClientURLs:[{' '.join(self.advertised)}]}} "
                                        f"to cluster {self.cluster_id}")
            self.log("I", "embed", "ready to serve client requests")
            for url in self.config.urls("ETCD_LISTEN_CLIENT_URLS"):
                if urlsplit(url).scheme == "http":
                    self.log("N", "embed", f"serving insecure client requests on {urlsplit(url).netloc}, "
                                           "this is strongly discouraged!")
            unit.ready()
            return
        self.boot.clock.schedule(0.1, self._wait_ready, unit)

    def stop(self) -> None:
        self.boot.sockets.close(self)
        if self.boot.raft is not None and self.raft_name in self.boot.raft.members:
            self.boot.raft.crash(self.raft_name)
