"""A stand-in for ``k8scourse.config.etcd`` until the ``config`` branch lands (then deleted).

Only what the Raft model needs: ``EtcdConfig.parse`` and two of etcd 3.4's
start-up checks, worded as etcd prints them.
"""

from __future__ import annotations

import shlex


class EtcdConfig(dict):
    """etcd.conf as environment variables: ``ETCD_NAME=...`` lines, values unquoted."""

    @classmethod
    def parse(cls, text: str) -> EtcdConfig:
        config = cls()
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                config[key.strip()] = " ".join(shlex.split(value)) if value.strip() else ""
        return config


def etcd_startup_errors(config: EtcdConfig) -> list[str]:
    """etcd 3.4's own refusals (etcdmain, embed/config.go Validate, etcdserver/config.go)."""
    errors = []
    tick = int(config.get("ETCD_HEARTBEAT_INTERVAL", "100"))
    election = int(config.get("ETCD_ELECTION_TIMEOUT", "1000"))
    if 5 * tick > election:
        errors.append(f"--election-timeout[{election}ms] should be at least as 5 times as "
                      f"--heartbeat-interval[{tick}ms]")
    name = config.get("ETCD_NAME", "default")
    names = [member.partition("=")[0] for member in config.get("ETCD_INITIAL_CLUSTER", "").split(",")]
    if name not in names:
        errors.append(f'couldn\'t find local name "{name}" in the initial cluster configuration')
    return errors
