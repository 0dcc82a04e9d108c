"""PATCH bodies: JSON patch, JSON merge patch and strategic merge patch.

* ``application/json-patch+json``: RFC 6902 operations (``kubectl patch --type json``);
* ``application/merge-patch+json``: RFC 7386 (``k8scourse.api.patch.merge_patch``;
  ``kubectl label``, ``kubectl scale``);
* ``application/strategic-merge-patch+json``: a merge patch that merges lists of
  objects item by item, by each list's *merge key*, instead of replacing them
  (``kubectl apply``, ``set image``, ``rollout undo``). The keys are the Go
  struct tags ``patchStrategy:"merge" patchMergeKey:"..."`` of k8s.io/api
  (``core/v1/types.go``, ``meta/v1/types.go``), and the ``$patch``,
  ``$setElementOrder``, ``$retainKeys`` and ``$deleteFromPrimitiveList`` directives are
  those of ``apimachinery/pkg/util/strategicpatch/patch.go``.
"""

from __future__ import annotations

import copy
from typing import Any

from k8scourse.api.patch import merge_patch

from .status import HTTPError

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)

#: List fields merged item by item, and their merge key (patchMergeKey tags of k8s.io/api).
#: ``ports`` has two: a container's (containerPort) and a Service's (port).
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath", "imagePullSecrets": "name",
    "hostAliases": "ip", "conditions": "type", "ownerReferences": "uid", "addresses": "type",
    "schedulingGates": "name", "resourceClaims": "name",
}
#: Lists of scalars merged as sets (patchStrategy:"merge" without a key): metadata.finalizers.
MERGED_SCALAR_LISTS = {"finalizers"}
_ELEMENT_ORDER = "$setElementOrder/"
_DELETE_FROM = "$deleteFromPrimitiveList/"


def merge_key(field: str, items: list) -> str | None:
    """The key a strategic merge (and server-side apply) merges the list ``field`` by, or None: replaced whole."""
    if field == "ports":
        sample = next((i for i in items if isinstance(i, dict)), {})
        return "containerPort" if "containerPort" in sample else "port"
    return MERGE_KEYS.get(field)


def strategic_merge(current: Any, patch: Any) -> Any:
    """``current`` with a strategic merge ``patch`` applied (both JSON-like; neither is changed)."""
    if not isinstance(patch, dict) or not isinstance(current, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = copy.deepcopy(current)
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith(_ELEMENT_ORDER):
            continue
        if key.startswith(_DELETE_FROM):
            field = key[len(_DELETE_FROM):]
            result[field] = [v for v in result.get(field) or [] if v not in value]
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_list(key, result[key], value, patch.get(_ELEMENT_ORDER + key))
        elif isinstance(value, dict):
            merged = strategic_merge(result.get(key) if isinstance(result.get(key), dict) else {}, value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = copy.deepcopy(value)
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(field: str, current: list, patch: list, order: list | None) -> list:
    if field in MERGED_SCALAR_LISTS:
        return current + [v for v in patch if v not in current]
    key = merge_key(field, current + patch)
    if key is None or not all(isinstance(i, dict) for i in patch):
        return [i for i in copy.deepcopy(patch) if not (isinstance(i, dict) and i.get("$patch"))]
    if any(i.get("$patch") == "replace" for i in patch):
        return [{k: v for k, v in i.items() if k != "$patch"} for i in copy.deepcopy(patch)
                if i.get("$patch") != "replace"]
    merged = copy.deepcopy(current)
    for item in patch:
        at = next((n for n, have in enumerate(merged) if isinstance(have, dict) and have.get(key) == item.get(key)),
                  None)
        if item.get("$patch") == "delete":
            if at is not None:
                del merged[at]
        elif at is None:
            merged.append(copy.deepcopy(item))
        else:
            merged[at] = strategic_merge(merged[at], item)
    if order:
        rank = {(i.get(key) if isinstance(i, dict) else i): n for n, i in enumerate(order)}
        merged.sort(key=lambda i: rank.get(i.get(key), len(rank)))
    return merged


def json_patch(document: Any, operations: Any) -> Any:
    """RFC 6902: apply ``operations`` (add, remove, replace, move, copy, test) to a copy of ``document``."""
    if not isinstance(operations, list):
        raise HTTPError(400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(document)
    for op in operations:
        kind, path = op.get("op"), op.get("path", "")
        if kind in ("move", "copy"):
            value = _get(doc, op.get("from", ""))
            if kind == "move":
                doc = _remove(doc, op["from"])
            doc = _add(doc, path, copy.deepcopy(value))
        elif kind == "add":
            doc = _add(doc, path, op.get("value"))
        elif kind == "remove":
            doc = _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)  # must exist
            doc = _add(_remove(doc, path), path, op.get("value"))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise HTTPError(422, f"testing value {path} failed: test failed")
        else:
            raise HTTPError(400, f"Unexpected kind: {kind}")
    return doc


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise HTTPError(400, f"the server rejected our request due to an error in our request: invalid path {path}")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _parent(doc: Any, path: str) -> tuple[Any, str]:
    tokens = _tokens(path)
    if not tokens:
        raise HTTPError(422, f"doc is missing path: {path}: missing value")
    node = doc
    for token in tokens[:-1]:
        node = _step(node, token, path)
    return node, tokens[-1]


def _step(node: Any, token: str, path: str) -> Any:
    try:
        return node[int(token)] if isinstance(node, list) else node[token]
    except (KeyError, IndexError, ValueError, TypeError):
        raise HTTPError(422, f"doc is missing path: {path}: missing value") from None


def _get(doc: Any, path: str) -> Any:
    node = doc
    for token in _tokens(path):
        node = _step(node, token, path)
    return node


def _add(doc: Any, path: str, value: Any) -> Any:
    if not _tokens(path):
        return value
    parent, last = _parent(doc, path)
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if not 0 <= index <= len(parent):
            raise HTTPError(422, f"add operation does not apply: doc is missing path: {path}")
        parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise HTTPError(422, f"doc is missing path: {path}: missing value")
    return doc


def _remove(doc: Any, path: str) -> Any:
    parent, last = _parent(doc, path)
    _step(parent, last, path)
    del parent[int(last) if isinstance(parent, list) else last]
    return doc


def apply_patch(content_type: str, current: dict, patch: Any) -> dict:
    """``current`` patched as ``content_type`` says (not server-side apply, which needs the field managers)."""
    if content_type == JSON_PATCH:
        return json_patch(current, patch)
    if not isinstance(patch, dict):
        raise HTTPError(400, "json: cannot unmarshal array into Go value of type map[string]interface {}")
    if content_type == MERGE_PATCH:
        return merge_patch(current, patch)
    return strategic_merge(current, patch)
