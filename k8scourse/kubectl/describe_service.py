"""``kubectl describe service``: the Service, and where its traffic goes now
(``describeService`` and ``formatEndpointSlices`` in describe.go, kubectl v0.31).

The ``Endpoints:`` line of each port lists the ready addresses of the Service's
EndpointSlices (kubectl reads slices, not Endpoints, since v1.29), at most three
and then ``+ N more...``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .describe import annotation_lines, event_lines, label_lines
from .printers import format_labels
from .tabwriter import describe_text

MAX_SHOWN = 3  # formatEndpointSlices' max


def format_endpoint_slices(slices: Sequence[Mapping[str, Any]], port_name: str | None) -> str:
    """formatEndpointSlices: ``IP:port`` of the ready endpoints for the port named ``port_name``
    (None: every port), three at most. Its quirk is kept: the list counts as full once it has
    three entries, even if no further endpoint turns out to be ready."""
    if not slices:
        return "<none>"
    shown: list[str] = []
    more, count = False, 0
    for slice_ in slices:
        ports = slice_.get("ports") or []
        targets = [None] if not ports else [p for p in ports if port_name is None or p.get("name", "") == port_name]
        for port in targets:
            for endpoint in slice_.get("endpoints") or ():
                if len(shown) == MAX_SHOWN:
                    more = True
                if not (endpoint.get("conditions") or {}).get("ready", True):  # unset means ready
                    continue
                if not more:
                    address = endpoint["addresses"][0]
                    shown.append(address if port is None else f"{address}:{port['port']}")
                count += 1
    text = ",".join(shown)
    return f"{text} + {count - MAX_SHOWN} more..." if more else text


def describe_service(service: Mapping[str, Any], slices: Sequence[Mapping[str, Any]],
                     events: Sequence[Mapping[str, Any]], now: float) -> str:
    """``kubectl describe svc NAME``."""
    meta, spec = service["metadata"], service.get("spec") or {}
    lines = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}",
             *label_lines("Labels", meta.get("labels")), *annotation_lines("Annotations", meta.get("annotations")),
             f"Selector:\t{format_labels(spec.get('selector'))}",
             f"Type:\t{spec.get('type', '')}"]
    if spec.get("ipFamilyPolicy"):
        lines.append(f"IP Family Policy:\t{spec['ipFamilyPolicy']}")
    lines.append(f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}")
    lines.append(f"IP:\t{spec.get('clusterIP', '')}")
    lines.append(f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}")
    if spec.get("externalIPs"):
        lines.append(f"External IPs:\t{','.join(spec['externalIPs'])}")
    if spec.get("externalName"):
        lines.append(f"External Name:\t{spec['externalName']}")
    for port in spec.get("ports") or ():
        name = port.get("name") or "<unset>"
        protocol = port.get("protocol", "TCP")
        lines.append(f"Port:\t{name}\t{port.get('port')}/{protocol}")
        lines.append(f"TargetPort:\t{port.get('targetPort')}/{protocol}")
        if port.get("appProtocol"):
            lines.append(f"AppProtocol:\t{port['appProtocol']}")
        if port.get("nodePort"):
            lines.append(f"NodePort:\t{name}\t{port['nodePort']}/{protocol}")
        lines.append(f"Endpoints:\t{format_endpoint_slices(slices, port.get('name', ''))}")
    lines.append(f"Session Affinity:\t{spec.get('sessionAffinity', '')}")
    if spec.get("externalTrafficPolicy"):
        lines.append(f"External Traffic Policy:\t{spec['externalTrafficPolicy']}")
    if spec.get("internalTrafficPolicy"):
        lines.append(f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}")
    if spec.get("healthCheckNodePort"):
        lines.append(f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}")
    if spec.get("trafficDistribution"):
        lines.append(f"Traffic Distribution:\t{spec['trafficDistribution']}")
    lines += event_lines(events, now)
    return describe_text("\n".join(lines) + "\n")
