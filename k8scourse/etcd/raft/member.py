"""One etcd member's Raft state machine, as etcd 3.4's ``raft/raft.go`` runs it.

A member is a follower, a (pre-)candidate or the leader. Time reaches it as
*ticks* (one every ``--heartbeat-interval``), and everything else as
messages from its peers:

1. A follower counts ticks since it last heard from a leader. After its
   randomised election timeout, a number of ticks drawn from
   ``[ElectionTick, 2*ElectionTick)`` (``resetRandomizedElectionTimeout``), it
   campaigns: it becomes a candidate of the next term, votes for itself and
   asks the others for their votes (with ``--pre-vote``, it first asks
   whether they *would* vote, without raising anyone's term).
2. A member grants one vote per term, to the first candidate whose log is at
   least as up to date as its own (last entry's term, then index). A member
   that heard from a leader within the election timeout ignores vote requests
   altogether (CheckQuorum's "leader lease").
3. A candidate with votes from a majority becomes leader, appends an empty
   entry of its term and sends heartbeats every tick; a follower that hears
   one resets its election count.
4. The leader appends each proposal to its log and replicates it; an entry is
   committed once a majority holds it, counted only for entries of the
   leader's own term (earlier ones are committed with them). Every member
   applies committed entries, in order, to its key-value state.
5. With CheckQuorum (etcd always sets it: ``CheckQuorum: true`` in
   etcdserver/raft.go), a leader that has not heard from a majority within an
   election timeout steps down.
6. A linearizable read (ReadIndex) asks the leader for its commit index, which
   the leader answers once a majority has acknowledged a heartbeat sent after
   the request, then waits until that index is applied locally.

Simplified: no snapshots, membership changes or flow control (the leader
sends every entry its follower lacks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER = "follower", "pre-candidate", "candidate", "leader"
HEARTBEAT_TICKS = 1  # etcd passes HeartbeatTick: 1 (etcdserver/raft.go): one heartbeat per tick


@dataclass(frozen=True, slots=True)
class Entry:
    """One log entry: the term it was proposed in and what to apply (None: a new leader's empty entry)."""

    term: int
    data: tuple[int, str, str] | None = None  # (request id, key, value)


@dataclass(frozen=True, slots=True)
class Message:
    """A Raft message between members (``raftpb.Message``, with the fields this model uses)."""

    # app, heartbeat, vote, prevote and their *_resp; prop (a write) and read_index (a read) and read_index_resp
    type: str
    src: str
    dst: str
    term: int  # 0 for proposals and read requests forwarded to the leader: they carry no term in etcd
    index: int = 0
    log_term: int = 0
    entries: tuple[Entry, ...] = ()
    commit: int = 0
    reject: bool = False
    hint: int = 0  # on a rejected append: the follower's last index
    context: int = 0  # a read request's id


@dataclass(slots=True)
class Progress:
    """What the leader knows of one follower's log."""

    match: int = 0  # highest index known to be replicated there
    next: int = 1  # next index to send
    recent_active: bool = False  # heard from it since the last quorum check


class SafetyViolation(AssertionError):
    """The model broke a Raft guarantee: a bug in this code, never the learner's doing."""


@dataclass
class MemberHooks:
    """How a member talks to the world around it (the cluster wires these)."""

    send: Callable[[Message], None]
    became_leader: Callable[[RaftMember], None]
    applied: Callable[[RaftMember, int, Entry], None]
    read_ready: Callable[[RaftMember, int, int], None]  # (member, read id, read index)
    log: Callable[[RaftMember, str], None] = field(default=lambda member, text: None)


class RaftMember:
    """One member's Raft state: what etcd persists in its WAL and backend, and what it keeps in memory."""

    def __init__(self, name: str, peers: list[str], election_ticks: int, pre_vote: bool, rng: Random,
                 hooks: MemberHooks, check_quorum: bool = True) -> None:
        self.name = name
        self.peers = [peer for peer in peers if peer != name]
        self.quorum = (len(self.peers) + 1) // 2 + 1
        self.election_ticks = election_ticks
        self.pre_vote = pre_vote
        self.check_quorum = check_quorum
        self._rng = rng
        self._hooks = hooks
        # Persisted (etcd's WAL HardState + entries, and its backend's applied state).
        # A new member starts as etcd's raft.StartNode boots it: at term 1, with one committed
        # ConfChange entry per member (so a new cluster's first leader is elected for term 2).
        self.term = 1
        self.vote: str | None = None
        self.log: list[Entry] = [Entry(0)] + [Entry(1) for _ in range(len(self.peers) + 1)]  # [0]: a placeholder
        self.commit = self.applied = self.last_index
        self.kv: dict[str, str] = {}
        self.restart()

    # -- lifecycle --

    def restart(self) -> None:
        """Start (again) as a follower of the persisted term, forgetting everything volatile."""
        self.state = FOLLOWER
        self._reset(self.term)

    def _reset(self, term: int) -> None:
        if term != self.term:
            self.term, self.vote = term, None
        self.lead: str | None = None
        self.election_elapsed = 0
        self.heartbeat_elapsed = 0
        # raft.go resetRandomizedElectionTimeout: electionTimeout + rand.Intn(electionTimeout)
        self.randomized_timeout = self.election_ticks + self._rng.randrange(self.election_ticks)
        self.votes: dict[str, bool] = {}
        self.progress = {peer: Progress(next=self.last_index + 1) for peer in self.peers}
        self.pending_reads: dict[int, tuple[int, str, set[str]]] = {}  # read id -> (index, requester, acks)

    @property
    def last_index(self) -> int:
        return len(self.log) - 1

    def _become_follower(self, term: int, lead: str | None) -> None:
        self._reset(term)
        self.state, self.lead = FOLLOWER, lead
        self._hooks.log(self, f"became follower at term {self.term}")

    def _become_pre_candidate(self) -> None:
        # becomePreCandidate changes neither the term nor the vote, nor resets the timers.
        self.state, self.lead, self.votes = PRE_CANDIDATE, None, {}
        self._hooks.log(self, f"became pre-candidate at term {self.term}")

    def _become_candidate(self) -> None:
        self._reset(self.term + 1)
        self.state, self.vote = CANDIDATE, self.name
        self._hooks.log(self, f"became candidate at term {self.term}")

    def _become_leader(self) -> None:
        self._reset(self.term)
        self.state, self.lead = LEADER, self.name
        self.log.append(Entry(self.term))  # commits the earlier terms' entries once a majority has it
        self._hooks.log(self, f"became leader at term {self.term}")
        self._hooks.became_leader(self)
        self._maybe_commit()  # a one-member cluster commits alone
        self._bcast_append()

    # -- time --

    def tick(self) -> None:
        """One heartbeat interval passed (raft.go tickElection / tickHeartbeat)."""
        if self.state != LEADER:
            self.election_elapsed += 1
            if self.election_elapsed >= self.randomized_timeout:
                self.election_elapsed = 0
                self.campaign()
            return
        self.heartbeat_elapsed += 1
        self.election_elapsed += 1
        if self.election_elapsed >= self.election_ticks:
            self.election_elapsed = 0
            if self.check_quorum:
                self._check_quorum()
                if self.state != LEADER:
                    return
        if self.heartbeat_elapsed >= HEARTBEAT_TICKS:
            self.heartbeat_elapsed = 0
            self._bcast_heartbeat()

    def _check_quorum(self) -> None:
        active = 1 + sum(progress.recent_active for progress in self.progress.values())
        for progress in self.progress.values():
            progress.recent_active = False
        if active < self.quorum:
            self._hooks.log(self, "stepped down to follower since quorum is not active")
            self._become_follower(self.term, None)

    # -- elections --

    def campaign(self) -> None:
        """Start an election (etcd's MsgHup), with a pre-vote round first if ``pre_vote``."""
        if self.state != LEADER:
            self._campaign("prevote" if self.pre_vote else "vote")

    def _campaign(self, kind: str) -> None:
        if kind == "prevote":
            self._become_pre_candidate()
            term = self.term + 1  # the term it would stand in
        else:
            self._become_candidate()
            term = self.term
        if self._poll(self.name, True) >= self.quorum:
            self._won(kind)
            return
        last = self.last_index
        for peer in self.peers:
            self._send(kind, peer, term, index=last, log_term=self.log[last].term)

    def _poll(self, voter: str, granted: bool) -> int:
        self.votes.setdefault(voter, granted)
        return sum(self.votes.values())

    def _won(self, kind: str) -> None:
        if kind == "prevote":
            self._campaign("vote")
        else:
            self._become_leader()

    def _up_to_date(self, index: int, term: int) -> bool:
        last = self.last_index
        return term > self.log[last].term or (term == self.log[last].term and index >= last)

    # -- messages --

    def _send(self, kind: str, dst: str, term: int | None = None, **fields: object) -> None:
        self._hooks.send(Message(kind, self.name, dst, self.term if term is None else term, **fields))

    def step(self, m: Message) -> None:
        """Handle one message, as raft.go Step does: terms first, then votes, then by state."""
        if m.term > self.term:
            if m.type in ("vote", "prevote"):
                in_lease = self.check_quorum and self.lead is not None and self.election_elapsed < self.election_ticks
                if in_lease:
                    return  # a leader was heard from recently: ignore the disruptive candidate
            if m.type == "prevote" or (m.type == "prevote_resp" and not m.reject):
                pass  # a pre-vote raises no one's term
            elif m.type in ("app", "heartbeat"):
                self._become_follower(m.term, m.src)
            else:
                self._become_follower(m.term, None)
        elif 0 < m.term < self.term:
            if (self.check_quorum or self.pre_vote) and m.type in ("app", "heartbeat"):
                self._send("app_resp", m.src)  # tells a stale leader of the newer term
            elif m.type == "prevote":
                self._send("prevote_resp", m.src, reject=True)
            return
        if m.type in ("vote", "prevote"):
            self._handle_vote(m)
        elif self.state == LEADER:
            self._step_leader(m)
        elif self.state == FOLLOWER:
            self._step_follower(m)
        else:
            self._step_candidate(m)

    def _handle_vote(self, m: Message) -> None:
        can_vote = (self.vote == m.src or (self.vote is None and self.lead is None)
                    or (m.type == "prevote" and m.term > self.term))
        if can_vote and self._up_to_date(m.index, m.log_term):
            self._send(m.type + "_resp", m.src, m.term)
            if m.type == "vote":
                self.election_elapsed, self.vote = 0, m.src
        else:
            self._send(m.type + "_resp", m.src, reject=True)

    def _step_follower(self, m: Message) -> None:
        if m.type in ("prop", "read_index"):
            if self.lead is not None:  # no leader: etcd drops it, and the client times out
                self._hooks.send(Message(m.type, m.src, self.lead, 0, entries=m.entries, context=m.context))
        elif m.type in ("app", "heartbeat"):
            self.election_elapsed, self.lead = 0, m.src
            if m.type == "app":
                self._handle_append(m)
            else:
                self._commit_to(min(m.commit, self.last_index))
                self._send("heartbeat_resp", m.src, context=m.context)
        elif m.type == "read_index_resp":
            self._hooks.read_ready(self, m.context, m.index)

    def _step_candidate(self, m: Message) -> None:
        mine = "prevote_resp" if self.state == PRE_CANDIDATE else "vote_resp"
        if m.type in ("app", "heartbeat"):
            self._become_follower(m.term, m.src)
            self._step_follower(m)
        elif m.type == mine:
            granted = self._poll(m.src, not m.reject)
            if granted >= self.quorum:
                self._won(m.type[:-5])
            elif len(self.votes) - granted >= self.quorum:
                self._become_follower(self.term, None)

    def _step_leader(self, m: Message) -> None:
        if m.type == "prop":
            self.log.extend(Entry(self.term, entry.data) for entry in m.entries)
            self._maybe_commit()
            self._bcast_append()
        elif m.type == "read_index":
            self._read_index(m.src, m.context)
        elif m.type in ("app_resp", "heartbeat_resp") and m.src in self.progress:
            progress = self.progress[m.src]
            progress.recent_active = True
            if m.type == "heartbeat_resp":
                self._ack_reads(m.src, m.context)
                if progress.match < self.last_index:
                    self._send_append(m.src)
            elif m.reject:
                if m.index == progress.next - 1 and m.index > progress.match:  # not a stale rejection
                    progress.next = max(1, min(m.index, m.hint + 1))
                    self._send_append(m.src)
            elif m.index > progress.match:
                progress.match, progress.next = m.index, max(progress.next, m.index + 1)
                if self._maybe_commit():
                    self._bcast_append()
                elif progress.match < self.last_index:
                    self._send_append(m.src)

    # -- replication --

    def propose(self, entry: Entry) -> None:
        """A client's write arriving at this member (etcd's MsgProp)."""
        self.step(Message("prop", self.name, self.name, 0, entries=(entry,)))

    def _send_append(self, peer: str) -> None:
        progress = self.progress[peer]
        prev = progress.next - 1
        self._send("app", peer, index=prev, log_term=self.log[prev].term,
                   entries=tuple(self.log[progress.next:]), commit=self.commit)

    def _bcast_append(self) -> None:
        for peer in self.peers:
            self._send_append(peer)

    def _bcast_heartbeat(self, context: int = 0) -> None:
        for peer in self.peers:
            # raft.go sendHeartbeat: never tell a follower to commit past what it holds
            self._send("heartbeat", peer, commit=min(self.progress[peer].match, self.commit), context=context)

    def _handle_append(self, m: Message) -> None:
        if m.index < self.commit:
            self._send("app_resp", m.src, index=self.commit)
            return
        if m.index > self.last_index or self.log[m.index].term != m.log_term:
            self._send("app_resp", m.src, index=m.index, reject=True, hint=self.last_index)
            return
        for index, entry in enumerate(m.entries, start=m.index + 1):
            if index <= self.last_index and self.log[index].term != entry.term:
                if index <= self.commit:
                    raise SafetyViolation(f"{self.name} would overwrite committed entry {index}")
                del self.log[index:]
            if index > self.last_index:
                self.log.append(entry)
        last_new = m.index + len(m.entries)
        self._commit_to(min(m.commit, last_new))
        self._send("app_resp", m.src, index=last_new)

    def _maybe_commit(self) -> bool:
        matches = sorted([p.match for p in self.progress.values()] + [self.last_index], reverse=True)
        index = matches[self.quorum - 1]
        if index > self.commit and self.log[index].term == self.term:  # only the current term's, by counting
            self._commit_to(index)
            return True
        return False

    def _commit_to(self, index: int) -> None:
        if index <= self.commit:
            return
        self.commit = index
        while self.applied < self.commit:
            self.applied += 1
            entry = self.log[self.applied]
            if entry.data is not None:
                self.kv[entry.data[1]] = entry.data[2]
            self._hooks.applied(self, self.applied, entry)

    # -- linearizable reads --

    def read_index(self, read_id: int) -> None:
        """A client's linearizable read arriving at this member (etcd's MsgReadIndex)."""
        self.step(Message("read_index", self.name, self.name, 0, context=read_id))

    def _read_index(self, requester: str, read_id: int) -> None:
        if self.log[self.commit].term != self.term:
            return  # etcd 3.4 drops it until the leader has committed an entry of its term
        self.pending_reads[read_id] = (self.commit, requester, {self.name})
        if self.quorum == 1:
            self._ack_reads(self.name, read_id)
        else:
            self._bcast_heartbeat(read_id)

    def _ack_reads(self, voter: str, read_id: int) -> None:
        pending = self.pending_reads.get(read_id)
        if pending is None:
            return
        index, requester, acks = pending
        acks.add(voter)
        if len(acks) >= self.quorum:
            del self.pending_reads[read_id]
            if requester == self.name:
                self._hooks.read_ready(self, read_id, index)
            else:
                self._send("read_index_resp", requester, index=index, context=read_id)

    def __repr__(self) -> str:
        return f"<RaftMember {self.name} {self.state} term={self.term} commit={self.commit}>"
