"""Rollback through the deprecated annotation (``pkg/controller/deployment/rollback.go``).

``kubectl rollout undo`` rolls back on the client side (it copies the old
ReplicaSet's template into the Deployment). The controller still honours
the annotation ``deprecated.deployment.rollback.to: "<revision>"`` that the
old extensions/v1beta1 ``rollbackTo`` became: it copies the template of that
revision's ReplicaSet (0: the one before the current) into the Deployment and
removes the annotation. The rollout then proceeds as for any new template.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from . import sync, util
from .util import Obj

if TYPE_CHECKING:
    from .deployment_controller import DeploymentController


def rollback_to(d: Obj) -> int | None:
    """getRollbackTo: the revision the annotation asks for, None without a (numeric) annotation."""
    return util.int_annotation(d, util.ROLLBACK_TO)


def rollback(dc: "DeploymentController", d: dict, rs_list: list[Obj]) -> None:
    """rollback: roll back to the asked revision, or give up with a Warning Event."""
    new_rs, old_sets = sync.get_all_replica_sets_and_sync_revision(dc, d, rs_list, create=True)
    all_sets = [*old_sets, new_rs]
    target = rollback_to(d) or 0
    if target == 0:
        target = util.last_revision(all_sets)
        if target == 0:
            dc.record(d, "Warning", util.ROLLBACK_REVISION_NOT_FOUND, "Unable to find last revision.")
            return _clear_rollback_to(dc, d)
    for rs in all_sets:
        if rs is not None and util.revision(rs) == target:
            if _rollback_to_template(dc, d, rs):
                dc.record(d, "Normal", util.ROLLBACK_DONE, f'Rolled back deployment "{d["metadata"]["name"]}" '
                                                           f"to revision {target}")
            return
    dc.record(d, "Warning", util.ROLLBACK_REVISION_NOT_FOUND, "Unable to find the revision to rollback to.")
    _clear_rollback_to(dc, d)


def _rollback_to_template(dc: "DeploymentController", d: dict, rs: Obj) -> bool:
    """rollbackToTemplate: copy the ReplicaSet's template (without its hash) and annotations; no-op if equal."""
    performed = False
    if not util.equal_ignore_hash(util.template_of(d), util.template_of(rs)):
        d["spec"]["template"] = util.without_hash(copy.deepcopy(util.template_of(rs)))  # SetFromReplicaSetTemplate
        set_deployment_annotations_to(d, rs)
        performed = True
    else:
        dc.record(d, "Warning", util.ROLLBACK_TEMPLATE_UNCHANGED,
                  f'The rollback revision contains the same template as current deployment "{d["metadata"]["name"]}"')
    _clear_rollback_to(dc, d)
    return performed


def set_deployment_annotations_to(d: dict, rs: Obj) -> None:
    """SetDeploymentAnnotationsTo: the Deployment takes the ReplicaSet's annotations (its change-cause),
    keeping its own skipped ones (last-applied, revision...)."""
    own = util.annotations(d)
    kept = {k: v for k, v in own.items() if k in util.ANNOTATIONS_TO_SKIP}
    copied = {k: v for k, v in util.annotations(rs).items() if k not in util.ANNOTATIONS_TO_SKIP}
    d["metadata"]["annotations"] = {**kept, **copied}


def _clear_rollback_to(dc: "DeploymentController", d: dict) -> None:
    """updateDeploymentAndClearRollbackTo."""
    d["metadata"].setdefault("annotations", {}).pop(util.ROLLBACK_TO, None)
    dc.api.update(d)
