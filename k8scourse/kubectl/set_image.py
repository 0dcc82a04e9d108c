"""``kubectl set image``: change container images in a pod template
(``staging/src/k8s.io/kubectl/pkg/cmd/set/set_image.go``).

``kubectl set image deployment/web web=nginx:1.28`` changes the Deployment's
template, which starts a rollout. As upstream does it:

1. the arguments split into resources, then ``CONTAINER=IMAGE`` pairs
   (``GetResourcesAndPairs``, ``ParsePairs``);
2. every object named is read; one missing stops the command before any change;
3. each object's containers and init containers are matched by name (``*``
   matches all); a name that matches none is an error, the other changes
   are still made;
4. each changed object is written back; an object without a pod template, or
   one the apiserver refuses, is an error of its own.
"""

from __future__ import annotations

import copy
from typing import Any

from k8scourse.api.errors import StatusError

from .builder import fetch, parse_request
from .context import Command, Context
from .errors import Aggregate, ClientError, CommandError, usage_error
from .flags import BOOL, Flag
from .printers import object_name
from .read import SELECTOR
from .write import resources_and_pairs

POD_TEMPLATE_KINDS = ("Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "StatefulSet", "Job")
# kubectl set's other subcommands: real, but not modelled here.
OTHER_SUBCOMMANDS = ("env", "resources", "selector", "serviceaccount", "subject")


def parse_pairs(pairs: list[str], pair_type: str) -> dict[str, str]:
    """cmdutil.ParsePairs (no removals): ``name=image``; anything else is listed as invalid."""
    parsed: dict[str, str] = {}
    invalid = []
    for pair in pairs:
        if "=" in pair and not pair.startswith("="):
            name, _, value = pair.partition("=")
            parsed[name] = value
        else:
            invalid.append(pair)
    if invalid:
        raise ClientError(f"invalid {pair_type} format: {', '.join(invalid)}")
    return parsed


def _set_images(containers: list[dict], name: str, image: str) -> bool:
    """setImage: the containers called ``name`` (all for ``*``) get ``image``; whether any matched."""
    found = False
    for container in containers:
        if name in (container.get("name"), "*"):
            container["image"] = image
            found = True
    return found


def _pod_spec(kind: Any, obj: dict) -> dict | None:
    """UpdatePodSpecForObject: a pod's spec or a template's; None for a kind with neither."""
    if kind.KIND == "Pod":
        return obj.setdefault("spec", {})
    if kind.KIND in POD_TEMPLATE_KINDS:
        return obj.setdefault("spec", {}).setdefault("template", {}).setdefault("spec", {})
    return None


def set_image(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl set image (TYPE NAME | TYPE/NAME) CONTAINER=IMAGE ...``."""
    resources, pair_args = resources_and_pairs(args, "image")  # Complete
    images = parse_pairs(pair_args, "image")
    request = parse_request(resources, selector=bool(opts["selector"]), list_all=opts["all"])
    found, missing = fetch(ctx.api, request, ctx.namespace, opts["selector"])
    if missing:  # builder.Do().Infos(): any object not read fails the command
        raise Aggregate(missing)
    problems = []  # Validate
    if opts["all"] and opts["selector"]:
        problems.append(ClientError("cannot set --all and --selector at the same time"))
    if not images:
        problems.append(ClientError("at least one image update is required"))
    elif len(images) > 1 and "*" in images:
        problems.append(ClientError("all containers are already specified by *, but saw more than one "
                                    "container_name=container_image pairs"))
    if problems:
        raise Aggregate(problems)
    errors: list[Exception] = []
    patches = []  # CalculatePatches: every object's change first, then the writes
    for kind, obj in found:
        changed = copy.deepcopy(obj)
        spec = _pod_spec(kind, changed)
        if spec is None:
            go_type = f"*{kind.VERSION}.{kind.KIND}"  # the %T of the typed object
            patches.append((obj, None, f"error: {kind.RESOURCE}/{obj['metadata']['name']} the object is not a "
                                       f"pod or does not have a pod template: {go_type}"))
            continue
        for name, image in images.items():
            in_init = _set_images(spec.get("initContainers") or [], name, image)
            if not _set_images(spec.get("containers") or [], name, image) and not in_init:
                errors.append(CommandError(f'error: unable to find container named "{name}"'))
        patches.append((obj, changed, None))
    for obj, changed, problem in patches:
        if problem is not None:
            errors.append(CommandError(problem))
        elif changed != obj:
            try:
                ctx.api.update(changed)
            except (StatusError, ValueError) as err:
                errors.append(ClientError(f"failed to patch image update to pod template: {err}"))
                continue
            ctx.write(f"{object_name(obj)} image updated\n")
    if errors:
        raise Aggregate(errors)


# `kubectl set` alone: cmdutil.DefaultSubCommandRun prints its help and exits 1.
SET_HELP = "\n".join((
    "Configure application resources.",
    "",
    " These commands help you make changes to existing application resources.",
    "",
    "Available Commands:",
    "  env              Update environment variables on a pod template",
    "  image            Update the image of a pod template",
    "  resources        Update resource requests/limits on objects with pod templates",
    "  selector         Set the selector on a resource",
    "  serviceaccount   Update the service account of a resource",
    "  subject          Update the user, group, or service account in a role binding or cluster role binding",
    "",
    "Usage:",
    "  kubectl set SUBCOMMAND [options]",
    "",
    'Use "kubectl set <command> --help" for more information about a given command.',
    'Use "kubectl options" for a list of global command-line options (applies to all commands).',
))


def set_command(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl set`` without ``image`` (the one subcommand modelled)."""
    if args and args[0] in OTHER_SUBCOMMANDS:
        raise CommandError(f"error: kubectl set {args[0]} is not available in the course's kubectl; "
                           "it runs: set image")
    if args:  # cmdutil.RequireNoArguments
        raise usage_error("set", 'unknown command "%s"' % " ".join(args))
    raise CommandError(SET_HELP)


COMMANDS = {
    "set": Command(set_command, (), "set SUBCOMMAND", "Set specific features on objects", {
        "image": Command(set_image, (SELECTOR, Flag("all", type=BOOL)),
                         "set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ...",
                         "Update the image of a pod template"),
    }),
}
