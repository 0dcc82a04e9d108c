"""The REST handlers: each HTTP verb on a resource path, done through the course's APIServer.

A request names a resource the way kube-apiserver's router does
(``apiserver/pkg/endpoints/installer.go``)::

    /api/v1/namespaces/{namespace}/{resource}[/{name}[/{subresource}]]
    /apis/{group}/{version}/{resource}[/{name}[/{subresource}]]     (cluster-scoped, or every namespace)

and every read and write goes through the same ``APIServer`` the notebooks
use, so admission, validation, defaults, errors and events are one
implementation. What is added here is only HTTP: parsing, status codes,
``Status`` bodies, paging, watch, tables and patch formats.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

import orjson
import yaml

from k8scourse.api import objects
from k8scourse.api.decoding import DecodeError
from k8scourse.api.errors import StatusError
from k8scourse.api.fields import parse_field_selector
from k8scourse.api.meta import KubeObject
from k8scourse.api.patch import merge_patch
from k8scourse.api.selectors import parse_selector
from k8scourse.etcd.store import CompactedError
from k8scourse.master.apiserver import APIServer
from k8scourse.master.pod_log import LogOptions, read_log
from k8scourse.timefmt import EPOCH

from . import conversion, discovery, tables
from .fieldmanager import Managers
from .patch import APPLY_PATCH, PATCH_TYPES, apply_patch
from .status import HTTPError, from_exception, not_found_path, success
from .watch import DEFAULT_TIMEOUT, EventCache, Filter, WatchStream, decode

JSON = "application/json"
#: The values the ``dryRun`` and ``fieldValidation`` parameters accept (apimachinery/pkg/apis/meta/v1/validation).
DRY_RUN_VALUES = ("All",)
FIELD_VALIDATION_VALUES = ("Ignore", "Warn", "Strict")
#: A field strict decoding does not know, as the course's decoder names it: ``unknown field "spec.replica"``.
UNKNOWN_FIELD = re.compile(r'unknown field "([^"]+)"')
#: One step of such a path: ``containers[0]`` -> ("containers", "[0]").
_STEP = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


@dataclass
class Request:
    """One API request, parsed from its path and query."""

    method: str
    gv: discovery.GroupVersion
    kind: type[KubeObject]
    namespace: str | None
    name: str | None
    subresource: str | None
    query: dict[str, str]
    accept: str = JSON
    content_type: str = JSON
    body: bytes = b""
    user_agent: str = ""
    unknown: list[str] = field(default_factory=list)  # fields to drop (fieldValidation Warn or Ignore)

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"

    @property
    def manager(self) -> str:
        """Who writes: ``fieldManager``, else the user agent up to its first "/" (``kubectl``), as
        apiserver/pkg/endpoints/handlers/rest.go managerOrUserAgent does (at most 128 characters)."""
        return self.query.get("fieldManager") or self.user_agent.split("/")[0][:128]

    @property
    def warnings(self) -> list[str]:
        """The Warning headers of the answer: each unknown field dropped under ``fieldValidation=Warn``."""
        if self.query.get("fieldValidation", "Warn") != "Warn":
            return []
        return [f'unknown field "{path}"' for path in self.unknown]

    def known(self, obj: dict) -> dict:
        """``obj`` without the unknown fields a first attempt found (none under Strict)."""
        for path in self.unknown:
            _drop(obj, path)
        return obj


@dataclass
class Response:
    code: int
    body: Any
    content_type: str = JSON
    warnings: list[str] = field(default_factory=list)


@dataclass
class Watch:
    """A handler's answer to ``?watch=true``: the stream to run once the lock is released."""

    stream: WatchStream
    table: bool
    bookmarks: bool
    timeout: float
    first_error: dict | None = None
    convert: Any = None  # the objects' conversion to the version asked for, if not the stored one


def parse_path(method: str, parts: list[str], query: dict[str, str]) -> Request:
    """``/api/v1/namespaces/ns/pods/web/status`` -> Request(pods, ns, web, status)."""
    if parts[0] == "api":
        gv_path, rest = f"/api/{parts[1]}", parts[2:]
    else:
        gv_path, rest = f"/apis/{parts[1]}/{parts[2]}" if len(parts) > 2 else "", parts[3:]
    gv = discovery.BY_PATH.get(gv_path)
    if gv is None or not rest:
        raise not_found_path()
    by_resource = {k.RESOURCE: k for k in gv.kinds}
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] in by_resource and by_resource[rest[2]].NAMESPACED:
        namespace, rest = rest[1], rest[2:]
    if rest[0] not in by_resource or len(rest) > 3:
        raise not_found_path()
    kind = by_resource[rest[0]]
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if sub is not None and sub not in {s for s, *_ in discovery.SUBRESOURCES.get(kind.RESOURCE, ())}:
        raise not_found_path()
    return Request(method, gv, kind, namespace, name, sub, query)


class Handlers:
    """The REST verbs over one cluster's APIServer (called with the server's lock held)."""

    def __init__(self, api: APIServer) -> None:
        self.api = api
        self.events = EventCache()  # shared by this server's watches

    @property
    def stamp(self) -> str:
        """Now as a timestamp (``metav1.Time``), on the cluster's clock and epoch."""
        return self.api.clock.rfc3339(self.api.clock.now)

    def handle(self, req: Request) -> Response | Watch:
        try:
            self._check_parameters(req)
            try:
                answer = self._dispatch(req)
            except DecodeError as err:
                # fieldValidation Warn (the server's default) or Ignore: unknown fields are dropped,
                # not refused (apiserver/pkg/endpoints/handlers/rest.go); only Strict refuses them.
                req.unknown = UNKNOWN_FIELD.findall(err.detail)
                if not req.unknown or req.query.get("fieldValidation", "Warn") == "Strict":
                    raise
                answer = self._dispatch(req)
            if isinstance(answer, Response):
                answer.warnings = req.warnings
                if req.gv.converted:
                    answer.body = _converted(req, answer.body)
            return answer
        except CompactedError:
            raise HTTPError(410, "The provided continue parameter is too old to display a consistent list result. "
                                 "You can start a new list without the continue parameter.", "Expired") from None
        except Exception as err:  # a Status for what the apiserver refused
            raise from_exception(err, req.kind.RESOURCE, req.name or _name_in(req.body)) from None

    def _incoming(self, req: Request, obj: dict) -> dict:
        """A sent object in the stored version: autoscaling/v1 becomes v2, keeping what v1 cannot see."""
        if not req.gv.converted:
            return obj
        name = (obj.get("metadata") or {}).get("name") or req.name or ""
        try:
            current = self.api.get(req.kind.RESOURCE, name, req.namespace)
        except StatusError:
            current = None
        return conversion.to_v2(obj, current)

    def _dispatch(self, req: Request) -> Response | Watch:
        if req.name is None:
            return self._collection(req)
        if req.subresource is not None:
            return self._subresource(req)
        return self._item(req)

    @staticmethod
    def _check_parameters(req: Request) -> None:
        dry_run = req.query.get("dryRun")
        if dry_run is not None and dry_run not in DRY_RUN_VALUES:
            raise HTTPError(400, f'Invalid dry run value: "{dry_run}": Unsupported value: "{dry_run}": '
                                 f'supported values: "All"')
        validation = req.query.get("fieldValidation")
        if validation is not None and validation not in FIELD_VALIDATION_VALUES:
            # apiserver/pkg/endpoints/handlers/rest.go fieldValidation
            raise HTTPError(400, f"fieldValidation must be one of Ignore, Warn, or Strict, got {validation}")

    # --- collections ---------------------------------------------------------------------

    def _collection(self, req: Request) -> Response | Watch:
        if req.method == "GET":
            if req.query.get("watch") in ("true", "1"):
                return self._watch(req)
            return self._list(req)
        if req.method == "POST":
            return self._create(req)
        if req.method == "DELETE":
            return self._delete_collection(req)
        raise HTTPError(405, "the server does not allow this method on the requested resource")

    def _filter(self, req: Request) -> Filter:
        fields = parse_field_selector(req.query.get("fieldSelector"))
        fields.check_supported(req.kind.RESOURCE)
        labels = req.query.get("labelSelector")
        return Filter(parse_selector(labels) if labels else None, fields)

    def _prefix(self, req: Request) -> str:
        namespace = req.namespace if req.kind.NAMESPACED else None
        return self.api.key(req.kind.RESOURCE, "", namespace)

    def _list(self, req: Request) -> Response:
        """LIST: objects in key order at one revision; ``limit`` pages, ``continue`` resumes.

        Pages read etcd at the first page's revision, as the apiserver's storage does
        (``APIServer.list`` reads only the latest one, which is all the notebooks need)."""
        wanted, prefix = self._filter(req), self._prefix(req)
        revision, start = 0, ""
        token = req.query.get("continue")
        if token:
            revision, start = _read_continue(token)
        else:
            revision = self._list_revision(req.query.get("resourceVersion", ""),
                                           req.query.get("resourceVersionMatch", ""))
        limit = _number(req.query, "limit", 0)
        found, more = [], None
        for kv in self.api.store.range(prefix, revision=revision):
            if kv.key[len(prefix):] < start:
                continue
            if limit and len(found) == limit:
                more = kv.key[len(prefix):]
                break
            obj = self.events.decoded(kv)
            if wanted(obj):
                found.append(obj)
        list_revision = revision or self.api.store.revision
        meta: dict[str, Any] = {"resourceVersion": str(list_revision)}
        if more is not None:
            meta["continue"] = _write_continue(list_revision, more)
        if tables.wants_table(req.accept):
            return Response(200, tables.table(req.kind.RESOURCE, found, self.api.clock.since(EPOCH), meta,
                                              req.query.get("includeObject", "Metadata")), JSON)
        return Response(200, {"kind": f"{req.kind.KIND}List", "apiVersion": req.gv.name,
                              "metadata": meta, "items": [_with_type(req.kind, o) for o in found]})

    def _list_revision(self, rv: str, match: str) -> int:
        """The revision a list reads at: 0 (the latest) unless ``resourceVersionMatch=Exact``."""
        if rv in ("", "0"):
            return 0
        if not rv.isdigit():
            raise HTTPError(400, f'invalid resource version "{rv}"')
        if int(rv) > self.api.store.revision:
            raise HTTPError(504, f"Too large resource version: {rv}, current: {self.api.store.revision}",
                            "Timeout", {"causes": [{"reason": "ResourceVersionTooLarge",
                                                    "message": "Too large resource version"}],
                                        "retryAfterSeconds": 1})
        return int(rv) if match == "Exact" else 0

    def _watch(self, req: Request) -> Watch:
        watch = WatchStream(self.api.store, req.kind, self._prefix(req), self._filter(req), self.events)
        first_error = watch.start(req.query.get("resourceVersion", ""))
        timeout = _number(req.query, "timeoutSeconds", DEFAULT_TIMEOUT)
        return Watch(watch, tables.wants_table(req.accept), req.query.get("allowWatchBookmarks") == "true",
                     timeout, first_error, conversion.to_v1 if req.gv.converted else None)

    def _create(self, req: Request) -> Response:
        manifest = _body(req)
        _check_kind(req, manifest)
        manifest = self._managed(req, None, self._incoming(req, req.known(manifest)))
        if req.dry_run:
            return Response(201, self._dry_run(manifest, req.namespace))
        return Response(201, self.api.create(manifest, req.namespace))

    def _managed(self, req: Request, old: dict | None, new: dict, subresource: str = "") -> dict:
        """``new`` with the managedFields of an Update by the request's manager: what it changes
        from ``old``, once decoded and defaulted (as the fieldmanager sees it, before admission)."""
        if not req.manager:
            return new
        defaulted = objects.decoded(new, req.namespace or "default").data
        entries = (old or {}).get("metadata", {}).get("managedFields")
        fields = Managers(entries).update(old, defaulted, req.manager, req.gv.name, self.stamp, subresource)
        new.setdefault("metadata", {})["managedFields"] = fields
        return new

    def _dry_run(self, manifest: dict, namespace: str | None) -> dict:
        """``dryRun=All``: decoded, defaulted and validated, but not admitted or stored.
        (The course's simplification: a real dry run runs admission too.)"""
        loaded = objects.load(manifest, namespace or "default")  # (the caller dropped unknown fields)
        meta = loaded.data["metadata"]
        meta.setdefault("creationTimestamp", self.stamp)
        if loaded.NAMESPACED:
            meta.setdefault("namespace", namespace or "default")
        return loaded.data

    def _delete_collection(self, req: Request) -> Response:
        wanted = self._filter(req)
        deleted = []
        for kv in self.api.store.range(self._prefix(req)):
            obj = decode(kv, kv.mod_revision)
            if wanted(obj):
                deleted.append(self.api.delete(req.kind.RESOURCE, obj["metadata"]["name"],
                                               obj["metadata"].get("namespace")))
        return Response(200, {"kind": f"{req.kind.KIND}List", "apiVersion": req.gv.name,
                              "metadata": {"resourceVersion": str(self.api.store.revision)}, "items": deleted})

    # --- one object ------------------------------------------------------------------------

    def _item(self, req: Request) -> Response:
        resource, name, namespace = req.kind.RESOURCE, req.name or "", req.namespace
        if req.method == "GET":
            obj = self.api.get(resource, name, namespace)
            if tables.wants_table(req.accept):
                meta = {"resourceVersion": obj["metadata"]["resourceVersion"]}
                return Response(200, tables.table(resource, [obj], self.api.clock.since(EPOCH), meta,
                                                  req.query.get("includeObject", "Metadata")))
            return Response(200, _with_type(req.kind, obj))
        if req.method == "PUT":
            new = _body(req)
            _check_kind(req, new)
            _check_name(new, name)
            new = req.known(_in_namespace(req.kind, self._incoming(req, new), namespace))
            new = self._managed(req, self.api.get(resource, name, namespace), new)
            if req.dry_run:
                return Response(200, self._dry_run(new, namespace))
            return Response(200, self.api.update(new))
        if req.method == "PATCH":
            return self._patch(req)
        if req.method == "DELETE":
            options = _json(req.body) if req.body.strip() else {}  # DeleteOptions
            grace = _number(req.query, "gracePeriodSeconds", options.get("gracePeriodSeconds"))
            obj = self.api.get(resource, name, namespace)
            if req.dry_run:
                return Response(200, obj)
            deleted = self.api.delete(resource, name, namespace, grace)
            return Response(200, _with_type(req.kind, deleted))
        raise HTTPError(405, "the server does not allow this method on the requested resource")

    def _patch(self, req: Request, subresource: str | None = None) -> Response:
        content_type = req.content_type.split(";")[0].strip()
        if content_type not in PATCH_TYPES:
            raise HTTPError(415, f'the body of the request was in an unknown format - accepted media types '
                                 f'include: {", ".join(PATCH_TYPES)}')
        resource, name, namespace = req.kind.RESOURCE, req.name or "", req.namespace
        if content_type == APPLY_PATCH:
            return self._server_side_apply(req)
        patch = _json(req.body)
        current = self.api.get(resource, name, namespace)
        shown = conversion.to_v1(current) if req.gv.converted else current  # a patch is of what the client sees
        patched = apply_patch(content_type, shown, patch)
        if not isinstance(patched, dict):
            raise HTTPError(400, "the patch did not produce an object")
        if req.gv.converted:
            patched = conversion.to_v2(patched, current)
        patched.setdefault("metadata", {})
        if "resourceVersion" not in (patch.get("metadata") or {} if isinstance(patch, dict) else {}):
            patched["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        patched = self._managed(req, current, req.known(patched), subresource or "")
        if req.dry_run:
            return Response(200, self._dry_run(patched, namespace))
        stored = self.api.update(patched, subresource=subresource)
        return Response(200, stored)

    def _server_side_apply(self, req: Request) -> Response:
        """``application/apply-patch+yaml``: create the object, or merge the applied fields into it,
        with the field ownership of ``fieldmanager`` (conflicts, ``force``, pruning)."""
        manager = req.query.get("fieldManager")
        if not manager:
            raise HTTPError(400, "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
                                 "is required for apply patch")
        force = req.query.get("force", "false")
        if force not in ("true", "false"):  # apiserver/pkg/endpoints/handlers/patch.go: force is a bool
            raise HTTPError(400, f'strconv.ParseBool: parsing "{force}": invalid syntax')
        try:
            config = yaml.safe_load(req.body.decode() or "{}")
        except yaml.YAMLError as err:
            raise HTTPError(400, f"error decoding YAML: {err}") from None
        if not isinstance(config, dict):
            raise HTTPError(400, "the body of an apply patch must be an object")
        _check_kind(req, config)
        _check_name(config, req.name or "")
        config = req.known(self._incoming(req, config))
        try:
            current = self.api.get(req.kind.RESOURCE, req.name or "", req.namespace)
        except StatusError as err:
            if err.code != 404:
                raise
            current = None
        live = {k: v for k, v in (current or {}).items() if k != "status"}
        entries = (current or {}).get("metadata", {}).get("managedFields")
        merged, fields = Managers(entries).apply(live or None, config, manager, req.gv.name, self.stamp,
                                                 force == "true")
        merged.setdefault("metadata", {})["managedFields"] = fields
        if current is None:
            if req.dry_run:
                return Response(201, self._dry_run(merged, req.namespace))
            return Response(201, self.api.create(merged, req.namespace))
        if req.dry_run:
            return Response(200, self._dry_run(merged, req.namespace))
        return Response(200, self.api.update(merged))

    def _scale_owner(self, req: Request) -> Any:
        """The scale subresource's field manager: the writer owns ``spec.replicas``, recorded
        with ``subresource: scale`` (apimachinery/pkg/util/managedfields/scalehandler.go)."""
        def managed(old: dict, new: dict) -> list:
            entries = old["metadata"].get("managedFields")
            return Managers(entries).update(old, new, req.manager, req.gv.name, self.stamp, "scale")
        return managed if req.manager else None

    # --- subresources ----------------------------------------------------------------------

    def _subresource(self, req: Request) -> Response:
        resource, name, namespace, sub = req.kind.RESOURCE, req.name or "", req.namespace, req.subresource
        if sub == "status":
            if req.method == "GET":
                return Response(200, self.api.get(resource, name, namespace))
            if req.method == "PATCH":
                return self._patch(req, subresource="status")
            if req.method == "PUT":
                new = _in_namespace(req.kind, _body(req), namespace)
                _check_name(new, name)
                new = self._managed(req, self.api.get(resource, name, namespace), new, "status")
                return Response(200, self.api.update(new, subresource="status"))
        elif sub == "scale":
            if req.method == "GET":
                return Response(200, self.api.get_scale(resource, name, namespace))
            if req.method in ("PUT", "PATCH"):
                scale = _body(req) if req.method == "PUT" else merge_patch(
                    self.api.get_scale(resource, name, namespace), _json(req.body))
                return Response(200, self.api.update_scale(resource, name, scale, namespace, self._scale_owner(req)))
        elif sub == "binding" and req.method == "POST":
            binding = _body(req)
            node = (binding.get("target") or {}).get("name", "")
            self.api.bind(namespace or "default", name, node)
            return Response(201, success(201))
        elif sub == "eviction" and req.method == "POST":
            _body(req)
            self.api.delete("pods", name, namespace)  # no PodDisruptionBudgets in the course: always allowed
            return Response(201, success(201))
        elif sub == "log" and req.method == "GET":
            tail = _number(req.query, "tailLines", None)
            options = LogOptions(req.query.get("container") or None, req.query.get("previous") == "true", tail,
                                 req.query.get("timestamps") == "true")
            return Response(200, read_log(self.api, name, namespace or "default", options), "text/plain")
        raise HTTPError(405, "the server does not allow this method on the requested resource")


# --- helpers ---------------------------------------------------------------------------------


def _drop(obj: Any, path: str) -> None:
    """Remove the field at ``path`` (``spec.containers[0].foo``) from ``obj``, if it is there."""
    steps: list[str | int] = []
    for name, indexes in _STEP.findall(path):
        steps.append(name)
        steps += [int(i) for i in re.findall(r"\d+", indexes)]
    node = obj
    for step in steps[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(node, dict):
        node.pop(steps[-1], None)


def _name_in(body: bytes) -> str:
    """The name a request's body gives its object, for the details of an error about it."""
    try:
        return str(orjson.loads(body)["metadata"]["name"])
    except Exception:  # no body, not JSON, no name: the error has no name to report
        return ""


def _number(query: dict[str, str], name: str, default: Any) -> Any:
    """An integer query parameter (``limit``, ``timeoutSeconds``, ``gracePeriodSeconds``), or ``default``."""
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        # the query-parameter decoder's words (apimachinery/pkg/runtime/codec.go via strconv)
        raise HTTPError(400, f'strconv.ParseInt: parsing "{text}": invalid syntax') from None


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise HTTPError(400, f"couldn't get version/kind; json parse error: {err}") from None


def _body(req: Request) -> dict:
    """The request's object: JSON (or YAML, which kubectl never sends but curl users might)."""
    if req.content_type.startswith("application/yaml"):
        try:
            data = yaml.safe_load(req.body.decode())
        except yaml.YAMLError as err:
            raise HTTPError(400, f"error decoding YAML: {err}") from None
    else:
        data = _json(req.body)
    if not isinstance(data, dict):
        raise HTTPError(400, "couldn't get version/kind; json parse error: json: cannot unmarshal "
                             f"{type(data).__name__} into Go value of type struct")
    return data


def _check_kind(req: Request, manifest: dict) -> None:
    """The body must be the URL's kind and version (a typed client may leave apiVersion and kind out)."""
    kind, expected = req.kind.KIND, req.gv.name
    api_version, kind_name = manifest.setdefault("apiVersion", expected), manifest.setdefault("kind", kind)
    if api_version != expected:
        raise HTTPError(400, f"the API version in the data ({api_version}) does not match the expected API "
                             f"version ({expected})")
    if kind_name != kind:
        raise HTTPError(400, f'{kind_name} in version "{req.gv.version}" cannot be handled as a {kind}: the kind '
                             f"in the data ({kind_name}) does not match the expected kind ({kind})")


def _check_name(obj: dict, name: str) -> None:
    """rest.BeforeUpdate: the body's name must be the URL's (apiserver/pkg/endpoints/handlers/update.go)."""
    body_name = (obj.get("metadata") or {}).get("name")
    if body_name != name:
        raise HTTPError(400, f"the name of the object ({body_name}) does not match the name on the URL ({name})")


def _in_namespace(kind: type[KubeObject], obj: dict, namespace: str | None) -> dict:
    if kind.NAMESPACED:
        meta = obj.setdefault("metadata", {})
        if meta.get("namespace") and namespace and meta["namespace"] != namespace:
            raise HTTPError(400, "the namespace of the provided object does not match the namespace sent on "
                                 "the request")
        meta["namespace"] = namespace or meta.get("namespace") or "default"
    return obj


def _converted(req: Request, body: Any) -> Any:
    """An answer in the version the request asked for (autoscaling/v1): an object, or a list's items."""
    if not isinstance(body, dict):
        return body
    if body.get("kind") == req.kind.KIND:
        return conversion.to_v1(body)
    if body.get("kind") == f"{req.kind.KIND}List":
        return {**body, "items": [conversion.to_v1(item) for item in body["items"]]}
    return body


def _with_type(kind: type[KubeObject], obj: dict) -> dict:
    obj.setdefault("apiVersion", kind.API_VERSION)
    obj.setdefault("kind", kind.KIND)
    return obj


def _write_continue(revision: int, start: str) -> str:
    """The continue token, as the etcd3 store encodes it (apiserver/pkg/storage/continue.go)."""
    token = {"v": "meta.k8s.io/v1", "rv": revision, "start": start}
    return base64.urlsafe_b64encode(orjson.dumps(token)).decode().rstrip("=")


def _read_continue(token: str) -> tuple[int, str]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(data["rv"]), str(data["start"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise HTTPError(400, "continue key is not valid: incorrect encoded start resourceVersion "
                             "(version meta.k8s.io/v1)") from None

