"""ReplicationController and ReplicaSet: keep N copies of a pod template running.

Both hold ``replicas``, a pod ``template`` and a ``selector`` telling which
pods count as copies. The only difference the API makes is the selector:

* a ReplicationController's is a plain label map, equality only
  (``{app: web}`` means ``app=web``), and defaults to the template's labels;
* a ReplicaSet's is a structured ``metav1.LabelSelector``
  (``matchLabels`` + ``matchExpressions``: ``In``, ``NotIn``, ``Exists``...)
  and is required.

Defaults: ``pkg/apis/core/v1/defaults.go`` (RC), ``pkg/apis/apps/v1/defaults.go``
(RS). Rules: ``ValidateReplicationController`` in core validation,
``ValidateReplicaSet`` in ``pkg/apis/apps/validation/validation.go``.
"""

from __future__ import annotations

from typing import Any, Mapping

from .decoding import StructOf
from .errors import FieldError, forbidden, invalid, not_supported, required
from .meta import GoValue, KubeObject, go_string_map, nonnegative
from .pod import default_pod_template, pod_template_errors
from .selectors import LabelSelector, Selector, label_selector_errors, selector_from_set
from .validation import is_dns1123_subdomain

DEFAULT_REPLICAS = 1  # +default=1 on ReplicationControllerSpec; SetDefaults_ReplicaSet
SELECTOR_MISMATCH = "`selector` does not match template `labels`"


def label_selector_go_string(selector: Mapping[str, Any]) -> GoValue:
    """How field.Error prints a *metav1.LabelSelector: its generated String() method."""
    labels = "".join(f"{k}: {v}," for k, v in sorted((selector.get("matchLabels") or {}).items()))
    exprs = "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key', '')},Operator:{e.get('operator', '')},"
        f"Values:[{' '.join(e.get('values') or ())}],}},"
        for e in selector.get("matchExpressions") or ()
    )
    return GoValue(f"&LabelSelector{{MatchLabels:map[string]string{{{labels}}},"
                   f"MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}")


def controller_template_errors(template: Mapping[str, Any], matches: bool, owner: str) -> list[FieldError]:
    """ValidatePodTemplateSpecForRC / ...ForReplicaSet: the template must carry the selected labels,
    be a valid template, restart Always and have no deadline (the controller keeps it running)."""
    labels = (template.get("metadata") or {}).get("labels")
    errors = [] if matches else [invalid("spec.template.metadata.labels", go_string_map(labels), SELECTOR_MISMATCH)]
    errors += pod_template_errors(template, "spec.template")
    spec = template.get("spec") or {}
    restart = spec.get("restartPolicy", "")
    if restart != "Always":
        errors.append(not_supported("spec.template.spec.restartPolicy", restart, ("Always",)))
    if "activeDeadlineSeconds" in spec:
        errors.append(forbidden("spec.template.spec.activeDeadlineSeconds",
                                f"activeDeadlineSeconds in {owner} is not Supported"))
    return errors


def selected_template_errors(spec: Mapping[str, Any]) -> list[FieldError]:
    """The selector and template of a ReplicaSet or Deployment (the heart of ValidateReplicaSetSpec)."""
    selector = spec.get("selector")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if selector is None:
        errors = [required("spec.selector")]
        matches = False  # LabelSelectorAsSelector(nil) is labels.Nothing(): it matches no labels
    else:
        selector_errors = label_selector_errors(selector, "spec.selector")
        errors = list(selector_errors)
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            # Upstream says "deployment" for ReplicaSets too: one message serves both.
            errors.append(invalid("spec.selector", label_selector_go_string(selector),
                                  "empty selector is invalid for deployment"))
        if selector_errors:  # the selector does not convert, so the template goes unchecked
            return errors + [invalid("spec.selector", label_selector_go_string(selector), "invalid label selector")]
        parsed = LabelSelector.from_dict(selector).selector
        matches = parsed.empty() or parsed.matches(labels)
    return errors + controller_template_errors(template, matches, "ReplicaSet")


class _Replicated(KubeObject):
    """What RC, RS and Deployment share: a replica count and a pod template."""

    __slots__ = ()
    NAME_RULE = staticmethod(is_dns1123_subdomain)

    @property
    def replicas(self) -> int:
        return self.spec.get("replicas", DEFAULT_REPLICAS)

    @property
    def template(self) -> Mapping[str, Any]:
        return self.spec.get("template") or {}

    def selector(self) -> Selector:
        """The selector as an object with ``.matches(labels)``."""
        return LabelSelector.from_dict(self.spec.get("selector")).selector


class ReplicaSet(_Replicated):
    """Keeps ``replicas`` pods matching ``selector`` alive; Deployments manage these."""

    KIND = "ReplicaSet"
    GROUP = "apps"
    RESOURCE = "replicasets"
    SHORT_NAMES = ("rs",)
    SCHEMA = StructOf("apps.v1.ReplicaSet")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        spec = self.data.setdefault("spec", {})
        spec.setdefault("replicas", DEFAULT_REPLICAS)
        default_pod_template(spec.setdefault("template", {}))

    def field_errors(self) -> list[FieldError]:
        spec = self.spec
        errors = super().field_errors()
        errors += nonnegative(spec.get("replicas", 0), "spec.replicas")
        errors += nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
        return errors + selected_template_errors(spec)


class ReplicationController(_Replicated):
    """The original replicator: an equality-only selector, defaulted from the template."""

    KIND = "ReplicationController"
    RESOURCE = "replicationcontrollers"
    SHORT_NAMES = ("rc",)
    SCHEMA = StructOf("core.v1.ReplicationController")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        spec = self.data.setdefault("spec", {})
        template = spec.get("template")
        labels = (template.get("metadata") or {}).get("labels") if template is not None else None
        if labels is not None:  # SetDefaults_ReplicationController
            if not spec.get("selector"):
                spec["selector"] = dict(labels)
            if not self.data["metadata"].get("labels"):
                self.data["metadata"]["labels"] = dict(labels)
        spec.setdefault("replicas", DEFAULT_REPLICAS)
        if template is not None:
            default_pod_template(template)

    def field_errors(self) -> list[FieldError]:
        spec = self.spec
        errors = super().field_errors()
        errors += nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
        selector = spec.get("selector") or {}
        if not selector:  # ValidateNonEmptySelector: the only check of the map itself
            errors.append(required("spec.selector"))
        errors += nonnegative(spec.get("replicas", 0), "spec.replicas")
        template = spec.get("template")
        if template is None:
            return errors + [required("spec.template")]
        # labels.Set(selector).AsSelector() validates nothing: a key or value no label may have just
        # matches no template (whose labels are validated), so the mismatch is what is reported.
        labels = (template.get("metadata") or {}).get("labels") or {}
        matches = all(k in labels and labels[k] == v for k, v in selector.items())
        return errors + controller_template_errors(template, matches, "ReplicationController")

    def selector(self) -> Selector:
        return selector_from_set(self.spec.get("selector"))
