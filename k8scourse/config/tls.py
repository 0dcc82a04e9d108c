"""TLS material for a ClusterSpec: two CAs and the certificates the files name.

etcd has its own CA (/etc/etcd/pki/ca.crt): each member gets a server
certificate for clients and a peer certificate for the other members, both
valid for its address; the apiserver gets a client certificate for etcd.
Kubernetes has another CA (/etc/kubernetes/pki/ca.crt): the apiserver's
serving certificate (its address, the first service IP and the
``kubernetes.default`` names), client certificates for the components
(named as RBAC expects: ``system:kube-scheduler``, ``system:node:<name>``
in ``system:nodes``), and the service-account signing key pair. This is what
kubeadm's ``certs`` phase makes. Keys are ECDSA P-256: fast to make, and
accepted by etcd and every Kubernetes component.

``cluster_pki(spec)`` returns {machine: {path: PEM text}}, to write beside
``spec.render_all()``.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .modern import PKI
from .spec import ClusterSpec, Machine

ETCD_PKI = "/etc/etcd/pki"
VALIDITY = datetime.timedelta(days=365)  # kubeadm's certificates last a year; its CAs ten
CA_VALIDITY = datetime.timedelta(days=3650)
# A fixed start keeps certificates made on different days comparable in tests and notebooks.
NOT_BEFORE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

SERVER = (ExtendedKeyUsageOID.SERVER_AUTH,)
CLIENT = (ExtendedKeyUsageOID.CLIENT_AUTH,)
BOTH = SERVER + CLIENT


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _pem_cert(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


@dataclass
class CertificateAuthority:
    """A CA's key and self-signed certificate; ``issue`` signs leaf certificates."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls, common_name: str) -> CertificateAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(common_name)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(NOT_BEFORE).not_valid_after(NOT_BEFORE + CA_VALIDITY)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False,
                                             encipher_only=False, decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        return cls(key, cert)

    def issue(self, common_name: str, usages: tuple, addresses: tuple[str, ...] = (), names: tuple[str, ...] = (),
              organization: str | None = None, not_before: datetime.datetime = NOT_BEFORE) -> tuple[str, str]:
        """(certificate PEM, key PEM) for ``common_name``, valid for the given IPs and DNS names,
        for a year from ``not_before`` (a certificate real clients check must start near today)."""
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(_name(common_name, organization))
                   .issuer_name(self.cert.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(not_before).not_valid_after(not_before + VALIDITY)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False))
        alternatives = [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
        alternatives += [x509.DNSName(n) for n in names]
        if alternatives:
            builder = builder.add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        return _pem_cert(builder.sign(self.key, hashes.SHA256())), _pem_key(key)

    @property
    def cert_pem(self) -> str:
        return _pem_cert(self.cert)


def _pair(files: dict[str, str], stem: str, pair: tuple[str, str]) -> None:
    files[f"{stem}.crt"], files[f"{stem}.key"] = pair


def cluster_pki(spec: ClusterSpec) -> dict[str, dict[str, str]]:
    """Every certificate and key the spec's files name, per machine: {machine: {path: PEM}}."""
    etcd_ca = CertificateAuthority.create("etcd-ca")
    kube_ca = CertificateAuthority.create("kubernetes")
    service_ip = str(next(ipaddress.ip_network(spec.service_cidr).hosts()))
    sa_key = ec.generate_private_key(ec.SECP256R1())
    sa_pub = sa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    tree: dict[str, dict[str, str]] = {}
    for machine in spec.machines:
        files: dict[str, str] = {}
        if "etcd" in machine.roles:
            files[f"{ETCD_PKI}/ca.crt"] = etcd_ca.cert_pem
            local = (machine.address, "127.0.0.1")
            _pair(files, f"{ETCD_PKI}/server", etcd_ca.issue(machine.etcd_name, BOTH, local, ("localhost",)))
            _pair(files, f"{ETCD_PKI}/peer", etcd_ca.issue(machine.etcd_name, BOTH, (machine.address,)))
        if {"master", "node"} & set(machine.roles):
            files[f"{PKI}/ca.crt"] = kube_ca.cert_pem
        if "master" in machine.roles:
            files.update(_master_pki(spec, machine, kube_ca, etcd_ca, service_ip))
            files[f"{PKI}/sa.key"], files[f"{PKI}/sa.pub"] = _pem_key(sa_key), sa_pub
        if "node" in machine.roles:
            _pair(files, f"{PKI}/kubelet", kube_ca.issue(f"system:node:{machine.address}", BOTH,
                                                          (machine.address,), organization="system:nodes"))
            _pair(files, f"{PKI}/kube-proxy", kube_ca.issue("system:kube-proxy", CLIENT))
        tree[machine.name] = files
    return tree


def _master_pki(spec: ClusterSpec, machine: Machine, kube_ca: CertificateAuthority,
                etcd_ca: CertificateAuthority, service_ip: str) -> dict[str, str]:
    files: dict[str, str] = {}
    names = ("kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local")
    bind = spec.apiserver_bind_address or machine.address
    _pair(files, f"{PKI}/apiserver", kube_ca.issue("kube-apiserver", SERVER,
                                                    tuple(dict.fromkeys((machine.address, bind, service_ip))), names))
    _pair(files, f"{PKI}/apiserver-kubelet-client",
          kube_ca.issue("kube-apiserver-kubelet-client", CLIENT, organization="system:masters"))
    _pair(files, f"{PKI}/kube-controller-manager", kube_ca.issue("system:kube-controller-manager", CLIENT))
    _pair(files, f"{PKI}/kube-scheduler", kube_ca.issue("system:kube-scheduler", CLIENT))
    files[f"{PKI}/etcd/ca.crt"] = etcd_ca.cert_pem
    _pair(files, f"{PKI}/apiserver-etcd-client", etcd_ca.issue("kube-apiserver-etcd-client", CLIENT))
    return files
