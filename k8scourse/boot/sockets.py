"""Who listens where: the machines' TCP sockets, so that an URL in a file reaches what it names.

A daemon binds ``address:port`` on its machine: its own address, 127.0.0.1 (only
that machine's processes reach it) or 0.0.0.0 (every address of the machine). A
client on machine M dialing ``host:port`` reaches the daemon that M (for 127.0.0.1
and localhost) or the machine owning ``host`` has bound there; anything else is
Go's ``dial tcp host:port: connect: connection refused``. Binding an address the
machine does not have is the kernel's ``bind: cannot assign requested address``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost")


class Sockets:
    """Every listening socket of the cluster's machines: (machine, address, port) -> the server."""

    def __init__(self, addresses: dict[str, str]) -> None:
        self.addresses = addresses  # machine name -> its address
        self._owner = {address: name for name, address in addresses.items()}
        self._listening: dict[tuple[str, str, int], Any] = {}

    def bind_error(self, machine: str, address: str, port: int) -> str | None:
        """Why ``machine`` cannot listen on ``address:port``, in the kernel's words, or None."""
        if address not in ("0.0.0.0", "127.0.0.1", self.addresses[machine]):
            return f"listen tcp {address}:{port}: bind: cannot assign requested address"
        for host in (address, "0.0.0.0") if address != "0.0.0.0" else ("0.0.0.0", "127.0.0.1", self.addresses[machine]):
            if (machine, host, port) in self._listening:
                return f"listen tcp {address}:{port}: bind: address already in use"
        return None

    def listen(self, machine: str, address: str, port: int, server: Any) -> None:
        self._listening[(machine, address, port)] = server

    def close(self, server: Any) -> None:
        for key in [k for k, v in self._listening.items() if v is server]:
            del self._listening[key]

    def servers(self) -> list[Any]:
        """Everyone listening, once each."""
        return list(dict.fromkeys(self._listening.values()))

    def dial(self, machine: str, host: str, port: int) -> Any | None:
        """The server ``machine`` reaches at ``host:port``, or None (connection refused)."""
        target = machine if host in LOOPBACK else self._owner.get(host)
        if target is None:
            return None
        for address in ((host if host not in LOOPBACK else "127.0.0.1"), "0.0.0.0"):
            server = self._listening.get((target, address, port))
            if server is not None:
                return server
        return None

    def dial_url(self, machine: str, url: str) -> Any | None:
        parts = urlsplit(url)
        default = 443 if parts.scheme == "https" else 80
        try:
            port = parts.port or default
        except ValueError:
            return None
        return self.dial(machine, parts.hostname or "", port)


def refused(url: str) -> str:
    """Go's net error for a connection nobody accepts."""
    parts = urlsplit(url)
    host = parts.netloc or url
    if ":" not in host:
        host += ":443" if parts.scheme == "https" else ":80"
    return f"dial tcp {host}: connect: connection refused"
