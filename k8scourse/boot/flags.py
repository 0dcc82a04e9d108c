"""A daemon's command line, as systemd builds it from the unit and its EnvironmentFiles, parsed
as that daemon's version parses it.

``ExecStart=/usr/bin/kubelet $KUBE_LOGTOSTDERR ... $KUBELET_ARGS``: systemd loads
each ``EnvironmentFile=`` in order (a later file wins), then splits every unquoted
``$VAR`` into words; an unset variable gives no word. The daemon then parses the
words with pflag: a flag it does not define stops it.

v1.31's components are cobra commands: a flag cobra refuses is printed as
``Error: unknown flag: --insecure-bind-address`` (component-base/cli/run.go, before
logging is set up) and the process exits 1; the kubelet parses its own flags and
logs ``"command failed" err="failed to parse kubelet flag: unknown flag: --api-servers"``
(cmd/kubelet/app/server.go, component-base/cli/run.go:72). The notes' v1.5 binaries
parsed with pflag's ExitOnError: ``unknown flag: --x`` and exit status 2.

The flag sets are the ones the course's files can use, from each component's
options (cmd/kube-apiserver/app/options/options.go and
staging/src/k8s.io/apiserver/pkg/server/options/*.go, cmd/kubelet/app/options/options.go,
cmd/kube-proxy/app/server.go, cmd/kube-controller-manager/app/options/options.go,
cmd/kube-scheduler/app/options/options.go, component-base/logs/api/v1/options.go for
-v and --vmodule) plus the removed ones the notes use (k8scourse.config.legacy).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from k8scourse.config.envfile import EnvFile, EnvFileError
from k8scourse.config.legacy import LEGACY_FLAGS
from k8scourse.config.spec import version_tuple

from .units import unit_settings

_COMMON = {"v", "vmodule", "help", "version", "log-flush-frequency", "logging-format", "feature-gates",
           "kubeconfig", "master"}
_SERVING = {"bind-address", "secure-port", "cert-dir", "tls-cert-file", "tls-private-key-file", "tls-cipher-suites",
            "tls-min-version", "client-ca-file", "authentication-kubeconfig", "authorization-kubeconfig",
            "requestheader-client-ca-file", "leader-elect", "leader-elect-lease-duration",
            "leader-elect-renew-deadline", "leader-elect-retry-period", "leader-elect-resource-lock",
            "kube-api-qps", "kube-api-burst", "kube-api-content-type", "profiling", "contention-profiling"}

#: v1.31's flags, by daemon (the files' subset; see the module docstring for the sources).
V1_31_FLAGS: dict[str, set[str]] = {
    "kube-apiserver": _COMMON | _SERVING | {
        "advertise-address", "allow-privileged", "anonymous-auth", "api-audiences", "apiserver-count",
        "audit-log-path", "audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize", "audit-policy-file",
        "authorization-mode", "authorization-config", "enable-admission-plugins", "disable-admission-plugins",
        "admission-control-config-file", "enable-aggregator-routing", "enable-bootstrap-token-auth",
        "encryption-provider-config", "endpoint-reconciler-type", "etcd-servers", "etcd-prefix", "etcd-cafile",
        "etcd-certfile", "etcd-keyfile", "etcd-servers-overrides", "storage-backend", "storage-media-type",
        "event-ttl", "kubelet-client-certificate", "kubelet-client-key", "kubelet-certificate-authority",
        "kubelet-preferred-address-types", "kubelet-timeout", "max-requests-inflight",
        "max-mutating-requests-inflight", "proxy-client-cert-file", "proxy-client-key-file",
        "requestheader-allowed-names", "requestheader-extra-headers-prefix", "requestheader-group-headers",
        "requestheader-username-headers", "runtime-config", "service-account-issuer", "service-account-key-file",
        "service-account-signing-key-file", "service-account-lookup", "service-cluster-ip-range",
        "service-node-port-range", "token-auth-file", "external-hostname", "cors-allowed-origins",
        "request-timeout", "min-request-timeout", "watch-cache", "watch-cache-sizes", "default-watch-cache-size"},
    "kube-controller-manager": _COMMON | _SERVING | {
        "allocate-node-cidrs", "cluster-cidr", "cluster-name", "cluster-signing-cert-file",
        "cluster-signing-key-file", "configure-cloud-routes", "controllers", "node-cidr-mask-size",
        "node-monitor-grace-period", "node-monitor-period", "node-startup-grace-period",
        "pod-eviction-timeout", "root-ca-file", "service-account-private-key-file", "service-cluster-ip-range",
        "use-service-account-credentials", "concurrent-deployment-syncs", "concurrent-replicaset-syncs",
        "concurrent-service-syncs", "horizontal-pod-autoscaler-sync-period", "horizontal-pod-autoscaler-tolerance",
        "horizontal-pod-autoscaler-downscale-stabilization", "terminated-pod-gc-threshold", "cloud-provider"},
    "kube-scheduler": _COMMON | _SERVING | {"config", "write-config-to", "pod-max-in-unschedulable-pods-duration"},
    "kubelet": _COMMON | {
        "address", "port", "read-only-port", "config", "config-dir", "bootstrap-kubeconfig", "cert-dir",
        "cgroup-driver", "cgroup-root", "cgroups-per-qos", "client-ca-file", "cloud-provider", "cluster-dns",
        "cluster-domain", "container-runtime-endpoint", "enforce-node-allocatable", "eviction-hard",
        "fail-swap-on", "file-check-frequency", "hairpin-mode", "healthz-bind-address", "healthz-port",
        "hostname-override", "image-gc-high-threshold", "image-gc-low-threshold", "image-service-endpoint",
        "kube-reserved", "system-reserved", "max-pods", "node-ip", "node-labels", "node-status-update-frequency",
        "pod-cidr", "pod-infra-container-image", "pod-manifest-path", "provider-id", "register-node",
        "register-with-taints", "root-dir", "rotate-certificates", "runtime-request-timeout",
        "serialize-image-pulls", "streaming-connection-idle-timeout", "sync-frequency", "tls-cert-file",
        "tls-private-key-file", "authentication-token-webhook", "authorization-mode", "anonymous-auth",
        "resolv-conf", "volume-plugin-dir"},
    "kube-proxy": _COMMON | {
        "bind-address", "cluster-cidr", "config", "hostname-override", "healthz-bind-address",
        "metrics-bind-address", "proxy-mode", "masquerade-all", "iptables-sync-period",
        "iptables-min-sync-period", "iptables-masquerade-bit", "ipvs-scheduler", "nodeport-addresses",
        "conntrack-max-per-core", "oom-score-adj", "write-config-to", "init-only"},
}

#: Flags the notes' era had that v1.31 still has under the same name, but that came later than v1.5
#: (CHANGELOG-1.10: --enable-admission-plugins, the kubelet's --config; CHANGELOG-1.12: --authorization-config...).
INTRODUCED = {("kube-apiserver", "enable-admission-plugins"): "v1.10",
              ("kube-apiserver", "disable-admission-plugins"): "v1.10",
              ("kube-apiserver", "service-account-issuer"): "v1.10",
              ("kube-apiserver", "service-account-signing-key-file"): "v1.12",
              ("kube-apiserver", "authorization-config"): "v1.29",
              ("kubelet", "config"): "v1.10", ("kubelet", "config-dir"): "v1.28",
              ("kubelet", "container-runtime-endpoint"): "v1.6", ("kube-proxy", "config"): "v1.8"}

#: What the notes' v1.5 packages had besides: the insecure port, --api-servers, --logtostderr, ...
V1_5_EXTRA: dict[str, set[str]] = {
    "kube-apiserver": {"insecure-bind-address", "insecure-port", "address", "port", "kubelet-port",
                       "admission-control", "logtostderr", "etcd-servers", "allow-privileged"},
    "kube-controller-manager": {"address", "port", "logtostderr"},
    "kube-scheduler": {"address", "port", "logtostderr"},
    "kubelet": {"api-servers", "allow-privileged", "logtostderr", "require-kubeconfig"},
    "kube-proxy": {"logtostderr"},
}


class MissingEnvironmentFile(FileNotFoundError):
    """An ``EnvironmentFile=`` without ``-`` that the machine does not have: ``path``."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


#: The boolean flags among those: pflag takes ``--flag`` alone as true; any other flag takes the next word.
BOOL_FLAGS = {"help", "version", "logtostderr", "allow-privileged", "leader-elect", "profiling", "contention-profiling",
              "anonymous-auth", "enable-aggregator-routing", "enable-bootstrap-token-auth", "service-account-lookup",
              "watch-cache", "allocate-node-cidrs", "configure-cloud-routes", "use-service-account-credentials",
              "cgroups-per-qos", "fail-swap-on", "register-node", "rotate-certificates", "serialize-image-pulls",
              "authentication-token-webhook", "require-kubeconfig", "masquerade-all", "init-only"}


class FlagError(ValueError):
    """The daemon refused its command line: ``lines`` is what it printed, ``status`` its exit status."""

    def __init__(self, lines: list[str], status: int, word: int) -> None:
        super().__init__("\n".join(lines))
        self.lines, self.status, self.word = lines, status, word  # word: the argv index it stopped at


def known_flags(daemon: str, version: str) -> set[str]:
    """The flags ``daemon`` at ``version`` defines."""
    removed = {entry.flag.lstrip("-") for entry in LEGACY_FLAGS
               if daemon in entry.daemons and entry.removed_by(version)}
    if version_tuple(version) < (1, 10):
        later = {flag for (who, flag), since in INTRODUCED.items()
                 if who == daemon and version_tuple(version) < version_tuple(since)}
        return (V1_31_FLAGS[daemon] | V1_5_EXTRA[daemon]) - later - removed
    return V1_31_FLAGS[daemon] - removed


@dataclass
class CommandLine:
    """A daemon's parsed flags (the last use of a flag wins, as pflag's Set does)."""

    daemon: str
    argv: list[str]
    flags: dict[str, str] = field(default_factory=dict)
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)  # flag -> (file, variable) it came from

    def get(self, flag: str, default: str | None = None) -> str | None:
        return self.flags.get(flag.lstrip("-"), default)


def environment(unit_text: str, files: dict[str, str], unit_path: str,
                warn: Callable[[str], None] = lambda message: None,
                sources: dict[str, str] | None = None) -> dict[str, str]:
    """The variables the unit's EnvironmentFiles set, in order; a missing file without ``-`` is an error.
    A line that is no assignment is skipped with systemd's warning (src/basic/fileio.c), passed to ``warn``."""
    env: dict[str, str] = {}
    for entry in unit_settings(unit_text).get("EnvironmentFile", []):
        optional, path = entry.startswith("-"), entry.lstrip("-")
        if path not in files:
            if optional:
                continue
            raise MissingEnvironmentFile(path, f"Failed to load environment files: {path}: No such file or directory "
                                               f"({unit_path}: EnvironmentFile={entry})")
        for line in files[path].splitlines():
            try:
                values = EnvFile.parse(line).values()
            except EnvFileError:
                warn(f"Ignoring invalid environment assignment '{line.strip()}': {path}")
                continue
            env.update(values)
            if sources is not None:
                sources.update(dict.fromkeys(values, path))
    return env


def assignments_only(text: str) -> str:
    """An EnvironmentFile as systemd uses it: the lines that are no assignment dropped (it warns about them)."""
    kept = []
    for line in text.splitlines():
        try:
            EnvFile.parse(line)
        except EnvFileError:
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def exec_argv(unit_text: str, env: dict[str, str], origins: list[str | None] | None = None) -> list[str]:
    """``ExecStart``'s words after systemd's expansion: ``$VAR`` splits into words, ``${VAR}`` is one word.
    ``origins`` (if given) gets, for each word, the variable it came from (None: the unit's own text)."""
    line = (unit_settings(unit_text).get("ExecStart") or [""])[-1]
    argv: list[str] = []
    sources: list[str | None] = []
    try:
        words = shlex.split(line)
    except ValueError:  # an unbalanced quote: systemd splits what it can; so does the model, on blanks
        words = line.split()
    for word in words:
        if word.startswith("$") and not word.startswith("${"):
            words = env.get(word[1:], "").split()
            argv += words
            sources += [word[1:]] * len(words)
        elif word.startswith("${") and word.endswith("}"):
            argv.append(env.get(word[2:-1], ""))
            sources.append(word[2:-1])
        else:
            argv.append(word)
            sources.append(None)
    if origins is not None:
        origins[:] = sources
    return argv


def parse(daemon: str, version: str, argv: list[str]) -> CommandLine:
    """Parse ``argv`` (without the binary) as ``daemon`` at ``version`` does; FlagError if it refuses."""
    known = known_flags(daemon, version)
    modern = version_tuple(version) >= (1, 10)
    line = CommandLine(daemon, list(argv))
    skip = False
    for index, word in enumerate(argv):
        if skip or not word.startswith("-"):
            skip = False
            continue  # a flag's value given as the next word, or a stray word the daemons ignore
        name, has_value, value = word.lstrip("-").partition("=")
        if name not in known:
            if not modern:
                raise FlagError([f"unknown flag: --{name}"], 2, index)  # pflag ExitOnError (v1.5)
            if daemon == "kubelet":
                raise FlagError([f'"command failed" err="failed to parse kubelet flag: unknown flag: --{name}"'], 1,
                                index)
            raise FlagError([f"Error: unknown flag: --{name}"], 1, index)
        if not has_value and name not in BOOL_FLAGS and index + 1 < len(argv):
            value, has_value, skip = argv[index + 1], True, True  # pflag: "--flag value" for a non-bool flag
        line.flags[name] = value if has_value else "true"
    return line
