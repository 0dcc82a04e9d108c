"""HTTPS for a served cluster: a CA, the server's certificate and an admin's client certificate.

``cluster.serve(tls=True)`` makes what kubeadm's ``certs`` and ``kubeconfig``
phases make for a one-machine cluster, with the course's own CA code
(``k8scourse.config.tls``): a ``kubernetes`` CA, a serving certificate for
127.0.0.1 and ``localhost``, and a client certificate for ``kubernetes-admin`` in
the ``system:masters`` group (kubeadm's admin.conf). The server asks every
client for a certificate signed by that CA and refuses a connection without one,
as kube-apiserver with ``--client-ca-file`` refuses to authenticate it.

Certificates are checked by real clients against the real date, so these start
an hour before now (not at the course's fixed 2024 start).
"""

from __future__ import annotations

import base64
import datetime
import ssl
from dataclasses import dataclass
from pathlib import Path

from k8scourse.config.tls import CLIENT, SERVER, CertificateAuthority

#: How far back the certificates start, so a client whose clock is a little behind accepts them.
CLOCK_SKEW = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Credentials:
    """PEM texts: the CA's certificate, the server's pair and the admin's pair."""

    ca: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str

    @classmethod
    def create(cls) -> "Credentials":
        ca = CertificateAuthority.create("kubernetes")
        start = datetime.datetime.now(datetime.timezone.utc) - CLOCK_SKEW  # real clients check the real date
        server = ca.issue("kube-apiserver", SERVER, ("127.0.0.1",), ("localhost",), not_before=start)
        client = ca.issue("kubernetes-admin", CLIENT, organization="system:masters", not_before=start)
        return cls(ca.cert_pem, *server, *client)

    def server_context(self, folder: Path) -> ssl.SSLContext:
        """A server context that requires a client certificate signed by the CA."""
        cert, key = folder / "apiserver.crt", folder / "apiserver.key"
        cert.write_text(self.server_cert)
        key.write_text(self.server_key)
        key.chmod(0o600)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.load_verify_locations(cadata=self.ca)
        context.verify_mode = ssl.CERT_REQUIRED
        return context

    def kubeconfig_fields(self) -> tuple[dict, dict]:
        """The kubeconfig's cluster and user entries: the CA and the admin's pair, inline (base64)."""
        def b64(text: str) -> str:
            return base64.b64encode(text.encode()).decode()

        return ({"certificate-authority-data": b64(self.ca)},
                {"client-certificate-data": b64(self.client_cert), "client-key-data": b64(self.client_key)})
