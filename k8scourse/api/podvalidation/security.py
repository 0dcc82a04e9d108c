"""Security contexts: ``validatePodSpecSecurityContext`` and ``ValidateSecurityContext``.

Users and groups are ids from 0 to 2147483647; seccomp and AppArmor
profiles name a type (``RuntimeDefault``, ``Unconfined`` or ``Localhost``
with a profile file); ``allowPrivilegeEscalation: false`` contradicts
``privileged: true``. The course's clusters run the apiserver as kubeadm
does, with ``--allow-privileged=true``, so privileged containers are allowed.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..errors import DUPLICATE, TOO_LONG, FieldError, forbidden, invalid, not_supported, required
from ..meta import GoValue
from ..validation import is_dns1123_subdomain
from .common import local_descending_path_errors, user_id_errors

SECCOMP_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")
APPARMOR_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")
PROC_MOUNT_TYPES = ("Default", "Unmasked")
FS_GROUP_CHANGE_POLICIES = ("Always", "OnRootMismatch")  # validFSGroupChangePolicies, sorted
SYSCTL_MAX_LENGTH = 253
_SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
SYSCTL_PATTERN = f"^({_SYSCTL_SEGMENT}[\\./])*{_SYSCTL_SEGMENT}$"  # SysctlContainSlashFmt, anchored
_SYSCTL = re.compile(SYSCTL_PATTERN)
# k8s.io/component-helpers/node/util/sysctl namespaces: net.* belongs to the network namespace,
# kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* to the IPC one
_IPC_SYSCTLS = ("kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue.")


def seccomp_profile_errors(profile: Mapping[str, Any] | None, path: str) -> list[FieldError]:
    """validateSeccompProfileField."""
    if profile is None:
        return []
    kind = profile.get("type", "")
    errors: list[FieldError] = []
    if not kind:
        errors.append(required(f"{path}.type", "type is required when seccompProfile is set"))
    elif kind not in SECCOMP_TYPES:
        errors.append(not_supported(f"{path}.type", kind, SECCOMP_TYPES))
    local = profile.get("localhostProfile")
    if kind == "Localhost":
        if local is None:
            errors.append(required(f"{path}.localhostProfile", "must be set when seccomp type is Localhost"))
        else:
            errors += local_descending_path_errors(local, f"{path}.localhostProfile")
    elif local is not None:
        shown = GoValue(f'&core.SeccompProfile{{Type:"{kind}", LocalhostProfile:(*string)(0x…)}}')
        errors.append(invalid(f"{path}.localhostProfile", shown, "can only be set when seccomp type is Localhost"))
    return errors


def apparmor_profile_errors(profile: Mapping[str, Any] | None, path: str) -> list[FieldError]:
    """ValidateAppArmorProfileField."""
    if profile is None:
        return []
    kind, local = profile.get("type", ""), profile.get("localhostProfile")
    if kind == "Localhost":
        if local is None:
            return [required(f"{path}.localhostProfile", "must be set when AppArmor type is Localhost")]
        errors: list[FieldError] = []
        if local.strip() != local:
            errors.append(invalid(f"{path}.localhostProfile", local, "must not be padded with whitespace"))
        elif not local:
            errors.append(required(f"{path}.localhostProfile", "must be set when AppArmor type is Localhost"))
        if len(local.encode()) > 4095:  # PATH_MAX - 1
            errors.append(FieldError(f"{path}.localhostProfile", TOO_LONG, None, "may not be more than 4095 bytes"))
        return errors
    if kind in ("RuntimeDefault", "Unconfined"):
        return [invalid(f"{path}.localhostProfile", local, "can only be set when AppArmor type is Localhost")] \
            if local is not None else []
    if not kind:
        return [required(f"{path}.type", "type is required when appArmorProfile is set")]
    return [not_supported(f"{path}.type", kind, APPARMOR_TYPES)]


def _windows_options_errors(options: Mapping[str, Any] | None, path: str) -> list[FieldError]:
    """validateWindowsSecurityContextOptions, its simple rules."""
    if options is None:
        return []
    errors: list[FieldError] = []
    name = options.get("gmsaCredentialSpecName")
    if name is not None:
        errors += [invalid(f"{path}.gmsaCredentialSpecName", name, m) for m in is_dns1123_subdomain(name)]
    spec = options.get("gmsaCredentialSpec")
    if spec is not None and not spec:
        errors.append(invalid(f"{path}.gmsaCredentialSpec", spec, "gmsaCredentialSpec cannot be an empty string"))
    user = options.get("runAsUserName")
    if user is not None and not user:
        errors.append(invalid(f"{path}.runAsUserName", user, "runAsUserName cannot be an empty string"))
    return errors


def _sysctl_errors(context: Mapping[str, Any], spec: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateSysctls and ValidateHostSysctl."""
    errors: list[FieldError] = []
    names: set[str] = set()
    for i, sysctl in enumerate(context.get("sysctls") or ()):
        at = f"{path}[{i}].name"
        name = sysctl.get("name", "")
        if not name:
            errors.append(required(at))
        elif len(name) > SYSCTL_MAX_LENGTH or not _SYSCTL.match(name):
            errors.append(invalid(at, name, f"must have at most {SYSCTL_MAX_LENGTH} characters "
                                            f"and match regex {SYSCTL_PATTERN}"))
        elif name in names:
            errors.append(FieldError(at, DUPLICATE, name))
        normalized = name.replace("/", ".")
        if spec.get("hostNetwork") and normalized.startswith("net."):
            errors.append(invalid(at, name, "may not be specified when 'hostNetwork' is true"))
        elif spec.get("hostIPC") and normalized.startswith(_IPC_SYSCTLS):
            errors.append(invalid(at, name, "may not be specified when 'hostIPC' is true"))
        names.add(name)
    return errors


def pod_security_context_errors(spec: Mapping[str, Any], path: str) -> list[FieldError]:
    """validatePodSpecSecurityContext; ``path`` is the PodSpec's."""
    context = spec.get("securityContext")
    if context is None:
        return []
    at = f"{path}.securityContext"
    errors: list[FieldError] = []
    if "fsGroup" in context:
        errors += user_id_errors(context["fsGroup"], f"{at}.fsGroup")
    if "runAsUser" in context:
        errors += user_id_errors(context["runAsUser"], f"{at}.runAsUser")
    if "runAsGroup" in context:
        errors += user_id_errors(context["runAsGroup"], f"{at}.runAsGroup")
    for i, gid in enumerate(context.get("supplementalGroups") or ()):
        errors += user_id_errors(gid, f"{at}.supplementalGroups[{i}]")
    if spec.get("shareProcessNamespace") and spec.get("hostPID"):
        errors.append(invalid(f"{at}.shareProcessNamespace", True,
                              "ShareProcessNamespace and HostPID cannot both be enabled"))
    errors += _sysctl_errors(context, spec, f"{at}.sysctls")
    policy = context.get("fsGroupChangePolicy")
    if policy is not None and policy not in FS_GROUP_CHANGE_POLICIES:
        errors.append(not_supported(f"{at}.fsGroupChangePolicy", policy, FS_GROUP_CHANGE_POLICIES))
    errors += seccomp_profile_errors(context.get("seccompProfile"), f"{at}.seccompProfile")
    errors += _windows_options_errors(context.get("windowsOptions"), f"{at}.windowsOptions")
    errors += apparmor_profile_errors(context.get("appArmorProfile"), f"{at}.appArmorProfile")
    return errors


def _go_security_context(context: Mapping[str, Any]) -> GoValue:
    """How field.Error prints a *core.SecurityContext (``%#v``): pointers as addresses."""
    fields = (("Capabilities", "*core.Capabilities", "capabilities"), ("Privileged", "*bool", "privileged"),
              ("SELinuxOptions", "*core.SELinuxOptions", "seLinuxOptions"),
              ("WindowsOptions", "*core.WindowsSecurityContextOptions", "windowsOptions"),
              ("RunAsUser", "*int64", "runAsUser"), ("RunAsGroup", "*int64", "runAsGroup"),
              ("RunAsNonRoot", "*bool", "runAsNonRoot"), ("ReadOnlyRootFilesystem", "*bool", "readOnlyRootFilesystem"),
              ("AllowPrivilegeEscalation", "*bool", "allowPrivilegeEscalation"),
              ("ProcMount", "*core.ProcMountType", "procMount"),
              ("SeccompProfile", "*core.SeccompProfile", "seccompProfile"),
              ("AppArmorProfile", "*core.AppArmorProfile", "appArmorProfile"))
    shown = ", ".join(f"{go}:({kind})({'0x…' if key in context else 'nil'})" for go, kind, key in fields)
    return GoValue(f"core.SecurityContext{{{shown}}}")


def container_security_context_errors(context: Mapping[str, Any] | None, path: str) -> list[FieldError]:
    """ValidateSecurityContext of one container."""
    if context is None:
        return []
    errors: list[FieldError] = []
    if "runAsUser" in context:
        errors += user_id_errors(context["runAsUser"], f"{path}.runAsUser")
    if "runAsGroup" in context:
        errors += user_id_errors(context["runAsGroup"], f"{path}.runAsGroup")
    proc_mount = context.get("procMount")
    if proc_mount is not None:
        if proc_mount not in PROC_MOUNT_TYPES:
            errors.append(not_supported(f"{path}.procMount", proc_mount, PROC_MOUNT_TYPES))
        if proc_mount == "Unmasked":  # user namespaces are off in v1.31, so hostUsers is always true
            errors.append(invalid(f"{path}.procMount", proc_mount, "`hostUsers` must be false to use `Unmasked`"))
    errors += seccomp_profile_errors(context.get("seccompProfile"), f"{path}.seccompProfile")
    if context.get("allowPrivilegeEscalation") is False:
        if context.get("privileged"):
            errors.append(invalid(path, _go_security_context(context),
                                  "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
        for capability in (context.get("capabilities") or {}).get("add") or ():
            if capability == "CAP_SYS_ADMIN":
                errors.append(invalid(path, _go_security_context(context),
                                      "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` "
                                      "CAP_SYS_ADMIN"))
    errors += _windows_options_errors(context.get("windowsOptions"), f"{path}.windowsOptions")
    errors += apparmor_profile_errors(context.get("appArmorProfile"), f"{path}.appArmorProfile")
    return errors


def os_errors(spec: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateOS, then validateLinux / validateWindows for what the other OS may not set."""
    pod_os = spec.get("os")
    if pod_os is None:
        return []
    name = pod_os.get("name", "")
    if not name:
        return [required(f"{path}.os.name", "cannot be empty")]
    if name not in ("linux", "windows"):
        return [not_supported(f"{path}.os", name, ("linux", "windows"))]
    containers = [(f"{path}.{group}[{i}]", c) for group in ("initContainers", "containers", "ephemeralContainers")
                  for i, c in enumerate(spec.get(group) or ())]
    context = spec.get("securityContext") or {}
    if name == "linux":
        linux = "windows options cannot be set for a linux pod"
        errors = [forbidden(f"{path}.securityContext.windowsOptions", linux)] if "windowsOptions" in context else []
        for at, container in containers:
            if "windowsOptions" in (container.get("securityContext") or {}):
                errors.append(forbidden(f"{at}.securityContext.windowsOptions", linux))
        return errors
    windows = "cannot be set for a windows pod"
    errors = [forbidden(f"{path}.securityContext.{key}", windows)
              for key in ("appArmorProfile", "seLinuxOptions") if key in context]
    if "hostUsers" in spec:
        errors.append(forbidden(f"{path}.hostUsers", windows))
    errors += [forbidden(f"{path}.{key}", windows) for key in ("hostPID", "hostIPC") if spec.get(key)]
    errors += [forbidden(f"{path}.securityContext.{key}", windows)
               for key in ("seccompProfile", "fsGroup", "fsGroupChangePolicy") if key in context]
    if context.get("sysctls"):
        errors.append(forbidden(f"{path}.securityContext.sysctls", windows))
    if "shareProcessNamespace" in spec:
        errors.append(forbidden(f"{path}.shareProcessNamespace", windows))
    errors += [forbidden(f"{path}.securityContext.{key}", windows)
               for key in ("runAsUser", "runAsGroup", "supplementalGroups") if key in context]
    for at, container in containers:
        container_context = container.get("securityContext") or {}
        errors += [forbidden(f"{at}.securityContext.{key}", windows)
                   for key in ("appArmorProfile", "seLinuxOptions", "seccompProfile", "capabilities",
                               "readOnlyRootFilesystem", "privileged", "allowPrivilegeEscalation", "procMount",
                               "runAsUser", "runAsGroup") if key in container_context]
    return errors


def host_process_errors(spec: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateWindowsHostProcessPod: HostProcess containers are all-or-none, on the host's network."""
    def host_process(context: Mapping[str, Any] | None) -> bool | None:
        return ((context or {}).get("windowsOptions") or {}).get("hostProcess")

    pod_value = host_process(spec.get("securityContext"))
    errors: list[FieldError] = []
    total = host_processes = 0
    for group in ("initContainers", "containers", "ephemeralContainers"):  # VisitContainersWithPath's order
        for i, container in enumerate(spec.get(group) or ()):
            total += 1
            value = host_process(container.get("securityContext"))
            if pod_value is not None and value is not None and pod_value != value:
                errors.append(invalid(f"{path}.{group}[{i}].securityContext.windowsOptions.hostProcess", value,
                                      "pod hostProcess value must be identical if both are specified, "
                                      f"was {'true' if pod_value else 'false'}"))
            if value or value is None and pod_value:
                host_processes += 1
    if host_processes:
        if host_processes != total:
            errors.append(invalid(path, "", "If pod contains any hostProcess containers then all containers "
                                            "must be HostProcess containers"))
        if not spec.get("hostNetwork"):
            errors.append(invalid(f"{path}.hostNetwork", False,
                                  "hostNetwork must be true if pod contains any hostProcess containers"))
    return errors
