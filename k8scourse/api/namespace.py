"""Namespace: a name scope for namespaced objects (pods, services, ...), and a unit of policy.

Namespaces are cluster-scoped and their names are DNS-1123 *labels* (no dots),
because they become part of DNS names (``web.shop.svc.cluster.local``).
The apiserver labels each one with its own name, so that selectors (network
policies, webhooks) can pick namespaces by name.

Defaults: ``SetDefaults_Namespace`` and ``SetDefaults_NamespaceStatus`` in
``pkg/apis/core/v1/defaults.go``; rules: ``ValidateNamespace``.
"""

from __future__ import annotations

from .decoding import StructOf
from .errors import FieldError, invalid
from .meta import KubeObject, kube_finalizer_errors
from .validation import is_dns1123_label, is_qualified_name

METADATA_NAME_LABEL = "kubernetes.io/metadata.name"  # v1.LabelMetadataName


class Namespace(KubeObject):
    """A scope for names; deleting it deletes everything in it."""

    KIND = "Namespace"
    RESOURCE = "namespaces"
    SHORT_NAMES = ("ns",)
    NAMESPACED = False
    NAME_RULE = staticmethod(is_dns1123_label)  # ValidateNamespaceName
    SCHEMA = StructOf("core.v1.Namespace")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        meta = self.data["metadata"]
        if meta.get("name"):  # always set, even over a user's own value
            meta.setdefault("labels", {})[METADATA_NAME_LABEL] = meta["name"]
        self.data.setdefault("status", {}).setdefault("phase", "Active")

    def field_errors(self) -> list[FieldError]:
        errors = super().field_errors()
        for name in self.spec.get("finalizers") or ():  # upstream names no index here
            errors += [invalid("spec.finalizers", name, m) for m in is_qualified_name(name)]
            errors += kube_finalizer_errors(name, "spec.finalizers")
        return errors

    @property
    def phase(self) -> str:
        """``Active``, or ``Terminating`` while its contents are being deleted."""
        return self.status.get("phase", "Active")
