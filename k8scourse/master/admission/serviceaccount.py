"""ServiceAccount: every pod runs as a ServiceAccount and gets its token mounted.

``plugin/pkg/admission/serviceaccount/admission.go``, on pod CREATE:

1. mutating: a pod that names no ServiceAccount gets ``default``; the
   ServiceAccount must exist (the serviceaccounts controller creates
   ``default`` in each new namespace, so a pod sent in the instant between
   is refused); unless the pod or the ServiceAccount turns
   ``automountServiceAccountToken`` off, a projected ``kube-api-access-xxxxx``
   volume (a bound token valid 3607 s, the cluster's CA from the
   ``kube-root-ca.crt`` ConfigMap, the pod's namespace) is added and mounted
   read-only in every container at ``/var/run/secrets/kubernetes.io/serviceaccount``;
2. validating: the ServiceAccount still exists. Mirror pods (a kubelet's
   static pods) are never changed, and may not name a ServiceAccount.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.api.errors import StatusError, forbidden_request
from k8scourse.api.meta import generate_name
from k8scourse.api.serviceaccount import DEFAULT_SERVICE_ACCOUNT
from k8scourse.node.static_pods import CONFIG_MIRROR

from .plugin import AdmissionPlugin, Kind

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer

TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"  # DefaultAPITokenMountPath
VOLUME_PREFIX = "kube-api-access-"  # ServiceAccountVolumeName + "-"
#: The bound token's lifetime: an hour and 7 s, so clients can tell it from a real hour
#: (pkg/serviceaccount/claims.go WarnOnlyBoundTokenExpirationSeconds).
TOKEN_EXPIRATION_SECONDS = 3607
ROOT_CA_CONFIG_MAP = "kube-root-ca.crt"  # published in every namespace by the root-ca-cert-publisher
PROJECTED_DEFAULT_MODE = 0o644  # v1.ProjectedVolumeSourceDefaultMode (420)


def token_volume_source() -> dict:
    """TokenVolumeSource: the projected sources of ``kube-api-access-xxxxx``, in v1 field order."""
    return {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
            {"configMap": {"name": ROOT_CA_CONFIG_MAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ],
        "defaultMode": PROJECTED_DEFAULT_MODE,
    }


def _applies(operation: str, info: Kind) -> bool:
    return info.RESOURCE == "pods" and operation == "CREATE"


def _is_mirror(pod: dict) -> bool:
    return CONFIG_MIRROR in (pod["metadata"].get("annotations") or {})


def _service_account(api: APIServer, pod: dict) -> dict:
    """getServiceAccount; a missing one is refused as upstream words it."""
    namespace, name = pod["metadata"]["namespace"], pod["spec"]["serviceAccountName"]
    try:
        return api.get("serviceaccounts", name, namespace)
    except StatusError as err:
        if err.reason != "NotFound":
            raise
        # errors.NewNotFound(api.Resource("serviceaccount"), name): the singular, as upstream has it
        raise forbidden_request("pods", pod["metadata"].get("name", ""),
                                f"error looking up service account {namespace}/{name}: "
                                f'serviceaccount "{name}" not found') from None


def _should_automount(service_account: dict, pod: dict) -> bool:
    """shouldAutomount: the pod's choice wins, then the ServiceAccount's, else yes."""
    for choice in (pod["spec"].get("automountServiceAccountToken"),
                   service_account.get("automountServiceAccountToken")):
        if choice is not None:
            return bool(choice)
    return True


def mount_token(api: APIServer, pod: dict) -> None:
    """mountServiceAccountToken: one projected volume, mounted by every container that
    doesn't already mount something at the token path. Its suffix comes from the
    cluster's seeded RNG (names.SimpleNameGenerator upstream)."""
    spec = pod["spec"]
    volumes = spec.get("volumes") or []
    names = [v.get("name") for v in volumes if isinstance(v, dict)]
    existing = next((n for n in names if isinstance(n, str) and n.startswith(VOLUME_PREFIX)), None)
    name = existing or generate_name(VOLUME_PREFIX, api.rng)
    mount = {"name": name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH}
    needed = False
    for container in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        mounts = container.get("volumeMounts") or []
        if not any(isinstance(m, dict) and m.get("mountPath") == TOKEN_MOUNT_PATH for m in mounts):
            container["volumeMounts"] = [*mounts, dict(mount)]
            needed = True
    if existing is None and needed:
        spec["volumes"] = [*volumes, {"name": name, "projected": token_volume_source()}]


def _references_secrets(spec: dict) -> bool:
    """podutil.VisitPodSecretNames found anything: pull secrets, secret volumes, env from secrets."""
    if spec.get("imagePullSecrets"):
        return True
    for volume in spec.get("volumes") or ():
        projected = volume.get("projected")
        sources = (projected.get("sources") or ()) if isinstance(projected, dict) else ()
        if "secret" in volume or any(isinstance(source, dict) and "secret" in source for source in sources):
            return True
    for container in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        if any(isinstance(source, dict) and "secretRef" in source for source in container.get("envFrom") or ()):
            return True
        if any(isinstance(var.get("valueFrom"), dict) and "secretKeyRef" in var["valueFrom"]
               for var in container.get("env") or ()):
            return True
    return False


class ServiceAccount(AdmissionPlugin):
    """Give pods the ``default`` ServiceAccount and mount its token."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        if not _applies(operation, info) or _is_mirror(obj):
            return  # a mirror pod is only checked, in validate
        spec = obj["spec"]
        if not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = DEFAULT_SERVICE_ACCOUNT
        service_account = _service_account(api, obj)
        if _should_automount(service_account, obj):
            mount_token(api, obj)
        pull_secrets = service_account.get("imagePullSecrets")
        if not spec.get("imagePullSecrets") and pull_secrets:
            spec["imagePullSecrets"] = [{"name": ref.get("name", "")} for ref in pull_secrets]

    def validate(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        if not _applies(operation, info):
            return
        name, namespace = obj["metadata"]["name"], obj["metadata"]["namespace"]
        if _is_mirror(obj):
            if obj["spec"].get("serviceAccountName"):
                raise forbidden_request("pods", name, "a mirror pod may not reference service accounts")
            if _references_secrets(obj["spec"]):
                raise forbidden_request("pods", name, "a mirror pod may not reference secrets")
            for volume in obj["spec"].get("volumes") or ():
                projected = volume.get("projected")
                sources = (projected.get("sources") or ()) if isinstance(projected, dict) else ()
                if any(isinstance(source, dict) and "serviceAccountToken" in source for source in sources):
                    raise forbidden_request("pods", name,
                                            "a mirror pod may not use ServiceAccountToken volume projections")
            return
        if not obj["spec"].get("serviceAccountName"):
            raise forbidden_request("pods", name, f"no service account specified for pod {namespace}/{name}")
        _service_account(api, obj)
