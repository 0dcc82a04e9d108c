"""``kubectl set image``: change container images in a pod template
(``staging/src/k8s.io/kubectl/pkg/cmd/set/set_image.go``).

``kubectl set image deployment/web web=nginx:1.28`` changes the Deployment's
template, which starts a rollout. Containers and init containers are matched
by name (``*`` matches all); a name that matches none is an error, and the
other changes are still made, as kubectl does.
"""

from __future__ import annotations

import copy
from typing import Any

from k8scourse.api.errors import StatusError

from .builder import parse_request
from .context import Command, Context
from .errors import Aggregate, CommandError, usage_error
from .printers import object_name

POD_TEMPLATE_KINDS = ("Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "StatefulSet", "Job")


def _set_images(containers: list[dict], name: str, image: str) -> bool:
    """setImage: the containers called ``name`` (all for ``*``) get ``image``; whether any matched."""
    found = False
    for container in containers:
        if name in (container.get("name"), "*"):
            container["image"] = image
            found = True
    return found


def set_command(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl set image TYPE/NAME CONTAINER=IMAGE ...`` (only ``set image`` is modelled)."""
    if not args or args[0] != "image":
        raise CommandError("error: kubectl set: the course's kubectl runs only 'set image'")
    resources = [a for a in args[1:] if "=" not in a]
    pairs = [a for a in args[1:] if "=" in a]
    if not resources or not pairs:
        raise usage_error("set image", "resource and container image must be specified")
    images = {}
    for pair in pairs:
        name, _, image = pair.partition("=")
        images[name] = image
    errors: list[Exception] = []
    for kind, obj_name in parse_request(resources, selector=False, list_all=False).named:
        try:
            obj = ctx.api.get(kind.RESOURCE, obj_name, ctx.namespace)
        except StatusError as err:
            errors.append(err)
            continue
        changed = copy.deepcopy(obj)
        spec = changed["spec"] if kind.KIND == "Pod" else (changed["spec"].get("template") or {}).get("spec")
        if spec is None:
            errors.append(CommandError(f"error: {object_name(obj)} does not have a pod template"))
            continue
        for name, image in images.items():
            in_init = _set_images(spec.get("initContainers") or [], name, image)
            if not _set_images(spec.get("containers") or [], name, image) and not in_init:
                errors.append(CommandError(f'error: unable to find container named "{name}"'))
        if changed != obj:
            ctx.api.update(changed)
            ctx.write(f"{object_name(obj)} image updated\n")
    if errors:
        raise Aggregate(errors)


COMMANDS = {
    "set": Command(set_command, (), "set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ...",
                   "Set specific features on objects"),
}
