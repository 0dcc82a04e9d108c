"""A machine's journal: what each unit's processes and systemd itself logged, on the virtual clock.

``journalctl -u kubelet`` prints one line per entry::

    Jan 01 00:00:05 node1 kubelet[2345]: E0101 00:00:05.100000    2345 kubelet_node_status.go:95] ...

(``short`` output: time, hostname, identifier[pid], message). Virtual second 0 is
``k8scourse.timefmt.EPOCH``, the same date the API objects' timestamps use.
The formats of the daemons' own lines are here too: klog (Kubernetes, flanneld)
and capnslog (etcd 3.4's default logger).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from k8scourse.timefmt import EPOCH


def moment(seconds: float):
    return EPOCH + timedelta(microseconds=round(seconds * 1e6))


def klog(level: str, seconds: float, pid: int, source: str, message: str) -> str:
    """klog's header ``Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`` (k8s.io/klog/v2 klog.go formatHeader)."""
    return f"{level}{moment(seconds):%m%d %H:%M:%S.%f} {pid:>7} {source}] {message}"


def capnslog(level: str, seconds: float, package: str, message: str) -> str:
    """etcd 3.4's default log line: ``2025-01-01 00:00:00.100000 I | etcdmain: ...`` (coreos/pkg capnslog)."""
    return f"{moment(seconds):%Y-%m-%d %H:%M:%S.%f} {level} | {package}: {message}"


@dataclass(frozen=True)
class Entry:
    time: float
    unit: str  # the unit it belongs to ("kubelet"), as journalctl -u selects it
    identifier: str  # SYSLOG_IDENTIFIER: the process name, or "systemd"
    pid: int
    message: str


class Journal:
    """One machine's journal; components append, ``text()`` prints it as journalctl does."""

    def __init__(self, hostname: str) -> None:
        self.hostname = hostname
        self.entries: list[Entry] = []

    def add(self, time: float, unit: str, identifier: str, pid: int, message: str) -> None:
        for line in message.splitlines() or [""]:
            self.entries.append(Entry(time, unit, identifier, pid, line))

    def messages(self, unit: str) -> list[str]:
        """The unit's messages, oldest first, without the journal's prefix."""
        return [entry.message for entry in self.entries if entry.unit == unit]

    def text(self, unit: str | None = None) -> str:
        """``journalctl [-u UNIT]``: the header, then one line per entry (``-- No entries --`` if none)."""
        entries = sorted((e for e in self.entries if unit is None or e.unit == unit), key=lambda e: e.time)
        if not entries:
            return "-- No entries --"
        first, last = moment(self.entries[0].time), moment(max(e.time for e in self.entries))
        lines = [f"-- Logs begin at {first:%a %Y-%m-%d %H:%M:%S} UTC, end at {last:%a %Y-%m-%d %H:%M:%S} UTC. --"]
        lines += [f"{moment(e.time):%b %d %H:%M:%S} {self.hostname} {e.identifier}[{e.pid}]: {e.message}"
                  for e in entries]
        return "\n".join(lines)
