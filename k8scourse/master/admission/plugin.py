"""What every admission plugin is: two optional hooks the apiserver calls on each write.

kube-apiserver runs admission in two phases (``k8s.io/apiserver/pkg/admission``):

1. **mutating** (``Admit``): after the request is decoded and defaulted, before
   the registry's ``PrepareForCreate``/``PrepareForUpdate`` and validation;
   a plugin may change the object (set a ServiceAccount, add tolerations);
2. **validating** (``Validate``): after validation, just before the write;
   a plugin may only accept or refuse.

A plugin overrides the hook of each phase it takes part in; the other does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.api import objects

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer

Kind = type[objects.KubeObject]


def group_resource(kind: Kind) -> str:
    """How errors name a resource: ``pods``, ``deployments.apps``."""
    return f"{kind.RESOURCE}.{kind.GROUP}" if kind.GROUP else kind.RESOURCE


class AdmissionPlugin:
    """Base of the plugins: ``obj`` is the object being written (changed in place by
    ``admit``), ``old`` the stored one on UPDATE and DELETE."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        """The mutating phase (admission.MutationInterface)."""

    def validate(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        """The validating phase (admission.ValidationInterface)."""
