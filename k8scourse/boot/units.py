"""systemd's side of a daemon: a unit's state, its restarts, and what systemd says about it.

A unit is read from its file under /usr/lib/systemd/system (the tree's). ``start``
loads its EnvironmentFiles (a missing one without ``-`` fails the start), runs the
daemon, and then follows the process:

* ``Type=simple`` units are ``active`` as soon as the process runs; ``Type=notify``
  ones (etcd, kube-apiserver, flanneld) stay ``activating`` until the daemon says
  it is ready, and fail after ``TimeoutStartSec`` (90 s) if it never does;
* a process that exits with an error is ``failed``; with ``Restart=on-failure``
  systemd starts it again after ``RestartSec`` (100 ms), but a unit started more
  than ``StartLimitBurst`` (5) times within ``StartLimitInterval`` (10 s) stays
  failed: "start request repeated too quickly".

The messages are systemd 219's, CentOS 7's (src/core/unit.c, service.c, job.c).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .journal import Journal, moment

if TYPE_CHECKING:
    from k8scourse.clock import Timer, VirtualClock

DEFAULT_TIMEOUT_START = 90.0  # system.conf DefaultTimeoutStartSec=90s
DEFAULT_RESTART_SEC = 0.1  # systemd.service(5): RestartSec defaults to 100ms
START_LIMIT_BURST, START_LIMIT_INTERVAL = 5, 10.0  # system.conf DefaultStartLimitBurst=5, DefaultStartLimitInterval=10s


def unit_settings(text: str) -> dict[str, list[str]]:
    """Every ``Key=value`` of a unit file (continuation lines joined), by key, in order."""
    settings: dict[str, list[str]] = {}
    logical = text.replace("\\\n", " ")
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def process_name(unit: str, exec_start: str) -> str:
    """The journal's identifier for the unit's process: the binary ExecStart runs (after the wrappers
    that exec it: ``bash -c``, ``flanneld-start``)."""
    words = exec_start.split()
    binary = words[0].rsplit("/", 1)[-1] if words else unit
    return {"bash": unit, "flanneld-start": "flanneld"}.get(binary, binary)


class Unit:
    """One ``<name>.service`` on one machine; ``run`` starts the daemon and returns its pid.

    The daemon reports back with ``ready()`` (a notify unit's READY=1) and ``exited(status)``.
    """

    def __init__(self, name: str, path: str, text: str, journal: Journal, clock: VirtualClock,
                 run: Callable[[Unit], None], next_pid: Callable[[], int]) -> None:
        self.name, self.path, self.journal, self.clock = name, path, journal, clock
        self.load(text)
        self._run, self._next_pid = run, next_pid
        self.state = "inactive"  # active | activating | failed | inactive, as systemctl is-active prints
        self.result = ""  # why it failed: exit-code, timeout, resources, start-limit
        self.detail = ""  # what the model knows beyond systemd's words (the missing file)
        self.source: tuple[str, str] | None = None  # (file, key) the failure comes from, when known
        self.pid = 0
        self.since = 0.0
        self._starts: list[float] = []
        self._timer: Timer | None = None
        self.on_stop: Callable[[], None] | None = None  # what the daemon does when its process is killed
        self.enabled = False  # systemctl enable: started at boot (the model never reboots a machine)

    def load(self, text: str) -> None:
        """Read the unit file (at boot, and at ``systemctl daemon-reload``): a running unit keeps this text."""
        self.text = text
        self.settings = unit_settings(text)
        self.description = (self.settings.get("Description") or [self.name])[-1]
        self.type = (self.settings.get("Type") or ["simple"])[-1]
        self.restart = (self.settings.get("Restart") or ["no"])[-1]
        self.process = process_name(self.name, (self.settings.get("ExecStart") or [""])[-1])

    @property
    def service(self) -> str:
        return f"{self.name}.service"

    def systemd_log(self, message: str) -> None:
        """A line systemd (pid 1) writes about the unit."""
        self.journal.add(self.clock.now, self.name, "systemd", 1, message)

    def log(self, message: str) -> None:
        """A line the daemon's process writes (its stderr goes to the journal)."""
        self.journal.add(self.clock.now, self.name, self.process, self.pid, message)

    def _set(self, state: str) -> None:
        self.state, self.since = state, self.clock.now

    def start(self) -> None:
        """``systemctl start``: nothing if it is already running or starting."""
        if self.state in ("active", "activating"):
            return
        self._cancel()
        self._starts = [t for t in self._starts if t > self.clock.now - START_LIMIT_INTERVAL] + [self.clock.now]
        if len(self._starts) > START_LIMIT_BURST:
            self.systemd_log(f"start request repeated too quickly for {self.service}")
            self.systemd_log(f"Failed to start {self.description}.")
            self._failed("start-limit")
            return
        self.pid = self._next_pid()
        if self.type != "notify":  # the start job is done at fork: systemd 219 logs "Started" before "Starting"
            self._set("active")
            self.systemd_log(f"Started {self.description}.")
            self.systemd_log(f"Starting {self.description}...")
        else:
            self._set("activating")
            self.systemd_log(f"Starting {self.description}...")
            self._timer = self.clock.schedule(DEFAULT_TIMEOUT_START, self._timed_out)
        self._run(self)

    def ready(self) -> None:
        """The daemon is up (sd_notify READY=1 for a notify unit)."""
        if self.state == "activating":
            self._cancel()
            self._set("active")
            self.systemd_log(f"Started {self.description}.")

    def exited(self, status: int = 1) -> None:
        """The process ended; status 0 is a clean exit, anything else a failure."""
        if self.state not in ("active", "activating"):
            return
        self._cancel()
        if status == 0:
            self._set("inactive")
            return
        self.systemd_log(f"{self.service}: main process exited, code=exited, status={status}/FAILURE")
        if self.state == "activating":
            self.systemd_log(f"Failed to start {self.description}.")
        self._failed("exit-code")

    def blame(self, path: str, key: str, detail: str) -> None:
        """Note the file and the key behind a failure or a misbehaviour (the daemon runs but cannot do its
        job), for whoever diagnoses the unit (``cluster.doctor``); ``clear_blame`` once it works."""
        self.source, self.detail = (path, key), detail

    def clear_blame(self) -> None:
        self.source, self.detail = None, ""

    def cannot_run(self, missing: str, detail: str) -> None:
        """systemd could not run ExecStart (the EnvironmentFile ``missing`` is not there): Result=resources.
        systemd 219 does not say which file; the unit keeps it (key "": the whole file) for diagnosis."""
        self.blame(missing, "", detail)
        self.systemd_log("Failed to load environment files: No such file or directory")
        self.systemd_log(f"{self.service} failed to run 'start' task: No such file or directory")
        self.systemd_log(f"Failed to start {self.description}.")
        self._failed("resources")

    def _timed_out(self) -> None:
        self.systemd_log(f"{self.service} start operation timed out. Terminating.")
        self.systemd_log(f"Failed to start {self.description}.")
        self._on_stop()
        self._failed("timeout")

    def _failed(self, result: str) -> None:
        self._set("failed")
        self.result = result
        self.systemd_log(f"Unit {self.service} entered failed state.")
        self.systemd_log(f"{self.service} failed.")
        if self.restart in ("on-failure", "always") and result != "start-limit":
            self._timer = self.clock.schedule(DEFAULT_RESTART_SEC, self._restart)

    def _restart(self) -> None:
        self._timer = None
        self.systemd_log(f"{self.service} holdoff time over, scheduling restart.")
        self.start()

    def stop(self) -> None:
        """``systemctl stop``."""
        self._cancel()
        if self.state in ("active", "activating"):
            self.systemd_log(f"Stopping {self.description}...")
            self._on_stop()
            self.systemd_log(f"Stopped {self.description}.")
        self._set("inactive")

    def _on_stop(self) -> None:
        if self.on_stop is not None:
            self.on_stop()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def status(self) -> str:
        """``systemctl status``'s first lines."""
        sub = {"active": "running", "activating": "start", "failed": "failed", "inactive": "dead"}[self.state]
        # systemctl.c print_status_info: the sub-state only where it differs from the active state
        state = self.state if sub == self.state else f"{self.state} ({sub})"
        result = f" (Result: {self.result})" if self.state == "failed" else ""
        lines = [f"● {self.service} - {self.description}",
                 f"   Loaded: loaded ({self.path}; "
                 f"{'enabled' if self.enabled else 'disabled'}; vendor preset: disabled)",
                 f"   Active: {state}{result} since {_since(self.since)}; "
                 f"{_ago(self.clock.now - self.since)} ago"]
        if self.state in ("active", "activating"):
            lines.append(f" Main PID: {self.pid} ({self.process})")
        return "\n".join(lines)


def _since(seconds: float) -> str:
    return f"{moment(seconds):%a %Y-%m-%d %H:%M:%S} UTC"


def _ago(seconds: float) -> str:
    """systemd's format_timespan, to the second: ``1min 39s``, ``2h 5min``."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] * bool(hours) + [f"{minutes}min"] * bool(minutes) + [f"{secs}s"] * (bool(secs) and not hours)
    return " ".join(parts) or "0s"
