"""``kubectl scale``: set a new size for a Deployment, ReplicaSet or ReplicationController.

It goes through each object's ``/scale`` subresource
(``staging/src/k8s.io/kubectl/pkg/cmd/scale/scale.go`` and ``pkg/scale/scale.go``):
with ``--current-replicas`` or ``--resource-version`` it first reads the
Scale and checks the precondition, then writes it back with the new size.
"""

from __future__ import annotations

from typing import Any

from .builder import fetch, parse_request
from .context import Command, Context
from .errors import Aggregate, CommandError
from .flags import BOOL, DURATION, INT, STRING, Flag
from .printers import object_name
from .read import SELECTOR

NOT_GIVEN = ""  # --replicas is required (cmd.MarkFlagRequired("replicas"))
WAIT_INTERVAL = 1.0  # scale.NewRetryParams(1*time.Second, o.Timeout): --timeout polls the Scale every second


def _precondition_error(what: str, expected: Any, actual: Any) -> CommandError:
    """PreconditionError.Error (pkg/scale/scale.go)."""
    return CommandError(f"error: Expected {what} to be {expected}, was {actual}")


def _wait_for_replicas(ctx: Context, resource: str, name: str, namespace: str | None, replicas: int,
                       timeout: float) -> None:
    """WaitForScaleHasDesiredReplicas: poll the Scale (on the virtual clock) until its status has caught up
    with the size asked for, or someone else has set another size; else fail at ``timeout``."""
    start = ctx.clock.now
    while True:
        current = ctx.api.get_scale(resource, name, namespace)
        wanted = current["spec"]["replicas"]
        if wanted != replicas or wanted == current["status"]["replicas"]:
            return
        if ctx.clock.now - start + WAIT_INTERVAL > timeout:
            raise CommandError(f'error: timed out waiting for "{name}" to be synced')
        ctx.clock.run(WAIT_INTERVAL)


def scale(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl scale [--current-replicas=N] [--resource-version=RV] --replicas=COUNT TYPE NAME``."""
    replicas, current, version = opts["replicas"], opts["current-replicas"], opts["resource-version"]
    if replicas == NOT_GIVEN:
        raise CommandError('error: required flag(s) "replicas" not set')
    if replicas < 0:  # ScaleOptions.Validate
        raise CommandError("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    if current < -1:
        raise CommandError("error: The --current-replicas must specify an integer of -1 or greater")
    request = parse_request(args, selector=bool(opts["selector"]), list_all=opts["all"])
    found, errors = fetch(ctx.api, request, ctx.namespace, opts["selector"])
    if version and len(found) > 1:
        raise CommandError("error: cannot use --resource-version with multiple resources")
    if not found:  # kubectl v1.31/v1.32 visit only the objects they could read: a missing one is no error
        raise CommandError("error: no objects passed to scale")
    for kind, obj in found:
        name, namespace = obj["metadata"]["name"], obj["metadata"].get("namespace")
        if current != -1 or version:  # ScaleSimple with a precondition: GET the Scale, check, PUT it back
            current_scale = ctx.api.get_scale(kind.RESOURCE, name, namespace)
            if current != -1 and current_scale["spec"]["replicas"] != current:
                raise _precondition_error("replicas", current, current_scale["spec"]["replicas"])
            if version and current_scale["metadata"]["resourceVersion"] != version:
                raise _precondition_error("resource version", version, current_scale["metadata"]["resourceVersion"])
            current_scale["spec"]["replicas"] = replicas
            ctx.api.update_scale(kind.RESOURCE, name, current_scale, namespace)
        else:  # no precondition: a blind write of the new size
            ctx.api.update_scale(kind.RESOURCE, name, {"spec": {"replicas": replicas}}, namespace)
        if opts["timeout"] > 0:
            _wait_for_replicas(ctx, kind.RESOURCE, name, namespace, replicas, opts["timeout"])
        ctx.write(f"{object_name(obj)} scaled\n")
    if errors:
        raise Aggregate(errors)


COMMANDS = {
    "scale": Command(scale, (
        Flag("replicas", type=INT, default=NOT_GIVEN), Flag("current-replicas", type=INT, default=-1),
        Flag("resource-version", type=STRING), SELECTOR, Flag("all", type=BOOL),
        Flag("timeout", type=DURATION, default=0.0)),
        "scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME)",
        "Set a new size for a deployment, replica set, or replication controller"),
}
