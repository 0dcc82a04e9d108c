"""Volumes and volume mounts: ``ValidateVolumes``, ``validateVolumeSource``, ``ValidateVolumeMounts``.

A volume names exactly one source. Upstream checks the sources in the order
of the internal ``core.VolumeSource`` struct (not the manifest's order) and
reports every source after the first as ``may not specify more than 1
volume type``; the path of that error keeps upstream's spelling, including
its typos (``downwarAPI``, ``cephFS``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..errors import DUPLICATE, TOO_LONG, FieldError, forbidden, invalid, not_supported, required
from ..quantity import QuantityError
from ..resources import manifest_quantity
from ..validation import is_dns1123_label, is_dns1123_subdomain
from .common import (FILE_MODE_ERROR, each_message, local_descending_path_errors, local_non_reserved_path_errors,
                     no_backsteps_errors, not_found)
from .env import object_field_selector_errors, resource_field_selector_errors

MORE_THAN_ONE = "may not specify more than 1 volume type"

# validation.go supportedHostPathTypes, as sets.List sorts them
HOST_PATH_TYPES = ("", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket")
# validVolumeDownwardAPIFieldPathExpressions
VOLUME_DOWNWARD_API_FIELDS = ("metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace",
                              "metadata.uid")
MOUNT_PROPAGATIONS = ("Bidirectional", "HostToContainer", "None")
RECURSIVE_READ_ONLY = ("Disabled", "Enabled", "IfPossible")


def _mode_errors(source: Mapping[str, Any], key: str, path: str) -> list[FieldError]:
    mode = source.get(key)
    return [invalid(f"{path}.{key}", mode, FILE_MODE_ERROR)] if mode is not None and not 0 <= mode <= 0o777 else []


def key_to_path_errors(item: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateKeyToPath: one item of a configMap/secret volume."""
    errors = [] if item.get("key") else [required(f"{path}.key")]
    target = item.get("path", "")
    if not target:
        errors.append(required(f"{path}.path"))
    errors += local_non_reserved_path_errors(target, f"{path}.path")
    return errors + _mode_errors(item, "mode", path)


def _empty_dir(source: Mapping[str, Any], path: str) -> list[FieldError]:
    limit = source.get("sizeLimit")
    if limit is None:
        return []
    try:
        negative = manifest_quantity(limit).sign() < 0
    except QuantityError as err:  # the real apiserver fails decoding here; name the field instead
        return [invalid(f"{path}.sizeLimit", limit, str(err))]
    return [forbidden(f"{path}.sizeLimit", "SizeLimit field must be a valid resource quantity")] if negative else []


def _host_path(source: Mapping[str, Any], path: str) -> list[FieldError]:
    target = source.get("path", "")
    if not target:
        return [required(f"{path}.path")]
    errors = no_backsteps_errors(target, f"{path}.path")
    kind = source.get("type")
    if kind is not None and kind not in HOST_PATH_TYPES:
        errors.append(not_supported(f"{path}.type", kind, HOST_PATH_TYPES))
    return errors


def _items(source: Mapping[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, item in enumerate(source.get("items") or ()):
        errors += key_to_path_errors(item, f"{path}.items[{i}]")
    return errors


def _secret(source: Mapping[str, Any], path: str) -> list[FieldError]:
    errors = [] if source.get("secretName") else [required(f"{path}.secretName")]
    return errors + _mode_errors(source, "defaultMode", path) + _items(source, path)


def _config_map(source: Mapping[str, Any], path: str) -> list[FieldError]:
    errors = [] if source.get("name") else [required(f"{path}.name")]
    return errors + _mode_errors(source, "defaultMode", path) + _items(source, path)


def _claim(source: Mapping[str, Any], path: str) -> list[FieldError]:
    return [] if source.get("claimName") else [required(f"{path}.claimName")]


def _downward_api_file(file: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateDownwardAPIVolumeFile: a path and exactly one of fieldRef, resourceFieldRef."""
    target = file.get("path", "")
    errors = [] if target else [required(f"{path}.path")]
    errors += local_non_reserved_path_errors(target, f"{path}.path")
    if "fieldRef" in file:
        errors += object_field_selector_errors(file["fieldRef"], VOLUME_DOWNWARD_API_FIELDS, f"{path}.fieldRef")
        if "resourceFieldRef" in file:
            errors.append(invalid(path, "resource",
                                  "fieldRef and resourceFieldRef can not be specified simultaneously"))
    elif "resourceFieldRef" in file:
        errors += resource_field_selector_errors(file["resourceFieldRef"], f"{path}.resourceFieldRef", volume=True)
    else:
        errors.append(required(path, "one of fieldRef and resourceFieldRef is required"))
    return errors + _mode_errors(file, "mode", path)


def _downward_api(source: Mapping[str, Any], path: str) -> list[FieldError]:
    errors = _mode_errors(source, "defaultMode", path)
    for file in source.get("items") or ():
        errors += _downward_api_file(file, path)  # upstream reports items at the source's path
    return errors


def _projected(source: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateProjectedVolumeSource and validateProjectionSources."""
    errors = _mode_errors(source, "defaultMode", path)
    seen: set[str] = set()

    def claim(target: str, shown: str) -> None:
        if target in seen:
            errors.append(invalid(path, shown, "conflicting duplicate paths"))
        seen.add(target)

    for i, projection in enumerate(source.get("sources") or ()):
        at = f"{path}.sources[{i}]"
        for kind in ("secret", "configMap"):
            if kind in projection:
                ref = projection[kind]
                if not ref.get("name"):
                    errors.append(required(f"{at}.{kind}.name"))
                for j, item in enumerate(ref.get("items") or ()):
                    errors += key_to_path_errors(item, f"{at}.{kind}.items[{j}]")
                    if item.get("path"):
                        claim(item["path"], ref.get("name", ""))
        if "downwardAPI" in projection:
            for file in projection["downwardAPI"].get("items") or ():
                errors += _downward_api_file(file, f"{at}.downwardAPI")
                if file.get("path"):
                    claim(file["path"], file["path"])
        if "serviceAccountToken" in projection:
            token = projection["serviceAccountToken"]
            seconds = token.get("expirationSeconds", 0)
            if seconds < 10 * 60:
                errors.append(invalid(f"{at}.serviceAccountToken.expirationSeconds", seconds,
                                      "may not specify a duration less than 10 minutes"))
            if seconds > 1 << 32:
                errors.append(invalid(f"{at}.serviceAccountToken.expirationSeconds", seconds,
                                      "may not specify a duration larger than 2^32 seconds"))
            if not token.get("path"):
                errors.append(required(f"{path}.path"))  # upstream's path, not the source's
            else:
                errors += local_non_reserved_path_errors(token["path"], f"{path}.path")
        if "clusterTrustBundle" in projection:  # alpha in v1.31: only its path is checked here
            bundle = projection["clusterTrustBundle"]
            if not bundle.get("path"):
                errors.append(required(f"{at}.clusterTrustBundle.path"))
            errors += local_non_reserved_path_errors(bundle.get("path", ""), f"{at}.clusterTrustBundle.path")
        kinds = sum(k in projection for k in ("secret", "configMap", "downwardAPI", "serviceAccountToken",
                                              "clusterTrustBundle"))
        if kinds > 1:
            errors.append(forbidden(at, "may not specify more than 1 volume type per source"))
    return errors


def _git_repo(source: Mapping[str, Any], path: str) -> list[FieldError]:
    errors = [] if source.get("repository") else [required(f"{path}.repository")]
    return errors + local_descending_path_errors(source.get("directory", ""), f"{path}.directory")


def _nfs(source: Mapping[str, Any], path: str) -> list[FieldError]:
    errors = [required(f"{path}.{k}") for k in ("server", "path") if not source.get(k)]
    if not source.get("path", "").startswith("/"):
        errors.append(invalid(f"{path}.path", source.get("path", ""), "must be an absolute path"))
    return errors


def _csi(source: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateCSIVolumeSource: ValidateCSIDriverName."""
    driver = source.get("driver", "")
    errors = [] if driver else [required(f"{path}.driver")]
    if len(driver) > 63:
        errors.append(FieldError(f"{path}.driver", TOO_LONG, None, "may not be more than 63 bytes"))
    errors += [invalid(f"{path}.driver", driver, m) for m in is_dns1123_subdomain(driver.lower())]
    secret = source.get("nodePublishSecretRef")
    if secret is not None and not secret.get("name"):
        errors.append(required(f"{path}.nodePublishSecretRef.name"))
    return errors


def _ephemeral(source: Mapping[str, Any], path: str) -> list[FieldError]:
    return [] if "volumeClaimTemplate" in source else [required(f"{path}.volumeClaimTemplate")]


def _required_fields(*fields: str) -> Callable[[Mapping[str, Any], str], list[FieldError]]:
    """The sources whose only rule is that some fields are set (cloud and network disks)."""
    def check(source: Mapping[str, Any], path: str) -> list[FieldError]:
        return [required(f"{path}.{f}") for f in fields if not source.get(f)]
    return check


def _none(source: Mapping[str, Any], path: str) -> list[FieldError]:
    return []


# (manifest key, path of the "more than 1" error, path of its own errors, its rules), in core.VolumeSource
# order as validateVolumeSource walks it. Rules of the rarely used sources are their required fields only.
SOURCES: tuple[tuple[str, str, str, Callable[[Mapping[str, Any], str], list[FieldError]]], ...] = (
    ("emptyDir", "emptyDir", "emptyDir", _empty_dir),
    ("hostPath", "hostPath", "hostPath", _host_path),
    ("gitRepo", "gitRepo", "gitRepo", _git_repo),
    ("gcePersistentDisk", "gcePersistentDisk", "persistentDisk", _required_fields("pdName")),
    ("awsElasticBlockStore", "awsElasticBlockStore", "awsElasticBlockStore", _required_fields("volumeID")),
    ("secret", "secret", "secret", _secret),
    ("nfs", "nfs", "nfs", _nfs),
    ("iscsi", "iscsi", "iscsi", _required_fields("targetPortal", "iqn")),
    ("glusterfs", "glusterfs", "glusterfs", _required_fields("endpoints", "path")),
    ("flocker", "flocker", "flocker", _none),
    ("persistentVolumeClaim", "persistentVolumeClaim", "persistentVolumeClaim", _claim),
    ("rbd", "rbd", "rbd", _required_fields("monitors", "image")),
    ("cinder", "cinder", "cinder", _required_fields("volumeID")),
    ("cephfs", "cephFS", "cephfs", _required_fields("monitors")),
    ("quobyte", "quobyte", "quobyte", _required_fields("volume")),
    ("downwardAPI", "downwarAPI", "downwardAPI", _downward_api),
    ("fc", "fc", "fc", _none),
    ("flexVolume", "flexVolume", "flexVolume", _required_fields("driver")),
    ("configMap", "configMap", "configMap", _config_map),
    ("azureFile", "azureFile", "azureFile", _required_fields("secretName", "shareName")),
    ("vsphereVolume", "vsphereVolume", "vsphereVolume", _required_fields("volumePath")),
    ("photonPersistentDisk", "photonPersistentDisk", "photonPersistentDisk", _required_fields("pdID")),
    ("portworxVolume", "portworxVolume", "portworxVolume", _required_fields("volumeID")),
    ("azureDisk", "azureDisk", "azureDisk", _required_fields("diskName", "diskURI")),
    ("storageos", "storageos", "storageos", _required_fields("volumeName")),
    ("projected", "projected", "projected", _projected),
    ("scaleIO", "scaleIO", "scaleIO", _required_fields("gateway", "system", "volumeName")),
    ("csi", "csi", "csi", _csi),
    ("ephemeral", "ephemeral", "ephemeral", _ephemeral),
    ("image", "image", "image", _none),
)
VOLUME_SOURCES = tuple(key for key, _, _, _ in SOURCES)


def volume_source_errors(volume: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateVolumeSource: exactly one source, then that source's own rules."""
    errors: list[FieldError] = []
    found = 0
    for key, extra_path, own_path, rules in SOURCES:
        if key not in volume:
            continue
        if found:
            errors.append(forbidden(f"{path}.{extra_path}", MORE_THAN_ONE))
            continue
        found += 1
        errors += rules(volume[key], f"{path}.{own_path}")
    if not found:
        errors.append(required(path, "must specify a volume type"))
    return errors


def volumes_errors(volumes: list[dict], path: str) -> tuple[dict[str, dict], list[FieldError]]:
    """ValidateVolumes: each volume valid and uniquely DNS-label named; returns the valid ones by name."""
    valid: dict[str, dict] = {}
    errors: list[FieldError] = []
    for i, volume in enumerate(volumes):
        at = f"{path}[{i}]"
        problems = volume_source_errors(volume, at)
        name = volume.get("name", "")
        if not name:
            problems.append(required(f"{at}.name"))
        else:
            problems += each_message(is_dns1123_label, name, f"{at}.name")
        if name in valid:
            problems.append(FieldError(f"{at}.name", DUPLICATE, name))
        if problems:
            errors += problems
        else:
            valid[name] = volume
    return valid, errors


def volume_mount_errors(mounts: list[dict], devices: list[dict], volumes: Mapping[str, dict],
                        container: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateVolumeMounts: each names a valid volume of the pod, at a distinct path."""
    errors: list[FieldError] = []
    mount_paths: set[str] = set()
    device_paths = {d.get("devicePath", "") for d in devices}
    device_names = {d.get("name", "") for d in devices}
    privileged = bool((container.get("securityContext") or {}).get("privileged"))
    for i, mount in enumerate(mounts):
        at = f"{path}[{i}]"
        name, mount_path = mount.get("name", ""), mount.get("mountPath", "")
        if not name:
            errors.append(required(f"{at}.name"))
        if name not in volumes:
            errors.append(not_found(f"{at}.name", name))
        if not mount_path:
            errors.append(required(f"{at}.mountPath"))
        if mount_path in mount_paths:
            errors.append(invalid(f"{at}.mountPath", mount_path, "must be unique"))
        mount_paths.add(mount_path)
        if name in device_names:
            errors.append(invalid(f"{at}.name", name, "must not already exist in volumeDevices"))
        if mount_path in device_paths:
            errors.append(invalid(f"{at}.mountPath", mount_path, "must not already exist as a path in volumeDevices"))
        sub_path, sub_expr = mount.get("subPath", ""), mount.get("subPathExpr", "")
        if sub_path:  # upstream names the list, not the item, for these two
            errors += local_descending_path_errors(sub_path, f"{path}.subPath")
        if sub_expr:
            if sub_path:
                errors.append(invalid(f"{at}.subPathExpr", sub_expr, "subPathExpr and subPath are mutually exclusive"))
            errors += local_descending_path_errors(sub_expr, f"{path}.subPathExpr")
        propagation = mount.get("mountPropagation")
        if propagation is not None:
            if propagation not in MOUNT_PROPAGATIONS:
                errors.append(not_supported(f"{path}.mountPropagation", propagation, MOUNT_PROPAGATIONS))
            if propagation == "Bidirectional" and not privileged:
                errors.append(forbidden(f"{path}.mountPropagation",
                                        "Bidirectional mount propagation is available only to privileged containers"))
        errors += _recursive_read_only_errors(mount, f"{path}.recursiveReadOnly")
    return errors


def _recursive_read_only_errors(mount: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateMountRecursiveReadOnly."""
    mode = mount.get("recursiveReadOnly")
    if mode is None or mode == "Disabled":
        return []
    if mode not in RECURSIVE_READ_ONLY:
        return [not_supported(path, mode, RECURSIVE_READ_ONLY)]
    errors = [] if mount.get("readOnly") else [forbidden(path, "may only be specified when readOnly is true")]
    if mount.get("mountPropagation") not in (None, "None"):
        errors.append(forbidden(path, "may only be specified when mountPropagation is None or not specified"))
    return errors


def volume_device_errors(devices: list[dict], mounts: list[dict], volumes: Mapping[str, dict],
                         path: str) -> list[FieldError]:
    """ValidateVolumeDevices: raw block devices come only from claims."""
    errors: list[FieldError] = []
    names: set[str] = set()
    paths: set[str] = set()
    mount_names = {m.get("name", "") for m in mounts}
    mount_paths = {m.get("mountPath", "") for m in mounts}
    for i, device in enumerate(devices):
        at = f"{path}[{i}]"
        name, device_path = device.get("name", ""), device.get("devicePath", "")
        if not name:
            errors.append(required(f"{at}.name"))
        if name in names:
            errors.append(invalid(f"{at}.name", name, "must be unique"))
        volume = volumes.get(name)
        if volume is not None and "persistentVolumeClaim" not in volume and "ephemeral" not in volume:
            errors.append(invalid(f"{at}.name", name, "can only use volume source type of "
                                                      "PersistentVolumeClaim or Ephemeral for block mode"))
        if volume is None:
            errors.append(not_found(f"{at}.name", name))
        if not device_path:
            errors.append(required(f"{at}.devicePath"))
        if device_path in paths:
            errors.append(invalid(f"{at}.devicePath", device_path, "must be unique"))
        if device_path and ".." in device_path.split("/"):
            errors.append(invalid(f"{at}.devicePath", device_path, "can not contain backsteps ('..')"))
        else:
            paths.add(device_path)
        if name in mount_names:
            errors.append(invalid(f"{at}.name", name, "must not already exist in volumeMounts"))
        if device_path in mount_paths:
            errors.append(invalid(f"{at}.devicePath", device_path, "must not already exist as a path in volumeMounts"))
        if name:
            names.add(name)
    return errors
