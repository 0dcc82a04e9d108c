"""Object metadata, and KubeObject: the base of every API object.

A Kubernetes object *is* its manifest: ``apiVersion``, ``kind``,
``metadata`` and usually ``spec`` (what you want) and ``status`` (what is).
``KubeObject`` wraps that dict (``obj.data``) and adds the three steps the
apiserver takes before it stores anything (``k8s.io/apiserver``'s create
handler):

1. **decode** strictly into the kind's Go struct (:mod:`.decoding`);
2. **default** the fields the user left out (``pkg/apis/*/v1/defaults.go``);
3. **validate** and reply ``422 Invalid`` listing *every* broken rule
   (``pkg/apis/*/validation``).

Each kind (Pod, Deployment, ...) lives in its own module and overrides
``apply_defaults`` and ``field_errors``.
"""

from __future__ import annotations

import copy
import json
import marshal
import random
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Callable, ClassVar, Mapping

import yaml

from .decoding import ABSENT, Struct, decode, parse_yaml_documents, same_json
from .errors import TOO_LONG, FieldError, K8sValueError, ObjectInvalidError, invalid, required
from .labels import label_errors
from .validation import is_dns1123_label, is_qualified_name

NameRule = Callable[[str], list]

IS_NEGATIVE = "must be greater than or equal to 0"  # apimachinery validation/generic.go
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * (1 << 10)  # objectmeta.go TotalAnnotationSizeLimitB
# pkg/apis/core/helper/helpers.go standardFinalizers
STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})
EMPTY: Mapping[str, Any] = MappingProxyType({})


class GoValue:
    """A bad value printed as Go prints it (``%#v`` or ``String()``), never quoted.

    ``field.Error`` quotes strings but prints maps as ``map[string]string{"app":"web"}``
    and IntOrStrings as ``25%``; wrap such text in GoValue to get that output.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"GoValue({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoValue) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def go_quote(text: str) -> str:
    """Go's %q of a string (close enough: JSON escaping, unicode kept)."""
    return json.dumps(text, ensure_ascii=False)


def go_string_map(labels: Mapping[str, str] | None) -> GoValue:
    """``%#v`` of a map[string]string: sorted keys; a missing map is nil."""
    if labels is None:
        return GoValue("map[string]string(nil)")
    items = ", ".join(f"{go_quote(k)}:{go_quote(v)}" for k, v in sorted(labels.items()))
    return GoValue(f"map[string]string{{{items}}}")


@lru_cache(maxsize=2048)
def _label_errors(items: tuple[tuple[str, str], ...], path: str) -> tuple[FieldError, ...]:
    return tuple(label_errors(dict(items), path))


def checked_labels(labels: Mapping[str, Any] | None, path: str) -> list[FieldError]:
    """label_errors for decoded labels, cached: every pod of a ReplicaSet carries the same ones."""
    return list(_label_errors(tuple(labels.items()), path)) if labels else []


def nonnegative(value: int, path: str) -> list[FieldError]:
    """ValidateNonnegativeField."""
    return [invalid(path, value, IS_NEGATIVE)] if value < 0 else []


# --- ObjectMeta validation (apimachinery pkg/api/validation/objectmeta.go) ---------------


def mask_trailing_dash(name: str) -> str:
    """generic.go maskTrailingDash, exactly: a generateName may end in '-'."""
    return name[:-2] + "a" if name.endswith("-") else name


def annotation_errors(annotations: Mapping[str, str] | None, path: str) -> list[FieldError]:
    """ValidateAnnotations: keys are qualified names (any case); 256 KiB in total."""
    if not annotations:
        return []
    errors = [invalid(path, key, m) for key in sorted(annotations) for m in is_qualified_name(key.lower())]
    if sum(len(k) + len(v) for k, v in annotations.items()) > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(FieldError(path, TOO_LONG, None, f"must have at most {TOTAL_ANNOTATION_SIZE_LIMIT} bytes"))
    return errors


def controller_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """metav1.GetControllerOf: the owner reference with ``controller: true``, if any."""
    return next((r for r in obj["metadata"].get("ownerReferences") or () if r.get("controller")), None)


def owner_reference_errors(refs: list[dict] | None, path: str) -> list[FieldError]:
    """ValidateOwnerReferences. Upstream names the fields without an index."""
    errors: list[FieldError] = []
    controller = ""
    for ref in refs or ():
        version = ref.get("apiVersion", "").rpartition("/")[2]
        if not version:
            errors.append(invalid(f"{path}.apiVersion", ref.get("apiVersion", ""), "version must not be empty"))
        for key in ("kind", "name", "uid"):
            if not ref.get(key):
                errors.append(invalid(f"{path}.{key}", ref.get(key, ""), "must not be empty"))
        if ref.get("controller"):
            this = f"{ref.get('kind', '')}/{ref.get('name', '')}"
            if controller:
                # Upstream prints the whole []OwnerReference here, pointer addresses and all.
                errors.append(invalid(path, GoValue("[]v1.OwnerReference{...}"),
                                      "Only one reference can have Controller set to true. "
                                      f'Found "true" in references for {controller} and {this}'))
            else:
                controller = this
    return errors


def kube_finalizer_errors(name: str, path: str) -> list[FieldError]:
    """validateKubeFinalizerName: an unprefixed finalizer must be one Kubernetes knows."""
    if "/" in name or name in STANDARD_FINALIZERS:
        return []
    return [invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified")]


def finalizer_errors(finalizers: list[str] | None, path: str) -> list[FieldError]:
    """ValidateFinalizers plus core's validateKubeFinalizerName, for metadata.finalizers."""
    errors: list[FieldError] = []
    for i, name in enumerate(finalizers or ()):
        errors += [invalid(path, name, m) for m in is_qualified_name(name)]
        errors += kube_finalizer_errors(name, f"{path}[{i}]")
    if finalizers and "orphan" in finalizers and "foregroundDeletion" in finalizers:
        errors.append(invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"))
    return errors


def object_meta_errors(meta: Mapping[str, Any], name_rule: NameRule, namespaced: bool,
                       path: str = "metadata") -> list[FieldError]:
    """ValidateObjectMeta on create: name, namespace, labels, annotations, owners, finalizers."""
    errors: list[FieldError] = []
    generate = meta.get("generateName")
    if generate:
        errors += [invalid(f"{path}.generateName", generate, m) for m in name_rule(mask_trailing_dash(generate))]
    name = meta.get("name")
    if not name:
        errors.append(required(f"{path}.name", "name or generateName is required"))
    else:
        errors += [invalid(f"{path}.name", name, m) for m in name_rule(name)]
    if namespaced:
        namespace = meta.get("namespace")
        if not namespace:
            errors.append(required(f"{path}.namespace"))
        else:
            errors += [invalid(f"{path}.namespace", namespace, m) for m in is_dns1123_label(namespace)]
    errors += nonnegative(meta.get("generation", 0), f"{path}.generation")
    errors += checked_labels(meta.get("labels"), f"{path}.labels")
    errors += annotation_errors(meta.get("annotations"), f"{path}.annotations")
    errors += owner_reference_errors(meta.get("ownerReferences"), f"{path}.ownerReferences")
    errors += finalizer_errors(meta.get("finalizers"), f"{path}.finalizers")
    return errors


# Names the apiserver generates from metadata.generateName
# (apiserver/pkg/storage/names/generate.go, util/rand: no vowels, no 0/1/3).
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MAX_GENERATED_NAME = 63 - 5


def generate_name(base: str, rng: random.Random) -> str:
    """``web-7d4b9-`` -> ``web-7d4b9-x2k5q``, drawing from the cluster's seeded RNG."""
    return base[:_MAX_GENERATED_NAME] + "".join(rng.choice(_NAME_ALPHABET) for _ in range(5))


# --- reading manifests --------------------------------------------------------------------


class ManifestError(K8sValueError):
    """A manifest the apiserver cannot even map to a kind."""


def missing_error(field: str, data: Any) -> ManifestError:
    """runtime.NewMissingKindErr / NewMissingVersionErr, quoting the document as JSON."""
    document = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return ManifestError(f"Object '{field}' is missing in '{document}'")


def fast_copy(data: Any) -> Any:
    """A deep copy of JSON-like data; marshal is several times faster than copy.deepcopy."""
    try:
        return marshal.loads(marshal.dumps(data))
    except ValueError:  # something marshal cannot hold (e.g. a date from yaml.safe_load)
        return copy.deepcopy(data)


def manifest_data(manifest: Mapping[str, Any] | str, unchanged: Mapping[str, Any] | None = None) -> dict:
    """One manifest as a private dict: YAML text is parsed, a mapping is copied.

    ``unchanged``: the stored object an update replaces, parsed for this write
    alone. A top-level field that is, as JSON, exactly the stored one is taken
    from it instead of copied (``decoding.decode`` then knows it by identity
    and skips it): a status write need not copy the whole spec it does not change.
    """
    if isinstance(manifest, str):
        documents = parse_yaml_documents(manifest)
        if len(documents) != 1:
            raise ManifestError(f"expected one object in the manifest, found {len(documents)}; use load_all()")
        manifest = documents[0]
    if not isinstance(manifest, Mapping):
        raise missing_error("Kind", manifest)
    if not unchanged:
        return fast_copy(dict(manifest))
    return {key: stored if type(key) is str and same_json(value, stored := unchanged.get(key, ABSENT))
            else fast_copy(value) for key, value in manifest.items()}


def _unique(errors: list[FieldError]) -> list[FieldError]:
    """ErrorList.ToAggregate drops errors whose message repeats an earlier one."""
    seen: set[str] = set()
    unique = []
    for error in errors:
        text = str(error)
        if text not in seen:
            seen.add(text)
            unique.append(error)
    return unique


def sorted_copy(value: Any) -> Any:
    """A deep copy with every mapping's keys sorted, as kubectl prints objects."""
    if isinstance(value, dict):  # manifests are JSON data: dict, not any Mapping (and far cheaper to test)
        return {k: sorted_copy(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_copy(v) for v in value]
    return value


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _ManifestDumper(_Dumper):  # type: ignore[misc, valid-type]
    """YAML as kubectl prints it: strings that would read back as something else ("1", "true", "")
    are double-quoted, multi-line strings are literal blocks."""


def _represent_str(dumper: Any, value: str) -> Any:
    style = None
    if "\n" in value:
        style = "|"
    elif dumper.resolve(yaml.ScalarNode, value, (True, False)) != "tag:yaml.org,2002:str":
        style = '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ManifestDumper.add_representer(str, _represent_str)


def dump_yaml(value: Any) -> str:
    """YAML as kubectl prints it (``-o yaml``): keys sorted, as sigs.k8s.io/yaml writes them."""
    return yaml.dump(value, Dumper=_ManifestDumper, sort_keys=True, default_flow_style=False, allow_unicode=True)

# --- the base class -----------------------------------------------------------------------


def _or_empty(part: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A manifest part, live; an absent one reads as empty and refuses writes (set it in ``data``)."""
    return EMPTY if part is None else part


class KubeObject:
    """One API object; ``data`` is its manifest, defaults included.

    Build one with ``from_manifest`` (decode, default, validate) or wrap
    trusted data directly with ``Kind(data)``.
    """

    KIND: ClassVar[str] = ""
    GROUP: ClassVar[str] = ""  # "" is the core ("legacy") group
    VERSION: ClassVar[str] = "v1"
    RESOURCE: ClassVar[str] = ""  # plural, as in URLs and etcd keys: "pods"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ()
    NAMESPACED: ClassVar[bool] = True
    NAME_RULE: ClassVar[NameRule] = staticmethod(lambda name: [])
    SCHEMA: ClassVar[Struct]
    API_VERSION: ClassVar[str] = "v1"  # set per kind: "apps/v1"; the core group is just "v1"

    __slots__ = ("data",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.API_VERSION = f"{cls.GROUP}/{cls.VERSION}" if cls.GROUP else cls.VERSION

    def __init__(self, data: dict) -> None:
        self.data = data

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any] | str, namespace: str = "default") -> "KubeObject":
        """Decode, default and validate a manifest (dict or YAML text) as the apiserver would.

        ``namespace`` is used when a namespaced manifest names none (kubectl's
        ``-n``). Errors: DecodeError (wrong types, unknown fields), then
        ObjectInvalidError listing every field that breaks a rule.
        """
        if cls is KubeObject:
            from .objects import load

            return load(manifest, namespace)
        data = manifest_data(manifest)
        kind, api_version = data.get("kind"), data.get("apiVersion")
        if kind is None and api_version is None:  # a typed client fills these in
            data["apiVersion"], data["kind"] = cls.API_VERSION, cls.KIND
        elif (api_version, kind) != (cls.API_VERSION, cls.KIND):
            raise ManifestError(f"{cls.__name__}.from_manifest cannot read a {kind} ({api_version}); use load()")
        return cls._admit(data, namespace)

    @classmethod
    def _admit(cls, data: dict, namespace: str) -> "KubeObject":
        """The three apiserver steps on a private, kind-checked dict."""
        obj = cls._decoded(data, namespace)
        obj.validate()
        return obj

    @classmethod
    def _decoded(cls, data: dict, namespace: str, unchanged: Mapping[str, Any] | None = None) -> "KubeObject":
        """Steps 1 and 2 (decode, default) on a private, kind-checked dict. The apiserver
        runs mutating admission between these and ``validate``. ``unchanged``: the stored
        object an update replaces (see ``decoding.decode``)."""
        decode(data, cls.SCHEMA, cls.KIND, cls.VERSION, unchanged)
        obj = cls(data)
        obj.apply_defaults(namespace)
        return obj

    def validate(self) -> None:
        """Step 3: raise ObjectInvalidError listing every broken rule."""
        errors = self.field_errors()
        if errors:
            raise ObjectInvalidError(self.KIND, self.GROUP, self.name, _unique(errors))

    def apply_defaults(self, namespace: str = "default") -> None:
        """Fill in what the apiserver fills in. Kinds extend this."""
        meta = self.data.setdefault("metadata", {})
        if not self.NAMESPACED:
            # rest.BeforeCreate clears the namespace of cluster-scoped objects.
            meta.pop("namespace", None)
        elif not meta.get("namespace"):
            meta["namespace"] = namespace

    def field_errors(self) -> list[FieldError]:
        """Every validation error, in upstream's order. Kinds extend this."""
        return object_meta_errors(self.metadata, type(self).NAME_RULE, self.NAMESPACED)

    # -- the manifest's parts --------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.data.get("kind", self.KIND)

    @property
    def api_version(self) -> str:
        return self.data.get("apiVersion", self.API_VERSION)

    @property
    def metadata(self) -> Mapping[str, Any]:
        return _or_empty(self.data.get("metadata"))

    @property
    def name(self) -> str:
        return self.metadata.get("name", "")

    @property
    def namespace(self) -> str:
        """The namespace; empty for cluster-scoped objects."""
        return self.metadata.get("namespace", "")

    @property
    def labels(self) -> Mapping[str, str]:
        return _or_empty(self.metadata.get("labels"))

    @property
    def annotations(self) -> Mapping[str, str]:
        return _or_empty(self.metadata.get("annotations"))

    @property
    def uid(self) -> str:
        return self.metadata.get("uid", "")

    @property
    def resource_version(self) -> str:
        return self.metadata.get("resourceVersion", "")

    @property
    def generation(self) -> int:
        return self.metadata.get("generation", 0)

    @property
    def owner_references(self) -> list[dict] | tuple[()]:
        return self.metadata.get("ownerReferences") or ()

    @property
    def spec(self) -> Mapping[str, Any]:
        return _or_empty(self.data.get("spec"))

    @property
    def status(self) -> Mapping[str, Any]:
        return _or_empty(self.data.get("status"))

    # -- output ---------------------------------------------------------------------------
    def to_manifest(self) -> dict:
        """A deep copy with sorted keys: what ``kubectl get -o yaml`` shows."""
        return sorted_copy(self.data)

    def to_yaml(self) -> str:
        return dump_yaml(self.to_manifest())

    def copy(self) -> "KubeObject":
        """An independent object of the same kind (DeepCopy)."""
        return type(self)(fast_copy(self.data))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.data == self.data  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dict it wraps

    def __repr__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"<{self.KIND} {where}>"
