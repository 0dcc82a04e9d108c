"""A Raft playground: crash, restart and cut off etcd members, write keys, watch the elections.

``RaftPlaygroundModel`` does what the buttons say on a ``RaftCluster`` and
answers each action with a line of transcript (a write reads as ``etcdctl``
would print it, ``OK`` or ``Error: context deadline exceeded``).
``raft_playground`` wires buttons to it and redraws the members graph and
the timeline of leaders (``k8scourse/viz/raft.py``) after each click. Time
moves only when a write waits for its answer or a "run" button is pressed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from k8scourse.etcd.raft import EtcdTimeoutError

if TYPE_CHECKING:
    from k8scourse.etcd.raft import RaftCluster


@dataclass(frozen=True)
class MemberRow:
    """One member as the playground's table shows it."""

    name: str
    state: str  # leader, follower, candidate, pre-candidate, or down
    term: int
    last_index: int
    commit: int


class RaftPlaygroundModel:
    """The playground's actions on ``cluster``; each returns the transcript lines it adds."""

    def __init__(self, cluster: RaftCluster) -> None:
        self.cluster = cluster
        self.transcript: list[str] = []

    def _say(self, *lines: str) -> str:
        text = "\n".join(lines)
        self.transcript.append(f"[t={self.cluster.now:7.2f}s] {text}")
        return text

    def rows(self) -> list[MemberRow]:
        """Every member's state, term, last log index and commit index."""
        return [MemberRow(name, m.state if name in self.cluster.alive else "down", m.term, m.last_index, m.commit)
                for name, m in self.cluster.members.items()]

    def summary(self) -> str:
        leader = self.cluster.leader()
        return f"t = {self.cluster.now:.2f} s · leader: {leader or 'none'} · term {self.cluster.term}"

    def run(self, seconds: float) -> str:
        self.cluster.run(seconds)
        return self._say(f"ran {seconds:g} s: {self.summary()}")

    def crash(self, name: str) -> str:
        self.cluster.crash(name)
        return self._say(f"{name} crashed")

    def restart(self, name: str) -> str:
        self.cluster.restart(name)
        return self._say(f"{name} restarted as a follower of term {self.cluster.members[name].term} (from its WAL)")

    def isolate(self, name: str) -> str:
        """Cut ``name`` off from every other member."""
        self.cluster.partition([name])
        return self._say(f"{name} cut off from the other members")

    def partition(self, *groups: list[str]) -> str:
        """Split the network into ``groups``; members not named form one more group."""
        self.cluster.partition(*groups)
        named = {name for group in groups for name in group}
        sides = [sorted(group) for group in groups] + [[n for n in self.cluster.members if n not in named]]
        return self._say("network split: " + " | ".join(", ".join(side) for side in sides if side))

    def heal(self) -> str:
        self.cluster.heal()
        return self._say("network healed: every member hears every other")

    def write(self, key: str, value: str) -> str:
        """``etcdctl put key value``: OK once committed, etcdctl's error if no quorum answers in time."""
        command = f"$ etcdctl put {key} {value}"
        try:
            self.cluster.put(key, value)
        except EtcdTimeoutError as err:
            return self._say(command, f"Error: {err}")
        except ValueError as err:
            return self._say(command, f"Error: {err}")
        return self._say(command, "OK")

    def read(self, key: str) -> str:
        """``etcdctl get key``: the key and its value (nothing if absent), or etcdctl's error."""
        command = f"$ etcdctl get {key}"
        try:
            value = self.cluster.get(key)
        except (EtcdTimeoutError, ValueError) as err:
            return self._say(command, f"Error: {err}")
        return self._say(command, *([] if value is None else [key, value]))


def _table(rows: list[MemberRow]) -> str:
    head = "<tr><th>member</th><th>state</th><th>term</th><th>last index</th><th>commit</th></tr>"
    body = "".join(f"<tr><td>{html.escape(r.name)}</td><td>{r.state}</td><td>{r.term}</td>"
                   f"<td>{r.last_index}</td><td>{r.commit}</td></tr>" for r in rows)
    return f"<table>{head}{body}</table>"


def raft_playground(cluster: RaftCluster) -> Any:
    """An ipywidgets playground on ``cluster``: pick a member, crash, restart or cut it off; split
    the network in two; heal it; run the clock; write and read keys. Shows the members graph, a table and the leaders' timeline."""
    import ipywidgets as w

    from k8scourse.viz.canvas import png_bytes
    from k8scourse.viz.raft import draw_raft, draw_raft_timeline

    from .saved import SavedPicture

    model = RaftPlaygroundModel(cluster)
    member = w.Dropdown(options=list(cluster.members), description="member")
    side = w.SelectMultiple(options=list(cluster.members), description="one side",
                            rows=min(5, len(cluster.members)))
    buttons = {label: w.Button(description=label) for label in ("Crash", "Restart", "Cut off", "Split", "Heal",
                                                                 "Run 0.5 s", "Run 2 s", "Write", "Read")}
    key, value = w.Text(value="greeting", description="key"), w.Text(value="hello", description="value")
    graph, timeline = w.Image(format="png"), w.Image(format="png")
    table, transcript = w.HTML(), w.HTML()

    def show(_: object = None) -> None:
        graph.value = png_bytes(draw_raft(cluster))
        timeline.value = png_bytes(draw_raft_timeline(cluster))
        table.value = _table(model.rows())
        transcript.value = "<pre>" + html.escape("\n".join(model.transcript[-8:])) + "</pre>"

    actions = {
        "Crash": lambda: model.crash(member.value),
        "Restart": lambda: model.restart(member.value),
        "Cut off": lambda: model.isolate(member.value),
        "Split": lambda: model.partition(list(side.value)),
        "Heal": model.heal,
        "Run 0.5 s": lambda: model.run(0.5),
        "Run 2 s": lambda: model.run(2.0),
        "Write": lambda: model.write(key.value, value.value),
        "Read": lambda: model.read(key.value),
    }
    for label, button in buttons.items():
        button.on_click(lambda _, act=actions[label]: (act(), show()))
    show()
    rows = [w.HBox([member, buttons["Crash"], buttons["Restart"], buttons["Cut off"]]),
            w.HBox([side, buttons["Split"], buttons["Heal"]]),
            w.HBox([buttons["Run 0.5 s"], buttons["Run 2 s"]]),
            w.HBox([key, value, buttons["Write"], buttons["Read"]]),
            graph, table, timeline, transcript]
    return SavedPicture(rows, "Raft playground", graph.value)
