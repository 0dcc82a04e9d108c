"""Labels: the key/value pairs that selectors, controllers and the scheduler use.

A label key is a *qualified name*: an optional DNS-subdomain prefix and a
slash, then a name of up to 63 characters (``app.kubernetes.io/name``).
A value has up to 63 characters and may be empty. The apiserver reports each
broken rule as ``metadata.labels: Invalid value: "<key or value>": <rule>``
(``ValidateLabels`` in apimachinery's ``pkg/apis/meta/v1/validation``).
"""

from __future__ import annotations

from typing import Any, Mapping

from .errors import FieldError, FieldValidationError, invalid
from .validation import is_qualified_name, is_valid_label_value


def label_errors(labels: Any, field: str = "metadata.labels") -> list[FieldError]:
    """Every broken rule in a label map, keys in sorted order (Go's is random)."""
    if labels is None:
        return []
    if not isinstance(labels, Mapping):
        return [invalid(field, labels, "must be a map of string keys to string values")]
    errors: list[FieldError] = []
    for key in sorted(labels, key=str):
        value = labels[key]
        if not isinstance(key, str):
            errors.append(invalid(field, key, "label keys must be strings"))
            continue
        errors.extend(invalid(field, key, msg) for msg in is_qualified_name(key))
        if not isinstance(value, str):
            # YAML turns `version: 1` or `debug: true` into non-strings; the
            # apiserver refuses them while decoding. Say how to fix it.
            errors.append(invalid(f"{field}.{key}", value, 'must be a string (quote it in YAML, e.g. "1")'))
            continue
        errors.extend(invalid(field, value, msg) for msg in is_valid_label_value(value))
    return errors


def validate_labels(labels: Mapping[str, str], field: str = "metadata.labels") -> None:
    """Return None when every key and value is valid; raise FieldValidationError otherwise."""
    errors = label_errors(labels, field)
    if errors:
        raise FieldValidationError(errors)
