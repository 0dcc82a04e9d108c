"""One machine of a booted cluster: its address, its files, its journal and its units."""

from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from k8scourse.config.envfile import EnvFile, EnvFileError
from k8scourse.config.etcd import EtcdConfig
from k8scourse.config.spec import ETCD_CONF

from .journal import Journal
from .units import Unit

UNIT_DIRS = ("/etc/systemd/system", "/usr/lib/systemd/system")  # an /etc unit overrides the package's


class BootError(ValueError):
    """A tree that cannot be booted: the message names the machine, the file and the key."""


@dataclass
class Machine:
    """A machine: ``files`` are its own, ``units`` its systemd services, ``journal`` what they logged."""

    name: str
    address: str
    files: dict[str, str]
    journal: Journal
    units: dict[str, Unit] = field(default_factory=dict)

    def unit_file(self, daemon: str) -> tuple[str, str] | None:
        """(path, text) of ``daemon``'s unit file, or None if the machine has none."""
        for folder in UNIT_DIRS:
            path = f"{folder}/{daemon}.service"
            if path in self.files:
                return path, self.files[path]
        return None


def shell_words(command_line: str) -> list[str]:
    """The words the shell makes of a command line; unbalanced quotes are bash's error."""
    try:
        return shlex.split(command_line)
    except ValueError:
        raise BootError(f"bash: unexpected EOF while looking for matching quote in {command_line!r}") from None


def machine_address(name: str, files: dict[str, str]) -> str:
    """The machine's address: its name if that is an IP, else what its files say it is (etcd's advertised
    peer URL, the kubelet's --hostname-override, the apiserver's bind address), as ClusterSpec reads it."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    candidates = []
    if ETCD_CONF in files:
        try:
            urls = EtcdConfig.parse(files[ETCD_CONF]).urls("ETCD_INITIAL_ADVERTISE_PEER_URLS")
            candidates += [urlsplit(url).hostname for url in urls]
        except ValueError:
            pass
    for path, flag in (("/etc/kubernetes/kubelet", "--hostname-override="),
                       ("/etc/kubernetes/apiserver", "--bind-address="),
                       ("/etc/kubernetes/apiserver", "--insecure-bind-address=")):
        try:
            values = EnvFile.parse(files.get(path, "")).values()
        except EnvFileError:
            continue
        candidates += [word[len(flag):] for value in values.values() for word in value.split()
                       if word.startswith(flag)]
    for candidate in candidates:
        if candidate in ("127.0.0.1", "0.0.0.0"):
            continue  # every machine has those: they do not say which one this is
        try:
            return str(ipaddress.ip_address(candidate or ""))
        except ValueError:
            continue
    raise BootError(f"{name}: cannot tell this machine's address from its files (no etcd.conf, kubelet "
                    "--hostname-override or apiserver bind address): name its folder by its address, or pass "
                    "addresses={machine: address}")
