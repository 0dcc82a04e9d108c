"""How kubectl words its errors (``k8s.io/kubectl/pkg/cmd/util/helpers.go``, ``CheckErr``).

* API status errors: ``Error from server (NotFound): pods "x" not found``;
* invalid objects: ``The Pod "web" is invalid: spec.containers: Required value``,
  several causes as a ``* cause`` list;
* anything else: ``error: <message>``.

Every ``ValueError`` the library raises for bad input ends up here as text,
never as a traceback.
"""

from __future__ import annotations

from typing import Sequence

from k8scourse.api.decoding import DecodeError
from k8scourse.api.errors import LabelSelectorError, ObjectInvalidError, StatusError


class CommandError(Exception):
    """An error kubectl itself reports; ``text`` is printed as is (a newline is added)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def usage_error(command: str, message: str) -> CommandError:
    """cmdutil.UsageErrorf: the message and a pointer to ``-h``."""
    return CommandError(f"error: {message}\nSee 'kubectl {command} -h' for help and examples")


def flag_error(command: str, message: str) -> CommandError:
    """A flag that does not parse, as kubectl's flag error function words it."""
    path = f"kubectl {command}" if command else "kubectl"
    return CommandError(f"error: {message}\nSee '{path} --help' for usage.")


class ClientError(Exception):
    """An error kubectl makes itself with Go's ``fmt.Errorf`` (no ``error:`` of its own): alone it is
    printed as ``error: <message>``, among several (an Aggregate) as the bare message."""


class SourcedError(Exception):
    """An API error about an object read from a file: kubectl adds ``error when <verb> "<source>"``."""

    def __init__(self, error: ValueError, verb: str, source: str) -> None:
        super().__init__(str(error))
        self.error, self.verb, self.source = error, verb, source


class Aggregate(Exception):
    """Errors collected while kubectl carried on with the other objects."""

    def __init__(self, errors: Sequence[Exception]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = list(errors)


def _status(error: Exception) -> StatusError | None:
    """The API status an error carries, as the apiserver would send it."""
    if isinstance(error, StatusError):
        return error
    if isinstance(error, ObjectInvalidError):
        return StatusError(422, "Invalid", str(error))
    if isinstance(error, (LabelSelectorError, DecodeError)):  # refused before validation: 400
        return StatusError(400, "BadRequest", str(error))
    return None


def standard_message(error: Exception) -> str:
    """StandardErrorMessage: one error on one line (or a few), without a trailing newline."""
    if isinstance(error, CommandError):
        return error.text
    inner = error.error if isinstance(error, SourcedError) else error
    status = _status(inner)
    if status is None:
        text = str(inner)
        if isinstance(error, SourcedError):
            text = f'error when {error.verb} "{error.source}": {text}'
        return text if text.startswith("error: ") else f"error: {text}"
    message = str(status)
    if isinstance(error, SourcedError):
        message = f'error when {error.verb} "{error.source}": {message}'
    if not status.reason:  # StatusReasonUnknown, e.g. an etcd error the apiserver passed on as a 500
        return f"Error from server: {message}"
    return f"Error from server ({status.reason}): {message}"


def error_text(error: Exception) -> str:
    """What kubectl prints for the error a command returned (CheckErr), newline-terminated."""
    if isinstance(error, Aggregate):
        if len(error.errors) == 1:
            return error_text(error.errors[0])
        # MultipleErrors: each on its line, without the "error: " a lone error gets (messageForError)
        return "".join((str(e) if isinstance(e, ClientError) else standard_message(e)) + "\n"
                       for e in error.errors)
    inner = error.error if isinstance(error, SourcedError) else error
    if isinstance(inner, ObjectInvalidError):
        return _invalid_text(inner)
    return standard_message(error) + "\n"


def _invalid_text(error: ObjectInvalidError) -> str:
    """The Invalid status printed from its details: one cause inline, several as a list."""
    causes = list(dict.fromkeys(str(e) for e in error.errors))
    prefix = f'The {error.kind} "{error.name}" is invalid: '
    if len(causes) == 1:
        return prefix + causes[0] + "\n"
    return prefix + "\n" + "".join(f"* {cause}\n" for cause in causes)
