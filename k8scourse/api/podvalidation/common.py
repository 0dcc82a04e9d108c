"""Small rules several parts of a PodSpec share: ports, label names, paths, IPs.

Sources: ``k8s.io/apimachinery/pkg/util/validation/validation.go`` (ports,
IPs, config-map keys, HTTP header names, user and group ids) and
``pkg/apis/core/validation/validation.go`` (paths).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Callable

from ..errors import FieldError, invalid
from ..validation import is_dns1123_subdomain, is_qualified_name, regex_error

NOT_FOUND = "Not found"  # field.ErrorTypeNotFound
MAX_INT32 = 2**31 - 1
IS_NOT_POSITIVE = "must be greater than zero"  # validation.go isNotPositiveErrorMsg
FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive"  # validation.go fileModeErrorMsg


def inclusive_range_error(low: int, high: int) -> str:
    """util/validation InclusiveRangeError."""
    return f"must be between {low} and {high}, inclusive"


PORT_RANGE_ERROR = inclusive_range_error(1, 65535)


def not_found(path: str, value: Any) -> FieldError:
    """field.NotFound."""
    return FieldError(path, NOT_FOUND, value)


def port_num_errors(port: int) -> list[str]:
    """validation.IsValidPortNum."""
    return [] if 1 <= port <= 65535 else [PORT_RANGE_ERROR]


def port_name_errors(name: str) -> list[str]:
    """validation.IsValidPortName: an IANA_SVC_NAME such as ``http``."""
    errs = []
    if len(name) > 15:
        errs.append("must be no more than 15 characters")
    if not name or any(c not in "-abcdefghijklmnopqrstuvwxyz0123456789" for c in name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not any("a" <= c <= "z" for c in name):
        errs.append("must contain at least one letter (a-z)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_num_or_name_errors(port: int | str, path: str) -> list[FieldError]:
    """ValidatePortNumOrName: an IntOrString port is a number or an IANA name."""
    if isinstance(port, int):
        return [invalid(path, port, m) for m in port_num_errors(port)]
    return [invalid(path, port, m) for m in port_name_errors(port)]


def label_name_errors(name: str, path: str) -> list[FieldError]:
    """metav1 validation ValidateLabelName: a qualified name."""
    return [invalid(path, name, m) for m in is_qualified_name(name)]


def each_message(rule: Callable[[str], list[str]], value: str, path: str) -> list[FieldError]:
    """One Invalid error per broken rule, the way upstream loops over a name check's messages."""
    return [invalid(path, value, m) for m in rule(value)]


def dns_subdomain_errors(value: str, path: str) -> list[FieldError]:
    """ValidateDNS1123Subdomain."""
    return each_message(is_dns1123_subdomain, value, path)


def user_id_errors(uid: int, path: str) -> list[FieldError]:
    """validation.IsValidUserID / IsValidGroupID: 0 to MaxInt32."""
    return [] if 0 <= uid <= MAX_INT32 else [invalid(path, uid, inclusive_range_error(0, MAX_INT32))]


def ip_errors(value: str, path: str) -> list[FieldError]:
    """validation.IsValidIP (v1.31): netutils.ParseIPSloppy also takes IPv4 octets with leading zeros."""
    sloppy = value
    if re.fullmatch(r"[0-9]+(\.[0-9]+){3}", value):
        sloppy = ".".join(str(int(part)) if len(part) <= 3 else part for part in value.split("."))
    try:
        ipaddress.ip_address(sloppy)
    except ValueError:
        return [invalid(path, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
    return []


def _chdir_prefix_errors(value: str) -> list[str]:
    """util/validation hasChDirPrefix."""
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_MAP_KEY = re.compile(CONFIG_MAP_KEY_FMT)


def config_map_key_errors(key: str) -> list[str]:
    """validation.IsConfigMapKey: what may name a key of a ConfigMap or Secret."""
    errs = ["must be no more than 253 characters"] if len(key) > 253 else []
    if not _CONFIG_MAP_KEY.fullmatch(key):
        errs.append(regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                                CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    return errs + _chdir_prefix_errors(key)


ENV_VAR_NAME_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_VAR_NAME = re.compile(ENV_VAR_NAME_FMT)


def env_var_name_errors(name: str) -> list[str]:
    """validation.IsEnvVarName. v1.31 keeps RelaxedEnvironmentVariableValidation off (alpha until v1.32)."""
    errs = []
    if not _ENV_VAR_NAME.fullmatch(name):
        errs.append(regex_error("a valid environment variable name must consist of alphabetic characters, "
                                "digits, '_', '-', or '.', and must not start with a digit",
                                ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
    return errs + _chdir_prefix_errors(name)


HTTP_HEADER_NAME_FMT = "[-A-Za-z0-9]+"
_HTTP_HEADER_NAME = re.compile(HTTP_HEADER_NAME_FMT)


def http_header_name_errors(name: str) -> list[str]:
    """validation.IsHTTPHeaderName."""
    if _HTTP_HEADER_NAME.fullmatch(name):
        return []
    return [regex_error("a valid HTTP header must consist of alphanumeric characters or '-'",
                        HTTP_HEADER_NAME_FMT, "X-Header-Name")]


def no_backsteps_errors(target: str, path: str) -> list[FieldError]:
    """validatePathNoBacksteps: no ``..`` element (one error is enough)."""
    if ".." in target.split("/"):  # filepath.ToSlash is a no-op on Linux
        return [invalid(path, target, "must not contain '..'")]
    return []


def local_descending_path_errors(target: str, path: str) -> list[FieldError]:
    """validateLocalDescendingPath: relative, without ``..``."""
    errors = [invalid(path, target, "must be a relative path")] if target.startswith("/") else []
    return errors + no_backsteps_errors(target, path)


def local_non_reserved_path_errors(target: str, path: str) -> list[FieldError]:
    """ValidateLocalNonReservedPath: also may not start with ``..`` (``..data`` is the kubelet's)."""
    errors = local_descending_path_errors(target, path)
    if target.startswith("..") and not target.startswith("../"):
        errors.append(invalid(path, target, "must not start with '..'"))
    return errors
