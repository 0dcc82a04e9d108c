"""Booting a cluster from its files: machines, systemd units, daemons, etcdctl, journals.

One module per thing: ``machine`` (a machine, its files, its address), ``journal``
(journalctl's view and the daemons' log formats), ``units`` (systemd's unit states and
restarts), ``flags`` (a daemon's command line from its unit and EnvironmentFiles,
parsed per version), ``sockets`` (who listens where), ``daemons`` (what each daemon
does with its files), ``etcdctl`` (etcdctl 3.4's v2 and v3 commands) and ``wiring``
(``Boot``: the machines and the cluster behind them; ``from_files``, ``from_spec``).
"""

from .machine import BootError
from .wiring import Boot, NotBootedError, boot_from_files, boot_from_spec

__all__ = ["Boot", "BootError", "NotBootedError", "boot_from_files", "boot_from_spec"]
