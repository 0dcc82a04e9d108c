"""From arguments and files to API objects, as kubectl's resource builder does.

``kubectl get pods web``, ``get pod/web``, ``get po,svc -l app=web`` and
``apply -f file.yaml`` all go through here: arguments become a
:class:`Request` (``k8s.io/cli-runtime/pkg/resource/builder.go``), files
become manifests with their source name (``"STDIN"`` for ``-f -``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from k8scourse.api import objects
from k8scourse.api.decoding import DecodeError, ManifestSyntaxError, decode, parse_yaml_documents
from k8scourse.api.errors import LabelSelectorError, StatusError
from k8scourse.api.meta import fast_copy
from k8scourse.master.apiserver import APIServer

from .errors import CommandError

Kind = type[objects.KubeObject]

# `kubectl get all`: the "all" category, in discovery order (core, apps, autoscaling, batch).
ALL_CATEGORY = ("pods", "replicationcontrollers", "services", "daemonsets", "deployments", "replicasets",
                "statefulsets", "horizontalpodautoscalers", "cronjobs", "jobs")
MISSING_RESOURCE = ("error: You must provide one or more resources by argument or filename.\n"
                    "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
                    "   '<resource> <name>'\n   '<resource>'")
MANIFEST_EXTENSIONS = (".json", ".yaml", ".yml")


def resolve_types(arg: str) -> list[Kind]:
    """``po,svc`` or ``all`` -> the kinds, in order, each once; unknown names fail as kubectl does."""
    kinds: list[Kind] = []
    for part in arg.split(","):
        if part == "all":
            found = [objects.kind_for_resource(r) for r in ALL_CATEGORY if _known(r)]
        elif part:
            found = [objects.kind_for_resource(part)]
        else:
            continue
        kinds += [k for k in found if k not in kinds]
    return kinds


def _known(resource: str) -> bool:
    try:
        objects.kind_for_resource(resource)
    except objects.UnknownResourceError:
        return False
    return True


@dataclass
class Request:
    """What the arguments ask for: named objects, or kinds to list (filtered by selectors)."""

    named: list[tuple[Kind, str]] = field(default_factory=list)
    listed: list[Kind] = field(default_factory=list)
    single: bool = False  # one object named: -o yaml prints it rather than a List


def parse_request(args: Sequence[str], *, selector: bool, list_all: bool, all_namespaces: bool = False) -> Request:
    """ResourceTypeOrNameArgs and the visitor choice of builder.go.

    ``selector`` says -l or --field-selector was given; ``list_all`` that a
    bare type lists everything (``get``, ``describe``, ``delete --all``).
    """
    if not args:
        raise CommandError(MISSING_RESOURCE)
    slashed = [a for a in args if "/" in a]
    if slashed and len(slashed) != len(args):
        raise CommandError("error: there is no need to specify a resource type as a separate argument when "
                           "passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' "
                           "instead of 'kubectl get resource resource/<resource_name>'")
    if slashed:
        named = []
        for arg in args:
            parts = arg.split("/")
            if len(parts) != 2:
                raise CommandError("error: arguments in resource/name form may not have more than one slash")
            if not parts[0] or not parts[1] or "," in parts[0]:
                raise CommandError("error: arguments in resource/name form must have a single resource and name")
            named.append((objects.kind_for_resource(parts[0]), parts[1]))
        if selector:
            raise CommandError("error: selectors and the all flag cannot be used when passing resource/name arguments")
        return _by_name(named, all_namespaces)
    kinds, names = resolve_types(args[0]), list(args[1:])
    if selector:
        if names:
            raise CommandError("error: name cannot be provided when a selector is specified")
        return Request(listed=kinds)
    if names:
        if len(kinds) != 1:
            raise CommandError("error: you must specify only one resource")
        return _by_name([(kinds[0], name) for name in names], all_namespaces)
    if list_all:
        return Request(listed=kinds)
    raise CommandError("error: resource(s) were provided, but no name was specified")


def _by_name(named: list[tuple[Kind, str]], all_namespaces: bool) -> Request:
    if all_namespaces and any(kind.NAMESPACED for kind, _ in named):
        raise CommandError("error: a resource cannot be retrieved by name across all namespaces")
    return Request(named=named, single=len(named) == 1)


def fetch(api: APIServer, request: Request, namespace: str | None, label_selector: str = "",
          field_selector: str = "") -> tuple[list[tuple[Kind, dict]], list[Exception]]:
    """Read what the request names or lists; NotFound errors are collected, not raised."""
    found: list[tuple[Kind, dict]] = []
    errors: list[Exception] = []
    for kind, name in request.named:
        try:
            found.append((kind, api.get(kind.RESOURCE, name, namespace)))
        except StatusError as err:
            errors.append(err)
    for kind in request.listed:
        try:
            items = api.list(kind.RESOURCE, namespace if kind.NAMESPACED else None,
                             label_selector=label_selector or None, field_selector=field_selector or None)
        except LabelSelectorError as err:
            raise _list_error(kind, StatusError(400, "BadRequest", str(err)), label_selector, field_selector) from None
        except StatusError as err:
            raise _list_error(kind, err, label_selector, field_selector) from None
        found += [(kind, obj) for obj in items]
    return found, errors


def _list_error(kind: Kind, error: StatusError, label_selector: str, field_selector: str) -> StatusError:
    """EnhanceListError: a refused list says which resource and selectors it was."""
    if error.code not in (400, 404):
        return error
    subject = f"{kind.GROUP}/{kind.VERSION}, Resource={kind.RESOURCE}"
    if label_selector or field_selector:
        message = (f'Unable to find "{subject}" that match label selector "{label_selector}", '
                   f'field selector "{field_selector}": {error}')
    else:
        message = f'Unable to list "{subject}": {error}'
    return StatusError(error.code, error.reason, message)


# --- manifests from files -----------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """One object read from a file: its data, its kind and where it came from."""

    data: dict
    kind: Kind
    source: str

    @property
    def name(self) -> str:
        return str((self.data.get("metadata") or {}).get("name", ""))


def read_manifests(paths: Sequence[str], stdin: str | None, verb: str) -> list[Manifest]:
    """Every object in the ``-f`` files (``-`` is stdin, a directory its manifest files), in order."""
    manifests: list[Manifest] = []
    for source, text in _sources(paths, stdin):
        try:
            documents = parse_yaml_documents(text)
        except ManifestSyntaxError as err:
            raise CommandError(f"error: error parsing {source}: {err}") from None
        for document in documents:
            manifests += [_manifest(item, source) for item in _flatten(document, source)]
    if not manifests:
        raise CommandError(f"error: no objects passed to {verb}")
    return manifests


def _sources(paths: Sequence[str], stdin: str | None) -> Iterator[tuple[str, str]]:
    for path in paths:
        if path == "-":
            yield "STDIN", stdin or ""
        elif os.path.isdir(path):
            for entry in sorted(os.listdir(path)):
                if entry.endswith(MANIFEST_EXTENSIONS):
                    yield from _sources([os.path.join(path, entry)], stdin)
        elif os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                yield path, handle.read()
        else:
            raise CommandError(f'error: the path "{path}" does not exist')


def _flatten(document: Any, source: str) -> list[dict]:
    """A ``kind: List`` stands for its items."""
    if not isinstance(document, Mapping):
        found = {str: "string", list: "array", bool: "bool"}.get(type(document), "number")
        raise CommandError(f'error: unable to decode "{source}": json: cannot unmarshal {found} '
                           "into Go value of type map[string]interface {}")
    if document.get("kind") == "List" and isinstance(document.get("items"), list):
        return [item for doc in document["items"] for item in _flatten(doc, source)]
    return [dict(document)]


def _manifest(data: dict, source: str) -> Manifest:
    """A manifest with its kind; what is missing or unknown fails as kubectl's validation does."""
    missing = [f"{key} not set" for key in ("apiVersion", "kind") if not data.get(key)]
    if missing:
        shown = missing[0] if len(missing) == 1 else "[" + ", ".join(missing) + "]"
        raise CommandError(f'error: error validating "{source}": error validating data: {shown}; '
                           "if you choose to ignore these errors, turn validation off with --validate=false")
    try:
        kind = objects.kind_for(str(data["apiVersion"]), str(data["kind"]))
    except objects.NoKindMatchError as err:
        meta = data.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        raise CommandError(f'error: resource mapping not found for name: "{meta.get("name", "")}" namespace: '
                           f'"{meta.get("namespace", "")}" from "{source}": {err}\n'
                           "ensure CRDs are installed first") from None
    # kubectl reads the name, namespace and annotations: metadata must decode (nulls drop out, as in Go).
    checked = {"metadata": fast_copy(data["metadata"])} if "metadata" in data else {}
    try:
        decode(checked, kind.SCHEMA, kind.KIND, kind.VERSION)
    except DecodeError as err:
        # A wrong type breaks kubectl's own decoding; unknown fields are the server's
        # to refuse (strict field validation happens there).
        if not err.detail.startswith("strict decoding error"):
            raise CommandError(f'error: unable to decode "{source}": {err.detail}') from None
    data = {k: v for k, v in data.items() if k != "metadata"} | checked
    return Manifest(data, kind, source)


def object_namespace(manifest: Manifest, namespace: str, explicit: bool) -> str | None:
    """The namespace an object from a file goes to; -n may not contradict the file."""
    if not manifest.kind.NAMESPACED:
        return None
    declared = (manifest.data.get("metadata") or {}).get("namespace")
    if declared and explicit and declared != namespace:
        raise CommandError(
            f'error: the namespace from the provided object "{declared}" does not match the namespace '
            f"\"{namespace}\". You must pass '--namespace={declared}' to perform this operation.")
    return declared or namespace
