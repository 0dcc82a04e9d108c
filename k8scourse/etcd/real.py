"""A real etcd cluster on this machine, started from the files the course generates.

``RealEtcdCluster.launch(spec)`` runs the ``etcd`` binary (Debian's
``etcd-server``, etcd 3.4) once per member of ``spec``, the way the notes'
systemd units do, but on loopback addresses so it can run anywhere:

1. read each member's ``/etc/etcd/etcd.conf`` as systemd's
   ``EnvironmentFile=`` reads it: ``KEY="value"`` lines become the process
   environment, and etcd takes its settings from the ``ETCD_*`` variables;
2. refuse, before starting anything, a URL whose host is not an IP address
   in 127.0.0.0/8, and a member without listen URLs (etcd's defaults are
   ``localhost``): the cluster listens on loopback only;
3. give every (address, port) the files name a free port on that address,
   so several clusters (several test runs) can run at once, and point the
   data directory into a temporary folder;
4. start each member in its own process group, killed with the cluster:
   on leaving the ``with`` block, on ``stop()``, when the object is garbage
   collected, when Python exits, and (Linux) when the Python process dies;
5. wait until the members elect a leader.

The cluster has the Raft model's methods (``k8scourse.etcd.raft``):
``leader()``, ``crash(name)`` (``kill -9``), ``restart(name)``,
``put(key, value)`` and ``get(key)``. Leader and terms come from the members
themselves (etcd's ``/v3/maintenance/status``); writes and reads go through
``etcdctl``, so an error is etcd's own (``context deadline exceeded`` without
a quorum). Unlike the model, this cluster lives in wall-clock time: every
call is bounded by a timeout, and ``run(seconds)`` really waits::

    with RealEtcdCluster.launch(ClusterSpec.loopback_lab(members=3)) as etcd:
        old = etcd.leader()
        etcd.crash(old)                              # kill -9
        new = etcd.wait_for_leader(other_than=old)   # about 1.3 s later
        etcd.put("/course/ch07", "still here")       # two of three: a majority

In a notebook, keep ``etcd = RealEtcdCluster.launch(...)`` across cells and
call ``etcd.stop()`` when done; the kernel's end stops it too.
"""

from __future__ import annotations

import base64
import ctypes
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from k8scourse.api.errors import K8sValueError
from k8scourse.config import EtcdConfig
from k8scourse.etcd.raft.errors import (
    DeadlineExceededError,
    EtcdTimeoutError,
    RequestTimedOutError,
    ServerDeadlineExceededError,
)
from k8scourse.etcd.store import EtcdError

ETCD_CONF = "/etc/etcd/etcd.conf"
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
INSTALL_HINT = "on Debian or Ubuntu: apt-get install etcd-server etcd-client"

# etcdctl's defaults: --dial-timeout=2s, --command-timeout=5s
# (etcdctl/ctlv3/ctl.go, defaultDialTimeout and defaultCommandTimeOut).
DIAL_TIMEOUT = 2.0
COMMAND_TIMEOUT = 5.0
# How long one status request to one member may take before it counts as down.
STATUS_TIMEOUT = 0.5
# How long launch() and restart() wait for a leader. The first election of a
# new cluster takes about one election timeout (1 s by default).
START_TIMEOUT = 15.0
# How often launch() starts again when a free port was taken before etcd could bind it.
PORT_TRIES = 3

# Loopback needs no proxy: ignore http_proxy and friends when asking members for their status.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Settings holding URLs (etcd 3.4's --listen-*/--*-advertise-* flags), and the
# one holding name=URL pairs. etcd/etcdmain/config.go.
URL_KEYS = (
    "ETCD_LISTEN_PEER_URLS",
    "ETCD_LISTEN_CLIENT_URLS",
    "ETCD_INITIAL_ADVERTISE_PEER_URLS",
    "ETCD_ADVERTISE_CLIENT_URLS",
    "ETCD_LISTEN_METRICS_URLS",
)
CLUSTER_KEY = "ETCD_INITIAL_CLUSTER"
# Bootstrapping by discovery asks a service (discovery.etcd.io, DNS SRV records) off this machine.
DISCOVERY_KEYS = ("ETCD_DISCOVERY", "ETCD_DISCOVERY_SRV", "ETCD_DISCOVERY_PROXY")
# etcd/embed/config.go: DefaultListenPeerURLs, DefaultListenClientURLs.
LISTEN_DEFAULTS = {"ETCD_LISTEN_PEER_URLS": "http://localhost:2380", "ETCD_LISTEN_CLIENT_URLS": "http://localhost:2379"}


class RealEtcdError(K8sValueError):
    """The real cluster cannot start or answer as asked (not an etcd reply)."""


class NotLoopbackError(RealEtcdError):
    """A member's file names an address outside 127.0.0.0/8."""


class EtcdStartError(RealEtcdError):
    """A member's etcd process exited while starting; the message is etcd's last error line."""


class EtcdctlError(EtcdError):
    """An error etcdctl printed (``Error: ...``) that the Raft model has no class for; ``str()`` is etcd's text."""

    def __init__(self, message: str) -> None:
        self.message = message
        ValueError.__init__(self, message)


class EtcdctlTimeoutError(EtcdctlError, EtcdTimeoutError):
    """A timeout the model has no class for, e.g. ``etcdserver: request timed out, possibly due
    to connection lost`` (ErrTimeoutDueToConnectionLost in etcdserver/errors.go)."""


def client_error(text: str) -> EtcdError:
    """The error for etcdctl's ``Error: <text>``: the Raft model's class when it has one, so
    ``except EtcdTimeoutError`` catches a lost quorum on both."""
    for cls in (DeadlineExceededError, RequestTimedOutError, ServerDeadlineExceededError):
        if text == cls.message:
            return cls()
    if text.startswith(RequestTimedOutError.message):
        return EtcdctlTimeoutError(text)
    return EtcdctlError(text)


class SpecLike(Protocol):
    """What launch() needs of a ClusterSpec: every machine's files."""

    def render_all(self) -> dict[str, dict[str, str]]: ...


@dataclass(frozen=True)
class Availability:
    """Whether a real cluster can run here, and why (or why not). Truthy when it can."""

    ok: bool
    reason: str
    version: str = ""  # etcd's, e.g. "3.4.23"; the course's texts are 3.4's

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class MemberStatus:
    """One member as it reports itself (``/v3/maintenance/status``); ``running`` False when crashed.

    ``leader`` is the member it follows (itself when it leads), None while it knows no leader.
    """

    name: str
    running: bool
    reachable: bool
    leader: str | None = None
    is_leader: bool = False
    term: int = 0
    raft_index: int = 0


# --- reading the files -------------------------------------------------------


def member_environments(spec: SpecLike | Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """``{member name: environment}`` for every machine with an etcd.conf, named by its ETCD_NAME."""
    tree = spec.render_all() if hasattr(spec, "render_all") else spec
    if not isinstance(tree, Mapping):
        raise TypeError(f"expected a ClusterSpec or {{machine: {{path: text}}}}, got {type(spec).__name__}")
    members: dict[str, dict[str, str]] = {}
    for machine, files in tree.items():
        if ETCD_CONF not in files:
            continue
        try:
            # What systemd's EnvironmentFile= sets: etcd reads its settings from these
            # ETCD_* variables, and an empty one is no setting (pkg/flags/flag.go).
            env = EtcdConfig.parse(files[ETCD_CONF]).values
        except ValueError as err:
            raise RealEtcdError(f"{machine}:{ETCD_CONF}: {err}") from None
        # etcd's default --name is "default" (etcd/embed/config.go, DefaultName).
        name = env.get("ETCD_NAME", "default")
        if name in members:
            raise RealEtcdError(f"{machine}:{ETCD_CONF}: ETCD_NAME: member name {name!r} is used twice")
        members[name] = env
    if not members:
        raise RealEtcdError(f"no machine has {ETCD_CONF}: nothing to start")
    return members


def _urls(env: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """Every (key, URL) in the URL-valued settings."""
    for key in URL_KEYS:
        for url in filter(None, env.get(key, "").split(",")):
            yield key, url.strip()
    for pair in filter(None, env.get(CLUSTER_KEY, "").split(",")):
        yield CLUSTER_KEY, pair.partition("=")[2].strip()


def check_loopback(members: Mapping[str, Mapping[str, str]]) -> None:
    """Raise NotLoopbackError for the first URL whose host is not an IP in 127.0.0.0/8, a member
    without listen URLs (etcd would listen on its default, http://localhost:...), or discovery."""
    for name, env in members.items():
        for key in DISCOVERY_KEYS:
            if env.get(key):
                raise NotLoopbackError(
                    f"member {name}: {key}: the real cluster runs on loopback only: it boots from "
                    f"ETCD_INITIAL_CLUSTER, not by discovery, which would ask outside this machine"
                )
        for key, default in LISTEN_DEFAULTS.items():
            if not env.get(key):
                raise NotLoopbackError(
                    f"member {name}: {key} is not set, so etcd would listen on its default {default}: "
                    f"the real cluster needs every member's listen URLs on 127.0.0.x"
                )
        for key, url in _urls(env):
            try:
                inside = ipaddress.ip_address(urlsplit(url).hostname or "") in LOOPBACK
            except ValueError:
                inside = False
            if not inside:
                raise NotLoopbackError(
                    f"member {name}: {key}: {url!r}: the real cluster runs on loopback only: "
                    f"every URL's host must be an IP address in {LOOPBACK} (127.0.0.x)"
                )


# --- ports and data ----------------------------------------------------------


def _address(url: str) -> tuple[str, int] | None:
    """The (host, port) a URL names, or None without both (etcd refuses such a URL itself)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    return (host, port) if host and port else None


def free_ports(members: Mapping[str, Mapping[str, str]]) -> dict[tuple[str, int], int]:
    """A free port for every (host, port) the files name, on that host; each socket stays open
    until all are found, so no port is handed out twice."""
    addresses = {address for env in members.values() for _, url in _urls(env) if (address := _address(url))}
    with ExitStack() as stack:
        ports = {}
        for host, port in sorted(addresses):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            try:
                sock.bind((host, 0))
            except OSError as err:
                raise RealEtcdError(f"cannot listen on {host}: {err.strerror}") from None
            ports[host, port] = sock.getsockname()[1]
        return ports


def _moved(url: str, ports: Mapping[tuple[str, int], int]) -> str:
    address = _address(url)
    if address is None:
        return url
    return urlsplit(url)._replace(netloc=f"{address[0]}:{ports[address]}").geturl()


def relocate(
    members: Mapping[str, Mapping[str, str]], ports: Mapping[tuple[str, int], int], data_root: Path
) -> dict[str, dict[str, str]]:
    """The environments with every URL on its free port and the data directories under ``data_root``."""
    moved: dict[str, dict[str, str]] = {}
    for name, env in members.items():
        new = dict(env)
        for key in URL_KEYS:
            if new.get(key):
                new[key] = ",".join(_moved(url.strip(), ports) for url in new[key].split(","))
        if new.get(CLUSTER_KEY):
            pairs = (pair.partition("=") for pair in new[CLUSTER_KEY].split(","))
            new[CLUSTER_KEY] = ",".join(f"{n.strip()}={_moved(url.strip(), ports)}" for n, _, url in pairs)
        new["ETCD_DATA_DIR"] = str(data_root / name)
        if new.get("ETCD_WAL_DIR"):
            new["ETCD_WAL_DIR"] = str(data_root / f"{name}.wal")
        moved[name] = new
    return moved


# --- processes ---------------------------------------------------------------


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGKILL the child when this process dies (PR_SET_PDEATHSIG).

    Linux ties it to the thread that starts the child: start clusters from
    the main thread (a notebook cell, a test) so they live as long as Python.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()
    pr_set_pdeathsig = 1  # <linux/prctl.h>

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return hook


def _kill(process: subprocess.Popen[bytes]) -> None:
    """kill -9 the member's process group and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def _stop_all(processes: dict[str, subprocess.Popen[bytes]], folder: str) -> None:
    """Kill every member and remove the data folder (also the finaliser: it must not hold the cluster)."""
    for process in processes.values():
        _kill(process)
    processes.clear()
    shutil.rmtree(folder, ignore_errors=True)


def _last_error(log: Path) -> str:
    """etcd's last error message, else the log's last line. etcd ends with one or more capnslog lines
    ``<time> E | <package>: <message>`` (``C`` when fatal); the first of that last run is the error,
    what follows it a hint."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    errors = [re.search(r" [CE] \| [\w/]+: (.*)$", line) for line in lines]
    last = max((i for i, match in enumerate(errors) if match), default=None)
    if last is None:
        return lines[-1] if lines else "no output"
    first = last
    while first > 0 and errors[first - 1]:
        first -= 1
    return errors[first][1]  # type: ignore[index]


def etcd_version(binary: str) -> str:
    """``etcd --version``'s version number, e.g. ``3.4.23``."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    match = re.search(r"etcd Version: (\S+)", out)
    return match.group(1) if match else "unknown"


def _not(name: str | None, other: str | None) -> str | None:
    return None if name == other else name


# --- the cluster -------------------------------------------------------------


class RealEtcdCluster:
    """Real etcd members on loopback, one process each; see the module docstring."""

    def __init__(
        self,
        environments: dict[str, dict[str, str]],
        folder: str,
        *,
        ports: Mapping[tuple[str, int], int],
        etcd: str,
        etcdctl: str,
        command_timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        self._environments = environments
        # "127.0.0.11:40123" -> "127.0.0.11:2379": etcd's messages told in the files' terms.
        self._file_addresses = {f"{host}:{new}": f"{host}:{old}" for (host, old), new in ports.items()}
        self._folder = Path(folder)
        self._etcd = etcd
        self._etcdctl_binary = etcdctl
        self.command_timeout = command_timeout
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._ids: dict[str, str] = {}  # member id (decimal string) -> name
        self._stopper = weakref.finalize(self, _stop_all, self._processes, folder)
        self._started = time.monotonic()

    # -- starting and stopping

    @staticmethod
    def available(spec: SpecLike | Mapping[str, Mapping[str, str]] | None = None) -> Availability:
        """Whether ``etcd`` and ``etcdctl`` are installed (and, given a spec, its addresses usable); why not."""
        etcd, etcdctl = shutil.which("etcd"), shutil.which("etcdctl")
        if etcd is None or etcdctl is None:
            missing = " and ".join(n for n, p in (("etcd", etcd), ("etcdctl", etcdctl)) if p is None)
            return Availability(False, f"no {missing} binary on PATH ({INSTALL_HINT})")
        if spec is not None:
            try:
                members = member_environments(spec)
                check_loopback(members)
                free_ports(members)
            except RealEtcdError as err:
                return Availability(False, str(err))
        version = etcd_version(etcd)
        return Availability(True, f"etcd {version} at {etcd}", version)

    @classmethod
    def launch(
        cls,
        spec: SpecLike | Mapping[str, Mapping[str, str]],
        *,
        command_timeout: float = COMMAND_TIMEOUT,
        start_timeout: float = START_TIMEOUT,
    ) -> RealEtcdCluster:
        """Start every member of ``spec`` (a ClusterSpec or ``{machine: {path: text}}``) and wait for a leader.

        Another program may take a free port between finding it and etcd binding it; then
        the members start again on new ports, up to PORT_TRIES times.
        """
        members = member_environments(spec)
        check_loopback(members)
        found = cls.available()
        if not found:
            raise RealEtcdError(f"cannot start a real etcd cluster: {found.reason}")
        attempt = 1
        while True:
            cluster = cls._prepare(members, command_timeout)
            try:
                for name in cluster.members:
                    cluster._start(name)
                cluster.wait_until_settled(timeout=start_timeout)
                return cluster
            except EtcdStartError as err:
                cluster.stop()
                if "address already in use" not in str(err) or attempt == PORT_TRIES:
                    raise
                attempt += 1
            except BaseException:
                cluster.stop()
                raise

    @classmethod
    def _prepare(cls, members: Mapping[str, Mapping[str, str]], command_timeout: float) -> RealEtcdCluster:
        """A cluster of ``members`` on free ports with a fresh data folder, nothing started yet."""
        folder = tempfile.mkdtemp(prefix="k8scourse-etcd-")
        try:
            ports = free_ports(members)
            environments = relocate(members, ports, Path(folder))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return cls(
            environments,
            folder,
            ports=ports,
            etcd=shutil.which("etcd") or "etcd",
            etcdctl=shutil.which("etcdctl") or "etcdctl",
            command_timeout=command_timeout,
        )

    def _check_running(self) -> None:
        if not self._stopper.alive:
            raise RealEtcdError("this etcd cluster was stopped: launch a new one")

    def _start(self, name: str) -> None:
        self._check_running()
        # Only the file's variables and PATH, as systemd gives a service.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self._environments[name]}
        with open(self._folder / f"{name}.log", "ab") as log:
            self._processes[name] = subprocess.Popen(
                [self._etcd],
                env=env,
                cwd=self._folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so kill -9 takes all of it
                preexec_fn=_die_with_parent(),
            )

    def stop(self) -> None:
        """Kill every member and delete their data. Safe to call twice."""
        self._stopper()

    def __enter__(self) -> RealEtcdCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the members say

    @property
    def members(self) -> list[str]:
        """Member names (ETCD_NAME), in the spec's order."""
        return list(self._environments)

    @property
    def endpoints(self) -> dict[str, str]:
        """Each member's client URL, as etcdctl's ``--endpoints`` takes it: the first advertised one,
        else the first it listens on."""
        return {
            name: (env.get("ETCD_ADVERTISE_CLIENT_URLS") or env["ETCD_LISTEN_CLIENT_URLS"]).split(",")[0].strip()
            for name, env in self._environments.items()
        }

    @property
    def data_folder(self) -> Path:
        """The temporary folder with every member's data directory and log; deleted by stop()."""
        return self._folder

    @property
    def pids(self) -> dict[str, int]:
        """The process id of every running member."""
        return {name: p.pid for name, p in self._processes.items() if p.poll() is None}

    def running(self, name: str) -> bool:
        """Whether the member's process is alive (it may still be unable to serve)."""
        process = self._processes.get(self._check(name))
        return process is not None and process.poll() is None

    def _check(self, name: str) -> str:
        if name not in self._environments:
            raise RealEtcdError(f"no member named {name!r}; members: {', '.join(self._environments)}")
        return name

    def _status(self, name: str) -> dict[str, Any] | None:
        """The member's ``/v3/maintenance/status`` (etcd's grpc-gateway), or None if it does not answer."""
        request = urllib.request.Request(
            self.endpoints[name] + "/v3/maintenance/status", data=b"{}", method="POST"
        )
        try:
            with _DIRECT.open(request, timeout=STATUS_TIMEOUT) as reply:
                status = json.load(reply)
            self._ids[status["header"]["member_id"]] = name
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return status

    def status(self) -> list[MemberStatus]:
        """Every member as it reports itself; a crashed or silent member is not reachable."""
        out = []
        for name in self._environments:
            if not self.running(name):
                out.append(MemberStatus(name, running=False, reachable=False))
                continue
            s = self._status(name)
            if s is None:
                out.append(MemberStatus(name, running=True, reachable=False))
                continue
            leader_id = s.get("leader", "0")
            out.append(
                MemberStatus(
                    name,
                    running=True,
                    reachable=True,
                    leader=self._ids.get(leader_id, leader_id) if leader_id != "0" else None,
                    is_leader=leader_id == s["header"]["member_id"],
                    term=int(s.get("raftTerm", 0)),
                    raft_index=int(s.get("raftIndex", 0)),
                )
            )
        return out

    def leader(self) -> str | None:
        """The member that reports itself leader (the highest term's, if two do), or None during an election."""
        leaders = [s for s in self.status() if s.is_leader]
        return max(leaders, key=lambda s: s.term).name if leaders else None

    @property
    def term(self) -> int:
        """The highest Raft term any running member reports."""
        return max((s.term for s in self.status()), default=0)

    def wait_for_leader(self, timeout: float = START_TIMEOUT, *, other_than: str | None = None) -> str:
        """Poll the members until one (not ``other_than``) is leader; its name. TimeoutError after ``timeout`` s."""
        return self._poll(lambda: _not(self.leader(), other_than), timeout, f"no etcd leader within {timeout:g} s")

    def wait_until_settled(self, timeout: float = START_TIMEOUT) -> str:
        """Poll until every running member answers and follows one leader; its name.

        launch() waits for this, so a member that fails to start is never missed
        while the others elect a leader without it.
        """

        def settled() -> str | None:
            statuses = [s for s in self.status() if s.running]
            leaders = {s.leader for s in statuses}
            return leaders.pop() if statuses and all(s.reachable for s in statuses) and len(leaders) == 1 else None

        return self._poll(settled, timeout, f"the etcd members did not settle on a leader within {timeout:g} s")

    def _poll(self, answer: Callable[[], str | None], timeout: float, failure: str) -> str:
        """Call ``answer`` every 10 ms until it gives a name; EtcdStartError as soon as a member exits on its own."""
        deadline = time.monotonic() + timeout
        while True:
            for name, process in list(self._processes.items()):
                if process.poll() is not None and process.returncode != -signal.SIGKILL:
                    raise EtcdStartError(f"etcd member {name} exited: {self._refusal(name)}")
            found = answer()
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(failure)
            time.sleep(0.01)

    def _refusal(self, name: str) -> str:
        """etcd's last error line in the member's log, with the files' ports in place of the free ones."""
        text = _last_error(self._folder / f"{name}.log")
        return re.sub(r"127(?:\.\d+){3}:\d+", lambda m: self._file_addresses.get(m[0], m[0]), text)

    @property
    def now(self) -> float:
        """Seconds since the cluster was made, on the wall clock (the model's ``now`` is virtual)."""
        return time.monotonic() - self._started

    def run(self, seconds: float) -> None:
        """Let ``seconds`` of real time pass (the model's ``run`` moves its virtual clock)."""
        time.sleep(seconds)

    def logs(self, name: str, lines: int = 20) -> str:
        """The last ``lines`` lines the member's etcd printed."""
        log = self._folder / f"{self._check(name)}.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""

    # -- faults

    def crash(self, name: str) -> None:
        """kill -9 the member: no goodbye to its peers. Nothing happens if it is already down."""
        process = self._processes.get(self._check(name))
        if process is not None:
            _kill(process)

    def restart(self, name: str) -> None:
        """Start a crashed member again on its data directory. Nothing happens if it is running."""
        if not self.running(name):
            self._start(name)

    # -- data, through etcdctl

    def _etcdctl(self, *args: str, timeout: float | None, endpoint: str | None) -> str:
        """Run etcdctl against ``endpoint``'s URL, or every member's as a client given the cluster would."""
        self._check_running()
        timeout = self.command_timeout if timeout is None else timeout
        urls = self.endpoints if endpoint is None else {self._check(endpoint): self.endpoints[endpoint]}
        command = [
            self._etcdctl_binary,
            "--endpoints=" + ",".join(urls.values()),
            f"--dial-timeout={DIAL_TIMEOUT:g}s",
            f"--command-timeout={timeout:g}s",
            *args,
        ]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ETCDCTL_API": "3"}
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout + DIAL_TIMEOUT + 5)
        except subprocess.TimeoutExpired:
            raise EtcdctlError(f"etcdctl did not answer within {timeout + DIAL_TIMEOUT + 5:g} s") from None
        if done.returncode != 0:
            errors = [line[len("Error: ") :] for line in done.stderr.splitlines() if line.startswith("Error: ")]
            raise client_error(errors[-1] if errors else done.stderr.strip() or f"etcdctl exited {done.returncode}")
        return done.stdout

    def put(self, key: str, value: str, timeout: float | None = None, endpoint: str | None = None) -> None:
        """``etcdctl put key value``: returns once a majority has committed it, else raises etcd's error
        (``context deadline exceeded`` without a quorum). ``timeout`` is etcdctl's ``--command-timeout``;
        ``endpoint`` a member name to talk to (default: any that answers)."""
        if not isinstance(value, str):
            raise TypeError(f"value: must be a string, got {value!r}")
        self._etcdctl("put", "--", key, value, timeout=timeout, endpoint=endpoint)

    def get(
        self, key: str, timeout: float | None = None, endpoint: str | None = None, serializable: bool = False
    ) -> str | None:
        """``etcdctl get key``: the value, or None if absent. Linearizable by default (the member
        confirms with the leader); ``serializable`` answers from the member's own copy, however stale."""
        consistency = "--consistency=s" if serializable else "--consistency=l"
        out = self._etcdctl("get", "-w", "json", consistency, "--", key, timeout=timeout, endpoint=endpoint)
        kvs = json.loads(out).get("kvs") or []
        return base64.b64decode(kvs[0].get("value", "")).decode() if kvs else None

    def __repr__(self) -> str:
        up = ", ".join(f"{n}{'' if self.running(n) else ' (down)'}" for n in self._environments)
        return f"<RealEtcdCluster {up}>"
