"""Field ownership: ``metadata.managedFields``, as kube-apiserver's field manager keeps it.

Every write records which *manager* (``?fieldManager=``, else the client's user
agent up to its first ``/``) set which fields. The bookkeeping is
structured-merge-diff's (``sigs.k8s.io/structured-merge-diff/v4``, vendored by
``k8s.io/apimachinery/pkg/util/managedfields``), in four steps:

1. A field is a *path*: ``f:<name>`` for a struct field or map key,
   ``k:{"name":"web"}`` for an item of a list merged by its keys
   (``x-kubernetes-list-map-keys``, the ``patchMergeKey`` tags of k8s.io/api),
   ``v:"x"`` for a value of a set (``finalizers``). ``fieldsV1`` writes a set of
   paths as a tree; ``.`` marks a node that is itself a member.
2. **Update** (create, PUT, the other PATCHes): the manager gains what it added or
   changed and loses what it removed; other managers lose what it changed
   (``merge/update.go`` ``Updater.Update``: an update always forces).
3. **Apply** (``application/apply-patch+yaml``): the configuration is merged into
   the live object; the manager's set becomes exactly the fields the
   configuration names, and fields it applied last time and no longer does are
   removed unless another manager owns them (``Updater.Apply``, ``prune``).
4. **Conflicts**: an apply that changes a field another manager owns fails
   with 409 listing each field and manager, unless ``force=true`` takes them
   over (``managedfields/internal/conflict.go``).

Simplifications: the schema file does not mark Go pointers, so :data:`POINTER_FIELDS`
lists those the course's objects use; and the course's controllers and kubelets
write through the apiserver directly, not over HTTP, so they own nothing.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Any

from .status import HTTPError

SCHEMA_FILE = FilePath(__file__).resolve().parent.parent / "api" / "schema_v1_31.json"

Path = tuple[str, ...]  # ("f:spec", "f:template", ..., 'k:{"name":"web"}', "f:image")
FieldSet = set[Path]

#: Lists merged item by item, keyed by their element type's list-map keys (k8s.io/api
#: core/v1/types.go and apps/v1/types.go: +listType=map +listMapKey, or patchMergeKey).
LIST_MAP_KEYS: dict[str, tuple[str, ...]] = {
    "core.v1.Container": ("name",), "core.v1.EphemeralContainer": ("name",), "core.v1.EnvVar": ("name",),
    "core.v1.Volume": ("name",), "core.v1.VolumeMount": ("mountPath",), "core.v1.VolumeDevice": ("devicePath",),
    "core.v1.ContainerPort": ("containerPort", "protocol"), "core.v1.ServicePort": ("port", "protocol"),
    "core.v1.LocalObjectReference": ("name",), "core.v1.HostAlias": ("ip",),
    "core.v1.TopologySpreadConstraint": ("topologyKey", "whenUnsatisfiable"),
    "core.v1.PodSchedulingGate": ("name",), "core.v1.PodResourceClaim": ("name",),
    "core.v1.PodCondition": ("type",), "core.v1.NodeCondition": ("type",), "core.v1.NodeAddress": ("type",),
    "apps.v1.DeploymentCondition": ("type",), "apps.v1.ReplicaSetCondition": ("type",),
    "meta.v1.OwnerReference": ("uid",), "meta.v1.Condition": ("type",),
}
#: A key field the client may leave out, with the default it is keyed by (``protocol`` defaults to TCP).
KEY_DEFAULTS = {"protocol": "TCP"}
#: Structs owned, compared and replaced whole (``+structType=atomic`` in meta/v1/types.go and
#: core/v1/types.go): a selector is one field, ``f:selector: {}``.
ATOMIC_STRUCTS = frozenset({"meta.v1.LabelSelector", "core.v1.NodeSelector", "core.v1.ObjectFieldSelector"})
#: Struct fields that are Go pointers (``*RollingUpdateDeployment``, ``*Probe``, ...): absent, not a
#: zero value, when unset, so an update that sets one adds the field itself (``.``) too.
#: (The schema file does not mark pointers; these are the ones the course's objects use.)
POINTER_FIELDS = frozenset({
    ("apps.v1.DeploymentStrategy", "rollingUpdate"), ("core.v1.PodSpec", "affinity"),
    ("core.v1.Container", "livenessProbe"), ("core.v1.Container", "readinessProbe"),
    ("core.v1.Container", "startupProbe"), ("core.v1.Container", "lifecycle"),
    ("core.v1.Probe", "httpGet"), ("core.v1.Probe", "exec"), ("core.v1.Probe", "tcpSocket"),
    ("core.v1.Probe", "grpc"), ("core.v1.Volume", "hostPath"), ("core.v1.Volume", "emptyDir"),
    ("core.v1.Volume", "configMap"), ("core.v1.Volume", "secret"), ("core.v1.EnvVar", "valueFrom"),
})
#: Lists of scalars merged as sets (patchStrategy:"merge" without a key, +listType=set).
SETS = {("meta.v1.ObjectMeta", "finalizers")}
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
#: Fields no manager owns (managedfields/internal/stripmeta.go).
STRIPPED: FieldSet = {("f:apiVersion",), ("f:kind",), ("f:metadata",)} | {
    ("f:metadata", f"f:{name}") for name in ("name", "namespace", "creationTimestamp", "selfLink", "uid",
                                             "clusterName", "generation", "managedFields", "resourceVersion")}


@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


def kind_type(api_version: str, kind: str) -> str:
    """The Go struct of a kind: ``apps/v1 Deployment`` -> ``apps.v1.Deployment``."""
    return _schema()["kinds"].get(f"{api_version} {kind}", "")


def _field_type(struct: str, name: str) -> str:
    """A struct field's Go type (``[]core.v1.Container``, ``map[string]string``, ``string``); a
    map's value type; "" when unknown (treated as a scalar)."""
    if struct.startswith("map["):
        return struct.split("]", 1)[1]
    go_type = _schema()["structs"].get(struct, {}).get(name, "").lstrip("*")
    return "map[string]resource.Quantity" if go_type == "v1.ResourceList" else go_type


def _is_struct(go_type: str) -> bool:
    """A struct or map whose fields are owned one by one (not an atomic one)."""
    return (go_type in _schema()["structs"] and go_type not in ATOMIC_STRUCTS) or go_type.startswith("map[")


def _item_key(element: str, item: Any, field: tuple[str, str]) -> str | None:
    """An item's path element in a merged list (``k:{...}``, ``v:...``); None for an atomic list."""
    if field in SETS:
        return "v:" + _encode(item)
    keys = LIST_MAP_KEYS.get(element)
    if keys is None:
        return None
    return "k:" + _encode({k: item.get(k, KEY_DEFAULTS.get(k)) for k in keys if k in item or k in KEY_DEFAULTS})


def _encode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _items(element: str, values: list, field: tuple[str, str]) -> dict[str, Any]:
    return {_item_key(element, v, field): v for v in values if isinstance(v, dict) or field in SETS}


def _list_kind(struct: str, name: str, go_type: str) -> str | None:
    """The element type of a list merged item by item, or None for an atomic list."""
    element = go_type[2:].lstrip("*")
    return element if (struct, name) in SETS or element in LIST_MAP_KEYS else None


# --- 1. sets of fields --------------------------------------------------------------------


def applied_set(config: dict, struct: str) -> FieldSet:
    """The fields an apply configuration names (typed.ToFieldSet): its scalars, atomic lists and
    list items; maps and structs only through what they hold."""
    out: FieldSet = set()
    _collect(config, struct, (), out)
    return out - STRIPPED


def _collect(obj: dict, struct: str, path: Path, out: FieldSet) -> None:
    for name, value in obj.items():
        go_type, here = _field_type(struct, name), path + (f"f:{name}",)
        if isinstance(value, dict) and _is_struct(go_type):
            _collect(value, go_type, here, out)
        elif isinstance(value, list) and go_type.startswith("[]") and _list_kind(struct, name, go_type):
            element = _list_kind(struct, name, go_type) or ""
            for key, item in _items(element, value, (struct, name)).items():  # an empty list names nothing
                out.add(here + (key,))
                if isinstance(item, dict):
                    _collect(item, element, here + (key,), out)
        else:
            out.add(here)


def compare(old: Any, new: Any, struct: str) -> tuple[FieldSet, FieldSet, FieldSet]:
    """(added, modified, removed) paths from ``old`` to ``new`` (typed/compare.go). A map, list
    item or pointer field that appears or goes is itself added or removed; another struct field
    is not (Go writes it as its zero value either way)."""
    added: FieldSet = set()
    modified: FieldSet = set()
    removed: FieldSet = set()

    def walk(lhs: Any, rhs: Any, go_type: str, path: Path, field: tuple[str, str], node: bool) -> None:
        if isinstance(lhs, dict) and isinstance(rhs, dict) and not lhs and not rhs:
            return
        mapping = isinstance(lhs or rhs, dict) and _is_struct(go_type)
        element = _list_kind(*field, go_type) if go_type.startswith("[]") else None
        if mapping and (lhs or rhs):
            for name in {**(lhs or {}), **(rhs or {})}:
                walk((lhs or {}).get(name), (rhs or {}).get(name), _field_type(go_type, name),
                     path + (f"f:{name}",), (go_type, name),
                     go_type.startswith("map[") or (go_type, name) in POINTER_FIELDS)
            node = node or go_type.startswith("map[")
        elif element and (lhs or rhs):
            before, after = _items(element, lhs or [], field), _items(element, rhs or [], field)
            for key in {**before, **after}:
                walk(before.get(key), after.get(key), element, path + (key,), field, True)
            return
        else:
            node = True
            if lhs is not None and rhs is not None and lhs != rhs:
                modified.add(path)
        if node and lhs is None and rhs is not None:
            added.add(path)
        elif node and rhs is None and lhs is not None:
            removed.add(path)

    walk(old or {}, new or {}, struct, (), ("", ""), False)
    return added - STRIPPED, modified - STRIPPED, removed - STRIPPED


def to_fields_v1(fields: FieldSet) -> dict:
    """A set of paths as ``fieldsV1``'s tree (``.`` for a member with children)."""
    tree: dict = {}
    for path in sorted(fields):
        node = tree
        for step in path:
            node = node.setdefault(step, {})
    for path in fields:
        node = _at(tree, path)
        if node:
            node["."] = {}
    return _sorted(tree)


def _at(tree: dict, path: Path) -> dict:
    for step in path:
        tree = tree[step]
    return tree


def _sorted(tree: dict) -> dict:
    return {k: _sorted(tree[k]) for k in sorted(tree)}


def from_fields_v1(tree: dict, path: Path = ()) -> FieldSet:
    """``fieldsV1``'s tree as a set of paths."""
    out: FieldSet = set()
    if path and (not tree or "." in tree):
        out.add(path)
    for step, child in tree.items():
        if step != ".":
            out |= from_fields_v1(child, path + (step,))
    return out


def path_string(path: Path) -> str:
    """fieldpath.Path.String(): ``.spec.template.spec.containers[name="web"].image``."""
    out = ""
    for step in path:
        kind, text = step[:2], step[2:]
        if kind == "f:":
            out += "." + text
        elif kind == "k:":
            out += "[" + ",".join(f"{k}={_encode(v)}" for k, v in json.loads(text).items()) + "]"
        else:
            out += f"[={text}]"
    return out


# --- 2-4. the managers ----------------------------------------------------------------------


class Managers:
    """The managedFields of one object, as sets keyed by (manager, operation, subresource)."""

    def __init__(self, entries: list[dict] | None) -> None:
        self.entries = {(e["manager"], e["operation"], e.get("subresource", "")): e for e in entries or []}
        self.sets = {key: from_fields_v1(e.get("fieldsV1") or {}) for key, e in self.entries.items()}

    def update(self, old: dict | None, new: dict, manager: str, api_version: str, time: str,
               subresource: str = "") -> list[dict]:
        """An Update by ``manager``: its entry gains what changed (merge/update.go Updater.Update)."""
        struct = kind_type(new.get("apiVersion", ""), new.get("kind", ""))
        added, modified, removed = compare(_reset(old, subresource), _reset(new, subresource), struct)
        key = (manager, "Update", subresource)
        self._others_lose(key, modified | added, removed)
        self._set(key, (self.sets.get(key, set()) - removed) | modified | added, api_version, time)
        return self.encode()

    def apply(self, live: dict | None, config: dict, manager: str, api_version: str, time: str,
              force: bool) -> tuple[dict, list[dict]]:
        """An Apply: the merged object and the new managedFields, or 409 on a conflict (Updater.Apply)."""
        struct = kind_type(config.get("apiVersion", ""), config.get("kind", ""))
        config = {k: v for k, v in config.items() if k != "status"}  # reset for the main resource
        key = (manager, "Apply", "")
        previous, fields = self.sets.get(key, set()), applied_set(config, struct)
        merged = merge(live or {}, config, struct)
        owned_by_others = set().union(*(s for k, s in self.sets.items() if k != key))
        for path in sorted(previous - fields, key=len):  # an item before its fields: they go with it
            if not any(other[:len(path)] == path for other in owned_by_others):
                _remove(merged, path, struct)
        added, modified, removed = compare(live, merged, struct)
        allowed = _client_side_applied(live, struct) if manager == "kubectl" else set()
        conflicts = {k: (s & (modified | added)) - allowed for k, s in self.sets.items() if k != key}
        conflicts = {k: s for k, s in conflicts.items() if s}
        if conflicts and not force:
            raise conflict_error([(self._label(k), p) for k in sorted(conflicts) for p in sorted(conflicts[k])])
        self._others_lose(key, modified | added, removed)
        self._set(key, fields, api_version, time)
        return merged, self.encode()

    def _others_lose(self, key: tuple, changed: FieldSet, removed: FieldSet) -> None:
        for other in list(self.sets):
            if other != key:
                self.sets[other] -= changed | removed
                if not self.sets[other]:
                    del self.sets[other], self.entries[other]

    def _set(self, key: tuple, fields: FieldSet, api_version: str, time: str) -> None:
        if not fields:
            self.sets.pop(key, None)
            self.entries.pop(key, None)
            return
        entry = self.entries.get(key)
        if entry is None or self.sets.get(key) != fields:  # the time moves only when the set does
            manager, operation, subresource = key
            entry = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": time,
                     "fieldsType": "FieldsV1"}
            if subresource:
                entry["subresource"] = subresource
        self.entries[key], self.sets[key] = entry, fields

    def _label(self, key: tuple) -> str:
        """How a conflict names a manager (conflict.go printManager)."""
        manager, operation, subresource = key
        text = _go_quote(manager) + (f" with subresource {_go_quote(subresource)}" if subresource else "")
        if operation == "Update":
            entry = self.entries[key]
            return f"{text} using {entry['apiVersion']} at {entry['time']}"
        return text

    def encode(self) -> list[dict]:
        """managedFields, sorted as internal/managedfields.go sorts them (operation, time, manager)."""
        out = [{**self.entries[k], "fieldsV1": to_fields_v1(s)} for k, s in self.sets.items()]
        return sorted(out, key=lambda e: (e["operation"], e["time"], e["manager"], e["apiVersion"],
                                          e.get("subresource", "")))


def _client_side_applied(live: dict | None, struct: str) -> FieldSet:
    """Fields ``kubectl apply --server-side`` may take over without a conflict: those of the
    last client-side apply (its annotation) that still hold their applied value, so moving
    from client-side to server-side apply just works (internal/lastappliedmanager.go)."""
    text = ((live or {}).get("metadata", {}).get("annotations") or {}).get(LAST_APPLIED)
    try:
        last = json.loads(text) if text else None
    except ValueError:
        return set()
    if not isinstance(last, dict):
        return set()
    _, modified, _ = compare(last, live, struct)
    return applied_set(last, struct) - modified


def _reset(obj: dict | None, subresource: str) -> dict | None:
    """What a write may change: the main resource ignores status, the status subresource all but
    status (the strategies' GetResetFields, e.g. pkg/registry/apps/deployment/strategy.go)."""
    if obj is None:
        return None
    if subresource == "status":
        return {"status": obj.get("status")} if "status" in obj else {}
    return {k: v for k, v in obj.items() if k != "status"}


def _go_quote(text: str) -> str:
    return json.dumps(text)


def conflict_error(conflicts: list[tuple[str, Path]]) -> HTTPError:
    """409 Conflict (apimachinery/pkg/util/managedfields/internal/conflict.go NewConflictError)."""
    if len(conflicts) == 1:
        label, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {label}: {path_string(path)}"
    else:
        lines: list[str] = []
        for label in sorted({label for label, _ in conflicts}):
            lines.append(f"conflicts with {label}:")
            lines += [f"- {path_string(p)}" for other, p in conflicts if other == label]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    causes = [{"type": "FieldManagerConflict", "message": f"conflict with {label}", "field": path_string(path)}
              for label, path in conflicts]
    return HTTPError(409, message, "Conflict", {"causes": causes})


# --- the merge ------------------------------------------------------------------------------


def merge(live: Any, config: Any, struct: str, field: tuple[str, str] = ("", "")) -> Any:
    """``config`` merged into ``live`` (typed.Merge): structs and maps field by field, lists by
    their keys (live's order, new items after), sets as unions, anything else replaced."""
    if isinstance(live, dict) and isinstance(config, dict) and _is_struct(struct):
        out = dict(live)
        for name, value in config.items():
            out[name] = merge(live.get(name), value, _field_type(struct, name), (struct, name))
        return out
    if isinstance(live, list) and isinstance(config, list) and struct.startswith("[]"):
        element = _list_kind(*field, struct)
        if element:
            items = _items(element, live, field)
            for key, value in _items(element, config, field).items():
                items[key] = merge(items.get(key), value, element) if key in items else copy.deepcopy(value)
            return list(items.values())
    return copy.deepcopy(config)


def _remove(obj: dict, path: Path, struct: str) -> None:
    """Remove the field or list item at ``path`` from ``obj`` (the prune of fields no longer applied)."""
    parent: Any = obj
    go_type, field = struct, ("", "")
    for step in path[:-1]:
        parent, go_type, field = _child(parent, step, go_type, field)
        if parent is None:
            return
    last = path[-1]
    if isinstance(parent, dict) and last.startswith("f:"):
        parent.pop(last[2:], None)
    elif isinstance(parent, list):
        element = _list_kind(*field, go_type) or ""
        parent[:] = [v for v in parent if _item_key(element, v, field) != last]


def _child(node: Any, step: str, go_type: str, field: tuple[str, str]) -> tuple[Any, str, tuple[str, str]]:
    if isinstance(node, dict) and step.startswith("f:"):
        name = step[2:]
        return node.get(name), _field_type(go_type, name), (go_type, name)
    if isinstance(node, list):
        element = _list_kind(*field, go_type) or ""
        match = next((v for v in node if _item_key(element, v, field) == step), None)
        return match, element, field
    return None, "", field
