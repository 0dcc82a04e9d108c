"""Admission plugins: the apiserver's last say before an object is stored.

Which plugins run is kube-apiserver's ``--enable-admission-plugins`` (the
seed's ``--admission-control``). Two lists matter to the course:

* ``AdmissionChain.V1_31_PLUGINS``: what a v1.31 cluster made by kubeadm runs,
  the plugins enabled by default (``DefaultOffAdmissionPlugins`` in
  ``pkg/kubeapiserver/options/plugins.go``) that act on the kinds the course
  serves. Left out because nothing here is theirs to act on: the webhook and
  ValidatingAdmissionPolicy plugins (no configurations), DefaultStorageClass,
  PersistentVolumeClaimResize, StorageObjectInUseProtection (no volumes),
  the certificate plugins (no CSRs), DefaultIngressClass (no Ingresses), and
  kubeadm's NodeRestriction, which limits what a kubelet's own credentials
  may change (the simulation has no credentials);
* ``AdmissionChain.SEED_PLUGINS``: the seed's four,
  ``NamespaceLifecycle,NamespaceExists,LimitRanger,ResourceQuota``.

Each plugin module does what the real one (``plugin/pkg/admission/...``)
does for the course's objects and refuses with the real one's words.
Whatever the list's order, plugins run in upstream's (``AllOrderedPlugins``):
first every plugin's mutating hook, then every plugin's validating hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from k8scourse.api.errors import FieldValidationError, invalid

from .limitranger import LimitRanger
from .namespace import NamespaceExists, NamespaceLifecycle
from .nodetaint import TaintNodesByCondition
from .plugin import AdmissionPlugin, Kind, group_resource
from .podsecurity import PodSecurity
from .priority import Priority
from .resourcequota import ResourceQuota
from .runtimeclass import RuntimeClass
from .serviceaccount import ServiceAccount
from .tolerations import DefaultTolerationSeconds

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer

#: The plugins the course has, in AllOrderedPlugins' order (pkg/kubeapiserver/options/plugins.go).
PLUGINS: dict[str, type[AdmissionPlugin]] = {cls.__name__: cls for cls in (
    NamespaceLifecycle, NamespaceExists, LimitRanger, ServiceAccount, TaintNodesByCondition, PodSecurity,
    Priority, DefaultTolerationSeconds, RuntimeClass, ResourceQuota,
)}


class AdmissionChain:
    """The enabled plugins: ``admit`` runs the mutating phase, ``validate`` the validating one."""

    #: The seed's --admission-control list.
    SEED_PLUGINS = ("NamespaceLifecycle", "NamespaceExists", "LimitRanger", "ResourceQuota")
    #: v1.31's default-enabled plugins that act on the course's kinds (a kubeadm cluster's).
    V1_31_PLUGINS = ("NamespaceLifecycle", "LimitRanger", "ServiceAccount", "TaintNodesByCondition", "PodSecurity",
                     "Priority", "DefaultTolerationSeconds", "RuntimeClass", "ResourceQuota")

    def __init__(self, api: APIServer, names: Iterable[str] | str) -> None:
        """``names``: plugin names, or the flag's comma-separated text (``"NamespaceLifecycle,LimitRanger"``)."""
        names = names.split(",") if isinstance(names, str) else list(names)
        if not all(isinstance(name, str) for name in names):
            raise TypeError(f"admission plugins must be names (str), not {names!r}")
        unknown = [n for n in names if n not in PLUGINS]
        if unknown:
            raise FieldValidationError([invalid("--enable-admission-plugins", unknown[0],
                                                f'plugin "{unknown[0]}" is unknown; known plugins: '
                                                + ", ".join(PLUGINS))])
        self.api = api
        self.names = tuple(n for n in PLUGINS if n in names)
        self.enabled = [PLUGINS[n]() for n in self.names]

    def admit(self, operation: str, info: Kind, obj: dict, old: dict | None = None) -> None:
        """The mutating phase: plugins may change ``obj`` (before defaults are checked by validation)."""
        for plugin in self.enabled:
            plugin.admit(self.api, operation, info, obj, old)

    def validate(self, operation: str, info: Kind, obj: dict, old: dict | None = None) -> None:
        """The validating phase: after validation, plugins may only refuse."""
        for plugin in self.enabled:
            plugin.validate(self.api, operation, info, obj, old)


__all__ = ["AdmissionChain", "AdmissionPlugin", "Kind", "PLUGINS", "group_resource"]
