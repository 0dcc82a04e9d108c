"""``k8scourse serve``: a quickstart cluster served from the shell until Ctrl-C.

Kept light (nothing heavy imported until the command runs) because the
``k8scourse`` command builds every subcommand's parser at start-up.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any


def add_serve_command(commands: Any) -> None:
    """Register ``serve`` on the ``k8scourse`` command's subparsers."""
    serve = commands.add_parser(
        "serve",
        help="serve a simulated cluster to the real kubectl",
        description="Boot a quickstart cluster and serve its Kubernetes API on 127.0.0.1, so the real kubectl "
        "works against it (paste the printed `export KUBECONFIG=...` into another terminal). Ctrl-C stops it.",
    )
    serve.add_argument("--nodes", type=int, default=3, metavar="N", help="how many nodes (default: 3)")
    serve.add_argument("--seed", type=int, default=0, metavar="S", help="the cluster's seed (default: 0)")
    serve.add_argument("--speed", type=float, default=1.0, metavar="X",
                       help="virtual seconds per real second (default: 1; at any other speed the ages "
                       "real kubectl computes from this machine's clock, such as describe's Events, drift)")
    serve.add_argument("--port", type=int, default=0, help="the port (default: a free one)")
    serve.add_argument("--tls", action="store_true",
                       help="HTTPS; only clients with the kubeconfig's client certificate get in")
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace, extra: list[str], stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until ``stop`` is set, for tests); return the exit status."""
    from k8scourse.api.errors import K8sValueError
    from k8scourse.cluster import Cluster

    try:
        # Dated by the wall clock (not the notebooks' fixed 2025-01-01), so that the ages the real kubectl
        # computes from this machine's clock (describe's Events, `kubectl events`) read seconds, not years.
        cluster = Cluster.quickstart(nodes=args.nodes, seed=args.seed, epoch="now")
        server = cluster.serve(speed=args.speed, port=args.port, tls=args.tls)
    except (K8sValueError, OSError) as err:
        print(f"k8scourse: error: {err}", file=sys.stderr)
        return 1
    with server:
        print(f"Serving a {args.nodes}-node cluster (seed {args.seed}) at {server.url}, "
              f"speed {args.speed:g}x (virtual seconds per real second). In another terminal:\n\n"
              f"    export KUBECONFIG={server.kubeconfig}\n    kubectl get nodes\n\nCtrl-C stops it.", flush=True)
        try:
            (stop or threading.Event()).wait()
        except KeyboardInterrupt:
            pass
    return 0
