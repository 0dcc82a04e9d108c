"""How long the selector explorer takes to answer a new selector (target: under 100 ms).

A cluster of 300 pods on 10 nodes (a real apiserver and store). For each
selector it times what one keystroke costs:

* ``draw``:  set_selector + highlight + a full ``fig.canvas.draw()`` (Agg);
* ``png``:   set_selector + highlight + ``PlacementView.png()``, what the
  widget really does (repaint the overlay, encode the image it shows).

Run: python benchmarks/selector_explorer.py
"""

from __future__ import annotations

import random
import statistics
import time
from types import SimpleNamespace

import matplotlib

from k8scourse.clock import VirtualClock
from k8scourse.etcd.store import Store
from k8scourse.master.apiserver import APIServer
from k8scourse.viz.placement import PlacementView, placement_graph
from k8scourse.widgets import SelectorExplorerModel

matplotlib.use("Agg")  # render off-screen

N_NODES, N_PODS, ROUNDS = 10, 300, 5
SELECTORS = ["app=web", "tier in (frontend,backend),env!=dev", "!canary", "app notin (web,db)",
             "env=prod,tier=backend", "app in (web", "", "release"]


def make_cluster(seed: int = 0) -> SimpleNamespace:
    """10 nodes and 300 pods with app/tier/env labels; about 3% left unscheduled."""
    rng = random.Random(seed)
    clock = VirtualClock()
    api = APIServer(Store(clock), clock, random.Random(seed))
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    nodes = [f"node-{i:02d}" for i in range(1, N_NODES + 1)]
    for node in nodes:
        api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}})
    for i in range(N_PODS):
        app = rng.choice(["web", "api", "db", "cache", "batch"])
        labels = {"app": app, "tier": rng.choice(["frontend", "backend"]), "env": rng.choice(["dev", "prod"])}
        if rng.random() < 0.1:
            labels["canary"] = "true"
        name = f"{app}-{i:03d}"
        api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                    "spec": {"containers": [{"name": "main", "image": "nginx"}]}})
        if rng.random() > 0.03:
            api.bind("default", name, rng.choice(nodes))
    return SimpleNamespace(api=api)


def time_ms(step) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        for selector in SELECTORS:
            start = time.perf_counter()
            step(selector)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    cluster = make_cluster()
    model = SelectorExplorerModel(cluster)
    view = PlacementView(placement_graph(cluster.api.list("nodes"), cluster.api.list("pods", "default")))
    view.png()  # the first picture draws everything once, as the widget does when it opens

    def select(selector: str) -> None:
        result = model.set_selector(selector)
        view.highlight({f"default/{name}" for name in result.matched} if selector else None)

    def with_draw(selector: str) -> None:
        select(selector)
        view.figure.canvas.draw()

    def with_png(selector: str) -> None:
        select(selector)
        view.png()

    print(f"{N_PODS} pods on {N_NODES} nodes, {len(SELECTORS)} selectors x {ROUNDS} rounds")
    for name, step in (("set_selector + highlight + canvas.draw()", with_draw),
                       ("set_selector + highlight + png()       ", with_png),
                       ("set_selector alone                     ", model.set_selector)):
        times = time_ms(step)
        print(f"{name}  median {statistics.median(times):6.1f} ms   max {max(times):6.1f} ms")
    print("target: under 100 ms per selector change")


if __name__ == "__main__":
    main()
