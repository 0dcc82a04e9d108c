"""Today's equivalents of the notes' files (Kubernetes v1.31).

The kubelet takes most settings from a ``KubeletConfiguration`` file
(kubelet.config.k8s.io/v1beta1) and finds the apiserver through a kubeconfig
(``--api-servers`` is gone since v1.8); the apiserver serves only TLS
(``--secure-port``, 6443) and authenticates every client. These functions
write those files as YAML.
"""

from __future__ import annotations

import yaml

# libyaml's C parser when the machine has it: ten times faster on a 100-machine tree.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(doc: dict) -> str:
    return yaml.dump(doc, Dumper=SafeDumper, sort_keys=False)
PKI = "/etc/kubernetes/pki"
KUBELET_CONFIG = "/var/lib/kubelet/config.yaml"


def kubeconfig(server: str, user: str, ca_file: str | None = None, cert_file: str | None = None,
               key_file: str | None = None) -> str:
    """A kubeconfig (clientcmd/api/v1 ``Config``) naming one cluster, one user, one context."""
    cluster: dict[str, object] = {"server": server}
    if ca_file:
        cluster["certificate-authority"] = ca_file
    credentials: dict[str, object] = {}
    if cert_file:
        credentials = {"client-certificate": cert_file, "client-key": key_file}
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "k8scourse", "cluster": cluster}],
        "users": [{"name": user, "user": credentials}],
        "contexts": [{"name": "default", "context": {"cluster": "k8scourse", "user": user}}],
        "current-context": "default",
    }
    return _dump(doc)


def kubeconfig_server(text: str) -> str | None:
    """The server URL of a kubeconfig's current context, or None if it has none."""
    doc = yaml.load(text, Loader=SafeLoader) or {}

    def entries(key: str) -> list[dict]:
        items = doc.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValueError(f"{key}: expected a list of mappings")
        return items

    if not isinstance(doc, dict):
        raise ValueError("a kubeconfig is a YAML mapping")
    contexts = {c.get("name"): c.get("context") or {} for c in entries("contexts")}
    context = contexts.get(doc.get("current-context")) or {}
    for cluster in entries("clusters"):
        if isinstance(context, dict) and cluster.get("name") == context.get("cluster"):
            server = (cluster.get("cluster") or {}).get("server")
            return server if isinstance(server, str) else None
    return None


def kubelet_configuration(address: str, port: int = 10250, cluster_dns: str | None = None,
                          anonymous: bool = False) -> str:
    """A KubeletConfiguration with the notes' settings, secured as v1.31 expects.

    Defaults (pkg/kubelet/apis/config/v1beta1/defaults.go) are left out;
    authentication is x509 + webhook with anonymous requests refused,
    authorization is Webhook (the defaults are anonymous on and AlwaysAllow).
    """
    doc: dict[str, object] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": address,
        "port": port,
        "authentication": {
            "anonymous": {"enabled": anonymous},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": f"{PKI}/ca.crt"},
        },
        "authorization": {"mode": "Webhook"},
        "tlsCertFile": f"{PKI}/kubelet.crt",
        "tlsPrivateKeyFile": f"{PKI}/kubelet.key",
    }
    if cluster_dns:
        doc["clusterDNS"] = [cluster_dns]
        doc["clusterDomain"] = "cluster.local"
    return _dump(doc)


def apiserver_flags(bind_address: str, secure_port: int, etcd_servers: list[str], service_cidr: str,
                    admission_plugins: list[str], etcd_tls: bool) -> list[str]:
    """kube-apiserver v1.31 flags for the notes' apiserver file, TLS everywhere."""
    flags = [
        f"--bind-address={bind_address}",
        f"--secure-port={secure_port}",
        f"--etcd-servers={','.join(etcd_servers)}",
        f"--service-cluster-ip-range={service_cidr}",
        f"--enable-admission-plugins={','.join(admission_plugins)}",
        "--authorization-mode=Node,RBAC",
        f"--client-ca-file={PKI}/ca.crt",
        f"--tls-cert-file={PKI}/apiserver.crt",
        f"--tls-private-key-file={PKI}/apiserver.key",
        f"--kubelet-client-certificate={PKI}/apiserver-kubelet-client.crt",
        f"--kubelet-client-key={PKI}/apiserver-kubelet-client.key",
        f"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={PKI}/sa.pub",
        f"--service-account-signing-key-file={PKI}/sa.key",
    ]
    if etcd_tls:
        flags += [f"--etcd-cafile={PKI}/etcd/ca.crt", f"--etcd-certfile={PKI}/apiserver-etcd-client.crt",
                  f"--etcd-keyfile={PKI}/apiserver-etcd-client.key"]
    return flags
