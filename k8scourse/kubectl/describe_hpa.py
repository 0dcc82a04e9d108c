"""``kubectl describe hpa`` (``describeHorizontalPodAutoscalerV2`` in describe.go)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .describe import annotation_lines, event_lines, label_lines, rfc1123z
from .printers import quantity
from .tabwriter import describe_text

UNKNOWN = "<unknown>"


def _metric_line(metric: Mapping[str, Any], current: Mapping[str, Any]) -> str:
    """One line under ``Metrics: ( current / target )``."""
    kind = metric.get("type")
    if kind == "Resource":
        source = metric.get("resource") or {}
        target = source.get("target") or {}
        now = (current.get("resource") or {}).get("current") or {}
        head = f"  resource {source.get('name', '')} on pods"
        if "averageValue" in target:
            shown = quantity(now["averageValue"]) if "averageValue" in now else UNKNOWN
            return f"{head}:\t{shown} / {quantity(target['averageValue'])}"
        shown = UNKNOWN
        if "averageUtilization" in now:
            shown = f"{now['averageUtilization']}% ({quantity(now.get('averageValue'))})"
        wanted = f"{target['averageUtilization']}%" if "averageUtilization" in target else "<auto>"
        return f"{head}  (as a percentage of request):\t{shown} / {wanted}"
    if kind == "Pods":
        source = metric.get("pods") or {}
        now = (current.get("pods") or {}).get("current") or {}
        shown = quantity(now["averageValue"]) if "averageValue" in now else UNKNOWN
        return (f"  \"{(source.get('metric') or {}).get('name', '')}\" on pods:\t{shown} / "
                f"{quantity((source.get('target') or {}).get('averageValue'))}")
    return f"  <unknown metric type \"{kind}\">"


def _behavior_lines(direction: str, rules: Mapping[str, Any] | None) -> list[str]:
    """printDirectionBehavior."""
    if rules is None:
        return []
    lines = [f"  {direction}:"]
    if rules.get("stabilizationWindowSeconds") is not None:
        lines.append(f"    Stabilization Window: {rules['stabilizationWindowSeconds']} seconds")
    if rules.get("policies"):
        lines.append(f"    Select Policy: {rules.get('selectPolicy', 'Max')}")
        lines.append("    Policies:")
        lines += [f"      - Type: {p.get('type')}\tValue: {p.get('value')}\tPeriod: {p.get('periodSeconds')} seconds"
                  for p in rules["policies"]]
    return lines


def describe_hpa(hpa: Mapping[str, Any], events: Sequence[Mapping[str, Any]], now: float) -> str:
    """``kubectl describe hpa NAME``."""
    meta, spec, status = hpa["metadata"], hpa.get("spec") or {}, hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    current_metrics = status.get("currentMetrics") or []
    lines = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}",
             *label_lines("Labels", meta.get("labels")), *annotation_lines("Annotations", meta.get("annotations")),
             f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}",
             f"Reference:\t{ref.get('kind', '')}/{ref.get('name', '')}", "Metrics:\t( current / target )"]
    lines += [_metric_line(m, current_metrics[i] if i < len(current_metrics) else {})
              for i, m in enumerate(spec.get("metrics") or [])]
    minimum = spec.get("minReplicas")
    lines += [f"Min replicas:\t{'<unset>' if minimum is None else minimum}", f"Max replicas:\t{spec.get('maxReplicas', 0)}"]
    behavior = spec.get("behavior")
    if behavior is not None:
        lines += ["Behavior:", *_behavior_lines("Scale Up", behavior.get("scaleUp")),
                  *_behavior_lines("Scale Down", behavior.get("scaleDown"))]
    lines.append(f"{ref.get('kind', '')} pods:\t{status.get('currentReplicas', 0)} current / "
                 f"{status.get('desiredReplicas', 0)} desired")
    conditions = status.get("conditions") or []
    if conditions:
        lines += ["Conditions:", "  Type\tStatus\tReason\tMessage", "  ----\t------\t------\t-------"]
        lines += [f"  {c.get('type')}\t{c.get('status')}\t{c.get('reason', '')}\t{c.get('message', '')}"
                  for c in conditions]
    return describe_text("\n".join(lines + event_lines(events, now)) + "\n")
