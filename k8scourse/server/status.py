"""``Status``: the body of every error the apiserver answers, and of some successes.

The course's apiserver raises Python errors (``StatusError``, ``ObjectInvalidError``,
decode errors); over HTTP each becomes the ``metav1.Status`` a real apiserver
sends, with the same code, reason and message
(``k8s.io/apimachinery/pkg/api/errors/errors.go``).
"""

from __future__ import annotations

from typing import Any

from k8scourse.api.decoding import DecodeError, ManifestSyntaxError
from k8scourse.api.errors import (
    DUPLICATE,
    FORBIDDEN,
    INVALID,
    NOT_SUPPORTED,
    REQUIRED,
    TOO_LONG,
    FieldValidationError,
    K8sValueError,
    ObjectInvalidError,
    StatusError,
)
from k8scourse.api.meta import ManifestError
from k8scourse.api.objects import NoKindMatchError, UnknownResourceError
from k8scourse.etcd.store import CompactedError

#: field.ErrorType -> metav1.CauseType (apimachinery/pkg/util/validation/field/errors.go).
CAUSE_TYPES = {INVALID: "FieldValueInvalid", REQUIRED: "FieldValueRequired", NOT_SUPPORTED: "FieldValueNotSupported",
               FORBIDDEN: "FieldValueForbidden", DUPLICATE: "FieldValueDuplicate", TOO_LONG: "FieldValueTooLong"}
#: The reason of each code the server answers with (apimachinery/pkg/api/errors).
REASONS = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict",
           410: "Expired", 415: "UnsupportedMediaType", 422: "Invalid", 500: "InternalError", 504: "Timeout"}


class HTTPError(Exception):
    """An answer other than success, raised by a handler: code, reason, message, details."""

    def __init__(self, code: int, message: str, reason: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        self.reason = reason or REASONS.get(code, "")
        self.details = details

    def status(self) -> dict[str, Any]:
        return failure(self.code, self.reason, self.message, self.details)


def failure(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``Status`` with ``status: Failure``, in metav1.Status's field order."""
    status: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": message, "reason": reason}
    if details:
        status["details"] = details
    status["code"] = code
    return status


def success(code: int) -> dict[str, Any]:
    """A ``Status`` with ``status: Success``: what binding and eviction answer (they create no object)."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code}


def not_found_path() -> HTTPError:
    """A path no route serves: the apiserver's generic 404 (``NewGenericServerResponse``)."""
    return HTTPError(404, "the server could not find the requested resource", details={})


def from_exception(err: Exception, kind: str = "", name: str = "") -> HTTPError:
    """The HTTP answer to an error the course's apiserver raised."""
    if isinstance(err, HTTPError):
        return err
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if kind:
        details["kind"] = kind
    if isinstance(err, StatusError):
        return HTTPError(err.code, str(err), err.reason, details or None)
    if isinstance(err, ObjectInvalidError):
        causes = [{"reason": CAUSE_TYPES.get(e.type, "FieldValueInvalid"), "message": e.body(), "field": e.field}
                  for e in err.errors]
        return HTTPError(422, str(err), "Invalid", {"name": err.name, "group": err.group, "kind": err.kind,
                                                    "causes": causes})
    if isinstance(err, UnknownResourceError):
        return not_found_path()
    if isinstance(err, CompactedError):
        return HTTPError(410, f"too old resource version: {err}", "Expired")
    if isinstance(err, (DecodeError, ManifestSyntaxError, ManifestError, NoKindMatchError)):
        return HTTPError(400, str(err), "BadRequest")
    if isinstance(err, FieldValidationError):
        return HTTPError(422, str(err), "Invalid", details or None)
    if isinstance(err, K8sValueError):
        return HTTPError(400, str(err), "BadRequest")
    raise err
