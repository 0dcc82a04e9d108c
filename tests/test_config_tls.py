"""TLS material: the certificates chain to their CA and name what the files use."""

from __future__ import annotations

import ipaddress

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from k8scourse.config import ClusterSpec, lint
from k8scourse.config.etcd import EtcdConfig, etcd_startup_errors
from k8scourse.config.tls import cluster_pki


@pytest.fixture(scope="module")
def secure():
    spec = ClusterSpec.seed_lab().secured()
    return spec, spec.render_all(), cluster_pki(spec)


def load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def test_every_file_a_config_names_exists(secure):
    spec, tree, pki = secure
    for machine, files in tree.items():
        text = "".join(files.values())
        for path in pki[machine]:
            assert path in text or path.endswith((".key", "sa.pub")) or "/etcd/" in path, (machine, path)
        conf = files.get("/etc/etcd/etcd.conf")
        if conf:
            config = EtcdConfig.parse(conf)
            for key in ("ETCD_CERT_FILE", "ETCD_KEY_FILE", "ETCD_TRUSTED_CA_FILE", "ETCD_PEER_CERT_FILE"):
                assert config.get(key) in pki[machine]


def test_certificates_chain_to_their_ca_and_name_the_address(secure):
    spec, _, pki = secure
    master = pki["master"]
    etcd_ca, kube_ca = load(master["/etc/etcd/pki/ca.crt"]), load(master["/etc/kubernetes/pki/ca.crt"])
    server = load(master["/etc/etcd/pki/server.crt"])
    server.verify_directly_issued_by(etcd_ca)
    ips = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.IPAddress)
    assert ipaddress.ip_address("192.168.197.130") in ips and ipaddress.ip_address("127.0.0.1") in ips
    apiserver = load(master["/etc/kubernetes/pki/apiserver.crt"])
    apiserver.verify_directly_issued_by(kube_ca)
    names = apiserver.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "kubernetes.default.svc" in names.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("192.254.0.1") in names.get_values_for_type(x509.IPAddress)
    kubelet = load(pki["node1"]["/etc/kubernetes/pki/kubelet.crt"])
    assert kubelet.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:192.168.197.131"
    assert kubelet.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:nodes"
    client = load(master["/etc/kubernetes/pki/apiserver-etcd-client.crt"])
    client.verify_directly_issued_by(etcd_ca)
    assert list(client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH]


def test_secured_seed_lab_starts_and_lints_clean(secure):
    spec, tree, _ = secure
    assert all(etcd_startup_errors(f["/etc/etcd/etcd.conf"]) == [] for f in tree.values())
    assert EtcdConfig.parse(tree["master"]["/etc/etcd/etcd.conf"]).get("ETCD_CLIENT_CERT_AUTH") == "true"
    findings = lint(tree)
    assert not [f for f in findings if f.severity == "error"]
    assert not [f for f in findings if f.code in ("insecure-etcd", "insecure-port", "anonymous-kubelet")]
    assert ClusterSpec.from_files(tree) == spec
