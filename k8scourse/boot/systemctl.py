"""``systemctl`` on one machine, as CentOS 7's systemd 219 answers.

``start`` waits for the start job as systemctl does: a ``Type=simple`` service's job is
done once its process has forked (it may die a moment later), a ``Type=notify`` one's
when the daemon reports ready, fails or runs out of ``TimeoutStartSec``; ``--no-block``
does not wait. The notes chain ``systemctl start X&&systemctl enable X``: a failed
start stops the chain, as the shell's ``&&`` does. Exit codes are systemctl's: 1 for a
failed job, 3 from ``is-active``/``status`` for a unit that is not running, 5 for a
unit that does not exist.
"""

from __future__ import annotations


from k8scourse.clock import VirtualClock
from k8scourse.kubectl.cli import KubectlResult

from .machine import BootError, Machine, shell_words
from .units import Unit

COMMANDS = ("start", "stop", "restart", "status", "is-active", "enable", "disable", "daemon-reload")
JOB_POLL = 0.05  # how finely the model's systemctl watches a start job (seconds)
#: systemctl's words for a failed start job, by the unit's Result (systemd 219 src/systemctl/systemctl.c)
JOB_FAILED = {"timeout": "a timeout was exceeded",
              "resources": "of unavailable resources or another system error",
              "exit-code": "the control process exited with error code"}


class SystemctlResult(KubectlResult):
    """What systemctl printed, with its ``exit_code``."""


def systemctl(machine: Machine, command_line: str, clock: VirtualClock, block: bool = True) -> SystemctlResult:
    """Run ``command_line`` (``start etcd``, ``systemctl start kubelet&&systemctl enable kubelet``) on ``machine``."""
    if not isinstance(command_line, str):
        raise TypeError(f"systemctl() takes a command line (a string), got {type(command_line).__name__}")
    printed: list[str] = []
    code = 0
    for part in command_line.split("&&"):
        words = shell_words(part)
        if words and words[0] == "systemctl":
            words.pop(0)
        wait = block and "--no-block" not in words
        words = [word for word in words if not word.startswith("--")]
        if not words:
            raise BootError(f"systemctl: give a command: {', '.join(COMMANDS)}")
        command, names = words[0], [word.removesuffix(".service") for word in words[1:]]
        if command not in COMMANDS:
            return SystemctlResult(f"Unknown operation '{command}'.", 1)
        if command == "daemon-reload":
            for name, unit in machine.units.items():
                found = machine.unit_file(name)
                if found is not None:
                    unit.path = found[0]
                    unit.load(found[1])
            continue
        for name in names:
            unit = machine.units.get(name)
            if unit is None:
                if command == "status":
                    printed.append(f"Unit {name}.service could not be found.")
                elif command in ("enable", "disable"):
                    printed.append("Failed to execute operation: No such file or directory")
                elif command == "is-active":
                    printed.append("unknown")
                else:
                    printed.append(f"Failed to {command} {name}.service: Unit not found.")
                return SystemctlResult("\n".join(printed), 3 if command == "is-active" else
                                       4 if command == "status" else 5)
            if command == "status":
                printed.append(unit.status())
                code = max(code, 0 if unit.state == "active" else 3)
            elif command == "is-active":
                printed.append(unit.state)
                code = max(code, 0 if unit.state == "active" else 3)
            elif command in ("enable", "disable"):
                link = f"/etc/systemd/system/multi-user.target.wants/{name}.service"
                if unit.enabled != (command == "enable"):
                    printed.append(f"Created symlink from {link} to /usr/lib/systemd/system/{name}.service."
                                   if command == "enable" else f"Removed symlink {link}.")
                unit.enabled = command == "enable"
            else:
                found = machine.unit_file(name)
                if found is not None and found[1] != unit.text:  # src/systemctl/systemctl.c warn_unit_file_changed
                    printed.append(f"Warning: {name}.service changed on disk. Run 'systemctl daemon-reload' to "
                                   "reload units.")
                if command in ("stop", "restart"):
                    unit.stop()
                if command == "stop":
                    continue
                unit.start()
                failure = wait_for_job(unit, clock) if wait else None
                if failure:
                    printed.append(failure)
                    return SystemctlResult("\n".join(printed), 1)
    return SystemctlResult("\n".join(printed), code)


def wait_for_job(unit: Unit, clock: VirtualClock) -> str | None:
    """Run the clock while ``unit``'s start job runs; what systemctl prints if it fails, else None."""
    pid = unit.pid
    if unit.type == "notify":  # a simple service's start job is done once its process has forked
        while unit.state == "activating" and unit.pid == pid:
            clock.run(JOB_POLL)
    if unit.pid != pid or (unit.state == "failed" and (unit.type == "notify" or unit.result == "resources")):
        why = JOB_FAILED.get(unit.result, JOB_FAILED["exit-code"])
        return (f'Job for {unit.service} failed because {why}. See "systemctl status {unit.service}" and '
                f'"journalctl -xe" for details.')
    return None
