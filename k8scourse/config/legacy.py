"""The flags in the notes that Kubernetes has since deprecated or removed.

For each: the daemons that took it, the release that deprecated it, the one
that removed it (None: still accepted, with a warning), and what replaced
it. Sources: the CHANGELOGs named beside each entry and the flag's
``MarkDeprecated`` text in the daemon's options.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import version_tuple


@dataclass(frozen=True)
class LegacyFlag:
    flag: str
    daemons: tuple[str, ...]
    deprecated: str
    removed: str | None
    replacement: str

    def deprecated_by(self, version: str) -> bool:
        return version_tuple(version) >= version_tuple(self.deprecated)

    def removed_by(self, version: str) -> bool:
        return self.removed is not None and version_tuple(version) >= version_tuple(self.removed)

    def describe(self) -> str:
        gone = f"removed in {self.removed}" if self.removed else "still accepted, with a warning"
        return f"{self.flag} was deprecated in {self.deprecated} and {gone}"


LEGACY_FLAGS: tuple[LegacyFlag, ...] = (
    # CHANGELOG-1.10 deprecated insecure serving; CHANGELOG-1.20 made it inert (#95856);
    # CHANGELOG-1.24 removed --address, --insecure-bind-address, --port, --insecure-port.
    LegacyFlag("--insecure-bind-address", ("kube-apiserver",), "v1.10", "v1.24",
               "--bind-address, serving TLS on --secure-port (insecure serving stopped in v1.20)"),
    LegacyFlag("--address", ("kube-apiserver",), "v1.10", "v1.24", "--bind-address"),
    LegacyFlag("--insecure-port", ("kube-apiserver",), "v1.10", "v1.24", "--secure-port (6443)"),
    LegacyFlag("--port", ("kube-apiserver",), "v1.10", "v1.24", "--secure-port (6443)"),
    # Marked deprecated in cmd/kube-apiserver/app/options/options.go ("kubelet-port is deprecated
    # and will be removed"); the apiserver reads each kubelet's port from Node.status.daemonEndpoints.
    LegacyFlag("--kubelet-port", ("kube-apiserver",), "v1.5", None,
               "nothing: each Node reports its kubelet port in status.daemonEndpoints"),
    # CHANGELOG-1.10: "--admission-control is deprecated", replaced by the two flags below (#58123).
    LegacyFlag("--admission-control", ("kube-apiserver",), "v1.10", None,
               "--enable-admission-plugins / --disable-admission-plugins (order no longer matters)"),
    # kubelet: "Flag --api-servers has been deprecated, Use --kubeconfig instead" (v1.4); gone in v1.8.
    LegacyFlag("--api-servers", ("kubelet",), "v1.4", "v1.8", "--kubeconfig naming the apiserver's https URL"),
    # The kubelet's settings moved into the KubeletConfiguration file (--config, beta in v1.10; #60148): its
    # flags say "DEPRECATED: This parameter should be set via the config file specified by the Kubelet's --config flag."
    LegacyFlag("--address", ("kubelet",), "v1.10", None, "address: in the KubeletConfiguration (--config)"),
    LegacyFlag("--port", ("kubelet",), "v1.10", None, "port: in the KubeletConfiguration (--config)"),
    # CHANGELOG-1.24: "The --pod-infra-container-image kubelet flag is deprecated".
    LegacyFlag("--pod-infra-container-image", ("kubelet",), "v1.24", None,
               "the container runtime's sandbox image (containerd's sandbox_image)"),
    # v1.10's kubelet logs "Flag --allow-privileged has been deprecated"; it defaults to true from v1.11
    # and is gone in v1.15.
    LegacyFlag("--allow-privileged", ("kubelet",), "v1.10", "v1.15",
               "nothing on the kubelet: PodSecurity admission decides who may run privileged pods"),
    # klog flags, KEP-2845: deprecated in v1.23, removed in v1.26.
    LegacyFlag("--logtostderr", ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet",
                                 "kube-proxy"), "v1.23", "v1.26", "nothing: logs go to stderr by default"),
    # CHANGELOG-1.24: kube-controller-manager's insecure --address and --port, inert since v1.20, removed.
    LegacyFlag("--address", ("kube-controller-manager", "kube-scheduler"), "v1.20", "v1.24", "--bind-address"),
    LegacyFlag("--port", ("kube-controller-manager", "kube-scheduler"), "v1.20", "v1.24", "--secure-port"),
)


def legacy_flag(daemon: str, flag: str) -> LegacyFlag | None:
    for entry in LEGACY_FLAGS:
        if entry.flag == flag and daemon in entry.daemons:
            return entry
    return None
