"""``kubectl top pod|node``: what metrics-server measured (``staging/src/k8s.io/kubectl/pkg/cmd/top``).

Columns and cells are v1.31's ``metricsutil/metrics_printer.go``'s (v1.32 renamed ``CPU%``
to ``CPU(%)``): every cell, the last too, padded by the tab writer; CPU as ``%vm``
(millicores), memory as ``%vMi``, and for nodes the share of the node's
allocatable as ``%d%%``. The numbers are metrics-server's: up to one
``--metric-resolution`` (15 s) old, averaged over the last one.
"""

from __future__ import annotations

from typing import Any, Mapping

from k8scourse.api.errors import LabelSelectorError, StatusError
from k8scourse.api.quantity import parse_quantity
from k8scourse.api.selectors import parse_selector
from k8scourse.timefmt import parse_rfc3339

from .context import Command, Context
from .errors import CommandError, usage_error
from .flags import BOOL, STRING, Flag
from .read import ALL_NAMESPACES, SELECTOR
from .tabwriter import table

METRICS_CREATION_DELAY = 120.0  # top_pod.go metricsCreationDelay = 2 * time.Minute
MIB = 1024 * 1024
SORT_BY = ("cpu", "memory")


def _metrics_api(ctx: Context) -> Any:
    server = ctx.api.aggregated.get("metrics.k8s.io")
    if server is None:
        raise CommandError("error: Metrics API not available")
    return server


def _usage(containers: list[Mapping[str, Any]]) -> tuple[int, int]:
    """A pod's usage: its containers' millicores and bytes, summed."""
    cpu = sum(parse_quantity(c["usage"]["cpu"]).milli_value() for c in containers)
    memory = sum(parse_quantity(c["usage"]["memory"]).value() for c in containers)
    return cpu, memory


def _sort(rows: list[tuple[Any, ...]], sort_by: str) -> list[tuple[Any, ...]]:
    if sort_by not in ("", *SORT_BY):
        raise CommandError("error: --sort-by accepts only cpu or memory")
    if sort_by:  # the heaviest first (metricsutil.NewPodMetricsSorter)
        rows = sorted(rows, key=lambda r: -r[2 if sort_by == "cpu" else 3])
    return rows


def _go_duration(seconds: float) -> str:
    """Go's time.Duration String for whole and fractional seconds: ``2m30s``, ``1h0m5s``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:g}s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    return f"{int(minutes)}m{text}" if minutes else text


def _client_selector(label: str) -> Any:
    """labels.Parse on kubectl's side (top_pod.go, top_node.go): a selector that does not parse never
    reaches a server, and its error is a plain one."""
    try:
        return parse_selector(label) if label else None
    except LabelSelectorError as err:
        raise CommandError(f"error: {err}") from None


def top_pod(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl top pod [NAME | -l label] [-A] [--sort-by=cpu|memory]``."""
    server = _metrics_api(ctx)
    all_namespaces, label = opts["all-namespaces"], opts["selector"]
    namespace = None if all_namespaces else ctx.namespace
    if args and label:
        raise CommandError("error: only one of NAME or --selector can be provided")
    selector = _client_selector(label)
    items = server.pod_metrics(namespace, selector)
    if args:
        items = [m for m in items if m["metadata"]["name"] == args[0]]
        if not items:
            pod = ctx.api.get("pods", args[0], ctx.namespace)  # NotFound for a pod that does not exist
            _check_age(ctx, pod)
            raise StatusError(404, "NotFound", f'podmetrics.metrics.k8s.io "{ctx.namespace}/{args[0]}" not found')
    if not items:
        for pod in ctx.api.list("pods", namespace, label_selector=label or None):
            _check_age(ctx, pod)
        if ctx.api.list("pods", namespace, label_selector=label or None):
            raise CommandError("error: metrics not available yet")
        ctx.write("No resources found\n" if all_namespaces else f"No resources found in {ctx.namespace} namespace.\n")
        return
    rows = _sort([(m["metadata"]["namespace"], m["metadata"]["name"], *_usage(m["containers"])) for m in items],
                 opts["sort-by"])
    head = ["NAMESPACE"] if all_namespaces else []
    lines = [] if opts["no-headers"] else [[*head, "NAME", "CPU(cores)", "MEMORY(bytes)"]]
    lines += [[*([ns] if all_namespaces else []), name, f"{cpu}m", f"{memory // MIB}Mi"]
              for ns, name, cpu, memory in rows]
    ctx.write(table(lines, pad_last=True))  # metrics_printer.go printValue: "%v\t"


def _check_age(ctx: Context, pod: Mapping[str, Any]) -> None:
    """checkPodAge: a pod older than two minutes without metrics is a problem, not a wait."""
    age = ctx.now - parse_rfc3339(pod["metadata"]["creationTimestamp"])
    if age > METRICS_CREATION_DELAY:
        meta = pod["metadata"]
        raise CommandError(f"error: Metrics not available for pod {meta['namespace']}/{meta['name']}, "
                           f"age: {_go_duration(age)}")


def top_node(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl top node [NAME | -l label] [--sort-by=cpu|memory]``."""
    server = _metrics_api(ctx)
    label = opts["selector"]
    if args and label:
        raise CommandError("error: only one of NAME or --selector can be provided")
    _client_selector(label)
    if args and not any(n["metadata"]["name"] == args[0] for n in ctx.api.list("nodes")):
        # metrics-server answers first, from its typed NodeLister: "node", not the apiserver's "nodes"
        raise StatusError(404, "NotFound", f'node "{args[0]}" not found')
    nodes = [ctx.api.get("nodes", args[0])] if args else ctx.api.list("nodes", label_selector=label or None)
    wanted = {n["metadata"]["name"]: n for n in nodes}
    items = [m for m in server.node_metrics() if m["metadata"]["name"] in wanted]
    if args and not items:
        raise StatusError(404, "NotFound", f'nodemetrics.metrics.k8s.io "{args[0]}" not found')
    if not items:
        raise CommandError("error: metrics not available yet")
    rows = _sort([("", m["metadata"]["name"], parse_quantity(m["usage"]["cpu"]).milli_value(),
                   parse_quantity(m["usage"]["memory"]).value()) for m in items], opts["sort-by"])
    lines = [] if opts["no-headers"] else [["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]]
    for _, name, cpu, memory in rows:
        status = wanted[name].get("status") or {}
        allocatable = status.get("allocatable") or status.get("capacity") or {}
        cpu_room = parse_quantity(allocatable.get("cpu", "0")).milli_value()
        memory_room = parse_quantity(allocatable.get("memory", "0")).value()
        lines.append([name, f"{cpu}m", f"{int(cpu / cpu_room * 100) if cpu_room else 0}%", f"{memory // MIB}Mi",
                      f"{int(memory / memory_room * 100) if memory_room else 0}%"])
    measured = {m["metadata"]["name"] for m in items}
    lines += [[name, *["<unknown>"] * 4] for name in sorted(wanted) if name not in measured]
    ctx.write(table(lines, pad_last=True))  # metrics_printer.go printValue: "%v\t"


TOP_FLAGS = (Flag("sort-by", "", STRING), Flag("no-headers", "", BOOL))


# `kubectl top` alone: cmdutil.DefaultSubCommandRun prints the command's help and exits 1.
TOP_HELP = "\n".join((
    "Display resource (CPU/memory) usage.",
    "",
    " The top command allows you to see the resource consumption for nodes or pods.",
    "",
    " This command requires Metrics Server to be correctly configured and working on the server.",
    "",
    "Available Commands:",
    "  node          Display resource (CPU/memory) usage of nodes",
    "  pod           Display resource (CPU/memory) usage of pods",
    "",
    "Usage:",
    "  kubectl top [flags] [options]",
    "",
    'Use "kubectl top <command> --help" for more information about a given command.',
    'Use "kubectl options" for a list of global command-line options (applies to all commands).',
))


def top(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl top (pod|node) ...``."""
    if not args:
        raise CommandError(TOP_HELP)
    what, rest = args[0], args[1:]
    if what in ("pod", "pods", "po"):
        top_pod(ctx, rest, opts)
    elif what in ("node", "nodes", "no"):
        if opts["all-namespaces"]:
            raise CommandError("error: unknown shorthand flag: 'A' in -A")
        top_node(ctx, rest, opts)
    else:  # cmdutil.RequireNoArguments
        raise usage_error("top", 'unknown command "%s"' % " ".join(args))


COMMANDS = {
    "top": Command(top, (SELECTOR, ALL_NAMESPACES, *TOP_FLAGS), "top (pod|node) [NAME | -l label] [flags]",
                   "Display resource (CPU/memory) usage"),
}
