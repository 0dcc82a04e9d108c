"""Probes and lifecycle hooks: ``validateProbe``, ``validateHandler``, ``validateLifecycle``.

A probe or hook names exactly one handler: ``exec``, ``httpGet``,
``tcpSocket``, ``grpc`` (probes only) or ``sleep`` (hooks only). An empty
``readinessProbe: {}`` is refused with ``must specify a handler type``.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import FieldError, forbidden, invalid, not_supported, required
from ..meta import nonnegative
from .common import http_header_name_errors, port_num_or_name_errors

HTTP_SCHEMES = ("HTTP", "HTTPS")  # supportedHTTPSchemes, sorted
PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")  # handlerFromProbe, in commonHandler order
LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")  # handlerFromLifecycle
_TIMINGS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")


def _http_get_errors(action: Mapping[str, Any], path: str) -> list[FieldError]:
    errors = [] if action.get("path") else [required(f"{path}.path")]
    errors += port_num_or_name_errors(action.get("port", 0), f"{path}.port")
    scheme = action.get("scheme", "")
    if scheme not in HTTP_SCHEMES:
        errors.append(not_supported(f"{path}.scheme", scheme, HTTP_SCHEMES))
    for header in action.get("httpHeaders") or ():
        name = header.get("name", "")
        errors += [invalid(f"{path}.httpHeaders", name, m) for m in http_header_name_errors(name)]
    return errors


def _action_errors(kind: str, action: Mapping[str, Any], grace_period: int | None, path: str) -> list[FieldError]:
    if kind == "exec":
        return [] if action.get("command") else [required(f"{path}.command")]
    if kind == "httpGet":
        return _http_get_errors(action, path)
    if kind in ("tcpSocket", "grpc"):
        return port_num_or_name_errors(action.get("port", 0), f"{path}.port")
    seconds = action.get("seconds", 0)  # sleep: v1.31 validateSleepAction
    if grace_period is not None and not 0 < seconds <= grace_period:
        return [invalid(path, seconds, "must be greater than 0 and less than terminationGracePeriodSeconds "
                                       f"({grace_period})")]
    return []


def handler_errors(handler: Mapping[str, Any], kinds: tuple[str, ...], grace_period: int | None,
                   path: str) -> list[FieldError]:
    """validateHandler: exactly one handler type, each checked by its own rules."""
    errors: list[FieldError] = []
    found = False
    for kind in kinds:
        if kind not in handler:
            continue
        if found:
            errors.append(forbidden(f"{path}.{kind}", "may not specify more than 1 handler type"))
        else:
            found = True
            errors += _action_errors(kind, handler[kind], grace_period, f"{path}.{kind}")
    if not found:
        errors.append(required(path, "must specify a handler type"))
    return errors


def probe_errors(probe: Mapping[str, Any] | None, kind: str, grace_period: int | None,
                 path: str) -> list[FieldError]:
    """validateLivenessProbe / validateReadinessProbe / validateStartupProbe."""
    if probe is None:
        return []
    errors = handler_errors(probe, PROBE_HANDLERS, grace_period, path)
    for timing in _TIMINGS:
        errors += nonnegative(probe.get(timing, 0), f"{path}.{timing}")
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and grace <= 0:
        errors.append(invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0"))
    if kind == "readinessProbe":
        if grace is not None:
            errors.append(invalid(f"{path}.terminationGracePeriodSeconds", grace,
                                  "must not be set for readinessProbes"))
    elif probe.get("successThreshold", 0) != 1:  # liveness and startup probes
        errors.append(invalid(f"{path}.successThreshold", probe.get("successThreshold", 0), "must be 1"))
    return errors


def lifecycle_errors(lifecycle: Mapping[str, Any], grace_period: int | None, path: str) -> list[FieldError]:
    """validateLifecycle: postStart and preStop hooks."""
    errors: list[FieldError] = []
    for hook in ("postStart", "preStop"):
        if hook in lifecycle:
            errors += handler_errors(lifecycle[hook], LIFECYCLE_HANDLERS, grace_period, f"{path}.{hook}")
    return errors


def container_probe_errors(container: Mapping[str, Any], grace_period: int | None,
                           path: str) -> list[FieldError]:
    """The hooks and probes of a regular or sidecar container, in upstream's order."""
    errors = lifecycle_errors(container["lifecycle"], grace_period, f"{path}.lifecycle") \
        if "lifecycle" in container else []
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        errors += probe_errors(container.get(kind), kind, grace_period, f"{path}.{kind}")
    return errors
