"""ServiceAccount: the identity a pod's processes use when they call the apiserver.

Every namespace has one named ``default``: the serviceaccounts controller
creates it as soon as the namespace exists, and the ServiceAccount admission
plugin gives it to every pod that names none (``spec.serviceAccountName``),
then mounts a short-lived token for it into each container at
``/var/run/secrets/kubernetes.io/serviceaccount``. Since v1.24 no Secret
holds that token: the kubelet asks the apiserver for a bound token
(TokenRequest) and projects it into the pod's ``kube-api-access-xxxxx``
volume, so ``secrets`` is usually empty.

Rules: ``ValidateServiceAccount`` in ``pkg/apis/core/validation/validation.go``.
"""

from __future__ import annotations

from .decoding import StructOf
from .meta import KubeObject
from .validation import is_dns1123_subdomain

#: The one every namespace gets (plugin/pkg/admission/serviceaccount: DefaultServiceAccountName).
DEFAULT_SERVICE_ACCOUNT = "default"


class ServiceAccount(KubeObject):
    """A namespaced identity for processes in pods; no spec, no status."""

    KIND = "ServiceAccount"
    RESOURCE = "serviceaccounts"
    SHORT_NAMES = ("sa",)
    NAME_RULE = staticmethod(is_dns1123_subdomain)  # ValidateServiceAccountName
    SCHEMA = StructOf("core.v1.ServiceAccount")

    __slots__ = ()  # ValidateServiceAccount checks only the metadata: the base class's rules
