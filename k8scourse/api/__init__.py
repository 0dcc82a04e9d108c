"""The Kubernetes API as the course models it: objects, labels, selectors, errors."""

from .errors import FieldError, FieldValidationError, K8sValueError, LabelSelectorError, ObjectInvalidError
from .labels import validate_labels
from .selectors import LabelSelector, Requirement, Selector, parse_selector, selector_from_set

__all__ = [
    "FieldError",
    "FieldValidationError",
    "K8sValueError",
    "LabelSelector",
    "LabelSelectorError",
    "ObjectInvalidError",
    "Requirement",
    "Selector",
    "parse_selector",
    "selector_from_set",
    "validate_labels",
]
