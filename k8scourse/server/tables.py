"""Server-side printing: the ``Table`` kubectl asks for and prints as is.

``kubectl get`` sends ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``
and the apiserver answers with columns and rows it computed
(``apiserver/pkg/endpoints/handlers/response.go`` ``asTable``). The rows come
from the course's own printers (``k8scourse.kubectl.printers``), so real
kubectl and the course's kubectl print the same cells. A column only
``-o wide`` shows has ``priority: 1``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from k8scourse.kubectl.printers import DEFAULT_TABLE, TABLES

TABLE_MEDIA = "as=Table"

#: The standard description of the name column (metav1.ObjectMeta's field doc).
_NAME_DESCRIPTION = "Name must be unique within a namespace."


def wants_table(accept: str) -> bool:
    """``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` (kubectl get, describe's fallbacks)."""
    return any(TABLE_MEDIA in part and "g=meta.k8s.io" in part for part in accept.split(","))


def _column(name: str, wide: bool) -> dict[str, Any]:
    # kubectl upper-cases a column's name for the header; the course's headers already are.
    column = {"name": name, "type": "string", "format": "", "description": "", "priority": 1 if wide else 0}
    if name == "NAME":
        column.update(format="name", description=_NAME_DESCRIPTION)
    return column


def _partial_metadata(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``includeObject=Metadata`` (the default): the row's object as PartialObjectMetadata."""
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def table(resource: str, objects: Sequence[Mapping[str, Any]], now: float, list_meta: Mapping[str, Any],
          include_object: str = "Metadata", headers: bool = True) -> dict[str, Any]:
    """A ``meta.k8s.io/v1`` Table of ``objects`` as the course's printer for ``resource`` lays it out."""
    spec = TABLES.get(resource, DEFAULT_TABLE)
    columns = [_column(name, i in spec.wide) for i, name in enumerate(spec.columns)] if headers else []
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": spec.row(obj, now)}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = _partial_metadata(obj)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": dict(list_meta),
            "columnDefinitions": columns, "rows": rows}
