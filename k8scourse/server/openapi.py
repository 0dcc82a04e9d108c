"""OpenAPI documents (``/openapi/v2``, ``/openapi/v3``): not served yet."""

from __future__ import annotations

from typing import Any


def document(path: str) -> Any:
    """The OpenAPI document at ``path``, or None when there is none."""
    return None
