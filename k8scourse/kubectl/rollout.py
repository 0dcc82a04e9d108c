"""``kubectl rollout``: status, history, undo, restart, pause and resume of a Deployment
(``staging/src/k8s.io/kubectl/pkg/cmd/rollout/`` and ``pkg/polymorphichelpers/``).

All of them work through the apiserver as kubectl does: ``undo`` copies the
old ReplicaSet's template back into the Deployment on the client side,
``restart`` stamps the template with ``kubectl.kubernetes.io/restartedAt``,
``pause``/``resume`` set ``spec.paused``. ``rollout status`` watches the
Deployment; in the simulation, watching means running the virtual clock
until the rollout is done, fails its progress deadline, or ``--timeout``
passes (without ``--timeout`` kubectl waits forever; the course gives up
after :data:`STATUS_WAIT_CAP` virtual seconds).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Mapping

from k8scourse.api.errors import StatusError
from k8scourse.master.controllers.deployment import util

from .builder import Request, fetch, parse_request
from .context import Command, Context
from .describe_workloads import pod_template_lines
from .errors import Aggregate, ClientError, CommandError, flag_error, usage_error
from .flags import BOOL, DURATION, INT, Flag
from .printers import object_name
from .tabwriter import tabwrite

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"  # polymorphichelpers/objectrestarter.go
CHANGE_CAUSE = "kubernetes.io/change-cause"  # ChangeCauseAnnotation
STATUS_WAIT_CAP = 3600.0  # course value: `rollout status` without --timeout stops after an hour of virtual time
STATUS_STEP = 0.5  # seconds of virtual time between looks at the watch
TIMED_OUT = "timed out waiting for the condition"  # wait.ErrWaitTimeout

Obj = Mapping[str, Any]


def _objects(ctx: Context, args: list[str]) -> list[tuple[Any, dict | StatusError]]:
    """The objects the arguments name or list (``ResourceTypeOrNameArgs(true, ...)``: a bare type is
    all of its kind), each read, or the error reading it gave; none named is each Validate's error."""
    if not args:
        raise CommandError("error: required resource not specified")
    request = parse_request(args, selector=False, list_all=True)
    read: list[tuple[Any, dict | StatusError]] = []
    for kind, name in request.named:
        try:
            read.append((kind, ctx.api.get(kind.RESOURCE, name, ctx.namespace)))
        except StatusError as err:
            read.append((kind, err))
    found, _ = fetch(ctx.api, Request(named=[], listed=request.listed), ctx.namespace)
    return read + found


def _check_revision(revision: int) -> None:
    """RolloutHistoryOptions/RolloutStatusOptions.Validate."""
    if revision < 0:
        raise CommandError(f"error: revision must be a positive integer: {revision}")


def _group_kind(kind: Any) -> str:
    """schema.GroupKind's String(): ``ReplicaSet.apps``, or the bare kind in the core group."""
    return f"{kind.KIND}.{kind.GROUP}" if kind.GROUP else kind.KIND


def _visit(ctx: Context, objects: list[tuple[Any, dict | StatusError]], visit: Any) -> None:
    """The builder's ContinueOnError visit: hand each object read to ``visit``; the errors (an object
    missing, a kind without this viewer) are collected and reported at the end."""
    errors: list[Exception] = []
    for kind, obj in objects:
        try:
            if isinstance(obj, StatusError):
                raise obj
            visit(kind, obj)
        except (StatusError, ClientError, CommandError) as err:
            errors.append(err)
    if errors:
        raise Aggregate(errors)


def replica_sets_of(ctx: Context, deploy: Obj) -> list[dict]:
    """deploymentutil.GetAllReplicaSets: the ReplicaSets the Deployment controls."""
    uid = deploy["metadata"]["uid"]
    return [rs for rs in ctx.api.list("replicasets", deploy["metadata"]["namespace"])
            if any(r.get("controller") and r.get("uid") == uid for r in rs["metadata"].get("ownerReferences") or ())]


def revision_of(rs: Obj) -> int | None:
    """deploymentutil.Revision (kubectl/pkg/util/deployment): 0 without the revision annotation (a
    ReplicaSet the Deployment adopted); None, and the ReplicaSet is skipped, when it is not a number."""
    return util.int_annotation(rs, util.REVISION) if util.REVISION in util.annotations(rs) else 0


# --- status -------------------------------------------------------------------------------

def status_message(deploy: Obj, revision: int = 0) -> tuple[str, bool]:
    """DeploymentStatusViewer.Status: the line kubectl prints for this state, and whether it is done.
    A rollout past its progress deadline, or on another revision than ``--revision``, is an error."""
    name, spec, status = deploy["metadata"]["name"], deploy.get("spec") or {}, deploy.get("status") or {}
    if revision > 0:
        running = util.annotations(deploy).get(util.REVISION, "0")
        if not re.fullmatch(r"[+-]?[0-9]+", running):
            raise CommandError(f'error: cannot get the revision of deployment "{name}": '
                               f'strconv.ParseInt: parsing "{running}": invalid syntax')
        if int(running) != revision:
            raise CommandError(f"error: desired revision ({revision}) is different from the running "
                               f"revision ({int(running)})")
    if deploy["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...\n", False
    progressing = util.get_condition(status, "Progressing")
    if progressing is not None and progressing.get("reason") == util.TIMED_OUT:
        raise CommandError(f'error: deployment "{name}" exceeded its progress deadline')
    updated, total = status.get("updatedReplicas", 0), status.get("replicas", 0)
    wanted = spec.get("replicas", 1)
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < wanted:
        return f"{prefix}{updated} out of {wanted} new replicas have been updated...\n", False
    if total > updated:
        return f"{prefix}{total - updated} old replicas are pending termination...\n", False
    if status.get("availableReplicas", 0) < updated:
        return f"{prefix}{status.get('availableReplicas', 0)} of {updated} updated replicas are available...\n", False
    return f'deployment "{name}" successfully rolled out\n', True


def status(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``rollout status``: print the rollout's state at every change of the Deployment until it is done.

    This runs the cluster's virtual clock (as a real kubectl would wait) until the
    rollout completes, exceeds its progress deadline, or ``--timeout`` passes; without
    ``--timeout``, for at most :data:`STATUS_WAIT_CAP` virtual seconds. ``--watch=false``
    prints the current state once and returns. Each Deployment named is watched in turn.
    """
    objects = _objects(ctx, args)
    _check_revision(opts["revision"])

    def watch(kind: Any, deploy: dict) -> None:
        if kind.KIND != "Deployment":
            raise ClientError(f"no status viewer has been implemented for {_group_kind(kind)}")
        _watch_status(ctx, deploy, opts["revision"], opts["timeout"], opts["watch"])

    _visit(ctx, objects, watch)


def _watch_status(ctx: Context, deploy: Obj, revision: int, timeout: float, watching: bool) -> None:
    """UntilWithSync: the status line now, then at every change until done (or an error)."""
    message, done = status_message(deploy, revision)
    ctx.write(message)
    if done or not watching:
        return
    name = deploy["metadata"]["name"]
    outcome: list[Exception | bool] = []

    def on_event(event_type: str, obj: dict) -> None:
        if outcome or obj["metadata"]["name"] != name:
            return
        if event_type == "DELETED":
            outcome.append(CommandError("error: object has been deleted"))
            return
        try:
            text, finished = status_message(obj, revision)
        except CommandError as err:
            outcome.append(err)
            return
        ctx.write(text)
        if finished:
            outcome.append(True)

    watch = ctx.api.list_and_watch("deployments", on_event, namespace=ctx.namespace)
    watch.backlog = []  # only changes from now on: the current state is printed already
    limit = timeout if timeout > 0 else STATUS_WAIT_CAP  # ContextWithOptionalTimeout: below 0 is 0, no limit
    start = ctx.clock.now
    try:
        while not outcome and ctx.clock.now - start < limit:
            ctx.clock.run(min(STATUS_STEP, limit - (ctx.clock.now - start)))
    finally:
        watch.cancel()
    if not outcome:
        raise CommandError(f"error: {TIMED_OUT}")
    if isinstance(outcome[0], Exception):
        raise outcome[0]


# --- history ------------------------------------------------------------------------------

def history_of(ctx: Context, deploy: Obj) -> dict[int, dict]:
    """DeploymentHistoryViewer: each revision's pod template, with its change-cause."""
    found: dict[int, dict] = {}
    for rs in replica_sets_of(ctx, deploy):
        revision = revision_of(rs)
        if revision is None:
            continue
        template = copy.deepcopy(util.template_of(rs))
        cause = util.annotations(rs).get(CHANGE_CAUSE)
        if cause:
            template.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE] = cause
        found[revision] = template
    return found


def change_cause(template: Obj) -> str | None:
    return ((template.get("metadata") or {}).get("annotations") or {}).get(CHANGE_CAUSE)


def history(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``rollout history``: the REVISION / CHANGE-CAUSE table, or one revision's pod template."""
    revision = opts["revision"]
    objects = _objects(ctx, args)
    _check_revision(revision)

    def view(kind: Any, deploy: dict) -> None:
        if kind.KIND != "Deployment":
            raise ClientError(f'no history viewer has been implemented for "{_group_kind(kind)}"')
        found = history_of(ctx, deploy)
        if not found:
            text = "No rollout history found."
        elif revision > 0:
            if revision not in found:
                raise ClientError("unable to find the specified revision")
            text = "\n".join(pod_template_lines(found[revision])) + "\n"  # printTemplate: no tabwriter
        else:
            rows = "".join(f"{r}\t{change_cause(found[r]) or '<none>'}\n" for r in sorted(found))
            text = tabwrite("REVISION\tCHANGE-CAUSE\n" + rows, 0, 2)
        with_revision = f"with revision #{revision}" if revision > 0 else ""
        ctx.write(f"{object_name(deploy)} {with_revision}\n{text}\n")

    _visit(ctx, objects, view)


# --- undo ---------------------------------------------------------------------------------

def _revision_to_restore(ctx: Context, deploy: Obj, to_revision: int) -> dict:
    """deploymentRevision: the ReplicaSet of ``to_revision``, or (0) the one before the latest."""
    by_revision = {}
    for rs in replica_sets_of(ctx, deploy):
        revision = revision_of(rs)
        if revision is not None:
            by_revision[revision] = rs
    if to_revision > 0:
        if to_revision not in by_revision:
            raise ClientError(f"unable to find specified revision {to_revision} in history")
        return by_revision[to_revision]
    if len(by_revision) < 2:
        raise ClientError(f'no rollout history found for deployment "{deploy["metadata"]["name"]}"')
    return by_revision[sorted(by_revision)[-2]]


def undo(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``rollout undo [--to-revision=N]``: put an old revision's template back into each Deployment named."""
    to_revision = opts["to-revision"]
    objects = _objects(ctx, args)

    def rollback(kind: Any, deploy: dict) -> None:
        """DeploymentRollbacker.Rollback (polymorphichelpers/rollback.go), in its order of checks."""
        if kind.KIND != "Deployment":
            raise ClientError(f'no rollbacker has been implemented for "{_group_kind(kind)}"')
        if to_revision < 0:
            raise ClientError(f"unable to find specified revision {to_revision} in history")
        rs = _revision_to_restore(ctx, deploy, to_revision)
        if (deploy.get("spec") or {}).get("paused"):
            raise ClientError("you cannot rollback a paused deployment; resume it first with "
                              "'kubectl rollout resume' and try again")
        if util.equal_ignore_hash(util.template_of(rs), util.template_of(deploy)):
            ctx.write(f"{object_name(deploy)} skipped rollback (current template already matches revision "
                      f"{to_revision})\n")
            return
        # The Deployment takes the template (without the hash label) and the ReplicaSet's annotations,
        # keeping its own bookkeeping ones (kubectl's rollback.go annotationsToSkip).
        kept = {k: v for k, v in util.annotations(deploy).items() if k in util.ANNOTATIONS_TO_SKIP}
        copied = {k: v for k, v in util.annotations(rs).items() if k not in util.ANNOTATIONS_TO_SKIP}
        restored = copy.deepcopy(dict(deploy))
        restored["spec"]["template"] = util.without_hash(util.template_of(rs))
        restored["metadata"]["annotations"] = {**kept, **copied}
        try:
            ctx.api.update(restored)
        except StatusError as err:
            raise ClientError(f"failed restoring revision {to_revision}: {err}") from None
        ctx.write(f"{object_name(deploy)} rolled back\n")

    _visit(ctx, objects, rollback)


# --- pause, resume, restart -----------------------------------------------------------------

def _patch_each(ctx: Context, args: list[str], change: Any, done: str, unsupported: str) -> None:
    """Pause, resume and restart: change each named object's spec; kubectl's messages either way.

    As upstream, every object is read first (r.Infos(): the ones missing are the first errors),
    then each is patched, an object ``change`` refuses (it returns why) adding its error."""
    objects = _objects(ctx, args)
    errors: list[Exception] = [obj for _, obj in objects if isinstance(obj, StatusError)]
    for kind, obj in objects:
        if isinstance(obj, StatusError):
            continue
        name = obj["metadata"]["name"]
        resource = f"{kind.RESOURCE}.{kind.GROUP}" if kind.GROUP else kind.RESOURCE
        if kind.KIND != "Deployment":
            errors.append(CommandError(f'error: {resource} "{name}" {unsupported}'))
            continue
        changed = copy.deepcopy(obj)
        problem = change(changed)
        if problem:
            errors.append(CommandError(f'error: {resource} "{name}" {problem}'))
            continue
        if changed == obj:  # restart.go: the same timestamp twice makes an empty patch
            errors.append(CommandError(f"error: failed to create patch for {name}: if restart has already been "
                                       "triggered within the past second, please wait before attempting "
                                       "to trigger another"))
            continue
        ctx.api.update(changed)
        ctx.write(f"{object_name(obj)} {done}\n")
    if errors:
        raise Aggregate(errors)


def pause(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``rollout pause``: set ``spec.paused``; the controller then only scales, never rolls out."""
    def change(d: dict) -> str | None:
        if d["spec"].get("paused"):  # defaultObjectPauser (polymorphichelpers/objectpauser.go)
            return "is already paused"
        d["spec"]["paused"] = True
        return None
    _patch_each(ctx, args, change, "paused", "pausing is not supported")


def resume(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``rollout resume``: clear ``spec.paused``; a template changed meanwhile rolls out now."""
    def change(d: dict) -> str | None:
        if not d["spec"].get("paused"):  # defaultObjectResumer (polymorphichelpers/objectresumer.go)
            return "is not paused"
        d["spec"].pop("paused", None)
        return None
    _patch_each(ctx, args, change, "resumed", "resuming is not supported")


def restart(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``rollout restart``: a new template annotation, hence a new ReplicaSet and fresh pods."""
    def change(d: dict) -> str | None:
        if d["spec"].get("paused"):
            return "can't restart paused deployment (run rollout resume first)"
        meta = d["spec"]["template"].setdefault("metadata", {})
        meta.setdefault("annotations", {})[RESTARTED_AT] = ctx.api.clock.rfc3339(ctx.api.clock.now)
        return None
    _patch_each(ctx, args, change, "restarted", "restarting is not supported")


# `kubectl rollout` alone: cmdutil.DefaultSubCommandRun prints the command's help and exits 1.
ROLLOUT_HELP = "\n".join((
    "Manage the rollout of one or many resources.",
    " " * 8,  # templates.LongDesc keeps the indented blank line of the source text
    " Valid resource types include:",
    "",
    "  *  deployments",
    "  *  daemonsets",
    "  *  statefulsets",
    "",
    "Examples:",
    "  # Rollback to the previous deployment",
    "  kubectl rollout undo deployment/abc",
    "  ",
    "  # Check the rollout status of a daemonset",
    "  kubectl rollout status daemonset/foo",
    "  ",
    "  # Restart a deployment",
    "  kubectl rollout restart deployment/abc",
    "  ",
    "  # Restart deployments with the 'app=nginx' label",
    "  kubectl rollout restart deployment --selector=app=nginx",
    "",
    "Available Commands:",
    "  history       View rollout history",
    "  pause         Mark the provided resource as paused",
    "  restart       Restart a resource",
    "  resume        Resume a paused resource",
    "  status        Show the status of the rollout",
    "  undo          Undo a previous rollout",
    "",
    "Usage:",
    "  kubectl rollout SUBCOMMAND [options]",
    "",
    'Use "kubectl rollout <command> --help" for more information about a given command.',
    'Use "kubectl options" for a list of global command-line options (applies to all commands).',
))


def rollout(ctx: Context, args: list[str], opts: dict[str, Any]) -> None:
    """``kubectl rollout`` without a known subcommand (a known one goes to its own Command)."""
    if args:  # cmdutil.RequireNoArguments
        raise usage_error("rollout", 'unknown command "%s"' % " ".join(args))
    raise CommandError(ROLLOUT_HELP)


SUBCOMMANDS = {
    "history": Command(history, (Flag("revision", "", INT, default=0),),
                       "rollout history (TYPE NAME | TYPE/NAME) [flags]", "View rollout history"),
    "pause": Command(pause, (), "rollout pause RESOURCE", "Mark the provided resource as paused"),
    "restart": Command(restart, (), "rollout restart RESOURCE", "Restart a resource"),
    "resume": Command(resume, (), "rollout resume RESOURCE", "Resume a paused resource"),
    "status": Command(status, (Flag("watch", "w", BOOL, default=True), Flag("timeout", "", DURATION, default=0.0),
                               Flag("revision", "", INT, default=0)),
                      "rollout status (TYPE NAME | TYPE/NAME) [flags]", "Show the status of the rollout"),
    "undo": Command(undo, (Flag("to-revision", "", INT, default=0),),
                    "rollout undo (TYPE NAME | TYPE/NAME) [flags]", "Undo a previous rollout"),
}
COMMANDS = {
    "rollout": Command(rollout, (), "rollout SUBCOMMAND", "Manage the rollout of a resource", SUBCOMMANDS),
}
