"""How long from `k8scourse lab` to JupyterLab answering on its port.

Target: under 10 s (issue 11). Run: python benchmarks/lab_start.py [--runs 3]

It starts `k8scourse lab --no-browser` on a free loopback port, as a learner's
first command ends, times until the port accepts a connection, then stops it.
The first start also copies the course into work/ (only what is missing).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS = 10.0
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def one_start() -> float:
    port = free_port()
    command = [str(Path(sys.executable).parent / "k8scourse"), "lab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.token=benchmark"]
    start = time.perf_counter()
    lab = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        while time.perf_counter() - start < 60:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return time.perf_counter() - start
            except OSError:
                if lab.poll() is not None:
                    raise SystemExit(f"k8scourse lab exited with {lab.returncode} before answering")
                time.sleep(0.05)
        raise SystemExit("k8scourse lab did not answer within 60 s")
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    times = [one_start() for _ in range(parser.parse_args().runs)]
    median = statistics.median(times)
    print(f"k8scourse lab -> JupyterLab answering: median {median:.2f} s over {len(times)} starts "
          f"(min {min(times):.2f}, max {max(times):.2f}; target < {TARGET_SECONDS:.0f} s)")
    sys.exit(0 if median < TARGET_SECONDS else 1)


if __name__ == "__main__":
    main()
