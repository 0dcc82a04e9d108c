"""``%kubectl`` and ``%%kubectl`` for notebooks.

    %kubectl get pods -o wide

    %%kubectl apply -f -
    apiVersion: v1
    kind: Pod
    ...

Both run against the *current* cluster's kubectl, which the Cluster facade
registers with :func:`set_current`. The output is printed, as a terminal
would show it; the magics return nothing, so no ``Out[]`` clutters the page.
"""

from __future__ import annotations

from typing import Any

from .cli import Kubectl

NO_CLUSTER = "error: no cluster to talk to yet: start a cluster first; %kubectl uses the latest one started\n"

_current: Kubectl | None = None


def set_current(kubectl: Kubectl | None) -> None:
    """Make ``kubectl`` the one ``%kubectl`` talks to (``None``: no cluster)."""
    global _current
    _current = kubectl


def current() -> Kubectl | None:
    """The kubectl ``%kubectl`` talks to, if a cluster is running."""
    return _current


def kubectl_magic(line: str, cell: str | None = None) -> None:
    """``%kubectl ARGS`` runs one command; in ``%%kubectl ARGS`` the cell body is its stdin."""
    if _current is None:
        print(NO_CLUSTER, end="")
        return
    print(_current.run(line, stdin=cell), end="")


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%kubectl`` / ``%%kubectl`` (called by ``%load_ext k8scourse``)."""
    ipython.register_magic_function(kubectl_magic, magic_kind="line_cell", magic_name="kubectl")
