"""RuntimeClass: a pod that names a RuntimeClass needs one that exists.

``plugin/pkg/admission/runtimeclass/admission.go`` (pod CREATE) looks up
``spec.runtimeClassName`` and copies the class's pod overhead into the pod.
The course serves no RuntimeClass kind, so none exists and any name is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.api.errors import forbidden_request

from .plugin import AdmissionPlugin, Kind

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer


class RuntimeClass(AdmissionPlugin):
    """Refuse pods naming a RuntimeClass (none exists here)."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        name = obj["spec"].get("runtimeClassName") if info.RESOURCE == "pods" and operation == "CREATE" else None
        if name:
            raise forbidden_request("pods", obj["metadata"].get("name", ""),
                                    f'pod rejected: RuntimeClass "{name}" not found')
