"""Lease (coordination.k8s.io/v1): a small object a holder renews to say "I am alive".

Each kubelet owns one Lease in the ``kube-node-lease`` namespace, named after
its node, and renews it every 10 s (a quarter of ``leaseDurationSeconds``,
40 s). The node lifecycle controller reads ``spec.renewTime``: a node whose
lease stops moving is unhealthy. Renewing a tiny Lease is far cheaper than
rewriting the whole Node status, which the kubelet now does only on change
or every 5 minutes (KEP-589, node heartbeats).

Rules: ``ValidateLease`` in ``pkg/apis/coordination/validation/validation.go``.
Times are ``metav1.MicroTime``: RFC 3339 with microseconds.
"""

from __future__ import annotations

from datetime import datetime

from k8scourse.timefmt import EPOCH, moment

from .decoding import StructOf
from .errors import FieldError, invalid
from .meta import IS_NEGATIVE, KubeObject
from .validation import is_dns1123_subdomain

NODE_LEASE_NAMESPACE = "kube-node-lease"  # v1.NamespaceNodeLease


def rfc3339_micro(seconds: float, epoch: datetime = EPOCH) -> str:
    """``metav1.MicroTime`` as JSON has it, e.g. ``2025-01-01T00:00:10.000000Z``."""
    return moment(seconds, epoch).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Lease(KubeObject):
    """A named lease with a holder and the time it was last renewed."""

    KIND = "Lease"
    GROUP = "coordination.k8s.io"
    RESOURCE = "leases"
    NAME_RULE = staticmethod(is_dns1123_subdomain)
    SCHEMA = StructOf("coordination.v1.Lease")

    __slots__ = ()

    def field_errors(self) -> list[FieldError]:
        errors = super().field_errors()
        duration = self.spec.get("leaseDurationSeconds")
        if duration is not None and duration <= 0:
            errors.append(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
        transitions = self.spec.get("leaseTransitions")
        if transitions is not None and transitions < 0:
            errors.append(invalid("spec.leaseTransitions", transitions, IS_NEGATIVE))
        return errors

    @property
    def holder_identity(self) -> str:
        return self.spec.get("holderIdentity", "")

    @property
    def renew_time(self) -> str:
        return self.spec.get("renewTime", "")
