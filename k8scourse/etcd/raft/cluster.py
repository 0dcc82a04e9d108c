"""An etcd cluster as Raft runs it: members booted from their etcd.conf, on one virtual clock.

``RaftCluster.from_configs({label: etcd_conf_text})`` starts one member per
file, named by its ``ETCD_NAME``, with the peers its ``ETCD_INITIAL_CLUSTER``
lists (a peer with no file is a member that never starts: it still counts
towards the quorum). Each member ticks every ``ETCD_HEARTBEAT_INTERVAL``
and its election timeout is ``ETCD_ELECTION_TIMEOUT`` / heartbeat ticks, as
etcd computes ``ElectionTicks`` (embed/config.go). Messages between members
take a small random loopback delay, and may be lost (``loss``); crashes,
restarts and partitions are the learner's to make.

Clients talk to it as ``etcdctl`` does: ``put`` and ``get`` wait on the
virtual clock until the cluster answers or the deadline passes, then raise
etcd's own timeout error (:mod:`.errors`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from random import Random

from k8scourse.api.errors import K8sValueError
from k8scourse.clock import Timer, VirtualClock
from k8scourse.config.etcd import EtcdConfig, etcd_startup_errors
from k8scourse.etcd.store import Store, _check_key

from .errors import DeadlineExceededError, RequestTimedOutError, ServerDeadlineExceededError, StorageTimeoutError
from .member import LEADER, Entry, MemberHooks, Message, RaftMember, SafetyViolation

DEFAULT_HEARTBEAT_MS = 100  # etcd --heartbeat-interval default (embed/config.go TickMs)
DEFAULT_ELECTION_MS = 1000  # etcd --election-timeout default (embed/config.go ElectionMs)
COMMAND_TIMEOUT = 5.0  # etcdctl --command-timeout default (etcdctl/ctlv3/command/global.go)
# Loopback delivery: a tenth of a millisecond to a millisecond (the model's choice, seeded).
MIN_DELAY, MAX_DELAY = 0.0001, 0.001
CLIENT_POLL = 0.001  # how finely a waiting client looks at the clock (seconds)
LEADER_POLL = 0.01  # how often wait_for_leader looks (RealEtcdCluster's polling interval too)
# etcdserver/server.go adjustTicks: poll for connected peers every 50 ms, for up to 5 s
TICK_ADVANCE_POLL, TICK_ADVANCE_TRIES = 0.05, 100


class MemberConfigError(K8sValueError):
    """A member's etcd.conf that etcd itself would refuse to start with."""


@dataclass(frozen=True)
class MemberSettings:
    """What the Raft model reads from one member's etcd.conf."""

    name: str
    peers: tuple[str, ...]  # every member of ETCD_INITIAL_CLUSTER, this one included
    heartbeat_ms: int = DEFAULT_HEARTBEAT_MS
    election_ms: int = DEFAULT_ELECTION_MS
    pre_vote: bool = False  # etcd 3.4's --pre-vote defaults to false (true from 3.5)

    @property
    def election_ticks(self) -> int:
        return self.election_ms // self.heartbeat_ms  # embed/config.go ElectionTicks()

    @property
    def request_timeout(self) -> float:
        """How long the server waits for a request: 5 s + 2 x election timeout (etcdserver/config.go ReqTimeout)."""
        return 5.0 + 2 * self.election_ms / 1000

    @classmethod
    def from_config(cls, label: str, text: str) -> MemberSettings:
        """Read an etcd.conf; refuse it with etcd's own words if etcd would not start with it."""
        config = EtcdConfig.parse(text)
        errors = etcd_startup_errors(config)
        if errors:
            raise MemberConfigError(f"{label}: " + "; ".join(errors))
        return cls(name=config.name, peers=tuple(config.initial_cluster()), heartbeat_ms=config.heartbeat_ms,
                   election_ms=config.election_ms, pre_vote=config.get("ETCD_PRE_VOTE").lower() == "true")


@dataclass(frozen=True)
class Election:
    """A member won an election: when, for which term."""

    time: float
    term: int
    leader: str


@dataclass(frozen=True)
class StepDown:
    """A leader stopped leading: it crashed, lost its quorum or saw a newer term."""

    time: float
    term: int
    leader: str


class RaftCluster:
    """etcd members running Raft on a virtual clock, with a seeded RNG for timeouts, delays and loss."""

    def __init__(self, settings: Iterable[MemberSettings], seed: int = 0, loss: float = 0.0,
                 clock: VirtualClock | None = None) -> None:
        self.settings = {s.name: s for s in settings}
        if not 0.0 <= loss < 1.0:
            raise ValueError(f"loss: must be a probability in [0, 1), got {loss!r}")
        self.loss = loss
        self.clock = clock if clock is not None else VirtualClock()  # a cluster's own, unless shared
        self._rng = Random(seed)
        self.elections: list[Election] = []
        self.stepdowns: list[StepDown] = []
        self.events: list[tuple[float, str, str]] = []  # (time, member, what raft logged)
        self._leader_of_term: dict[int, str] = {}
        self._committed: dict[int, Entry] = {}  # index -> the entry applied there (by anyone)
        self._group_of: dict[str, int] | None = None  # partition: member -> its side
        self._tickers: dict[str, Timer] = {}
        self._next_request = 0
        self._applied_requests: set[tuple[int, str]] = set()  # (write id, member that applied it)
        self._read_indexes: dict[int, int] = {}  # read id -> its read index
        hooks = MemberHooks(self._send, self._became_leader, self._applied, self._read_ready, self._log)
        self.members = {
            s.name: RaftMember(s.name, list(s.peers), s.election_ticks, s.pre_vote, self._rng, hooks)
            for s in self.settings.values()
        }
        self.alive: set[str] = set()
        for name in self.members:
            self._start(name)

    @classmethod
    def from_configs(cls, configs: Mapping[str, str], seed: int = 0, loss: float = 0.0,
                     clock: VirtualClock | None = None) -> RaftCluster:
        """One member per etcd.conf text (``{label: text}``); each is checked as etcd checks it at start-up.

        ``clock``: run on this clock (a Kubernetes cluster's, to put its store on this etcd
        cluster with ``attach``) instead of one of its own."""
        if not isinstance(configs, Mapping) or not all(isinstance(text, str) for text in configs.values()):
            raise TypeError(f"configs: expected {{label: etcd.conf text}}, got {configs!r}")
        if not configs:
            raise ValueError("configs: no etcd.conf given: a cluster needs at least one member")
        settings = [MemberSettings.from_config(label, text) for label, text in configs.items()]
        seen: dict[str, str] = {}
        for label, member in zip(configs, settings):
            if member.name in seen:
                raise MemberConfigError(f"{label}: ETCD_NAME {member.name!r} is also {seen[member.name]}'s name")
            seen[member.name] = label
        for label, member in zip(configs, settings):
            if set(member.peers) != set(settings[0].peers):
                raise MemberConfigError(f"{label}: ETCD_INITIAL_CLUSTER lists {', '.join(member.peers)} but "
                                        f"{next(iter(configs))} lists {', '.join(settings[0].peers)}: "
                                        "every member must list the same cluster")
        return cls(settings, seed=seed, loss=loss, clock=clock)

    # -- time and state --

    @property
    def now(self) -> float:
        """Virtual seconds since the cluster started."""
        return self.clock.now

    def run(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass."""
        self.clock.run(seconds)

    def leader(self) -> str | None:
        """The name of the running leader of the newest term, or None while there is none."""
        leaders = [m for m in self.members.values() if m.state == LEADER and m.name in self.alive]
        return max(leaders, key=lambda m: m.term).name if leaders else None

    def wait_for_leader(self, timeout: float = 10.0, *, other_than: str | None = None) -> str:
        """Run the clock until a member (not ``other_than``) leads and has committed the empty entry
        of its term; its name. TimeoutError after ``timeout`` virtual seconds (as
        ``RealEtcdCluster.wait_for_leader`` in real ones).

        Waiting for that first commit, a millisecond or so after the election, matters: until
        then an etcd 3.4 leader silently drops linearizable reads (raft.go stepLeader, MsgReadIndex),
        and a ``get`` sent in that window waits out its whole deadline."""

        def ready() -> bool:
            name = self.leader()
            if name is None or name == other_than:
                return False
            leader = self.members[name]
            return leader.log[leader.commit].term == leader.term

        if not self._wait(ready, timeout, poll=LEADER_POLL):
            raise TimeoutError(f"no etcd leader within {timeout:g} s")
        return self.leader()

    def running(self, name: str) -> bool:
        """Whether the member's process is up (not crashed)."""
        self._member(name)
        return name in self.alive

    @property
    def term(self) -> int:
        """The newest term any running member has reached."""
        return max((self.members[name].term for name in self.alive), default=0)

    def has_quorum(self) -> bool:
        """Whether a write could commit now: a running leader that reaches a majority of members."""
        name = self.leader()
        if name is None:
            return False
        reachable = [peer for peer in self.members[name].peers if peer in self.alive and self.connected(name, peer)]
        return len(reachable) + 1 >= self.members[name].quorum

    def attach(self, store: Store) -> None:
        """Run ``store`` (the Kubernetes cluster's etcd) on this cluster: its client writes fail with
        ``etcdserver: request timed out`` (``StorageTimeoutError``, a 500 to the apiserver's
        clients) whenever this cluster has no quorum, as etcd's do after the server's request
        timeout; reads still answer. Writes are not replicated through the model's log: the store
        keeps its own data, and the cluster decides only whether a write may happen. Share the
        store's clock (``from_configs(..., clock=store_clock)``) so both see the same time."""
        store.commit_gate = self._gate

    def _gate(self) -> None:
        if not self.has_quorum():
            raise StorageTimeoutError()

    # -- faults --

    def _member(self, name: str) -> RaftMember:
        if name not in self.members:
            raise ValueError(f"no member named {name!r}; members: {', '.join(self.members)}")
        return self.members[name]

    def crash(self, name: str) -> None:
        """Kill a member's process: it stops ticking and hears nothing (a no-op if already down)."""
        member = self._member(name)
        if name not in self.alive:
            return
        self.alive.discard(name)
        self._tickers.pop(name).cancel()
        if member.state == LEADER:
            self.stepdowns.append(StepDown(self.now, member.term, name))
        self._log(member, "crashed")

    def restart(self, name: str) -> None:
        """Start a crashed member again from what it persisted: term, vote, log and applied state
        (etcd's WAL and backend); it comes back a follower (a no-op if it is running)."""
        member = self._member(name)
        if name in self.alive:
            return
        member.restart()
        self._log(member, f"restarted as follower at term {member.term}")
        self._start(name)

    def _start(self, name: str) -> None:
        self.alive.add(name)
        tick = self.settings[name].heartbeat_ms / 1000
        self._tickers[name] = self.clock.call_every(tick, self._tick, name, first_delay=self._rng.uniform(0, tick))
        self.clock.schedule(TICK_ADVANCE_POLL, self._advance_ticks, name, TICK_ADVANCE_TRIES, self._tickers[name])

    def _tick(self, name: str) -> None:
        member = self.members[name]
        was_leader, term = member.state == LEADER, member.term
        member.tick()
        if was_leader and member.state != LEADER:
            self.stepdowns.append(StepDown(self.now, term, name))

    def _advance_ticks(self, name: str, tries: int, ticker: Timer) -> None:
        """etcd's adjustTicks on start: once more than one peer is connected, fast-forward the
        election clock to two ticks short of the election timeout, so a fresh cluster elects
        quickly (a single-member cluster: one tick short)."""
        if self._tickers.get(name) is not ticker:
            return  # crashed (and maybe restarted) since
        member = self.members[name]
        if not member.peers:
            ticks = member.election_ticks - 1
        elif sum(1 for peer in member.peers if peer in self.alive and self.connected(name, peer)) > 1:
            ticks = member.election_ticks - 2
        else:
            if tries > 1:
                self.clock.schedule(TICK_ADVANCE_POLL, self._advance_ticks, name, tries - 1, ticker)
            return
        for _ in range(ticks):
            self._tick(name)

    def partition(self, *groups: Iterable[str]) -> None:
        """Cut the network into ``groups`` (lists of member names); members not named form one more group.
        Members hear only those in their own group."""
        group_of: dict[str, int] = {}
        for number, group in enumerate(groups):
            names = [group] if isinstance(group, str) else list(group)
            for name in names:
                self._member(name)
                if name in group_of:
                    raise ValueError(f"member {name!r} is in more than one group of the partition")
                group_of[name] = number
        for name in self.members:
            group_of.setdefault(name, len(groups))
        self._group_of = group_of

    def heal(self) -> None:
        """Join the network again: every member hears every other."""
        self._group_of = None

    def connected(self, a: str, b: str) -> bool:
        """Whether the network lets members ``a`` and ``b`` talk (no partition between them)."""
        return self._group_of is None or self._group_of.get(a) == self._group_of.get(b)

    # -- the network --

    def _send(self, message: Message) -> None:
        if message.dst not in self.members or not self.connected(message.src, message.dst):
            return
        if self.loss and self._rng.random() < self.loss:
            return
        self.clock.schedule(self._rng.uniform(MIN_DELAY, MAX_DELAY), self._deliver, message)

    def _deliver(self, message: Message) -> None:
        if message.dst in self.alive and self.connected(message.src, message.dst):
            member = self.members[message.dst]
            was_leader, term = member.state == LEADER, member.term
            member.step(message)
            if was_leader and member.state != LEADER:
                self.stepdowns.append(StepDown(self.now, term, member.name))

    # -- hooks from the members --

    def _log(self, member: RaftMember, text: str) -> None:
        self.events.append((self.now, member.name, f"{member.name} {text}"))

    def _became_leader(self, member: RaftMember) -> None:
        other = self._leader_of_term.setdefault(member.term, member.name)
        if other != member.name:
            raise SafetyViolation(f"two leaders in term {member.term}: {other} and {member.name}")
        self.elections.append(Election(self.now, member.term, member.name))

    def _applied(self, member: RaftMember, index: int, entry: Entry) -> None:
        first = self._committed.setdefault(index, entry)
        if first != entry:
            raise SafetyViolation(f"{member.name} applied {entry} at index {index}, where {first} was committed")
        if entry.data is not None:
            self._applied_requests.add((entry.data[0], member.name))

    def _read_ready(self, member: RaftMember, read_id: int, index: int) -> None:
        self._read_indexes[read_id] = index

    # -- clients --

    def _endpoint(self, endpoint: str | None) -> RaftMember | None:
        """The member a client talks to: ``endpoint``, or the first running member (etcdctl given
        every member's URL connects to one that answers); None if it is down."""
        if endpoint is not None:
            member = self._member(endpoint)
            return member if endpoint in self.alive else None
        return next((m for name, m in self.members.items() if name in self.alive), None)

    def _wait(self, done: Callable[[], bool], seconds: float, poll: float = CLIENT_POLL) -> bool:
        """Run the clock until ``done()`` (asked every ``poll`` seconds) or ``seconds`` have passed;
        whether it was done."""
        for _ in range(round(seconds / poll)):
            if done():
                return True
            self.clock.run(poll)
        return done()

    def _server_timeout(self, member: RaftMember | None) -> float:
        settings = self.settings[member.name] if member else next(iter(self.settings.values()))
        return settings.request_timeout

    def put(self, key: str, value: str, timeout: float = COMMAND_TIMEOUT, endpoint: str | None = None) -> None:
        """Write ``key`` as ``etcdctl put`` does: return once the write is committed and applied
        on the member the client talks to; raise etcd's timeout error if that takes longer than
        ``timeout`` seconds (the client's) or the server's request timeout."""
        _check_key(key)
        if value.__class__ is not str:
            raise TypeError(f"value: must be a string, got {value!r}")
        member = self._endpoint(endpoint)
        self._next_request += 1
        request = self._next_request
        if member is not None:
            member.propose(Entry(0, (request, key, value)))
        server_timeout = self._server_timeout(member)
        applied = (request, member.name if member else "")
        if self._wait(lambda: applied in self._applied_requests, min(timeout, server_timeout)):
            return
        if member is None or timeout < server_timeout:
            raise DeadlineExceededError()
        if any(e.data is not None and e.data[0] == request for m in self.members.values() for e in m.log):
            raise RequestTimedOutError()  # a leader took it but could not commit it
        raise ServerDeadlineExceededError()  # no leader took it

    def get(self, key: str, timeout: float = COMMAND_TIMEOUT, endpoint: str | None = None,
            serializable: bool = False) -> str | None:
        """Read ``key`` as ``etcdctl get`` does (None if absent). Linearizable by default: the
        member asks the leader for its commit index (ReadIndex) and answers once it has applied
        that far; ``serializable`` answers from the member's own state, however stale."""
        _check_key(key)
        member = self._endpoint(endpoint)
        if member is None:
            self._wait(lambda: False, timeout)
            raise DeadlineExceededError()
        if serializable:
            return member.kv.get(key)
        asked: list[int | str | None] = [0, None]  # [read id, the leader it went to]

        def answered() -> bool:
            read, leader = asked
            if read in self._read_indexes:
                return member.applied >= self._read_indexes[read]
            if member.lead is not None and member.lead != leader:
                # A new leader: etcd fails the read with "leader changed", which the client retries.
                self._next_request += 1
                asked[:] = [self._next_request, member.lead]
                member.read_index(self._next_request)
            return False

        if not self._wait(answered, min(timeout, self._server_timeout(member))):
            raise ServerDeadlineExceededError()
        return member.kv.get(key)

    def __repr__(self) -> str:
        return f"<RaftCluster {len(self.members)} members, leader={self.leader()} term={self.term} t={self.now:g}s>"
