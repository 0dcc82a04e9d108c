"""lint: check configuration files as the daemons reading them would.

``lint(files)`` takes one machine's files ``{path: text}`` or a cluster's
``{machine: {path: text}}`` and returns ``Finding``s, each naming the
machine, file and key, with a severity (``error``: the daemon refuses to
start or the cluster cannot work; ``warning``: it works, unsafely or
fragilely; ``info``: worth knowing). It checks

1. etcd.conf with etcd 3.4's own start-up checks (``etcd_startup_problems``);
2. every flag against the Kubernetes version the files are for (removed: error, deprecated: warning);
3. insecure settings: plain-HTTP etcd, the apiserver's insecure port, an anonymous kubelet;
4. odd ranges: a public service range, pod and service ranges overlapping, flannel's network config;
5. across machines: every address a daemon calls must be one some machine serves, the
   etcd members must agree on their cluster, and serve flanneld's v2 API where it reads etcd.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import yaml

from k8scourse.api.validation import is_ip
from k8scourse.network.flannel_config import FlannelConfigError, NetworkConfigError

from . import modern
from .etcd import FLAGS, EtcdConfig, etcd_startup_problems
from .flannel import ETCD_KEYS_DIR, NetworkConfig
from .legacy import legacy_flag
from .spec import CURRENT_VERSION, ETCD_CONF
from .sysconfig import DAEMONS, TEMPLATES, SysconfigFile
from .systemd import UNITS, environment_files

SEVERITIES = ("error", "warning", "info")
LOCALHOST = {"127.0.0.1", "localhost", "::1"}  # what a machine's own daemons call each other on
# RFC 1918 and RFC 6598 (carrier-grade NAT) for IPv4, RFC 4193 unique-local for IPv6.
PRIVATE_RANGES = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                    "100.64.0.0/10", "fc00::/7")]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where it is, how bad, what it is and how to fix it."""

    machine: str
    path: str
    key: str
    severity: str
    code: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.machine}:{self.path}" if self.machine else self.path
        return f"{where}: {self.key}: {self.severity}: {self.message}"


def _unit_variables() -> dict[tuple[str, str], list[str]]:
    """{(EnvironmentFile path, variable): [daemons whose unit pastes it]} from the units."""
    uses: dict[tuple[str, str], list[str]] = {}
    for daemon, text in UNITS.items():
        for path in environment_files(text):
            for variable in re.findall(r"\$\{?(\w+)", text):
                uses.setdefault((path, variable), []).append(daemon)
    return uses


UNIT_VARIABLES = _unit_variables()


@dataclass
class _Machine:
    """One machine's parsed files."""

    name: str
    files: dict[str, str]
    etcd: EtcdConfig | None = None
    sys: dict[str, SysconfigFile] = field(default_factory=dict)
    kubelet_config: dict | None = None
    kubeconfigs: dict[str, str] = field(default_factory=dict)  # path -> server URL

    _flags: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def flag(self, path: str, name: str) -> str | None:
        if (path, name) not in self._flags:
            self._flags[path, name] = self.sys[path].flag(name) if path in self.sys else None
        return self._flags[path, name]

    def addresses(self) -> set[str]:
        """The machine's own addresses, as its files tell them."""
        found = set()
        if self.etcd is not None:
            for key in ("ETCD_INITIAL_ADVERTISE_PEER_URLS", "ETCD_ADVERTISE_CLIENT_URLS"):
                found |= {urlsplit(url).hostname for url in self.etcd.urls(key)}
        for path, flag in (("/etc/kubernetes/kubelet", "--hostname-override"),
                           ("/etc/kubernetes/apiserver", "--bind-address"),
                           ("/etc/kubernetes/apiserver", "--advertise-address")):
            value = self.flag(path, flag)
            if value:
                found.add(value)
        return {a for a in found if a and is_ip(a) and a not in ("0.0.0.0", "::")}

    def apiserver_listeners(self) -> list[tuple[str, int, str]]:
        """[(bind address, port, flag)] the apiserver listens on."""
        if "/etc/kubernetes/apiserver" not in self.sys:
            return []
        f = self.sys["/etc/kubernetes/apiserver"]
        listeners = []
        insecure_port = f.flag("--insecure-port", f.flag("--port"))
        insecure_bind = f.flag("--insecure-bind-address", f.flag("--address"))
        if insecure_bind is not None or insecure_port not in (None, "0"):
            listeners.append((insecure_bind or "127.0.0.1", _port(insecure_port or "8080"), "--insecure-bind-address"))
        listeners.append((f.flag("--bind-address", "0.0.0.0"), _port(f.flag("--secure-port", "6443")),
                          "--bind-address"))
        return listeners

    def etcd_listeners(self) -> list[tuple[str, int, str]]:
        if self.etcd is None:
            return []
        return [(urlsplit(u).hostname or "", _url_port(u), "ETCD_LISTEN_CLIENT_URLS")
                for u in self.etcd.urls("ETCD_LISTEN_CLIENT_URLS")]


def _port(text: str) -> int | None:
    """A port number, or None for text that is not one (the daemon itself refuses it)."""
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def _url_port(url: str) -> int | None:
    try:
        return urlsplit(url).port
    except ValueError:
        return None


def _daemon_file(daemon: str) -> str:
    """The EnvironmentFile that is the daemon's own (/etc/kubernetes/kubelet for kubelet)."""
    return next(path for path, name in DAEMONS.items() if name == daemon)


def _is_loopback(host: str) -> bool:
    return host == "localhost" or (is_ip(host) and ipaddress.ip_address(host).is_loopback)


def _etcd_release(version: str) -> tuple[int, int]:
    """``3.4`` or ``3.3.11`` as (major, minor)."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)(\.\d+)?", version) if isinstance(version, str) else None
    if match is None:
        raise ValueError(f"etcd_version {version!r}: expected MAJOR.MINOR[.PATCH], e.g. 3.4 or 3.3.11")
    return int(match[1]), int(match[2])


def _normalise(files: Mapping) -> dict[str, dict[str, str]]:
    if not isinstance(files, Mapping):
        raise TypeError(f"lint expects {{path: text}} or {{machine: {{path: text}}}}, got {type(files).__name__}")
    if all(isinstance(v, str) for v in files.values()):
        return {"": dict(files)}
    if all(isinstance(v, Mapping) for v in files.values()):
        return {machine: dict(f) for machine, f in files.items()}
    raise TypeError("lint expects {path: text} or {machine: {path: text}}, not a mix of the two")


class _Linter:
    def __init__(self, tree: dict[str, dict[str, str]], kubernetes_version: str,
                 etcd_version: str | None = None) -> None:
        self.version, self.etcd_version = kubernetes_version, etcd_version
        self.findings: list[Finding] = []
        self.machines = [self._parse(name, files) for name, files in tree.items()]
        self.owners = {address: m for m in reversed(self.machines) for address in m.addresses()}
        self.own_addresses = {m.name: m.addresses() for m in self.machines}
        self.listeners: dict[tuple[str, str], list[tuple[str, int, str]]] = {}

    def add(self, machine: str, path: str, key: str, severity: str, code: str, message: str, fix: str = "") -> None:
        self.findings.append(Finding(machine, path, key, severity, code, message, fix))

    # --- parsing ---------------------------------------------------------------------------------

    def _parse(self, name: str, files: dict[str, str]) -> _Machine:
        machine = _Machine(name, files)
        for path, text in files.items():
            try:
                if path == ETCD_CONF:
                    machine.etcd = EtcdConfig.parse(text)
                elif path in TEMPLATES:
                    machine.sys[path] = SysconfigFile.parse(path, text)
                elif path == modern.KUBELET_CONFIG:
                    machine.kubelet_config = yaml.load(text, Loader=modern.SafeLoader) or {}
                    if not isinstance(machine.kubelet_config, dict):
                        machine.kubelet_config = None
                        raise ValueError("a KubeletConfiguration is a YAML mapping")
                elif path.endswith(".kubeconfig"):
                    machine.kubeconfigs[path] = modern.kubeconfig_server(text) or ""
            except (yaml.YAMLError, ValueError, AttributeError, TypeError) as exc:
                envfile = path == ETCD_CONF or path in TEMPLATES
                self.add(name, path, "-", "error", "parse", f"cannot read the file: {exc}",
                         "write each line as KEY=\"value\", a # comment, or blank" if envfile
                         else "write a YAML mapping with the fields the file's kind has")
        return machine

    # --- checks ----------------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        for machine in self.machines:
            if machine.etcd is not None:
                self.check_etcd(machine)
            for path, sysfile in machine.sys.items():
                self.check_sysconfig(machine, path, sysfile)
            self.check_kubelet(machine)
            self.check_ranges(machine)
        self.check_etcd_cluster()
        self.check_etcd_v2()
        self.check_reachability()
        return self.findings

    def check_etcd(self, m: _Machine) -> None:
        config = m.etcd
        for key, message in etcd_startup_problems(config):
            self.add(m.name, ETCD_CONF, key, "error", "etcd-startup", f"etcd refuses to start: {message}",
                     f"correct {key}; `etcd` prints this and exits 1")
        for key in config.unknown_keys():
            self.add(m.name, ETCD_CONF, key, "warning", "etcd-unknown-key",
                     f"etcd ignores it: unrecognized environment variable {key}={config.file.get(key)}",
                     "check the spelling against `etcd --help` (ETCD_ + the flag in capitals)")
        for key, value in config.file.values().items():
            if value == "" and key in FLAGS:  # pkg/flags skips empty variables as unrecognized
                self.add(m.name, ETCD_CONF, key, "info", "etcd-empty",
                         f'etcd ignores {key}="": an empty value is no setting, so etcd uses its default '
                         f'({FLAGS[key].default or "empty"})', f"comment the line out (#{key}=...) or give a value")
        for key in config.file.duplicate_keys():
            self.add(m.name, ETCD_CONF, key, "warning", "duplicate-key",
                     f"{key} is set twice; the last line wins", "delete one of the lines")
        for key in ("ETCD_LISTEN_CLIENT_URLS", "ETCD_LISTEN_PEER_URLS"):
            plain = [u for u in config.urls(key)
                     if urlsplit(u).scheme == "http" and not _is_loopback(urlsplit(u).hostname or "")]
            if plain:
                what = ("clients (the apiserver, flanneld) talk to etcd unencrypted and unauthenticated, and "
                        "anyone who reaches it can read every Secret" if "CLIENT" in key else
                        "the members replicate every write to each other unencrypted, and anyone who reaches it "
                        "can pose as a member")
                self.add(m.name, ETCD_CONF, key, "warning", "insecure-etcd",
                         f"{', '.join(plain)} is plain HTTP: {what}",
                         "serve https with ETCD_CERT_FILE/ETCD_KEY_FILE and ETCD_CLIENT_CERT_AUTH=\"true\" "
                         "(ClusterSpec(etcd_tls=True))")

    def check_sysconfig(self, m: _Machine, path: str, sysfile: SysconfigFile) -> None:
        for key in sysfile.unknown_keys():
            if not any(p == path and v == key for p, v in UNIT_VARIABLES):
                self.add(m.name, path, key, "warning", "unknown-key",
                         f"no unit passes ${key} to its daemon, so it has no effect",
                         "put extra flags in the file's *_ARGS variable")
        for use in sysfile.flags():
            # The daemons this machine runs (its own file is there) whose unit pastes the variable.
            daemons = [d for d in UNIT_VARIABLES.get((path, use.key), []) if _daemon_file(d) in m.sys]
            entries = {d: legacy_flag(d, use.flag) for d in daemons if legacy_flag(d, use.flag)}
            entries = {d: e for d, e in entries.items() if e.deprecated_by(self.version)}
            if not entries:
                continue
            entry, names = next(iter(entries.values())), ", ".join(entries)
            if entry.removed_by(self.version):
                verb = "stops" if len(entries) == 1 else "stop"
                self.add(m.name, path, use.key, "error", "removed-flag",
                         f"{entry.describe()}: {names} {self.version} {verb} with \"unknown flag: {use.flag}\"",
                         f"use {entry.replacement}")
            else:
                self.add(m.name, path, use.key, "warning", "deprecated-flag", f"{entry.describe()} ({names})",
                         f"use {entry.replacement}")
        if path == "/etc/kubernetes/apiserver":
            self.check_apiserver(m, sysfile)
        if path == "/etc/sysconfig/flanneld":
            endpoints = sysfile.values.get("FLANNEL_ETCD_ENDPOINTS", "")
            members = [x for x in self.machines if x.etcd is not None]
            if len(members) > 1 and len([e for e in endpoints.split(",") if e.strip()]) == 1:
                self.add(m.name, path, "FLANNEL_ETCD_ENDPOINTS", "warning", "single-etcd-endpoint",
                         f"flanneld asks only {endpoints}: when that member is down it cannot renew its "
                         f"subnet lease, though {len(members)} members could answer",
                         "list every member's client URL, comma-separated")

    def check_apiserver(self, m: _Machine, f: SysconfigFile) -> None:
        path = "/etc/kubernetes/apiserver"
        for bind, port, flag in m.apiserver_listeners():
            if flag == "--insecure-bind-address":
                severity = "info" if _is_loopback(bind) else "warning"
                self.add(m.name, path, "KUBE_API_ADDRESS", severity, "insecure-port",
                         f"the apiserver serves plain HTTP on {bind}:{port} with no authentication or "
                         "authorization: whoever reaches it is cluster-admin",
                         "serve only --secure-port with TLS; give each component a kubeconfig")
        for url in (f.flag("--etcd-servers") or "").split(","):
            if url and urlsplit(url).scheme == "http" and not _is_loopback(urlsplit(url).hostname or ""):
                self.add(m.name, path, "KUBE_ETCD_SERVERS", "warning", "insecure-etcd",
                         f"the apiserver stores the whole cluster, Secrets included, in etcd over plain HTTP ({url})",
                         "use https:// with --etcd-cafile, --etcd-certfile and --etcd-keyfile")
        plugins = f.flag("--admission-control") or f.flag("--enable-admission-plugins") or ""
        if "NamespaceExists" in plugins.split(","):
            self.add(m.name, path, "KUBE_ADMISSION_CONTROL", "info", "admission",
                     "NamespaceExists is deprecated: NamespaceLifecycle already refuses objects in a missing namespace",
                     "drop NamespaceExists")
        if f.flag("--admission-control") is not None and "ServiceAccount" not in plugins.split(","):
            self.add(m.name, path, "KUBE_ADMISSION_CONTROL", "info", "admission",
                     "ServiceAccount is not in --admission-control: pods get no service account or API token",
                     "add ServiceAccount (with --service-account-key-file)")

    def check_kubelet(self, m: _Machine) -> None:
        path = "/etc/kubernetes/kubelet"
        if path not in m.sys:
            return
        f = m.sys[path]
        config = m.kubelet_config or {}
        address = f.flag("--address") or config.get("address") or "0.0.0.0"
        own = f.flag("--hostname-override")
        if _is_loopback(address) and not (own and _is_loopback(own)):
            self.add(m.name, path, "KUBELET_ADDRESS", "warning", "kubelet-loopback",
                     f"the kubelet serves its API on {address} only: the apiserver cannot reach it, so "
                     "kubectl logs, exec and port-forward fail for this node's pods",
                     "serve on the node's address (or 0.0.0.0)")
        anonymous = f.flag("--anonymous-auth")
        if anonymous is None:
            # The flag defaults to true; a KubeletConfiguration (v1beta1 defaults.go) to false.
            default = m.kubelet_config is None
            anonymous = str(((config.get("authentication") or {}).get("anonymous") or {}).get("enabled", default))
        if anonymous.lower() == "true":
            key = "KUBELET_ARGS"
            self.add(m.name, path, key, "warning", "anonymous-kubelet",
                     "the kubelet answers anonymous requests (--anonymous-auth defaults to true, authorization "
                     "to AlwaysAllow): anyone who reaches port 10250 can run commands in its pods",
                     "set authentication.anonymous.enabled: false and authorization.mode: Webhook "
                     "in a KubeletConfiguration (--config)")

    def check_ranges(self, m: _Machine) -> None:
        path = "/etc/kubernetes/apiserver"
        service = m.flag(path, "--service-cluster-ip-range")
        if service is not None:
            try:
                net = ipaddress.ip_network(service)
            except ValueError as exc:
                self.add(m.name, path, "KUBE_SERVICE_ADDRESSES", "error", "bad-cidr",
                         f"--service-cluster-ip-range {service!r}: {exc}", "write a network like 10.254.0.0/16")
                return
            # cmd/kube-apiserver/app/options/validation.go: at most 2^20 addresses for IPv4 (mask >= 12).
            if net.version == 4 and net.prefixlen < 12:
                self.add(m.name, path, "KUBE_SERVICE_ADDRESSES", "error", "bad-cidr",
                         "specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask "
                         "must be >= 12", "use a /12 or smaller")
            if not any(net.subnet_of(r) for r in PRIVATE_RANGES if r.version == net.version):
                self.add(m.name, path, "KUBE_SERVICE_ADDRESSES", "warning", "public-service-range",
                         f"{service} is public address space, not private (RFC 1918): pods can no longer reach the "
                         "real hosts in it, since kube-proxy captures those addresses",
                         "pick a private range, e.g. 10.254.0.0/16 (the package default)")
            for other in self.machines:
                for key_path, text in other.files.items():
                    if key_path.startswith(ETCD_KEYS_DIR):
                        try:
                            network = ipaddress.ip_network(NetworkConfig.parse(text).network)
                        except FlannelConfigError:
                            continue
                        if network.overlaps(net):
                            self.add(m.name, path, "KUBE_SERVICE_ADDRESSES", "error", "range-overlap",
                                     f"the service range {service} overlaps flannel's pod network {network}: "
                                     "a service IP and a pod IP can be the same address",
                                     "give pods and services disjoint ranges")
        for key_path, text in m.files.items():
            if key_path.startswith(ETCD_KEYS_DIR):
                try:
                    NetworkConfig.parse(text)
                except NetworkConfigError as exc:  # the finding names the file; the message is flannel's
                    self.add(m.name, key_path, "Network", "error", "flannel-config", exc.reason,
                             'write {"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}')

    def check_etcd_cluster(self) -> None:
        members = [m for m in self.machines if m.etcd is not None]
        if len(members) < 2:
            return
        clusters = {m.name: m.etcd.initial_cluster() for m in members}
        reference_name, reference = next(iter(clusters.items()))
        for m in members:
            if clusters[m.name] != reference:
                self.add(m.name, ETCD_CONF, "ETCD_INITIAL_CLUSTER", "error", "etcd-cluster-mismatch",
                         f"this member's ETCD_INITIAL_CLUSTER differs from {reference_name}'s: the members "
                         "will not agree on who is in the cluster", "use the same value on every member")
        names: dict[str, str] = {}
        for m in members:
            if m.etcd.name in names:
                self.add(m.name, ETCD_CONF, "ETCD_NAME", "error", "etcd-duplicate-name",
                         f"ETCD_NAME {m.etcd.name!r} is also {names[m.etcd.name]}'s", "give each member its own name")
            names[m.etcd.name] = m.name
        tokens = {m.etcd.get("ETCD_INITIAL_CLUSTER_TOKEN") for m in members}
        if len(tokens) > 1:
            self.add(members[0].name, ETCD_CONF, "ETCD_INITIAL_CLUSTER_TOKEN", "error", "etcd-token-mismatch",
                     "members use different ETCD_INITIAL_CLUSTER_TOKENs, so they compute different cluster IDs",
                     "use one token on every member")
        if len(reference) % 2 == 0:
            self.add(members[0].name, ETCD_CONF, "ETCD_INITIAL_CLUSTER", "info", "etcd-even",
                     f"{len(reference)} members tolerate no more failures than {len(reference) - 1}: "
                     f"a quorum is {len(reference) // 2 + 1}", "use an odd number of members")

    # --- across machines -------------------------------------------------------------------------

    def check_etcd_v2(self) -> None:
        """flanneld (0.7, the notes' and CentOS 7's) reads its config and writes its leases through etcd's
        v2 API, which etcd 3.4 serves only with --enable-v2 (on by default up to 3.3: etcd's CHANGELOG-3.4,
        "--enable-v2 defaults to false"). Only for etcd 3.4 and later when the etcd version is known."""
        if self.etcd_version is not None and _etcd_release(self.etcd_version) < (3, 4):
            return
        if not any("/etc/sysconfig/flanneld" in m.sys for m in self.machines):
            return
        for m in self.machines:
            if m.etcd is not None and m.etcd.values.get("ETCD_ENABLE_V2", "").lower() != "true":
                self.add(m.name, ETCD_CONF, "ETCD_ENABLE_V2", "warning", "etcd-v2-off",
                         "flanneld reads its network config and leases through etcd's v2 API, which etcd 3.4 "
                         'and later serve only with ETCD_ENABLE_V2="true" (3.3 and before: on by default); '
                         "without it this member answers flanneld's v2 requests with 404",
                         'set ETCD_ENABLE_V2="true" in every member\'s etcd.conf and restart etcd')

    def _owner(self, host: str, caller: _Machine) -> _Machine | None:
        if host in self.owners:
            return self.owners[host]
        return caller if host in LOCALHOST else None

    def _check_url(self, caller: _Machine, path: str, key: str, url: str, what: str, listeners_of) -> None:
        host, port = urlsplit(url).hostname or "", _url_port(url)
        if not host or port is None or (caller.name == "" and host not in self.own_addresses[""] | LOCALHOST):
            return  # one machine alone: other machines' listeners are unknown
        owner = self._owner(host, caller)
        if owner is None:
            self.add(caller.name, path, key, "error", "unreachable",
                     f"{host}:{port} ({what}) is no machine's address in this cluster",
                     "point it at a machine that runs the " + what)
            return
        if (owner.name, what) not in self.listeners:
            self.listeners[owner.name, what] = listeners_of(owner)
        listeners = self.listeners[owner.name, what]
        on = f"{owner.name} ({host})" if owner.name else host
        if not listeners:
            self.add(caller.name, path, key, "error", "unreachable", f"{url} is not served: no {what} runs on {on}",
                     f"call a machine that runs the {what}")
            return
        served = any(port == p and (bind in ("0.0.0.0", "::", host) or (_is_loopback(host) and bind == "localhost"))
                     for bind, p, _ in listeners)
        if not served:
            where = ", ".join(f"{b}:{p}" for b, p, _ in listeners)
            self.add(caller.name, path, key, "error", "unreachable",
                     f"{url} is not served: the {what} on {on} listens on {where} only ({listeners[0][2]})",
                     f"bind the {what} to {host} (or 0.0.0.0), or call an address it serves")

    def check_reachability(self) -> None:
        for m in self.machines:
            apiserver = _Machine.apiserver_listeners
            etcd = _Machine.etcd_listeners
            url = m.flag("/etc/kubernetes/kubelet", "--api-servers")
            if url:
                self._check_url(m, "/etc/kubernetes/kubelet", "KUBELET_API_SERVER", url, "apiserver", apiserver)
            # KUBE_MASTER is read by the controller-manager, the scheduler and kube-proxy.
            url = m.flag("/etc/kubernetes/config", "--master")
            users = ("/etc/kubernetes/controller-manager", "/etc/kubernetes/scheduler", "/etc/kubernetes/proxy")
            if url and any(path in m.sys for path in users):
                self._check_url(m, "/etc/kubernetes/config", "KUBE_MASTER", url, "apiserver", apiserver)
            for path, server in m.kubeconfigs.items():
                if server:
                    self._check_url(m, path, "server", server, "apiserver", apiserver)
            for url in (m.flag("/etc/kubernetes/apiserver", "--etcd-servers") or "").split(","):
                if url:
                    self._check_url(m, "/etc/kubernetes/apiserver", "KUBE_ETCD_SERVERS", url, "etcd member", etcd)
            flanneld = m.sys.get("/etc/sysconfig/flanneld")
            if flanneld is not None:
                for url in flanneld.values.get("FLANNEL_ETCD_ENDPOINTS", "").split(","):
                    if url.strip():
                        self._check_url(m, "/etc/sysconfig/flanneld", "FLANNEL_ETCD_ENDPOINTS", url.strip(),
                                        "etcd member", etcd)


def lint(files: Mapping, kubernetes_version: str = CURRENT_VERSION, etcd_version: str | None = None) -> list[Finding]:
    """Check ``{path: text}`` (one machine) or ``{machine: {path: text}}`` (a cluster).

    Flags are judged against ``kubernetes_version`` (the course's v1.31 by
    default): a flag that version no longer has is an error, because the
    daemon stops on it. ``etcd_version`` (e.g. ``"3.3.11"``), when given, says
    which etcd defaults apply (unknown: etcd 3.4's). Findings come sorted by
    machine, file and key.
    """
    if etcd_version is not None:
        _etcd_release(etcd_version)
    findings = _Linter(_normalise(files), kubernetes_version, etcd_version).run()
    return sorted(set(findings), key=lambda f: (f.machine, f.path, SEVERITIES.index(f.severity), f.key, f.message))
