"""PodSpec validation as v1.31's pkg/apis/core/validation/validation.go words it.

Each test applies a Pod (or a Deployment's template) with one mistake and
checks the apiserver's field path and message, exactly.
"""

import copy

import pytest

from k8scourse.api.errors import ObjectInvalidError
from k8scourse.api.objects import load
from k8scourse.api.podvalidation.common import ip_errors
from k8scourse.api.podvalidation.volumes import volume_source_errors
from k8scourse.cluster import Cluster

ENV_NAME_ERROR = ("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or "
                  "'.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', "
                  "regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')")


def pod(spec: dict | None = None, **container: object) -> dict:
    """A valid pod whose one container gets ``container`` and whose spec gets ``spec``."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "nginx", **container}], **(spec or {})}}


def errors(manifest: dict) -> list[str]:
    """The field errors of the apiserver's 422 Invalid for ``manifest``; [] when it is valid."""
    try:
        load(copy.deepcopy(manifest))
    except ObjectInvalidError as err:
        return [str(e) for e in err.errors]
    return []


def test_valid_pod_with_every_area_passes():
    assert errors(pod(
        {"volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
                     {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "a", "path": "a.txt"}]}},
                     {"name": "info", "downwardAPI": {"items": [{"path": "labels",
                                                                 "fieldRef": {"fieldPath": "metadata.labels"}}]}}],
         "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
             {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}]}}},
         "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                        "labelSelector": {"matchLabels": {"app": "web"}}}],
         "schedulingGates": [{"name": "example.com/gate"}], "securityContext": {"runAsUser": 1000}},
        readinessProbe={"httpGet": {"port": 80}}, lifecycle={"preStop": {"httpGet": {"port": "http"}}},
        env=[{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        volumeMounts=[{"name": "data", "mountPath": "/data"}])) == []


# --- the issue's examples -------------------------------------------------------------------------

def test_container_without_a_name():
    manifest = pod()
    manifest["spec"]["containers"] = [{}]
    assert errors(manifest) == ["spec.containers[0].name: Required value",
                                "spec.containers[0].image: Required value"]


def test_empty_readiness_probe_has_no_handler():
    assert errors(pod(readinessProbe={})) == ["spec.containers[0].readinessProbe: Required value: "
                                              "must specify a handler type"]


def test_probe_with_two_handlers():
    assert errors(pod(livenessProbe={"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}})) == [
        "spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"]


def test_required_node_affinity_needs_a_term():
    assert errors(pod({"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}})) == [
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: "
        "Required value: must have at least one node selector term"]


def test_value_from_without_a_source():
    assert errors(pod(env=[{"name": "A", "valueFrom": {}}])) == [
        'spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, '
        "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"]


def test_volume_with_two_sources():
    assert errors(pod({"volumes": [{"name": "v", "emptyDir": {}, "hostPath": {"path": "/tmp"}}]})) == [
        "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"]


def test_negative_empty_dir_size_limit():
    assert errors(pod({"volumes": [{"name": "v", "emptyDir": {"sizeLimit": "-1Gi"}}]})) == [
        "spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity"]


def test_duplicate_scheduling_gates():
    assert errors(pod({"schedulingGates": [{"name": "a"}, {"name": "a"}]})) == [
        'spec.schedulingGates[1]: Duplicate value: "a"']


def test_topology_spread_max_skew_zero():
    assert errors(pod({"topologySpreadConstraints": [
        {"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]})) == [
        "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"]


# --- affinity -------------------------------------------------------------------------------------

def node_affinity(*expressions: dict, fields: tuple = ()) -> dict:
    term: dict = {"matchExpressions": list(expressions)}
    if fields:
        term["matchFields"] = list(fields)
    return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [term]}}}}


TERM = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"


@pytest.mark.parametrize("expression, message", [
    ({"key": "a", "operator": "In"}, "matchExpressions[0].values: Required value: "
                                     "must be specified when `operator` is 'In' or 'NotIn'"),
    ({"key": "a", "operator": "Exists", "values": ["x"]},
     "matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
    ({"key": "a", "operator": "Gt", "values": ["1", "2"]},
     "matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"),
    ({"key": "a", "operator": "Near", "values": ["x"]},
     'matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator'),
])
def test_node_selector_requirement_operators(expression, message):
    assert errors(pod(node_affinity(expression))) == [f"{TERM}.{message}"]


def test_node_selector_values_are_not_checked_in_v1_31():
    assert errors(pod(node_affinity({"key": "a", "operator": "Gt", "values": ["not-a-number"]}))) == []


def test_match_fields_select_only_the_node_name():
    assert errors(pod(node_affinity(fields=({"key": "metadata.labels", "operator": "In", "values": ["n"]},)))) == [
        f'{TERM}.matchFields[0].key: Invalid value: "metadata.labels": not a valid field selector key']
    assert errors(pod(node_affinity(fields=({"key": "metadata.name", "operator": "In", "values": ["a", "b"]},)))) == [
        f"{TERM}.matchFields[0].values: Required value: must be only one value when `operator` is 'In' or "
        "'NotIn' for node field selector"]


def test_preferred_weights():
    spec = {"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 0, "preference": {}}]},
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 101, "podAffinityTerm": {"topologyKey": "zone"}}]}}}
    assert errors(pod(spec)) == [
        "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: "
        "Invalid value: 0: must be in the range 1-100",
        "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: "
        "Invalid value: 101: must be in the range 1-100"]


def test_pod_affinity_term_rules():
    term = {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In"}]},
            "namespaces": ["Bad_NS"]}
    message = errors(pod({"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}}))
    at = "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"
    assert message[0] == (f"{at}.labelSelector.matchExpressions[0].values: Required value: "
                          "must be specified when `operator` is 'In' or 'NotIn'")
    assert message[1].startswith(f'{at}.namespace: Invalid value: "Bad_NS": a lowercase RFC 1123 label')
    assert message[2] == f"{at}.topologyKey: Required value: can not be empty"
    assert message[3].startswith(f'{at}.topologyKey: Invalid value: "": name part must be non-empty')


# --- probes and hooks -----------------------------------------------------------------------------

def test_probe_timings_and_thresholds():
    assert errors(pod(livenessProbe={"exec": {"command": ["true"]}, "periodSeconds": -1,
                                     "successThreshold": 2})) == [
        "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]
    assert errors(pod(readinessProbe={"exec": {"command": ["true"]}, "successThreshold": 3})) == []
    assert errors(pod(readinessProbe={"exec": {"command": ["true"]}, "terminationGracePeriodSeconds": 5})) == [
        "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: "
        "must not be set for readinessProbes"]


def test_probe_handler_rules():
    assert errors(pod(startupProbe={"httpGet": {"port": 0, "scheme": "FTP"}})) == [
        "spec.containers[0].startupProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
        'spec.containers[0].startupProbe.httpGet.scheme: Unsupported value: "FTP": supported values: '
        '"HTTP", "HTTPS"']
    assert errors(pod(livenessProbe={"tcpSocket": {"port": "HTTP"}})) == [
        'spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: "HTTP": '
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        'spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: "HTTP": '
        "must contain at least one letter (a-z)"]
    assert errors(pod(livenessProbe={"exec": {}})) == [
        "spec.containers[0].livenessProbe.exec.command: Required value"]


def test_lifecycle_hooks():
    assert errors(pod(lifecycle={"postStart": {}})) == [
        "spec.containers[0].lifecycle.postStart: Required value: must specify a handler type"]
    assert errors(pod(lifecycle={"preStop": {"sleep": {"seconds": 60}}})) == [
        "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 60: must be greater than 0 and less than "
        "terminationGracePeriodSeconds (30)"]


# --- security contexts ----------------------------------------------------------------------------

def test_security_contexts():
    assert errors(pod({"securityContext": {"runAsUser": -1, "seccompProfile": {"type": "Strict"}}},
                      securityContext={"runAsGroup": 2**31, "appArmorProfile": {"type": "Localhost"}})) == [
        "spec.containers[0].securityContext.runAsGroup: Invalid value: 2147483648: "
        "must be between 0 and 2147483647, inclusive",
        "spec.containers[0].securityContext.appArmorProfile.localhostProfile: Required value: "
        "must be set when AppArmor type is Localhost",
        "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        'spec.securityContext.seccompProfile.type: Unsupported value: "Strict": supported values: '
        '"Localhost", "RuntimeDefault", "Unconfined"']


def test_privileged_without_privilege_escalation():
    [message] = errors(pod(securityContext={"privileged": True, "allowPrivilegeEscalation": False}))
    assert message.startswith("spec.containers[0].securityContext: Invalid value: core.SecurityContext{")
    assert message.endswith(": cannot set `allowPrivilegeEscalation` to false and `privileged` to true")


def test_os_name():
    assert errors(pod({"os": {"name": "plan9"}})) == [
        'spec.os: Unsupported value: "plan9": supported values: "linux", "windows"']
    assert errors(pod({"os": {"name": "windows"}}, securityContext={"privileged": True})) == [
        "spec.containers[0].securityContext.privileged: Forbidden: cannot be set for a windows pod"]


# --- env and envFrom ------------------------------------------------------------------------------

def test_env_names_follow_v1_31s_strict_rule():
    assert errors(pod(env=[{"name": "1ST VAR", "value": "x"}])) == [
        f'spec.containers[0].env[0].name: Invalid value: "1ST VAR": {ENV_NAME_ERROR}']


def test_value_from_sources():
    at = "spec.containers[0].env[0].valueFrom"
    assert errors(pod(env=[{"name": "A", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}])) \
        == [f'{at}: Invalid value: "": may not be specified when `value` is not empty']
    assert errors(pod(env=[{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.phase"}}}])) == [
        f'{at}.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", '
        '"metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", '
        '"status.hostIPs", "status.podIP", "status.podIPs"']
    assert errors(pod(env=[{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "spec.foo"}}}])) == [
        f'{at}.fieldRef.fieldPath: Invalid value: "spec.foo": error converting fieldPath: '
        "field label not supported: spec.foo"]
    assert errors(pod(env=[{"name": "A", "valueFrom": {"fieldRef": {"apiVersion": "v2",
                                                                     "fieldPath": "metadata.name"}}}])) == [
        f'{at}.fieldRef.fieldPath: Invalid value: "metadata.name": error converting fieldPath: '
        "unsupported pod version: v2"]
    assert errors(pod(env=[{"name": "A", "valueFrom": {"resourceFieldRef": {"resource": "limits.gpu"}}}])) == [
        f'{at}.resourceFieldRef.resource: Unsupported value: "limits.gpu": supported values: "limits.cpu", '
        '"limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", '
        '"requests.memory"']
    assert errors(pod(env=[{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": ""},
                                                       "secretKeyRef": {"name": "s", "key": "a b"}}}])) == [
        f"{at}.configMapKeyRef.key: Required value",
        f'{at}.secretKeyRef.key: Invalid value: "a b": a valid config key must consist of alphanumeric '
        "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
        "validation is '[-._a-zA-Z0-9]+')",
        f'{at}: Invalid value: "": may not have more than one field specified at a time']


def test_env_from():
    assert errors(pod(envFrom=[{"prefix": "P_"}])) == [
        'spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`']
    assert errors(pod(envFrom=[{"configMapRef": {}}])) == ["spec.containers[0].envFrom[0].configMapRef.name: "
                                                           "Required value"]


# --- volumes and mounts ---------------------------------------------------------------------------

def test_volume_without_a_source():
    assert [str(e) for e in volume_source_errors({"name": "v"}, "spec.volumes[0]")] == [
        "spec.volumes[0]: Required value: must specify a volume type"]


def test_volume_sources_are_checked_in_go_struct_order():
    assert errors(pod({"volumes": [{"name": "v", "configMap": {"name": "c"}, "downwardAPI": {}}]})) == [
        "spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type"]


@pytest.mark.parametrize("source, message", [
    ({"configMap": {"items": [{"key": "a", "path": "../x"}]}},
     ["spec.volumes[0].configMap.name: Required value",
      'spec.volumes[0].configMap.items[0].path: Invalid value: "../x": must not contain \'..\'']),
    ({"secret": {"secretName": "s", "defaultMode": 1000}},
     ["spec.volumes[0].secret.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), "
      "both inclusive"]),
    ({"persistentVolumeClaim": {}}, ["spec.volumes[0].persistentVolumeClaim.claimName: Required value"]),
    ({"hostPath": {"path": "/x", "type": "Dir"}},
     ['spec.volumes[0].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", '
      '"CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"']),
    ({"hostPath": {}}, ["spec.volumes[0].hostPath.path: Required value"]),
    ({"projected": {"sources": [{}, {"configMap": {"name": "c"}, "secret": {"name": "s"}}]}},
     ["spec.volumes[0].projected.sources[1]: Forbidden: may not specify more than 1 volume type per source"]),
    ({"downwardAPI": {"items": [{"path": "x"}]}},
     ["spec.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required"]),
])
def test_volume_source_rules(source, message):
    assert errors(pod({"volumes": [{"name": "v", **source}]})) == message


def test_volume_mounts_name_an_existing_volume():
    assert errors(pod(volumeMounts=[{"name": "missing", "mountPath": "/m"}, {"name": "", "mountPath": "/m"}])) == [
        'spec.containers[0].volumeMounts[0].name: Not found: "missing"',
        "spec.containers[0].volumeMounts[1].name: Required value",
        'spec.containers[0].volumeMounts[1].name: Not found: ""',
        'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/m": must be unique']


# --- the rest of the spec -------------------------------------------------------------------------

def test_topology_spread_rules():
    constraint = {"maxSkew": 1, "topologyKey": "", "whenUnsatisfiable": "Sometimes", "minDomains": 0,
                  "nodeAffinityPolicy": "Maybe", "matchLabelKeys": ["app"]}
    at = "spec.topologySpreadConstraints[0]"
    assert errors(pod({"topologySpreadConstraints": [constraint]})) == [
        f"{at}.topologyKey: Required value: can not be empty",
        f'{at}.whenUnsatisfiable: Unsupported value: "Sometimes": supported values: "DoNotSchedule", '
        '"ScheduleAnyway"',
        f"{at}.minDomains: Invalid value: 0: must be greater than zero",
        f"{at}.minDomains: Invalid value: 0: can only use minDomains if whenUnsatisfiable=DoNotSchedule, "
        "not Sometimes",
        f'{at}.nodeAffinityPolicy: Unsupported value: "Maybe": supported values: "Honor", "Ignore"',
        f"{at}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set"]
    same = {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}
    assert errors(pod({"topologySpreadConstraints": [same, same]})) == [
        'spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: '
        '"{zone, DoNotSchedule}"']


def test_gates_dns_aliases_and_tolerations():
    assert errors(pod({"readinessGates": [{"conditionType": "a/b/c"}]}))[0].startswith(
        'spec.readinessGates[0].conditionType: Invalid value: "a/b/c": a qualified name must consist of')
    assert errors(pod({"schedulingGates": [{"name": ""}]}))[0] == \
        'spec.schedulingGates[0]: Invalid value: "": name part must be non-empty'
    assert errors(pod({"dnsPolicy": "None"})) == [
        "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"]
    assert errors(pod({"dnsConfig": {"nameservers": ["1.2.3"], "options": [{}]}})) == [
        'spec.dnsConfig.nameservers[0]: Invalid value: "1.2.3": must be a valid IP address, '
        "(e.g. 10.9.8.7 or 2001:db8::ffff)",
        "spec.dnsConfig.options[0]: Required value: must not be empty"]
    assert errors(pod({"hostAliases": [{"ip": "10.0.0.1", "hostnames": ["Web"]}]}))[0].startswith(
        'spec.hostAliases[0].hostnames[0]: Invalid value: "Web": a lowercase RFC 1123 subdomain')
    assert errors(pod({"tolerations": [{"key": "k", "operator": "Maybe"}]})) == [
        'spec.tolerations[0].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"']
    assert errors(pod({"preemptionPolicy": "Always"})) == [
        'spec.preemptionPolicy: Unsupported value: "Always": supported values: "PreemptLowerPriority", "Never"']


def test_overhead_quantities():
    assert errors(pod({"overhead": {"cpu": "-1"}})) == [
        'spec.overhead.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0']


def test_ip_accepts_leading_zeros_like_parse_ip_sloppy():
    assert ip_errors("010.000.000.001", "ip") == []


def test_init_containers():
    spec = {"initContainers": [{"name": "c", "image": "busybox", "restartPolicy": "OnFailure",
                                "readinessProbe": {}}]}
    assert errors(pod(spec)) == [
        'spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
        'spec.initContainers[0].name: Duplicate value: "c"',
        "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without "
        "restartPolicy=Always"]
    sidecar = {"initContainers": [{"name": "s", "image": "busybox", "restartPolicy": "Always",
                                   "readinessProbe": {}}]}
    assert errors(pod(sidecar)) == ["spec.initContainers[0].readinessProbe: Required value: "
                                    "must specify a handler type"]


def test_host_network_ports_of_pods_and_templates():
    spec = {"hostNetwork": True}
    assert errors(pod(spec, ports=[{"containerPort": 80, "hostPort": 81}])) == [
        "spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when "
        "`hostNetwork` is true"]


def test_pod_create_only_rules():
    assert errors(pod({"nodeName": "node-1", "schedulingGates": [{"name": "g"}]})) == [
        "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"]
    token = {"name": "t", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
    assert errors(pod({"volumes": [token]})) == [
        "spec.volumes[0].projected.sources[0].serviceAccountToken: Forbidden: "
        "must not be specified when serviceAccountName is not set"]
    assert errors(pod({"volumes": [token], "serviceAccountName": "default"})) == []


def test_templates_get_the_same_rules():
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                  "spec": {"selector": {"matchLabels": {"app": "d"}},
                           "template": {"metadata": {"labels": {"app": "d"}},
                                        "spec": {"containers": [{"name": "c", "image": "nginx",
                                                                 "readinessProbe": {}}]}}}}
    assert errors(deployment) == ["spec.template.spec.containers[0].readinessProbe: Required value: "
                                  "must specify a handler type"]


def test_the_apiserver_refuses_and_kubectl_prints_it():
    cluster = Cluster.quickstart(nodes=1, seed=0)
    out = cluster.kubectl("apply -f -", stdin="""
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: nginx, readinessProbe: {}}]
""")
    assert out == ('The Pod "p" is invalid: spec.containers[0].readinessProbe: Required value: '
                   "must specify a handler type\n")


def test_empty_dir_size_limit_is_stored_in_canonical_form():
    manifest = pod({"volumes": [{"name": "v", "emptyDir": {"sizeLimit": 10**30}},
                                {"name": "w", "emptyDir": {"sizeLimit": "1024Mi"}}]})
    volumes = load(manifest).spec["volumes"]
    assert [v["emptyDir"]["sizeLimit"] for v in volumes] == ["1e30", "1Gi"]


def test_capability_sys_admin_without_privilege_escalation():
    [message] = errors(pod(securityContext={"allowPrivilegeEscalation": False,
                                            "capabilities": {"add": ["CAP_SYS_ADMIN"]}}))
    assert message.endswith(": cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN")


def test_sysctls_and_host_namespaces():
    assert errors(pod({"hostNetwork": True, "securityContext": {"sysctls": [{"name": "net.core.somaxconn"},
                                                                            {"name": "Bad!"}]}})) == [
        'spec.securityContext.sysctls[0].name: Invalid value: "net.core.somaxconn": '
        "may not be specified when 'hostNetwork' is true",
        'spec.securityContext.sysctls[1].name: Invalid value: "Bad!": must have at most 253 characters and match '
        "regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"]


def test_mount_sub_path_and_propagation():
    spec = {"volumes": [{"name": "v", "emptyDir": {}}]}
    assert errors(pod(spec, volumeMounts=[{"name": "v", "mountPath": "/m", "subPath": "../up",
                                           "mountPropagation": "Bidirectional"}])) == [
        'spec.containers[0].volumeMounts.subPath: Invalid value: "../up": must not contain \'..\'',
        "spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is "
        "available only to privileged containers"]


def test_priority_class_and_runtime_class_names():
    assert errors(pod({"priorityClassName": "High"}))[0].startswith(
        'spec.priorityClassName: Invalid value: "High": a lowercase RFC 1123 subdomain')
    assert errors(pod({"runtimeClassName": "Kata"}))[0].startswith(
        'spec.runtimeClassName: Invalid value: "Kata": a lowercase RFC 1123 subdomain')


def test_ephemeral_containers_are_refused_on_create_and_in_templates():
    ephemeral = {"ephemeralContainers": [{"name": "debug", "image": "busybox"}]}
    assert errors(pod(ephemeral)) == ["spec.ephemeralContainers: Forbidden: cannot be set on create"]
    replica_set = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "r"},
                   "spec": {"selector": {"matchLabels": {"app": "r"}},
                            "template": {"metadata": {"labels": {"app": "r"}},
                                         "spec": {"containers": [{"name": "c", "image": "nginx"}], **ephemeral}}}}
    assert errors(replica_set) == ["spec.template.spec.ephemeralContainers: Forbidden: "
                                   "ephemeral containers not allowed in pod template"]


def test_init_and_app_containers_share_host_ports_only_within_their_kind():
    port = {"containerPort": 80, "hostPort": 8080}
    spec = {"initContainers": [{"name": "i", "image": "busybox", "ports": [port, port]}]}
    assert errors(pod(spec, ports=[port])) == [
        'spec.initContainers[0].ports[1].hostPort: Duplicate value: "TCP//8080"']


def test_pod_affinity_match_label_keys():
    at = "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"
    term = {"topologyKey": "zone", "matchLabelKeys": ["app"], "mismatchLabelKeys": ["app"],
            "labelSelector": {"matchLabels": {"app": "web"},
                              "matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}}
    assert errors(pod({"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}})) == [
        f'{at}[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector',
        f'{at}.matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and mismatchLabelKeys']
    del term["labelSelector"]
    assert errors(pod({"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}})) == [
        f"{at}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set",
        f"{at}.mismatchLabelKeys: Forbidden: must not be specified when labelSelector is not set",
        f'{at}.matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and mismatchLabelKeys']


def test_windows_host_process_containers():
    spec = {"securityContext": {"windowsOptions": {"hostProcess": True}}}
    manifest = pod(spec)
    manifest["spec"]["containers"].append({"name": "d", "image": "nginx",
                                           "securityContext": {"windowsOptions": {"hostProcess": False}}})
    assert errors(manifest) == [
        "spec.containers[1].securityContext.windowsOptions.hostProcess: Invalid value: false: "
        "pod hostProcess value must be identical if both are specified, was true",
        'spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be '
        "HostProcess containers",
        "spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers"]
    assert errors(pod({**spec, "hostNetwork": True})) == []


def test_generated_token_volume_name_does_not_hide_errors_behind_the_cache():
    """Specs that differ only in the kube-api-access-xxxxx name share a cache entry when valid;
    an invalid one is still refused, naming its own volume."""
    def with_token_volume(name: str, mount: str) -> dict:
        return pod({"volumes": [{"name": name, "emptyDir": {}}]},
                   volumeMounts=[{"name": mount, "mountPath": "/var/run/secrets"}])

    assert errors(with_token_volume("kube-api-access-b2c4d", "kube-api-access-b2c4d")) == []
    assert errors(with_token_volume("kube-api-access-zz99q", "kube-api-access-zz99q")) == []
    assert errors(with_token_volume("kube-api-access-b2c4d", "kube-api-access-zz99q")) == [
        'spec.containers[0].volumeMounts[0].name: Not found: "kube-api-access-zz99q"']
    assert errors({**with_token_volume("kube-api-access-b2c4d", "kube-api-access-b2c4d"),
                   "metadata": {"name": "p"}, "spec": {
                       **with_token_volume("kube-api-access-b2c4d", "kube-api-access-b2c4d")["spec"],
                       "volumes": [{"name": "kube-api-access-b2c4d", "emptyDir": {}},
                                   {"name": "kube-api-access-b2c4d", "emptyDir": {}}]}}) == [
        'spec.volumes[1].name: Duplicate value: "kube-api-access-b2c4d"']
