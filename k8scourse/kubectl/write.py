"""The commands that change the cluster, all through the apiserver:
``apply``, ``create``, ``delete``, ``label``, ``cordon``/``uncordon`` and ``run``.

Each prints what kubectl prints on success (``pod/web created``,
``pod "web" deleted``) and collects per-object errors the way kubectl's
``ContinueOnError`` builder does: the other objects are still processed and
the errors are reported at the end.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from k8scourse.api.errors import StatusError
from k8scourse.api.meta import fast_copy
from k8scourse.api.patch import merge_patch
from k8scourse.api.validation import is_valid_label_value

from .builder import (
    Kind,
    Manifest,
    Request,
    fetch,
    object_namespace,
    parse_request,
    read_manifests,
)
from .context import Command, Context
from .describe import LAST_APPLIED
from .errors import Aggregate, ClientError, CommandError, SourcedError, usage_error
from .flags import ARRAY, BOOL, INT, STRING, STRINGS, Flag
from .printers import object_name, qualified_kind, to_compact_json
from .read import ALL_NAMESPACES, SELECTOR

FILENAME = Flag("filename", "f", STRINGS)
MISSING_ANNOTATION = (
    "Warning: resource {resource}/{name} is missing the kubectl.kubernetes.io/last-applied-configuration "
    "annotation which is required by kubectl apply. kubectl apply should only be used on resources created "
    "declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be "
    "patched automatically.\n")
FORCE_WARNING = ("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                 "terminated. The resource may continue to run on the cluster indefinitely.\n")
RESTART_POLICIES = ("Always", "OnFailure", "Never")


def _no_args(command: str, args: list[str]) -> None:
    if args:
        raise usage_error(command, f"Unexpected args: [{' '.join(args)}]")


def _info(kind: Kind, name: str, namespace: str | None) -> str:
    """resource.Info's String(), which kubectl puts in apply errors."""
    group_version = f"{kind.GROUP}/{kind.VERSION}"
    return (f'Resource: "{group_version}, Resource={kind.RESOURCE}", GroupVersionKind: "{group_version}, '
            f'Kind={kind.KIND}"\nName: "{name}", Namespace: "{namespace or ""}"')


# --- apply ----------------------------------------------------------------------------------------------


def three_way_patch(original: Mapping[str, Any], modified: Mapping[str, Any], current: Mapping[str, Any]) -> dict:
    """A JSON merge patch taking ``current`` to ``modified``, deleting what only ``original`` had.

    The course's stand-in for kubectl's strategic three-way merge: fields set by
    the server or by controllers (absent from both the file and the last-applied
    configuration) are left alone; a list is replaced whole when any item changed.
    """
    patch: dict[str, Any] = {}
    for key, want in modified.items():
        have, was = current.get(key), original.get(key)
        if isinstance(want, Mapping) and isinstance(have, Mapping):
            sub = three_way_patch(was if isinstance(was, Mapping) else {}, want, have)
            if sub:
                patch[key] = sub
        elif isinstance(want, list) and isinstance(have, list):
            if not _same_list(was if isinstance(was, list) else [], want, have):
                patch[key] = _merged_list(was if isinstance(was, list) else [], want, have)
        elif key not in current or want != have:
            patch[key] = want
    for key in original:
        if key not in modified and key in current:
            patch[key] = None
    return patch


def _merged_list(original: list, modified: list, current: list) -> list:
    """The list to send: the file's items, but an item that names an item already
    there (containers, env, volumes: merge key ``name``, as strategic merge patch
    has it) keeps what the server filled in, such as defaults, and gets only the
    file's changes. Other lists are replaced whole."""
    def name_of(item: Any) -> str | None:
        """The merge key, when it is one: a name of another JSON type (the server refuses it) keys nothing."""
        name = item.get("name") if isinstance(item, Mapping) else None
        return name if isinstance(name, str) else None

    def by_name(items: list) -> dict[str, Mapping]:
        return {name: i for i in items if (name := name_of(i)) is not None}

    have, was = by_name(current), by_name(original)
    merged = []
    for item in modified:
        name = name_of(item)
        if name in have:
            item = merge_patch(have[name], three_way_patch(was.get(name, {}), item, have[name]))
        merged.append(item)
    return merged


def _same_list(original: list, modified: list, current: list) -> bool:
    if len(modified) != len(current):
        return False
    for i, (want, have) in enumerate(zip(modified, current)):
        was = original[i] if i < len(original) and isinstance(original[i], Mapping) else {}
        if isinstance(want, Mapping) and isinstance(have, Mapping):
            if three_way_patch(was, want, have):
                return False
        elif want != have:
            return False
    return True


def apply(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl apply -f``: create what is missing, patch what differs from the file."""
    _no_args("apply", args)
    if not opts["filename"]:
        raise CommandError("error: must specify one of -f and -k")
    _each(ctx, read_manifests(opts["filename"], ctx.stdin, "apply"), _apply_one)


def _each(ctx: Context, manifests: list[Manifest], action: Any) -> None:
    errors: list[Exception] = []
    for i, manifest in enumerate(manifests):
        if i:  # one request at a time: in between, controllers react (a new namespace gets its ServiceAccount)
            ctx.api.clock.run(0)
        try:
            ctx.write(action(ctx, manifest))
        except (ValueError, CommandError, SourcedError) as err:
            errors.append(err)
    if errors:
        raise Aggregate(errors)


def _apply_one(ctx: Context, manifest: Manifest) -> str:
    kind, name = manifest.kind, manifest.name
    namespace = object_namespace(manifest, ctx.namespace, ctx.explicit_namespace)
    modified = fast_copy(manifest.data)
    meta = modified.setdefault("metadata", {})
    if namespace is not None:
        meta["namespace"] = namespace
    # The annotation is the file's object itself (with an empty annotations map if it had none).
    meta["annotations"] = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    meta["annotations"][LAST_APPLIED] = to_compact_json(modified) + "\n"
    if not name:
        raise CommandError(f"error: error when retrieving current configuration of:\n{_info(kind, name, namespace)}\n"
                           f'from server for: "{manifest.source}": resource name may not be empty')
    try:
        current = ctx.api.get(kind.RESOURCE, name, namespace)
    except StatusError as err:
        if err.code != 404:
            raise SourcedError(err, f"retrieving current configuration of:\n{_info(kind, name, namespace)}\n"
                                    "from server for:", manifest.source) from None
        return _create(ctx, manifest, modified, namespace)
    applied = (current["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    warning = "" if applied else MISSING_ANNOTATION.format(resource=kind.RESOURCE, name=name)
    original = json.loads(applied) if applied else {}
    patch = three_way_patch(original if isinstance(original, Mapping) else {}, modified, current)
    if not patch:
        return f"{warning}{object_name(current)} unchanged\n"
    try:
        ctx.api.patch(kind.RESOURCE, name, patch, namespace)
    except ValueError as err:
        raise SourcedError(err, f"applying patch:\n{to_compact_json(patch)}\nto:\n{_info(kind, name, namespace)}\n"
                                "for:", manifest.source) from None
    return f"{warning}{object_name(current)} configured\n"


def _create(ctx: Context, manifest: Manifest, data: dict, namespace: str | None) -> str:
    try:
        created = ctx.api.create(data, namespace)
    except ValueError as err:
        raise SourcedError(err, "creating", manifest.source) from None
    return f"{object_name(created)} created\n"


# --- create -----------------------------------------------------------------------------------------------


def create(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl create -f FILE`` and ``kubectl create namespace NAME``."""
    if args and args[0] in ("namespace", "ns"):
        if len(args) != 2:
            raise usage_error("create namespace", f"exactly one NAME is required, got {len(args) - 1}")
        created = ctx.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": args[1]},
                                  "spec": {}, "status": {}})
        ctx.write(f"{object_name(created)} created\n")
        return
    if args:
        raise CommandError(f'error: unknown command "{args[0]}" for "kubectl create"\n'
                           "The course's kubectl creates from files (-f) and namespaces (create namespace NAME).")
    if not opts["filename"]:
        raise CommandError("error: must specify one of -f and -k")
    _each(ctx, read_manifests(opts["filename"], ctx.stdin, "create"), lambda c, m: _create(
        c, m, fast_copy(m.data), object_namespace(m, c.namespace, c.explicit_namespace)))


# --- delete -----------------------------------------------------------------------------------------------


def _grace_period(opts: dict[str, Any]) -> int:
    """delete.go's rules: --now is 1 s, a bare 0 means 1 s unless --force, --force alone means 0."""
    grace = opts["grace-period"]
    if opts["now"]:
        if grace != -1:
            raise CommandError("error: --now and --grace-period cannot be specified together")
        grace = 1
    if grace == 0 and not opts["force"]:
        grace = 1
    if opts["force"] and grace < 0:
        grace = 0
    return grace


def delete(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl delete TYPE NAME...``, ``TYPE -l SELECTOR``, ``TYPE --all`` or ``-f FILE``."""
    label = opts["selector"]
    if opts["all"] and label:
        raise CommandError("error: cannot set --all and --selector at the same time")
    grace = _grace_period(opts)
    targets: list[tuple[Kind, str, str | None]]
    if opts["filename"]:
        if args:
            raise CommandError("error: when paths, URLs, or stdin is provided as input, you may not specify "
                               "a resource by arguments as well")
        targets = [(m.kind, m.name, object_namespace(m, ctx.namespace, ctx.explicit_namespace))
                   for m in read_manifests(opts["filename"], ctx.stdin, "delete")]
    else:
        namespace = None if opts["all-namespaces"] else ctx.namespace
        request = parse_request(args, selector=bool(label), list_all=opts["all"],
                                all_namespaces=opts["all-namespaces"])
        listed, _ = fetch(ctx.api, Request(listed=request.listed), namespace, label)
        targets = [(kind, name, namespace) for kind, name in request.named]
        targets += [(kind, obj["metadata"]["name"], obj["metadata"].get("namespace")) for kind, obj in listed]
    if grace == 0 and opts["force"]:
        ctx.write(FORCE_WARNING)
    errors: list[Exception] = []
    for kind, name, namespace in targets:
        try:
            gone = ctx.api.delete(kind.RESOURCE, name, namespace, grace_period_seconds=None if grace < 0 else grace)
        except StatusError as err:
            if not (opts["ignore-not-found"] and err.code == 404):
                errors.append(err)
            continue
        ctx.write(f'{qualified_kind(gone)} "{name}" {"force deleted" if grace == 0 else "deleted"}\n')
    if errors:
        raise Aggregate(errors)
    if not targets:
        ctx.write("No resources found\n")


# --- label ------------------------------------------------------------------------------------------------


def resources_and_pairs(args: list[str], pair_type: str) -> tuple[list[str], list[str]]:
    """cmdutil.GetResourcesAndPairs: resources first, then ``key=value`` (or ``key-``) pairs."""
    resources: list[str] = []
    pairs: list[str] = []
    for arg in args:
        is_pair = ("=" in arg and not arg.startswith("=")) or (arg.endswith("-") and arg != "-")
        if is_pair:
            pairs.append(arg)
        elif pairs:
            raise ClientError(f"all resources must be specified before {pair_type} changes: {arg}")
        else:
            resources.append(arg)
    return resources, pairs


def _parse_label_changes(pairs: list[str]) -> tuple[dict[str, str], list[str]]:
    """parseLabels: values are checked here, keys by the apiserver."""
    new: dict[str, str] = {}
    remove: list[str] = []
    for pair in pairs:
        if "=" in pair:
            parts = pair.split("=")
            if len(parts) != 2:
                raise CommandError(f"error: invalid label spec: {pair}")
            problems = is_valid_label_value(parts[1])
            if problems:
                raise CommandError(f'error: invalid label value: "{pair}": {";".join(problems)}')
            new[parts[0]] = parts[1]
        else:
            remove.append(pair[:-1])
    if any(key in new for key in remove):
        raise CommandError("error: can not both modify and remove a label in the same command")
    return new, remove


def label(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl label TYPE NAME key=value key2- [--overwrite]``."""
    resources, pairs = resources_and_pairs(args, "label")
    new, remove = _parse_label_changes(pairs)
    selector = opts["selector"]
    if opts["all"] and selector:
        raise CommandError("error: cannot set --all and --selector at the same time")
    if not resources:
        raise CommandError("error: one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not new and not remove:
        raise CommandError("error: at least one label update is required")
    request = parse_request(resources, selector=bool(selector), list_all=opts["all"],
                            all_namespaces=opts["all-namespaces"])
    found, errors = fetch(ctx.api, request, None if opts["all-namespaces"] else ctx.namespace, selector)
    for kind, obj in found:
        try:
            ctx.write(_label_one(ctx, kind, obj, new, remove, opts["overwrite"]))
        except (ValueError, CommandError) as err:
            errors.append(err)
    if errors:
        raise Aggregate(errors)


def _label_one(ctx: Context, kind: Kind, obj: dict, new: dict[str, str], remove: list[str], overwrite: bool) -> str:
    labels = obj["metadata"].get("labels") or {}
    notes = "".join(f'label "{key}" not found.\n' for key in remove if key not in labels)
    if not overwrite:
        clashes = [f"'{key}' already has a value ({labels[key]}), and --overwrite is false"
                   for key in sorted(new) if key in labels]
        if clashes:
            raise CommandError("error: " + (clashes[0] if len(clashes) == 1 else "[" + ", ".join(clashes) + "]"))
    updated = {k: v for k, v in {**labels, **new}.items() if k not in remove}
    change: dict[str, Any] = {k: v for k, v in new.items() if labels.get(k) != v}
    change.update({k: None for k in remove if k in labels})
    message = "not labeled"
    if change:
        before, after = json.dumps(obj), json.dumps({**obj, "metadata": {**obj["metadata"], "labels": updated}})
        message = "unlabeled" if not overwrite and len(after) < len(before) else "labeled"
        ctx.api.patch(kind.RESOURCE, obj["metadata"]["name"], {"metadata": {"labels": change}},
                      obj["metadata"].get("namespace"))
    return f"{notes}{object_name(obj)} {message}\n"


# --- cordon / uncordon ---------------------------------------------------------------------------------


def _cordon(ctx: Context, args: list[str], opts: dict[str, Any], command: str, desired: bool) -> None:
    """Mark nodes (un)schedulable; the scheduler then skips (or uses) them."""
    selector = opts["selector"]
    if not args and not selector:
        raise usage_error(command, f"USAGE: {command} NODE [flags]")
    if selector:
        nodes = ctx.api.list("nodes", label_selector=selector)
    else:
        nodes = [ctx.api.get("nodes", name) for name in args]
    for node in nodes:
        verb = "cordoned" if desired else "uncordoned"
        if bool((node.get("spec") or {}).get("unschedulable")) == desired:
            ctx.write(f"{object_name(node)} already {verb}\n")
            continue
        ctx.api.patch("nodes", node["metadata"]["name"], {"spec": {"unschedulable": True if desired else None}})
        ctx.write(f"{object_name(node)} {verb}\n")


def cordon(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl cordon NODE``: no new pods will be scheduled there."""
    _cordon(ctx, args, opts, "cordon", True)


def uncordon(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl uncordon NODE``."""
    _cordon(ctx, args, opts, "uncordon", False)


# --- run ---------------------------------------------------------------------------------------------------


def _run_labels(text: str, name: str) -> dict[str, str]:
    """``--labels=a=b,c=d`` (ParseLabels); without it the pod is labelled ``run=<name>``."""
    if not text:
        return {"run": name}
    labels = {}
    for spec in text.split(","):
        parts = spec.strip().split("=")
        if len(parts) != 2 or not parts[0]:
            raise CommandError(f"error: invalid label spec: {spec.strip()}")
        problems = is_valid_label_value(parts[1])
        if problems:
            raise CommandError(f'error: invalid label value: "{spec.strip()}": {";".join(problems)}')
        labels[parts[0]] = parts[1]
    return labels


def run(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl run NAME --image=IMAGE [--labels=...] [--restart=Never] [-- ARGS...]``: one pod."""
    if not args:
        raise usage_error("run", "NAME is required for run")
    if not opts["image"]:
        raise CommandError('error: required flag(s) "image" not set')
    restart = opts["restart"] or "Always"
    if restart not in RESTART_POLICIES:
        raise CommandError(f"error: invalid restart policy: {restart}")
    name, extra = args[0], args[1:]
    container: dict[str, Any] = {"name": name, "image": opts["image"], "resources": {}}
    if extra:
        container["command" if opts["command"] else "args"] = extra
    if opts["port"]:
        if not opts["port"].isdigit():
            raise CommandError(f'error: strconv.Atoi: parsing "{opts["port"]}": invalid syntax')
        container["ports"] = [{"containerPort": int(opts["port"])}]
    for variable in opts["env"]:
        key, has_value, value = variable.partition("=")
        if not has_value or not key:
            raise CommandError(f"error: invalid env: {variable}")
        container.setdefault("env", []).append({"name": key, "value": value})
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "labels": _run_labels(opts["labels"], name)},
           "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": restart}, "status": {}}
    ctx.write(f"{object_name(ctx.api.create(pod, ctx.namespace))} created\n")


COMMANDS = {
    "apply": Command(apply, (FILENAME,), "apply -f FILENAME",
                     "Apply a configuration to a resource by file name or stdin"),
    "create": Command(create, (FILENAME,), "create (-f FILENAME | namespace NAME)",
                      "Create a resource from a file or from stdin"),
    "delete": Command(delete, (
        FILENAME, SELECTOR, ALL_NAMESPACES, Flag("all"), Flag("grace-period", "", INT, -1), Flag("force"),
        Flag("now"), Flag("ignore-not-found"), Flag("wait", "", BOOL, True),
    ), "delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)])",
        "Delete resources by file names, stdin, resources and names, or by resources and label selector"),
    "label": Command(label, (SELECTOR, ALL_NAMESPACES, Flag("all"), Flag("overwrite")),
                     "label [--overwrite] TYPE NAME KEY_1=VAL_1 ... KEY_N=VAL_N", "Update the labels on a resource"),
    "cordon": Command(cordon, (SELECTOR,), "cordon NODE", "Mark node as unschedulable"),
    "uncordon": Command(uncordon, (SELECTOR,), "uncordon NODE", "Mark node as schedulable"),
    "run": Command(run, (
        Flag("image", "", STRING), Flag("labels", "l", STRING), Flag("restart", "", STRING),
        Flag("port", "", STRING), Flag("env", "", ARRAY), Flag("command"),
    ), 'run NAME --image=image [--env="key=value"] [--port=port] [--restart=policy] [-- [COMMAND] [args...]]',
        "Run a particular image on the cluster"),
}
