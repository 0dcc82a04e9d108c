"""``kubectl autoscale``: create a HorizontalPodAutoscaler for a workload (``pkg/cmd/autoscale/autoscale.go``).

``kubectl autoscale deployment web --min=2 --max=10 --cpu-percent=50``
creates an HPA named after its target with one CPU utilisation metric (none
given: the server's default, 80 %). Only kinds with a scale subresource can
be autoscaled.
"""

from __future__ import annotations

from typing import Any

from .builder import parse_request
from .context import Command, Context
from .errors import CommandError
from .flags import INT, STRING, Flag

NOT_GIVEN = ""  # --max is required (cmd.MarkFlagRequired("max"))
SCALABLE = ("deployments", "replicasets", "replicationcontrollers", "statefulsets")  # kinds with /scale


def _validate(maximum: int, minimum: int) -> None:
    """AutoscaleOptions.Validate."""
    if maximum < 1:
        raise CommandError(f"error: --max=MAXPODS is required and must be at least 1, max: {maximum}")
    if maximum < minimum:
        raise CommandError(f"error: --max=MAXPODS must be larger or equal to --min=MINPODS, "
                           f"max: {maximum}, min: {minimum}")


def autoscale(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl autoscale (TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS [--cpu-percent=CPU] [--name=NAME]``."""
    maximum, minimum, percent = opts["max"], opts["min"], opts["cpu-percent"]
    if maximum == NOT_GIVEN:  # cobra checks required flags before the command runs
        raise CommandError('error: required flag(s) "max" not set')
    _validate(maximum, minimum)
    request = parse_request(args, selector=False, list_all=False)
    for kind, name in request.named:
        target = ctx.api.get(kind.RESOURCE, name, ctx.namespace)
        if kind.RESOURCE not in SCALABLE:
            group = f"{kind.GROUP}/{kind.VERSION}"  # GroupVersionResource.String(): "/v1" for the core group
            raise CommandError(f"error: cannot autoscale a {kind.KIND}: could not find scale subresource for "
                               f"{group}, Resource={kind.RESOURCE} in discovery information")
        spec: dict[str, Any] = {"scaleTargetRef": {"apiVersion": target["apiVersion"], "kind": target["kind"],
                                                   "name": name}, "maxReplicas": maximum}
        if minimum > 0:
            spec["minReplicas"] = minimum
        if percent >= 0:
            spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": percent}}}]
        hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": opts["name"] or name}, "spec": spec}
        created = ctx.api.create(hpa, ctx.namespace)
        ctx.write(f"horizontalpodautoscaler.autoscaling/{created['metadata']['name']} autoscaled\n")


COMMANDS = {
    "autoscale": Command(autoscale, (Flag("min", "", INT), Flag("max", "", INT, default=NOT_GIVEN),
                                     Flag("cpu-percent", "", INT),
                                     Flag("name", "", STRING)),
                         "autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS "
                         "[--cpu-percent=CPU]",
                         "Auto-scale a deployment, replica set, stateful set, or replication controller"),
}
