"""``cluster.serve()``: the simulated cluster behind a real HTTP endpoint.

A ``ThreadingHTTPServer`` (one thread per connection) on 127.0.0.1 answers
the Kubernetes API, so the real ``kubectl`` and client libraries work against
the course's cluster. One lock guards the cluster: every request, and the
ticker that moves the virtual clock along with wall time, holds it, so a
request always sees one consistent state and never races the controllers.
A watch holds the lock only to collect its events, never while it waits.

While served, ``speed`` virtual seconds pass per real second (the one place
in the course where wall time matters; it ends when the server stops).
``with server.paused():`` holds the clock still. The server's threads now run
the cluster, so a notebook cell that uses it meanwhile holds the same lock
(``with server.lock: print(cluster.kubectl("get pods"))``) or pauses the clock.

Timestamps count from the cluster's epoch (``Cluster(epoch=...)``). The server's
tables compute ages on the virtual clock, but real kubectl computes a few from
the machine's clock (describe's Events, ``kubectl events``): those are right
only for a cluster dated by the wall clock (``epoch="now"``, as ``k8scourse
serve`` makes it) and served at ``speed=1``.
"""

from __future__ import annotations

import select
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import parse_qsl, urlsplit

import orjson

from k8scourse.api.errors import K8sValueError
from k8scourse.timefmt import EPOCH

from . import discovery, metrics, openapi
from .handlers import Handlers, Response, Watch, parse_path
from .kubeconfig import write_kubeconfig
from .status import HTTPError, failure, not_found_path
from .tables import table
from .tls import Credentials
from .watch import stream

if TYPE_CHECKING:
    from k8scourse.cluster import Cluster

#: How often the ticker moves the virtual clock along with wall time (real seconds).
TICK = 0.05
LOOPBACK = ("127.0.0.1", "localhost")
#: The apiserver's health checks (kube-apiserver's /healthz, /livez, /readyz answer "ok").
HEALTH_PATHS = ("/healthz", "/livez", "/readyz")
ACCESS_REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
NO_AUTHORIZATION = "the simulated cluster has no authorization: every request is allowed"


class ServeError(K8sValueError):
    """``serve()`` asked for something it refuses (an address other than loopback, a bad speed)."""


class APIServerHTTP(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen() backlog: socketserver's 5 resets clients that connect at once
    served: "Server"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A TLS client without a valid certificate is refused: that is no error of the server's."""
        if not isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            super().handle_error(request, client_address)


class Server:
    """A served cluster: ``.url``, ``.kubeconfig`` (the file kubectl's ``KUBECONFIG`` names),
    ``.stop()``, ``.paused()``, ``.lock`` (the cluster's, while served); a context manager.
    With ``tls=True``, ``.credentials`` holds the CA and the admin's certificate and key."""

    def __init__(self, cluster: "Cluster", speed: float = 1.0, host: str = "127.0.0.1", port: int = 0,
                 tls: bool = False) -> None:
        if host not in LOOPBACK:
            raise ServeError(f'serve: refusing to listen on "{host}": the simulated cluster has no '
                             f"authentication, so it listens on loopback (127.0.0.1) only")
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not speed > 0:
            raise ServeError(f"serve: speed must be a number of virtual seconds per real second > 0, got {speed!r}")
        self.cluster, self.speed = cluster, float(speed)
        self.lock = threading.RLock()  # the one lock: requests and the clock
        self.handlers = Handlers(cluster.api)
        self.active_watches = 0  # open watch streams (a test checks none is left behind)
        self._paused = 0
        self._anchor()
        self._stopped = threading.Event()
        self._httpd = APIServerHTTP(("127.0.0.1", port), _RequestHandler)
        self._httpd.served = self
        self._dir = Path(tempfile.mkdtemp(prefix="k8scourse-serve-"))
        self.tls_context: ssl.SSLContext | None = None
        cluster_entry, user_entry = {}, {}
        if tls:
            self.credentials = Credentials.create()
            self.tls_context = self.credentials.server_context(self._dir)
            cluster_entry, user_entry = self.credentials.kubeconfig_fields()
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"
        self.kubeconfig = str(write_kubeconfig(self._dir / "kubeconfig", self.url, cluster_entry, user_entry))
        self._threads = [threading.Thread(target=self._httpd.serve_forever, name="k8scourse-serve", daemon=True),
                         threading.Thread(target=self._tick, name="k8scourse-serve-clock", daemon=True)]
        for thread in self._threads:
            thread.start()

    # --- the clock ---------------------------------------------------------------------------

    def _anchor(self) -> None:
        self._wall0, self._virtual0 = time.monotonic(), self.cluster.clock.now

    def catch_up(self) -> None:
        """Run the virtual clock to where wall time says it should be (call with the lock held)."""
        if self._paused:
            return
        target = self._virtual0 + (time.monotonic() - self._wall0) * self.speed
        behind = target - self.cluster.clock.now
        if behind > 0:
            self.cluster.clock.run(behind)

    def _tick(self) -> None:
        while not self._stopped.wait(TICK):
            with self.lock:
                try:
                    self.catch_up()
                except Exception:  # a component failed: show it, and hold the clock where it broke
                    traceback.print_exc()
                    self._paused += 1

    @contextmanager
    def paused(self) -> Iterator["Server"]:
        """Hold the virtual clock still (requests are still answered); it resumes from where it stood."""
        with self.lock:
            self.catch_up()
            self._paused += 1
        try:
            yield self
        finally:
            with self.lock:
                self._paused -= 1
                if not self._paused:
                    self._anchor()

    # --- life ----------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop answering, end every watch, remove the kubeconfig file."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self.stopped else f"serving at {self.url} (speed {self.speed:g}x)"
        return f"<Server {state}>\nexport KUBECONFIG={self.kubeconfig}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


class _RequestHandler(BaseHTTPRequestHandler):
    """One HTTP request: route it, answer it under the cluster's lock."""

    protocol_version = "HTTP/1.1"
    server: APIServerHTTP

    def setup(self) -> None:
        context = self.server.served.tls_context
        if context is not None:  # the handshake here, in the connection's thread, not in accept()'s
            self.request = context.wrap_socket(self.request, server_side=True)
        super().setup()
        # Headers and body go out in separate writes; without NODELAY, Nagle's algorithm holds
        # the body back until the client's delayed ACK (40 ms on Linux) for every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's signature
        """Quiet: a notebook has no place for an access log."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        served = self.server.served
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            length = self.headers.get("Content-Length") or "0"
            if not length.isdigit():
                raise HTTPError(400, f"invalid Content-Length {length!r}")
            body = self.rfile.read(int(length)) if int(length) else b""
            answer = self._route(served, url.path, query, body)
        except HTTPError as err:
            answer = Response(err.code, err.status())
        except Exception as err:  # a bug: answer as the apiserver does (500), and show it
            traceback.print_exc()
            answer = Response(500, failure(500, "InternalError", f"Internal error occurred: {err}"))
        if isinstance(answer, Watch):
            self._watch(served, answer)
        else:
            self._send(answer)

    def _route(self, served: Server, path: str, query: dict[str, str], body: bytes) -> Response | Watch:
        accept = self.headers.get("Accept") or "application/json"
        parts = [p for p in path.split("/") if p]
        with served.lock:  # a cluster booted from files answers only while its master's apiserver runs
            refused = served.cluster.boot.kubectl_refused() if served.cluster.boot is not None else None
        if refused:
            raise HTTPError(503, refused, "ServiceUnavailable")
        metrics_server = served.cluster.api.aggregated.get(metrics.GROUP)
        if self.command == "GET":
            static = _static(path, accept, metrics_server is not None)
            if static is not None:
                return static
            if metrics_server is not None and path.startswith(metrics.PATH + "/"):
                with served.lock:
                    served.catch_up()
                    return metrics.handle(metrics_server, path, query)
        if self.command == "POST" and path == ACCESS_REVIEW_PATH:
            return _access_review(body)
        if not parts or parts[0] not in ("api", "apis") or len(parts) < 2:
            raise not_found_path()
        req = parse_path(self.command, parts, query)
        req.accept, req.body, req.user_agent = accept, body, self.headers.get("User-Agent") or ""
        req.content_type = self.headers.get("Content-Type") or "application/json"
        with served.lock:
            served.catch_up()
            try:
                return served.handlers.handle(req)
            finally:
                served.cluster.clock.run(0)  # deliver the write's watch events; no time passes

    def _send(self, answer: Response) -> None:
        data = answer.body
        if not isinstance(data, bytes):
            data = data.encode() if isinstance(data, str) else orjson.dumps(data)
        self.send_response(answer.code)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for warning in answer.warnings:  # RFC 7234 warn-code 299, as the apiserver's warning headers
            self.send_header("Warning", f'299 - "{_quoted(warning)}"')
        self.end_headers()
        self.wfile.write(data)

    def _watch(self, served: Server, watch: Watch) -> None:
        """A chunked response of JSON events until the watch times out, the server stops or the client goes."""
        def write(data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def encode(kind: str, obj: dict) -> dict:
            if not watch.table:
                return watch.convert(obj) if watch.convert else obj
            with served.lock:
                now = served.cluster.clock.since(EPOCH)
            return table(watch.stream.kind.RESOURCE, [obj], now, {"resourceVersion": obj["metadata"]["resourceVersion"]})

        with served.lock:
            served.active_watches += 1
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache, private")
            self.end_headers()
            if watch.first_error is not None:
                write(orjson.dumps({"type": "ERROR", "object": watch.first_error}) + b"\n")
            else:
                stream(watch.stream, write, encode, not watch.table and not watch.convert, watch.bookmarks, watch.timeout,
                       lambda: served.stopped, lambda: _client_gone(self.connection), time.monotonic)
            write(b"")  # the last chunk: the watch ended cleanly
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            watch.stream.cancel(served.lock)
            with served.lock:
                served.active_watches -= 1
            self.close_connection = True


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _client_gone(connection: socket.socket) -> bool:
    """Whether the client closed its end (readable with nothing to read). A watching client sends
    nothing, so over TLS (where a peek is not possible) what is readable is its close."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        if not readable:
            return False
        if isinstance(connection, ssl.SSLSocket):
            return True
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _access_review(body: bytes) -> Response:
    """``kubectl auth can-i``: a SelfSubjectAccessReview, always allowed. The course's apiserver
    has no authentication or authorization (RBAC is outside its model), so the answer says so."""
    try:
        review = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise HTTPError(400, f"couldn't get version/kind; json parse error: {err}") from None
    review["status"] = {"allowed": True, "reason": NO_AUTHORIZATION}
    return Response(201, review)


def _static(path: str, accept: str, with_metrics: bool) -> Response | None:
    """The documents that do not depend on the cluster's state: health, version, discovery, OpenAPI.
    ``with_metrics``: metrics-server's group is registered (the aggregation layer's APIService)."""
    if path in HEALTH_PATHS:
        return Response(200, "ok", "text/plain; charset=utf-8")
    if path == "/version":
        return Response(200, discovery.version_info())
    if path in ("/api", "/apis"):
        if discovery.wants_aggregated(accept):
            document = discovery.aggregated(core=path == "/api")
            if with_metrics and path == "/apis":
                document["items"].append(metrics.aggregated_group())
            return Response(200, document, discovery.AGGREGATED)
        if path == "/api":
            return Response(200, discovery.api_versions())
        groups = discovery.api_groups()
        if with_metrics:
            groups["groups"].append(metrics.api_group())
        return Response(200, groups)
    if path in discovery.BY_PATH:
        return Response(200, discovery.resource_list(discovery.BY_PATH[path]))
    if with_metrics and path == metrics.PATH:
        return Response(200, metrics.resource_list())
    return openapi.document(path, accept)
