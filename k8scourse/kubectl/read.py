"""The reading commands: ``kubectl get`` and ``kubectl describe``. They never change the cluster."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from k8scourse.api import objects
from k8scourse.api.errors import StatusError

from . import printers
from .builder import Request, fetch, parse_request
from .context import Command, Context
from .describe import describe_pod, events_about
from .describe_hpa import describe_hpa
from .describe_node import describe_node
from .describe_service import describe_service
from .describe_workloads import describe_deployment, describe_replica_set, describe_replication_controller
from .errors import Aggregate, CommandError
from .flags import BOOL, STRING, STRINGS, Flag

OUTPUTS = ("", "wide", "yaml", "json", "name")
# What `kubectl get -o` accepts (cli-runtime PrintFlags), for its error message.
ALLOWED_FORMATS = ("custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                   "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
SELECTOR = Flag("selector", "l", STRING)
ALL_NAMESPACES = Flag("all-namespaces", "A", BOOL)


def _resource_required(verb: str) -> CommandError:
    return CommandError(
        f'You must specify the type of resource to {verb}. Use "kubectl api-resources" for a complete list of '
        'supported resources.\n\nerror: Required resource not specified.\n'
        'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
        f"See 'kubectl {verb} -h' for help and examples")


def output_format(value: str) -> str:
    """The ``-o`` value, if this kubectl prints it; kubectl's error if no kubectl does."""
    if value in OUTPUTS:
        return value
    if value.partition("=")[0] in ALLOWED_FORMATS.split(","):
        raise CommandError(f"error: -o {value.partition('=')[0]} is not available in the course's kubectl; "
                           "use -o wide, -o yaml, -o json or -o name")
    raise CommandError(f'error: unable to match a printer suitable for the output format "{value}", '
                       f"allowed formats are: {ALLOWED_FORMATS}")


def no_resources(ctx: Context, all_namespaces: bool) -> None:
    ctx.write("No resources found\n" if all_namespaces else f"No resources found in {ctx.namespace} namespace.\n")


# --- get -------------------------------------------------------------------------------------------


def get(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl get``: tables by default, or ``-o wide|yaml|json|name``."""
    if opts["watch"]:
        raise CommandError("error: --watch is not available in the course's kubectl: the cluster runs on a "
                           "virtual clock; run it, then get again")
    output = output_format(opts["output"])
    if not args:
        raise _resource_required("get")
    all_namespaces = opts["all-namespaces"]
    label, field = opts["selector"], opts["field-selector"]
    request = parse_request(args, selector=bool(label or field), list_all=True, all_namespaces=all_namespaces)
    found, errors = fetch(ctx.api, request, None if all_namespaces else ctx.namespace, label, field)
    if output in ("yaml", "json"):
        _print_objects(ctx, request, [obj for _, obj in found], output)
    elif output == "name":
        ctx.write("".join(printers.object_name(obj) + "\n" for _, obj in found))
    else:
        _print_tables(ctx, found, opts, all_namespaces)
        if not found and not errors:
            no_resources(ctx, all_namespaces)
    if errors:
        raise Aggregate(errors)


def _print_objects(ctx: Context, request: Request, found: list[dict], output: str) -> None:
    """printGeneric: one named object as itself, anything else as a List."""
    if request.single and not found:
        return
    data = found[0] if request.single else printers.as_list(found)
    ctx.write(printers.to_yaml(data) if output == "yaml" else printers.to_json(data))


def _print_tables(ctx: Context, found: list[tuple[Any, dict]], opts: dict[str, Any], all_namespaces: bool) -> None:
    """One table per resource, a blank line between them; ``kind/`` names when kinds are mixed."""
    with_kind = len({kind for kind, _ in found}) > 1
    for i, (kind, group) in enumerate(groupby(found, key=lambda pair: pair[0])):
        options = printers.TableOptions(
            wide=opts["output"] == "wide", namespace_column=all_namespaces and kind.NAMESPACED,
            show_labels=opts["show-labels"], label_columns=tuple(opts["label-columns"]), with_kind=with_kind,
            headers=not opts["no-headers"])
        if i and options.headers:
            ctx.write("\n")
        ctx.write(printers.print_table(kind.RESOURCE, [obj for _, obj in group], ctx.now, options))


# --- describe ---------------------------------------------------------------------------------------


def describe(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl describe TYPE [NAME_PREFIX]``: a name that matches nothing describes the names it starts."""
    if not args:
        raise _resource_required("describe")
    all_namespaces, label = opts["all-namespaces"], opts["selector"]
    namespace = None if all_namespaces else ctx.namespace
    request = parse_request(args, selector=bool(label), list_all=True, all_namespaces=all_namespaces)
    found, errors = fetch(ctx.api, request, namespace, label)
    if errors and len(args) == 2 and "/" not in args[0]:
        kind, prefix = request.named[0]
        matching = [obj for obj in ctx.api.list(kind.RESOURCE, namespace if kind.NAMESPACED else None)
                    if obj["metadata"]["name"].startswith(prefix)]
        if not matching:
            raise Aggregate(errors)
        ctx.write("".join(_describe_one(ctx, kind, obj) + "\n" for obj in matching))
        return
    ctx.write("\n\n".join(_describe_one(ctx, kind, obj) for kind, obj in found))
    if errors:
        raise Aggregate(errors)
    if not found:
        no_resources(ctx, all_namespaces)


def _describe_one(ctx: Context, kind: Any, obj: dict) -> str:
    """Read what the describer shows besides the object (events, pods, ReplicaSets) and describe it."""
    name, namespace = obj["metadata"]["name"], obj["metadata"].get("namespace")
    events = events_about(ctx.api.list("events", namespace), obj)
    if kind.RESOURCE == "pods":
        return describe_pod(obj, events, ctx.now)
    if kind.RESOURCE == "nodes":
        pods = ctx.api.list("pods", None, field_selector=f"spec.nodeName={name},status.phase!=Failed,"
                                                         "status.phase!=Succeeded")
        lease, problem = _node_lease(ctx, name)
        return describe_node(obj, pods, events, lease, problem, ctx.now)
    if kind.RESOURCE == "replicationcontrollers":
        return describe_replication_controller(obj, ctx.api.list("pods", namespace), events, ctx.now)
    if kind.RESOURCE == "replicasets":
        return describe_replica_set(obj, ctx.api.list("pods", namespace), events, ctx.now)
    if kind.RESOURCE == "deployments":
        return describe_deployment(obj, ctx.api.list("replicasets", namespace), events, ctx.now)
    if kind.RESOURCE == "services":
        slices = ctx.api.list("endpointslices", namespace, label_selector=f"kubernetes.io/service-name={name}")
        return describe_service(obj, slices, events, ctx.now)
    if kind.RESOURCE == "horizontalpodautoscalers":
        return describe_hpa(obj, events, ctx.now)
    raise CommandError(f"error: the course's kubectl describes pods, nodes, replicationcontrollers, replicasets, "
                       f"deployments, services and horizontalpodautoscalers; "
                       f"'kubectl get {kind.RESOURCE} {name} -o yaml' shows this object")


def _node_lease(ctx: Context, name: str) -> tuple[dict | None, str | None]:
    """The node's heartbeat Lease in kube-node-lease, or why kubectl could not get it."""
    try:
        objects.kind_for_resource("leases")
    except objects.UnknownResourceError:  # no Lease API: heartbeats live in the node's status, as before 1.14
        return None, f'leases.coordination.k8s.io "{name}" not found'
    try:
        return ctx.api.get("leases", name, "kube-node-lease"), None
    except StatusError as err:
        return None, str(err)


COMMANDS = {
    "get": Command(get, (
        Flag("output", "o", STRING), SELECTOR, Flag("field-selector", "", STRING), ALL_NAMESPACES,
        Flag("show-labels"), Flag("label-columns", "L", STRINGS), Flag("no-headers"), Flag("watch", "w"),
    ), "get [(-o|--output=)json|yaml|name|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | "
       "TYPE[.VERSION][.GROUP]/NAME ...) [flags]", "Display one or many resources"),
    "describe": Command(describe, (SELECTOR, ALL_NAMESPACES),
                        "describe (TYPE [NAME_PREFIX | -l label] | TYPE/NAME)",
                        "Show details of a specific resource or group of resources"),
}
