"""PodSecurity: the Pod Security Standards, at the level each namespace asks for.

``plugin/pkg/admission/security/podsecurity`` checks pods against the
``privileged``, ``baseline`` or ``restricted`` standard named by the
namespace label ``pod-security.kubernetes.io/enforce``; a namespace without
the label gets the cluster default from the plugin's configuration, which
kubeadm leaves at ``privileged``: allow everything. The course models that
default only, so the plugin is enabled, as in a kubeadm cluster, and admits
every pod; ``baseline`` and ``restricted`` checks are not modelled.
"""

from __future__ import annotations

from .plugin import AdmissionPlugin


class PodSecurity(AdmissionPlugin):
    """Enabled at the ``privileged`` level: nothing is enforced, audited or warned about."""
