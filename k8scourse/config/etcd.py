"""/etc/etcd/etcd.conf: one etcd member's settings, as environment variables.

etcd reads every flag from an ``ETCD_``-prefixed environment variable too
(``--initial-cluster`` is ``ETCD_INITIAL_CLUSTER``); CentOS 7's etcd package
ships this file and its unit loads it with ``EnvironmentFile=``. This module

1. generates the file from parameters in the package's layout (``EtcdConfig.generate``),
2. parses such text back, comments and unknown keys kept (``EtcdConfig.parse``),
3. repeats the checks etcd 3.4 makes when it starts, with etcd's own messages
   (``etcd_startup_errors``), so the linter, the Raft model and the real
   launcher refuse the same member for the same reason,
4. writes the modern equivalent, etcd's YAML ``--config-file`` (``to_yaml``).

The messages were collected by starting Debian's etcd 3.4.23 on loopback
with each bad setting; they are what etcd logs after ``etcdmain:``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import yaml

from .envfile import EnvFile

# The file CentOS 7's etcd package ships (etcd-3.3.11-2.el7.centos, /etc/etcd/etcd.conf).
CENTOS_TEMPLATE = """\
#[Member]
#ETCD_CORS=""
ETCD_DATA_DIR="/var/lib/etcd/default.etcd"
#ETCD_WAL_DIR=""
#ETCD_LISTEN_PEER_URLS="http://localhost:2380"
ETCD_LISTEN_CLIENT_URLS="http://localhost:2379"
#ETCD_MAX_SNAPSHOTS="5"
#ETCD_MAX_WALS="5"
ETCD_NAME="default"
#ETCD_SNAPSHOT_COUNT="100000"
#ETCD_HEARTBEAT_INTERVAL="100"
#ETCD_ELECTION_TIMEOUT="1000"
#ETCD_QUOTA_BACKEND_BYTES="0"
#
#[Clustering]
#ETCD_INITIAL_ADVERTISE_PEER_URLS="http://localhost:2380"
ETCD_ADVERTISE_CLIENT_URLS="http://localhost:2379"
#ETCD_DISCOVERY=""
#ETCD_DISCOVERY_FALLBACK="proxy"
#ETCD_DISCOVERY_PROXY=""
#ETCD_DISCOVERY_SRV=""
#ETCD_INITIAL_CLUSTER="default=http://localhost:2380"
#ETCD_INITIAL_CLUSTER_TOKEN="etcd-cluster"
#ETCD_INITIAL_CLUSTER_STATE="new"
#ETCD_STRICT_RECONFIG_CHECK="true"
#ETCD_ENABLE_V2="true"
#
#[Proxy]
#ETCD_PROXY="off"
#ETCD_PROXY_FAILURE_WAIT="5000"
#ETCD_PROXY_REFRESH_INTERVAL="30000"
#ETCD_PROXY_DIAL_TIMEOUT="1000"
#ETCD_PROXY_WRITE_TIMEOUT="5000"
#ETCD_PROXY_READ_TIMEOUT="0"
#
#[Security]
#ETCD_CERT_FILE=""
#ETCD_KEY_FILE=""
#ETCD_CLIENT_CERT_AUTH="false"
#ETCD_TRUSTED_CA_FILE=""
#ETCD_AUTO_TLS="false"
#ETCD_PEER_CERT_FILE=""
#ETCD_PEER_KEY_FILE=""
#ETCD_PEER_CLIENT_CERT_AUTH="false"
#ETCD_PEER_TRUSTED_CA_FILE=""
#ETCD_PEER_AUTO_TLS="false"
#
#[Logging]
#ETCD_DEBUG="false"
#ETCD_LOG_PACKAGE_LEVELS=""
#ETCD_LOG_OUTPUT="default"
#
#[Unsafe]
#ETCD_FORCE_NEW_CLUSTER="false"
#
#[Version]
#ETCD_VERSION="false"
#ETCD_AUTO_COMPACTION_RETENTION="0"
#
# [Profiling]
#ETCD_ENABLE_PPROF="false"
#ETCD_METRICS="basic"
#
#[Auth]
#ETCD_AUTH_TOKEN="simple"
"""


@dataclass(frozen=True)
class Flag:
    """One etcd 3.4 flag: its name, value type and default (server/etcdmain/config.go, newConfig)."""

    name: str
    kind: str  # string | uint | uint64 | int64 | bool | urls | enum
    default: str = ""
    choices: tuple[str, ...] = ()


# etcd 3.4's flags that the file above names, plus a few in common use.
FLAGS: dict[str, Flag] = {f"ETCD_{flag.name.upper().replace('-', '_')}": flag for flag in (
    Flag("name", "string", "default"),
    Flag("data-dir", "string"),
    Flag("wal-dir", "string"),
    Flag("snapshot-count", "uint64", "100000"),
    Flag("heartbeat-interval", "uint", "100"),    # embed/config.go: TickMs: 100
    Flag("election-timeout", "uint", "1000"),     # embed/config.go: ElectionMs: 1000
    Flag("listen-peer-urls", "urls", "http://localhost:2380"),
    Flag("listen-client-urls", "urls", "http://localhost:2379"),
    Flag("listen-metrics-urls", "urls"),
    Flag("max-snapshots", "uint", "5"),
    Flag("max-wals", "uint", "5"),
    Flag("quota-backend-bytes", "int64", "0"),
    Flag("max-request-bytes", "uint", "1572864"),
    Flag("cors", "string"),
    Flag("initial-advertise-peer-urls", "urls", "http://localhost:2380"),
    Flag("advertise-client-urls", "urls", "http://localhost:2379"),
    Flag("discovery", "string"),
    Flag("discovery-fallback", "enum", "proxy", ("exit", "proxy")),
    Flag("discovery-proxy", "string"),
    Flag("discovery-srv", "string"),
    Flag("initial-cluster", "string", "default=http://localhost:2380"),
    Flag("initial-cluster-token", "string", "etcd-cluster"),
    Flag("initial-cluster-state", "enum", "new", ("new", "existing")),
    Flag("strict-reconfig-check", "bool", "true"),
    Flag("enable-v2", "bool", "false"),           # 3.4 turned the v2 API off by default
    Flag("pre-vote", "bool", "false"),
    Flag("proxy", "enum", "off", ("off", "readonly", "on")),
    Flag("proxy-failure-wait", "uint", "5000"),
    Flag("proxy-refresh-interval", "uint", "30000"),
    Flag("proxy-dial-timeout", "uint", "1000"),
    Flag("proxy-write-timeout", "uint", "5000"),
    Flag("proxy-read-timeout", "uint", "0"),
    Flag("cert-file", "string"),
    Flag("key-file", "string"),
    Flag("client-cert-auth", "bool", "false"),
    Flag("trusted-ca-file", "string"),
    Flag("auto-tls", "bool", "false"),
    Flag("peer-cert-file", "string"),
    Flag("peer-key-file", "string"),
    Flag("peer-client-cert-auth", "bool", "false"),
    Flag("peer-trusted-ca-file", "string"),
    Flag("peer-auto-tls", "bool", "false"),
    Flag("debug", "bool", "false"),
    Flag("log-package-levels", "string"),
    Flag("log-output", "string", "default"),
    Flag("logger", "string", "capnslog"),
    Flag("log-outputs", "string", "default"),
    Flag("force-new-cluster", "bool", "false"),
    Flag("version", "bool", "false"),
    Flag("auto-compaction-retention", "string", "0"),
    Flag("auto-compaction-mode", "string", "periodic"),
    Flag("enable-pprof", "bool", "false"),
    Flag("metrics", "string", "basic"),
    Flag("auth-token", "string", "simple"),
)}

MAX_ELECTION_MS = 50000  # embed/config.go: maxElectionMs
_GO_BOOLS = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}  # strconv.ParseBool
_URL_SCHEMES = ("http", "https", "unix", "unixs")  # pkg/types/urls.go


class EtcdConfigError(ValueError):
    """An etcd.conf that etcd 3.4 refuses to start with; the message is etcd's own."""


@dataclass
class EtcdConfig:
    """One member's etcd.conf: the parsed file, in order, comments and all."""

    file: EnvFile

    @classmethod
    def parse(cls, text: str) -> EtcdConfig:
        """Read etcd.conf text; keys stay environment variable names, values are unquoted."""
        return cls(EnvFile.parse(text))

    @classmethod
    def generate(cls, **settings: str) -> EtcdConfig:
        """The CentOS package's file with ``settings`` (``ETCD_NAME="etcd1"``, ...) filled in.

        A setting the template has commented out is uncommented in place, as
        one would with vim; ``None`` leaves the template's line alone.
        """
        config = cls.parse(CENTOS_TEMPLATE)
        for key, value in settings.items():
            if value is not None:
                config.file.set(key, str(value))
        return config

    def render(self) -> str:
        return self.file.render()

    @property
    def values(self) -> dict[str, str]:
        """The settings etcd sees. An empty value is no setting at all: etcd 3.4 ignores it."""
        return {key: value for key, value in self.file.values().items() if value != ""}

    def get(self, key: str) -> str:
        """A setting's effective value: the file's, else etcd's default."""
        return self.values.get(key, FLAGS[key].default if key in FLAGS else "")

    @property
    def name(self) -> str:
        return self.get("ETCD_NAME")

    def unknown_keys(self) -> list[str]:
        """Keys etcd does not know; it logs ``unrecognized environment variable`` and goes on."""
        return self.file.unknown_keys(FLAGS)

    def urls(self, key: str) -> list[str]:
        return [url.strip() for url in self.get(key).split(",") if url.strip()]

    def initial_cluster(self) -> dict[str, list[str]]:
        """``--initial-cluster`` as {name: [peer URL, ...]}, in the file's order."""
        if "ETCD_INITIAL_CLUSTER" not in self.values and self.name != "default":
            # etcdmain: without --initial-cluster a member names only itself (InitialClusterFromName).
            return {self.name: self.urls("ETCD_INITIAL_ADVERTISE_PEER_URLS")}
        members: dict[str, list[str]] = {}
        for entry in self.get("ETCD_INITIAL_CLUSTER").split(","):
            name, _, url = entry.partition("=")
            members.setdefault(name.strip(), []).append(url.strip())
        return members

    @property
    def heartbeat_ms(self) -> int:
        return _go_uint(self.get("ETCD_HEARTBEAT_INTERVAL"))

    @property
    def election_ms(self) -> int:
        return _go_uint(self.get("ETCD_ELECTION_TIMEOUT"))

    def check(self) -> None:
        """Raise ``EtcdConfigError`` with the first message etcd would stop on."""
        errors = etcd_startup_errors(self)
        if errors:
            raise EtcdConfigError(errors[0])

    def to_yaml(self) -> str:
        """etcd's YAML config file (``etcd --config-file``) with the same settings.

        Keys are the flag names (embed/config.go's ``yaml`` tags); values keep
        their types. The TLS files move under ``client-transport-security``
        and ``peer-transport-security`` there.
        """
        doc: dict[str, object] = {}
        tls = {"client-transport-security": {}, "peer-transport-security": {}}
        for key, value in self.values.items():
            flag = FLAGS.get(key)
            if flag is None:
                continue
            typed: object = value
            if flag.kind in ("uint", "uint64", "int64"):
                typed = int(value, 0) if re.fullmatch(r"-?\d+", value) else value
            elif flag.kind == "bool" and value in _GO_BOOLS:
                typed = value in ("1", "t", "T", "TRUE", "true", "True")
            name = flag.name
            for prefix, section in (("peer-", "peer-transport-security"), ("", "client-transport-security")):
                short = name[len(prefix):] if name.startswith(prefix) else None
                if short in ("cert-file", "key-file", "client-cert-auth", "trusted-ca-file", "auto-tls"):
                    tls[section][short] = typed
                    break
            else:
                doc[name] = typed
        doc.update({section: body for section, body in tls.items() if body})
        return yaml.safe_dump(doc, sort_keys=False)


def _go_uint(text: str) -> int:
    """strconv.ParseUint(text, 0, 64): decimal, 0x hex, 0o/0 octal, 0b binary; ValueError else."""
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        return int(text, 16)
    if re.fullmatch(r"0[bB][01]+", text):
        return int(text[2:], 2)
    if re.fullmatch(r"0[oO]?[0-7]+", text):
        return int(text.lstrip("0oO") or "0", 8)
    if re.fullmatch(r"[0-9]+", text):
        return int(text)
    raise ValueError(text)


def _url_error(url: str) -> str | None:
    """pkg/types/urls.go NewURLs' complaint about one URL, or None."""
    if re.match(r"^[0-9][^/]*:", url) and "://" not in url:
        # Go's url.Parse: no scheme, and a colon in the first path segment.
        return f'parse "{url}": first path segment in URL cannot contain colon'
    parts = urlsplit(url)
    if parts.scheme not in _URL_SCHEMES or (not parts.netloc and "://" not in url):
        return f"URL scheme must be http, https, unix, or unixs: {url}"
    if not re.fullmatch(r"(\[[^\]]*\]|[^:\[\]]*):[^:]*", parts.netloc):
        return f'URL address does not have the form "host:port": {url}'
    if parts.path:
        return f"URL must not contain a path: {url}"
    return None


def _host(url: str) -> str:
    return urlsplit(url).netloc.rsplit(":", 1)[0].strip("[]")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _verifying(message: str) -> str:
    """etcdmain wraps its flag checks so (etcdmain/etcd.go, startEtcdOrProxyV2)."""
    return f"error verifying flags, {message}. See 'etcd --help'."


def _parse_errors(config: EtcdConfig) -> list[tuple[str, str]]:
    """pkg/flags.SetFlagsFromEnv: each set variable is parsed by its flag's type."""
    errors = []
    for key, value in config.values.items():
        flag = FLAGS.get(key)
        if flag is None:
            continue
        reason = None
        if flag.kind in ("uint", "uint64"):
            try:
                _go_uint(value)
            except ValueError:
                reason = "parse error"
        elif flag.kind == "int64":
            try:
                _go_uint(value.lstrip("+-"))
            except ValueError:
                reason = "parse error"
        elif flag.kind == "bool" and value not in _GO_BOOLS:
            reason = "parse error"
        elif flag.kind == "enum" and value not in flag.choices:
            reason = "invalid value"
        elif flag.kind == "urls":
            reason = next(filter(None, (_url_error(url.strip()) for url in value.split(","))), None)
        if reason:
            errors.append((flag.name, key, _verifying(f'invalid value "{value}" for {key}: {reason}')))
    # VisitAll goes by flag name and keeps the last error: etcd prints the last one.
    return [(key, message) for _, key, message in sorted(errors, reverse=True)]


def _validate_errors(config: EtcdConfig) -> list[tuple[str, str]]:
    """embed/config.go Config.Validate, in its order."""
    errors = []
    for key in ("ETCD_LISTEN_PEER_URLS", "ETCD_LISTEN_CLIENT_URLS", "ETCD_LISTEN_METRICS_URLS"):
        for url in config.urls(key):  # checkBindURLs: listeners bind IPs (or localhost)
            if urlsplit(url).scheme not in ("unix", "unixs") and _host(url) != "localhost" and not _is_ip(_host(url)):
                errors.append((key, _verifying(f"expected IP in URL for binding ({url})")))
    for key, flag in (("ETCD_INITIAL_ADVERTISE_PEER_URLS", "--initial-advertise-peer-urls"),
                      ("ETCD_ADVERTISE_CLIENT_URLS", "--advertise-client-urls")):
        for url in config.urls(key):  # checkHostURLs
            if not _host(url):
                errors.append((key, _verifying(f'{flag} "{config.get(key)}" must be "host:port" '
                                               f"(unexpected empty host ({url}))")))
    explicit = config.values
    if sum(key in explicit for key in ("ETCD_DISCOVERY", "ETCD_INITIAL_CLUSTER", "ETCD_DISCOVERY_SRV")) > 1:
        errors.append(("ETCD_DISCOVERY", _verifying('multiple discovery or bootstrap flags are set. Choose one of '
                                                    '"initial-cluster", "discovery" or "discovery-srv"')))
    tick, election = config.heartbeat_ms, config.election_ms
    if tick <= 0:
        errors.append(("ETCD_HEARTBEAT_INTERVAL", _verifying(f"--heartbeat-interval must be >0 (set to {tick}ms)")))
    if election <= 0:
        errors.append(("ETCD_ELECTION_TIMEOUT", _verifying(f"--election-timeout must be >0 (set to {election}ms)")))
    if 5 * tick > election:
        errors.append(("ETCD_ELECTION_TIMEOUT", _verifying(
            f"--election-timeout[{election}ms] should be at least as 5 times as --heartbeat-interval[{tick}ms]")))
    if election > MAX_ELECTION_MS:
        errors.append(("ETCD_ELECTION_TIMEOUT", _verifying(
            f"--election-timeout[{election}ms] is too long, and should be set less than {MAX_ELECTION_MS}ms")))
    if "ETCD_LISTEN_CLIENT_URLS" in explicit and "ETCD_ADVERTISE_CLIENT_URLS" not in explicit:
        errors.append(("ETCD_ADVERTISE_CLIENT_URLS",
                       _verifying("--advertise-client-urls is required when --listen-client-urls is set explicitly")))
    mode = config.get("ETCD_AUTO_COMPACTION_MODE")
    if mode not in ("", "periodic", "revision"):
        errors.append(("ETCD_AUTO_COMPACTION_MODE", _verifying(f'unknown auto-compaction-mode "{mode}"')))
    return errors


def _listener_errors(config: EtcdConfig) -> list[tuple[str, str]]:
    """embed/etcd.go configurePeerListeners, then configureClientListeners: https needs a key pair."""
    errors = []
    peer_tls = config.get("ETCD_PEER_CERT_FILE") and config.get("ETCD_PEER_KEY_FILE")
    if not peer_tls and config.get("ETCD_PEER_AUTO_TLS") not in ("1", "t", "T", "TRUE", "true", "True"):
        for url in config.urls("ETCD_LISTEN_PEER_URLS"):
            if urlsplit(url).scheme == "https":  # pkg/transport/listener.go
                errors.append(("ETCD_LISTEN_PEER_URLS", f"cannot listen on TLS for {urlsplit(url).netloc}: "
                                                        "KeyFile and CertFile are not presented"))
    client_tls = config.get("ETCD_CERT_FILE") and config.get("ETCD_KEY_FILE")
    if not client_tls and config.get("ETCD_AUTO_TLS") not in ("1", "t", "T", "TRUE", "true", "True"):
        for url in config.urls("ETCD_LISTEN_CLIENT_URLS"):
            if urlsplit(url).scheme == "https":
                errors.append(("ETCD_LISTEN_CLIENT_URLS", "TLS key/cert (--cert-file, --key-file) must be provided "
                                                          f"for client url {url} with HTTPS scheme"))
    return errors


def _bootstrap_errors(config: EtcdConfig) -> list[tuple[str, str]]:
    """embed/etcd.go PeerURLsMapAndToken, then etcdserver/config.go VerifyBootstrap."""
    if "ETCD_DISCOVERY" in config.values or "ETCD_DISCOVERY_SRV" in config.values:
        return []  # the member list comes from discovery, not this file
    cluster = config.initial_cluster()
    for urls in cluster.values():
        for url in urls:
            if _url_error(url):
                return [("ETCD_INITIAL_CLUSTER", f"error setting up initial cluster: {_url_error(url)}")]
    errors = []
    name = config.name
    existing = config.get("ETCD_INITIAL_CLUSTER_STATE") == "existing"
    if not existing:
        if name not in cluster:  # hasLocalMember
            return [("ETCD_NAME", f'couldn\'t find local name "{name}" in the initial cluster configuration')]
        mismatch = _advertise_mismatch(name, cluster[name], config.urls("ETCD_INITIAL_ADVERTISE_PEER_URLS"))
        if mismatch:
            errors.append(("ETCD_INITIAL_ADVERTISE_PEER_URLS", mismatch))
    everything = [url for urls in cluster.values() for url in urls]
    if len(set(everything)) != len(everything):  # checkDuplicateURL
        listed = ",".join(f"{member}={url}" for member in sorted(cluster) for url in sorted(cluster[member]))
        errors.append(("ETCD_INITIAL_CLUSTER", f"initial cluster {listed} has duplicate url"))
    return errors


def _advertise_mismatch(name: str, cluster_urls: list[str], advertised: list[str]) -> str | None:
    """advertiseMatchesCluster (etcdserver/config.go), with netutil.URLStringsEqual's reason."""
    urls, apurls = sorted(cluster_urls), sorted(advertised)
    if urls == apurls:
        return None
    if len(urls) != len(apurls):
        reason = "len([{}]) != len([{}])".format(" ".join(f'"{u}"' for u in apurls), " ".join(f'"{u}"' for u in urls))
    else:
        first = next(i for i, (a, b) in enumerate(zip(apurls, urls)) if a != b)
        reason = f'resolved urls: "{apurls[first]}" != "{urls[first]}"'
    missing = [url for url in urls if url not in apurls]
    if missing:
        listed = ",".join(f"{name}={url}" for url in missing)
        return (f"--initial-cluster has {listed} but missing from "
                f"--initial-advertise-peer-urls={','.join(apurls)} ({reason})")
    extra = ",".join(url for url in apurls if url not in urls)
    entry = ",".join(f"{name}={url}" for url in apurls)
    return f"--initial-advertise-peer-urls has {extra} but missing from --initial-cluster={entry}"


def etcd_startup_errors(config: EtcdConfig | str) -> list[str]:
    """What etcd 3.4 says when it refuses to start with ``config``; [] when it starts.

    Messages are in etcd's words and in etcd's order: flag parsing
    (pkg/flags), then Config.Validate (embed/config.go), then the listeners
    (embed/etcd.go), then the bootstrap checks (etcdserver/config.go). etcd
    stops at the first; the later ones are what it would say once that one
    is fixed. A stage whose input is unreadable is not run.
    """
    return [message for _, message in etcd_startup_problems(config)]


def etcd_startup_problems(config: EtcdConfig | str) -> list[tuple[str, str]]:
    """``etcd_startup_errors`` with the key each message is about: [(key, message), ...]."""
    if isinstance(config, str):
        config = EtcdConfig.parse(config)
    parse = _parse_errors(config)
    if parse:
        return parse
    return _validate_errors(config) + _listener_errors(config) + _bootstrap_errors(config)
