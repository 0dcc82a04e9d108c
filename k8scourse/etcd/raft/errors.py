"""What a client sees when etcd cannot commit or confirm in time.

The texts are etcd 3.4's, as ``etcdctl`` 3.4.23 printed them on a
three-member loopback cluster after two members were killed (``Error: ...``):

* ``put`` with the default ``--command-timeout`` (5 s, etcdctl/ctlv3/command/global.go)
  gives up first: ``context deadline exceeded`` (the client's own deadline);
* with a longer client timeout the server gives up at its request timeout,
  5 s + 2 x election timeout (``ReqTimeout`` in etcdserver/config.go; 7 s by
  default): ``etcdserver: request timed out`` if a leader had taken the
  proposal into its log (``ErrTimeout`` in etcdserver/errors.go), or
  ``rpc error: code = Unknown desc = context deadline exceeded`` if there was
  no leader to take it;
* a linearizable ``get`` that cannot confirm the leader's commit index:
  ``rpc error: code = Unknown desc = context deadline exceeded``.
"""

from __future__ import annotations

from k8scourse.api.errors import StatusError
from k8scourse.etcd.store import EtcdError


class EtcdTimeoutError(EtcdError):
    """A request etcd could not complete in time: no quorum to commit or confirm it."""

    message = "context deadline exceeded"


class DeadlineExceededError(EtcdTimeoutError):
    """The client's deadline (etcdctl's ``--command-timeout``) passed first."""

    message = "context deadline exceeded"


class RequestTimedOutError(EtcdTimeoutError):
    """The leader took the proposal but could not commit it within the server's request timeout."""

    message = "etcdserver: request timed out"


class ServerDeadlineExceededError(EtcdTimeoutError):
    """The server's request timeout passed with no leader to take the proposal, or to confirm a read."""

    message = "rpc error: code = Unknown desc = context deadline exceeded"


class StorageTimeoutError(RequestTimedOutError, StatusError):
    """etcd's ``request timed out`` as kube-apiserver hands it on: the store's writes raise it
    while its Raft cluster has no quorum (``RaftCluster.attach``).

    kube-apiserver does not interpret this etcd error: ``ErrorToAPIStatus``
    (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/status.go)
    makes any such error a 500 with no reason and the error's own message, so
    kubectl prints ``Error from server: etcdserver: request timed out``, and
    controllers and kubelets that meet it retry later, as they do any failed call.
    """

    def __init__(self) -> None:
        StatusError.__init__(self, 500, "", self.message)
