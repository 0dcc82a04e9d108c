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

from .decoding import BOOL, STRING, ListOf, Struct
from .meta import KubeObject, object_struct
from .validation import is_dns1123_subdomain

_OBJECT_REFERENCE = Struct("v1.ObjectReference", {
    "kind": STRING, "namespace": STRING, "name": STRING, "uid": STRING, "apiVersion": STRING,
    "resourceVersion": STRING, "fieldPath": STRING,
})
_LOCAL_OBJECT_REFERENCE = Struct("v1.LocalObjectReference", {"name": STRING})

#: The one every namespace gets (plugin/pkg/admission/serviceaccount: DefaultServiceAccountName).
DEFAULT_SERVICE_ACCOUNT = "default"


class ServiceAccount(KubeObject):
    """A namespaced identity for processes in pods; no spec, no status."""

    KIND = "ServiceAccount"
    RESOURCE = "serviceaccounts"
    SHORT_NAMES = ("sa",)
    NAME_RULE = staticmethod(is_dns1123_subdomain)  # ValidateServiceAccountName
    SCHEMA = object_struct("v1.ServiceAccount", secrets=ListOf(_OBJECT_REFERENCE),
                           imagePullSecrets=ListOf(_LOCAL_OBJECT_REFERENCE), automountServiceAccountToken=BOOL)

    __slots__ = ()  # ValidateServiceAccount checks only the metadata: the base class's rules
