"""Validation and API errors that read like the apiserver's.

Kubernetes collects validation problems as a list of *field errors*
(``k8s.io/apimachinery/pkg/util/validation/field/errors.go``): each names a
field path, the kind of problem, the bad value and the rule. The apiserver
then wraps the list into one ``Invalid`` status error::

    Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0

Every error here subclasses ``ValueError`` so callers (and learners) can catch
bad input with one ``except ValueError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

# The error types of field/errors.go and the text each one prints.
INVALID = "Invalid value"
REQUIRED = "Required value"
NOT_SUPPORTED = "Unsupported value"
FORBIDDEN = "Forbidden"
DUPLICATE = "Duplicate value"
TOO_LONG = "Too long"
UNKNOWN = "unknown field"


def go_value(value: Any) -> str:
    """Format a bad value the way field.Error does: strings quoted, numbers bare."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[]string{" + ", ".join(go_value(v) for v in value) + "}"
    return str(value)


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, e.g. ``spec.replicas: Invalid value: -1: ...``."""

    field: str
    type: str
    value: Any = None
    detail: str = ""

    def body(self) -> str:
        """The part after the field path, as field.Error.ErrorBody() prints it."""
        if self.type in (REQUIRED, FORBIDDEN, TOO_LONG):
            return f"{self.type}: {self.detail}" if self.detail else self.type
        text = f"{self.type}: {go_value(self.value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self) -> str:
        if self.type == UNKNOWN:  # strict decoding words it the other way round
            return f'unknown field "{self.field}"'
        return f"{self.field}: {self.body()}" if self.field else self.body()


def invalid(field: str, value: Any, detail: str) -> FieldError:
    return FieldError(field, INVALID, value, detail)


def required(field: str, detail: str = "") -> FieldError:
    return FieldError(field, REQUIRED, None, detail)


def not_supported(field: str, value: Any, supported: Iterable[str]) -> FieldError:
    listed = ", ".join(json.dumps(s) for s in supported)
    return FieldError(field, NOT_SUPPORTED, value, f"supported values: {listed}")


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError(field, FORBIDDEN, None, detail)


def unknown_field(field: str) -> FieldError:
    """A field the schema does not have, e.g. a typo like ``spec.replica``."""
    return FieldError(field, UNKNOWN)


def aggregate(errors: Sequence[FieldError | str]) -> str:
    """Join errors as utilerrors.NewAggregate does: one bare, several in brackets."""
    texts = [str(e) for e in errors]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


class K8sValueError(ValueError):
    """Base class of every bad-input error in k8scourse."""


class FieldValidationError(K8sValueError):
    """A list of field errors, e.g. from ``validate_labels``."""

    def __init__(self, errors: Sequence[FieldError], prefix: str = "") -> None:
        self.errors = list(errors)
        super().__init__(prefix + aggregate(self.errors))


class ObjectInvalidError(FieldValidationError):
    """The apiserver's 422 Invalid: ``<Kind>.<group> "<name>" is invalid: ...``."""

    def __init__(self, kind: str, group: str, name: str, errors: Sequence[FieldError]) -> None:
        self.kind, self.group, self.name = kind, group, name
        qualified = f"{kind}.{group}" if group else kind
        super().__init__(errors, prefix=f'{qualified} "{name}" is invalid: ')


class LabelSelectorError(K8sValueError):
    """A label selector that does not parse or does not validate."""


class StatusError(K8sValueError):
    """An error status from the apiserver: an HTTP code, a reason and a message.

    kubectl prints it as ``Error from server (<reason>): <message>``
    (``k8s.io/apimachinery/pkg/api/errors``).
    """

    def __init__(self, code: int, reason: str, message: str) -> None:
        self.code, self.reason = code, reason
        super().__init__(message)


def not_found(resource: str, name: str) -> StatusError:
    return StatusError(404, "NotFound", f'{resource} "{name}" not found')


def already_exists(resource: str, name: str) -> StatusError:
    return StatusError(409, "AlreadyExists", f'{resource} "{name}" already exists')


def conflict(resource: str, name: str, why: str) -> StatusError:
    return StatusError(409, "Conflict", f'Operation cannot be fulfilled on {resource} "{name}": {why}')


def forbidden_request(resource: str, name: str, why: str) -> StatusError:
    return StatusError(403, "Forbidden", f'{resource} "{name}" is forbidden: {why}')


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)
