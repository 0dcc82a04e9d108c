"""Static pods: pods a kubelet runs from its own manifest directory, with no scheduler involved.

The kubelet reads its ``staticPodPath`` (``--pod-manifest-path``, kubeadm's
``/etc/kubernetes/manifests``) when it starts and again every
``fileCheckFrequency``, 20 s (``pkg/kubelet/config/file.go``; on Linux,
inotify also reports changes at once, which the course leaves out). A file
that does not decode or validate is skipped; only the kubelet's log says so
(here ``Kubelet.static_pod_errors``). Each pod it reads
(``pkg/kubelet/config/common.go`` ``applyDefaults``):

* is named ``<name>-<node name>`` and lands in ``default`` if it names no
  namespace;
* gets a UID hashed from its manifest, the node and the file, also kept in
  the ``kubernetes.io/config.hash`` annotation, plus
  ``kubernetes.io/config.source: file`` and ``kubernetes.io/config.seen``;
* is bound to this node (``spec.nodeName``) and tolerates every NoExecute
  taint, so node trouble never evicts it.

The API server only ever sees a *mirror pod* (``pkg/kubelet/pod/mirror_client.go``):
a copy annotated ``kubernetes.io/config.mirror`` (the hash) and owned by the
Node. Deleting the mirror stops nothing: the kubelet creates it again.
Removing the manifest stops the pod, and the kubelet deletes the mirror.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from typing import Any, Mapping, Union

from k8scourse.api.meta import fast_copy
from k8scourse.api.pod import Pod
from k8scourse.timefmt import EPOCH, moment

FILE_CHECK_FREQUENCY = 20.0  # pkg/kubelet/apis/config/v1beta1/defaults.go: FileCheckFrequency
# pkg/kubelet/types/pod_update.go
CONFIG_SOURCE = "kubernetes.io/config.source"
CONFIG_MIRROR = "kubernetes.io/config.mirror"
CONFIG_HASH = "kubernetes.io/config.hash"
CONFIG_SEEN = "kubernetes.io/config.seen"
FILE_SOURCE = "file"
TOLERATE_NO_EXECUTE = {"operator": "Exists", "effect": "NoExecute"}

Manifests = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def read_manifests(source: Manifests) -> dict[str, Any]:
    """Path -> manifest (a mapping or YAML text) of every file in the manifest directory.

    ``source`` is a mapping standing in for the directory, read afresh each
    time (so adding or removing an entry is like adding or removing a file),
    or a real directory (or single file) on disk. Hidden files are ignored.
    """
    if isinstance(source, Mapping):
        return dict(source)
    path = os.fspath(source)
    if os.path.isfile(path):
        names, directory = [os.path.basename(path)], os.path.dirname(path)
    elif os.path.isdir(path):
        names, directory = sorted(os.listdir(path)), path
    else:
        return {}  # "path does not exist, ignoring"
    found = {}
    for name in names:
        full = os.path.join(directory, name)
        if not name.startswith(".") and os.path.isfile(full):
            with open(full, encoding="utf-8") as handle:
                found[full] = handle.read()
    return found


def static_pod(manifest: Any, path: str, node_name: str, now: float, epoch: datetime = EPOCH) -> dict:
    """The pod the kubelet runs for one manifest file; bad manifests raise K8sValueError."""
    pod = Pod.from_manifest(manifest).data
    hasher = hashlib.md5(json.dumps(pod, sort_keys=True).encode())  # stands in for DeepHashObject
    hasher.update(f"host:{node_name}file:{path}".encode())
    uid = hasher.hexdigest()
    meta, spec = pod["metadata"], pod["spec"]
    meta["name"] = f"{meta['name']}-{node_name.lower()}"
    meta["uid"] = uid
    meta.setdefault("annotations", {}).update(
        {CONFIG_HASH: uid, CONFIG_SEEN: rfc3339_nano(now, epoch), CONFIG_SOURCE: FILE_SOURCE})
    spec["nodeName"] = node_name
    tolerations = spec.setdefault("tolerations", [])
    if TOLERATE_NO_EXECUTE not in tolerations:
        tolerations.append(dict(TOLERATE_NO_EXECUTE))
    pod["status"] = {"phase": "Pending"}
    return pod


def mirror_pod(pod: Mapping[str, Any], node_name: str, node_uid: str) -> dict:
    """The copy of a static pod shown in the API server (``CreateMirrorPod``)."""
    mirror = fast_copy(dict(pod))
    meta = mirror["metadata"]
    meta.pop("uid", None)  # the API server gives the mirror its own
    meta["annotations"][CONFIG_MIRROR] = meta["annotations"][CONFIG_HASH]
    meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": node_uid,
                                "controller": True}]
    return mirror


def is_mirror(pod: Mapping[str, Any]) -> bool:
    return CONFIG_MIRROR in (pod["metadata"].get("annotations") or {})


def rfc3339_nano(seconds: float, epoch: datetime = EPOCH) -> str:
    """Go's RFC3339Nano: fractional seconds with trailing zeros dropped."""
    text = moment(seconds, epoch).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"
