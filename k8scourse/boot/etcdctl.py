"""etcdctl 3.4, as a learner types it on one of the machines: v3 commands by default,
the v2 ones with ``ETCDCTL_API=2``.

v3 (etcdctl/ctlv3): ``put``, ``get [--prefix] [--keys-only]``, ``del [--prefix]``,
``member list``, ``endpoint health``. v2 (etcdctl/ctlv2): ``mk``, ``set``, ``get``,
``update``, ``rm``, ``ls [--recursive]``, ``member list``, ``cluster-health``.
Outputs and errors are what etcdctl 3.4.23 prints (checked against the real binary
on 127.0.0.1; the v3 client's JSON retry warnings on stderr are left out). v2 and v3
keys are separate; etcd 3.4 serves v2 only with ``--enable-v2``.

The default endpoints are the machine's own (``127.0.0.1:2379``), so etcdctl finds an
etcd only where a member listens on loopback; ``--endpoints`` names others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Protocol

from k8scourse.etcd.raft.errors import EtcdTimeoutError
from k8scourse.etcd.store import Store
from k8scourse.kubectl.cli import KubectlResult
from k8scourse.etcd.v2store import V2Error

from .machine import shell_words
from .sockets import refused

V3_DEFAULT_ENDPOINTS = ["127.0.0.1:2379"]  # etcdctl/ctlv3/ctl.go defaultEndpoint
V2_DEFAULT_ENDPOINTS = ["http://127.0.0.1:2379", "http://127.0.0.1:4001"]  # etcdctl/ctlv2/ctl.go
V2_ERROR_EXIT = 4  # etcdctl/ctlv2/command/error.go ExitServerError
CLUSTER_TOKEN = "etcd-cluster"  # --initial-cluster-token's default (embed/config.go)


class EtcdctlUsageError(ValueError):
    """A command line etcdctl refuses before talking to anyone."""


class UnsupportedCommand(ValueError):
    """A real etcdctl command the course's etcdctl does not run."""


# etcdctl 3.4's commands (etcdctl/ctlv3/ctl.go, etcdctl/ctlv2/ctl.go), and those the model runs
V3_COMMANDS = {"alarm", "auth", "check", "compaction", "defrag", "del", "elect", "endpoint", "get", "help", "lease",
               "lock", "make-mirror", "member", "migrate", "move-leader", "put", "role", "snapshot", "txn", "user",
               "version", "watch"}
V2_COMMANDS = {"backup", "cluster-health", "mk", "mkdir", "rm", "rmdir", "get", "update", "updatedir", "ls", "set",
               "setdir", "watch", "exec-watch", "member", "user", "role", "auth"}
V3_MODELLED = "put, get, del, member list, endpoint health"
V2_MODELLED = "mk, set, get, update, rm, ls, member list, cluster-health"


GROUPS = {"alarm", "auth", "check", "endpoint", "lease", "member", "role", "snapshot", "user"}  # take a subcommand


def _unsupported(api: int, command: str, args: list[str]) -> UnsupportedCommand:
    modelled = V3_MODELLED if api == 3 else V2_MODELLED
    name = " ".join([command, *args[:1]]) if command in GROUPS else command
    return UnsupportedCommand(f"etcdctl {name}: the course's etcdctl (API {api}) runs {modelled}")


def member_id(peer_urls: list[str], token: str = CLUSTER_TOKEN) -> str:
    """A member's ID as etcd computes it for the initial cluster (etcdserver/api/membership/member.go
    NewMember): the first 8 bytes of sha1(sorted peer URLs + cluster token), in hex."""
    digest = hashlib.sha1(("".join(sorted(peer_urls)) + token).encode()).digest()
    return f"{int.from_bytes(digest[:8], 'big'):x}"


def cluster_id(member_ids: list[str]) -> str:
    """membership.RaftCluster.genID: sha1 of the sorted member IDs, 8 bytes each, first 8 bytes of it."""
    data = b"".join(int(m, 16).to_bytes(8, "big") for m in sorted(member_ids, key=lambda m: int(m, 16)))
    return f"{int.from_bytes(hashlib.sha1(data).digest()[:8], 'big'):x}"


class Member(Protocol):
    """What etcdctl sees of one etcd member."""

    name: str
    id: str
    peer_urls: list[str]
    client_urls: list[str]  # published once it has started
    v2_enabled: bool
    store: Store

    @property
    def started(self) -> bool: ...  # published: in member list with its name and client URLs
    @property
    def running(self) -> bool: ...
    def is_leader(self) -> bool: ...
    def healthy(self) -> bool: ...


class EtcdctlResult(KubectlResult):
    """What etcdctl printed (stdout then stderr), with its ``exit_code`` (``ok`` when 0)."""


@dataclass
class Etcdctl:
    """etcdctl on a machine: ``dial(url)`` is the member that machine reaches there (None: refused);
    ``members()`` the cluster's membership as the members know it; ``took()`` a commit's duration."""

    dial: Callable[[str], Member | None]
    members: Callable[[], list[Member]]
    took: Callable[[], float]

    def run(self, command_line: str, api: int | None = None) -> EtcdctlResult:
        words = shell_words(command_line)
        if words and words[0].startswith("ETCDCTL_API="):
            version = words.pop(0).partition("=")[2]
            if version not in ("", "2", "3"):  # etcdctl/main.go
                return EtcdctlResult(f"unsupported API version {version}", 1)
            api = api or int(version or 3)
        if words and words[0] == "etcdctl":
            words.pop(0)
        endpoints, rest = None, []
        for number, word in enumerate(words):
            if word.startswith("--endpoints="):
                endpoints = [e for e in word.partition("=")[2].split(",") if e]
            elif word == "--endpoints" and number + 1 < len(words):
                endpoints = [e for e in words[number + 1].split(",") if e]
            elif number == 0 or words[number - 1] != "--endpoints":
                rest.append(word)
        try:
            if (api or 3) == 2:
                return self._v2(rest, endpoints or V2_DEFAULT_ENDPOINTS)
            return self._v3(rest, endpoints or V3_DEFAULT_ENDPOINTS)
        except EtcdctlUsageError as exc:
            return EtcdctlResult(str(exc), 128 if (api or 3) == 3 else 1)

    # -- v3 --

    def _v3_member(self, endpoints: list[str]) -> Member | None:
        for endpoint in endpoints:
            member = self.dial(endpoint if "://" in endpoint else "http://" + endpoint)
            if member is not None and member.running:
                return member
        return None

    def _v3(self, words: list[str], endpoints: list[str]) -> EtcdctlResult:
        flags = {w for w in words if w.startswith("--")}
        args = [w for w in words if not w.startswith("--")]
        if not args:
            raise _unsupported(3, "help", [])
        command, args = args[0], args[1:]
        if command == "endpoint" and args[:1] == ["health"]:
            if "--cluster" in flags:  # ctlv3/command/ep_command.go endpointsFromCluster: every member's client URLs
                if self._v3_member(endpoints) is None:
                    return EtcdctlResult("Error: failed to fetch endpoints from etcd cluster member list: context "
                                         "deadline exceeded", 1)
                endpoints = [url for member in self.members() for url in member.client_urls]
            return self._endpoint_health(endpoints)
        if command not in V3_COMMANDS:
            return EtcdctlResult(f'Error: unknown command "{command}" for "etcdctl"\n'
                                 "Run 'etcdctl --help' for usage.", 1)
        if command not in ("put", "get", "del", "member") or (command == "member" and args[:1] != ["list"]):
            raise _unsupported(3, command, args)
        if command == "put" and len(args) != 2:
            raise EtcdctlUsageError("Error: put command needs 1 argument and input from stdin or 2 arguments")
        if command == "get" and not 1 <= len(args) <= 2:
            raise EtcdctlUsageError("Error: get command needs one argument as key and an optional argument as "
                                    "range_end")
        if command == "del" and not 1 <= len(args) <= 2:
            raise EtcdctlUsageError("Error: del command needs one argument as key and an optional argument as "
                                    "range_end")
        member = self._v3_member(endpoints)
        if member is None:
            return EtcdctlResult("Error: context deadline exceeded", 1)
        store = member.store
        try:
            if command == "put":
                store.put(args[0], args[1])
                return EtcdctlResult("OK")
            if command == "get":
                kvs = (store.range(args[0], prefix=True) if "--prefix" in flags
                       else [kv for kv in [store.get(args[0])] if kv is not None])
                keys_only = "--keys-only" in flags
                lines = []
                for kv in kvs:
                    lines.append(kv.key)
                    lines.append("" if keys_only else _text(kv.value))
                return EtcdctlResult("\n".join(lines))
            if command == "del":
                return EtcdctlResult(str(store.delete(args[0], prefix="--prefix" in flags)))
        except EtcdTimeoutError as exc:
            return EtcdctlResult(f"Error: {exc}", 1)
        rows = []
        for m in self.members():
            if m.started:
                rows.append(f"{m.id}, started, {m.name}, {','.join(m.peer_urls)}, {','.join(m.client_urls)}, false")
            else:
                rows.append(f"{m.id}, unstarted, , {','.join(m.peer_urls)}, , false")
        return EtcdctlResult("\n".join(rows))

    def _endpoint_health(self, endpoints: list[str]) -> EtcdctlResult:
        """One line per endpoint, as each check comes back: etcdctl checks them all at once, so the healthy
        ones (a few ms) come before the unhealthy ones (after the 5 s command timeout); the model keeps
        the given order within each (etcdctl's is the order the answers arrive)."""
        healthy, unhealthy = [], []
        for endpoint in endpoints:
            url = endpoint if "://" in endpoint else "http://" + endpoint
            member = self.dial(url)
            if member is not None and member.healthy():
                healthy.append(f"{endpoint} is healthy: successfully committed proposal: took = "
                               f"{_duration(self.took())}")
            else:
                unhealthy.append(f"{endpoint} is unhealthy: failed to commit proposal: context deadline exceeded")
        if unhealthy:
            unhealthy.append("Error: unhealthy cluster")
        return EtcdctlResult("\n".join(healthy + unhealthy), 1 if unhealthy else 0)

    # -- v2 --

    def _v2_member(self, endpoints: list[str]) -> tuple[Member | None, str]:
        errors = []
        for number, url in enumerate(endpoints):
            member = self.dial(url)
            if member is None or not member.running:
                errors.append(f"error #{number}: {refused(url)}")
            else:
                return member, ""
        details = "; ".join(errors)
        return None, (f"Error:  client: etcd cluster is unavailable or misconfigured; {details}\n\n"
                      + "\n".join(errors) + "\n")

    def _v2(self, words: list[str], endpoints: list[str]) -> EtcdctlResult:
        flags = {w for w in words if w.startswith("--")}
        args = [w for w in words if not w.startswith("--")]
        if not args:
            raise _unsupported(2, "help", [])
        command, args = args[0], args[1:]
        commands = {"mk": 2, "set": 2, "update": 2, "get": 1, "rm": 1, "ls": 0, "member": 1,
                    "cluster-health": 0}
        if command not in V2_COMMANDS:
            return EtcdctlResult(f"No help topic for '{command}'", 3)
        if command not in commands or (command == "member" and args[:1] not in ([], ["list"])):
            raise _unsupported(2, command, args)
        if len(args) < commands[command]:
            key_only = commands[command] == 1
            raise EtcdctlUsageError(f"Error:  {'Key required' if key_only or not args else 'value required'}")
        if command == "cluster-health":
            return self._cluster_health(endpoints)
        member, error = self._v2_member(endpoints)
        if member is None:
            if command == "member":
                return EtcdctlResult(error.split("\n")[0].replace("Error:  ", ""), 1)
            return EtcdctlResult(error, V2_ERROR_EXIT)
        if not member.v2_enabled:  # etcd 3.4 without --enable-v2 answers /v2/ with a 404 page
            if command == "member":
                return EtcdctlResult("unexpected status code 404", 1)
            return EtcdctlResult("Error:  client: response is invalid json. The endpoint is probably not valid "
                                 "etcd cluster endpoint", V2_ERROR_EXIT)
        if command == "member":
            return self._v2_member_list()
        v2 = member.store.v2
        try:
            if command in ("mk", "set", "update"):
                write = {"mk": v2.create, "set": v2.set, "update": v2.update}[command]
                return EtcdctlResult(write(args[0], args[1]).value or "")
            if command == "get":
                node = v2.get(args[0])
                if node.dir:
                    return EtcdctlResult(f"{node.key}: is a directory", 1)
                return EtcdctlResult(node.value or "")
            if command == "rm":
                return EtcdctlResult(f"PrevNode.Value: {v2.delete(args[0]).value}")
            return EtcdctlResult("\n".join(_ls(v2, args[0] if args else "/", "--recursive" in flags)))
        except V2Error as exc:
            return EtcdctlResult(f"Error:  {exc}", V2_ERROR_EXIT)
        except EtcdTimeoutError as exc:
            return EtcdctlResult(f"Error:  {exc}", V2_ERROR_EXIT)

    def _v2_member_list(self) -> EtcdctlResult:
        lines = []
        for m in self.members():
            if m.started:
                lines.append(f"{m.id}: name={m.name} peerURLs={','.join(m.peer_urls)} "
                             f"clientURLs={','.join(m.client_urls)} isLeader={'true' if m.is_leader() else 'false'}")
            else:
                lines.append(f"{m.id}[unstarted]: peerURLs={','.join(m.peer_urls)}")
        return EtcdctlResult("\n".join(lines))

    def _cluster_health(self, endpoints: list[str]) -> EtcdctlResult:
        """etcdctl/ctlv2/command/cluster_health.go: each member's health, then the verdict."""
        member, _ = self._v2_member(endpoints)
        if member is None or not member.v2_enabled:
            reason = "unexpected status code 404" if member else refused(endpoints[0])
            return EtcdctlResult(f"cluster may be unhealthy: failed to list members\nError:  {reason}", V2_ERROR_EXIT)
        lines, healthy = [], 0
        members = self.members()
        for m in members:
            if not m.started:
                lines.append(f"member {m.id} is unreachable: no available published client urls")
            elif not m.running:
                lines.append(f"member {m.id} is unreachable: [{' '.join(m.client_urls)}] are all unreachable")
            elif m.healthy():
                healthy += 1
                lines.append(f"member {m.id} is healthy: got healthy result from {m.client_urls[0]}")
            else:
                lines.append(f"member {m.id} is unhealthy: got unhealthy result from {m.client_urls[0]}")
        verdict = ("cluster is healthy" if healthy == len(members) else
                   "cluster is degraded" if healthy else "cluster is unavailable")
        return EtcdctlResult("\n".join(lines + [verdict]), 0 if healthy == len(members) else 5)


def _ls(v2, key: str, recursive: bool) -> list[str]:
    keys = []
    for node in v2.ls(key):
        keys.append(node.key)
        if recursive and node.dir:
            keys += _ls(v2, node.key, True)
    return keys


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _duration(seconds: float) -> str:
    """Go's time.Duration.String for a few milliseconds: ``1.557599ms``."""
    return f"{seconds * 1000:.6f}".rstrip("0").rstrip(".") + "ms"
