"""Event: a record of something that happened to an object, for ``kubectl describe``.

Components report what they do (``Scheduled``, ``Pulled``, ``Killing``,
``ScalingReplicaSet``...) as core/v1 Events in the object's namespace
(``default`` for cluster-scoped objects such as Nodes). An Event has no
spec: ``involvedObject`` names the object, ``reason`` is a CamelCase word,
``message`` the human text, ``type`` Normal or Warning, and ``count`` with
``firstTimestamp``/``lastTimestamp`` fold repeats into one record.

Events created through core/v1 pass only the legacy checks of
``pkg/apis/core/validation/events.go`` (``legacyValidateEvent``); even the
name is not validated there, though one is needed to store the event.
"""

from __future__ import annotations

from typing import Any, Mapping

from .decoding import StructOf
from .errors import FieldError, invalid, required
from .meta import KubeObject
from .validation import is_dns1123_subdomain, is_qualified_name

# events.go length limits
REPORTING_INSTANCE_LENGTH_LIMIT = 128
ACTION_LENGTH_LIMIT = 128
REASON_LENGTH_LIMIT = 128
NOTE_LENGTH_LIMIT = 1024

def _too_long(event: Mapping[str, Any], key: str, path: str, limit: int) -> list[FieldError]:
    return [invalid(path, "", f"can have at most {limit} characters")] if len(event.get(key, "")) > limit else []


class Event(KubeObject):
    """What happened to an object, reported by the component that did it."""

    KIND = "Event"
    RESOURCE = "events"
    SHORT_NAMES = ("ev",)
    SCHEMA = StructOf("core.v1.Event")

    __slots__ = ()

    def field_errors(self) -> list[FieldError]:
        """legacyValidateEvent, plus the name the store needs."""
        event, namespace = self.data, self.namespace
        errors = [] if self.name else [required("metadata.name", "name or generateName is required")]
        involved = (event.get("involvedObject") or {}).get("namespace", "")
        mismatch = invalid("involvedObject.namespace", involved, "does not match event.namespace")
        if not event.get("eventTime"):
            if (not involved and namespace not in ("", "default")) or (involved and namespace != involved):
                errors.append(mismatch)
        else:  # events.k8s.io-style fields are required once eventTime is set
            if not involved and namespace not in ("default", "kube-system"):
                errors.append(mismatch)
            controller = event.get("reportingComponent", "")
            if not controller:
                errors.append(required("reportingController"))
            errors += [invalid("reportingController", controller, m) for m in is_qualified_name(controller)]
            for key, path, limit in (("reportingInstance", "reportingInstance", REPORTING_INSTANCE_LENGTH_LIMIT),
                                     ("action", "action", ACTION_LENGTH_LIMIT),
                                     ("reason", "reason", REASON_LENGTH_LIMIT)):
                if not event.get(key):
                    errors.append(required(path))
                errors += _too_long(event, key, path, limit)
            errors += _too_long(event, "message", "message", NOTE_LENGTH_LIMIT)
        errors += [invalid("namespace", namespace, m) for m in is_dns1123_subdomain(namespace)]
        return errors

    @property
    def reason(self) -> str:
        return self.data.get("reason", "")

    @property
    def message(self) -> str:
        return self.data.get("message", "")

    @property
    def type(self) -> str:
        return self.data.get("type", "")

    @property
    def involved_object(self) -> Mapping[str, Any]:
        return self.data.get("involvedObject") or {}

    @property
    def count(self) -> int:
        return self.data.get("count", 0)
