"""kubectl for the simulated cluster: real kubectl syntax in, what kubectl prints out.

    kubectl = Kubectl(api, clock)
    print(kubectl.run("get pods -o wide"))
    kubectl.run("apply -f -", stdin=manifest_yaml).ok

In a notebook, ``%kubectl get pods`` and ``%%kubectl apply -f -`` (see
:mod:`k8scourse.kubectl.magics`) run against the current cluster.
"""

from .cli import Kubectl, KubectlResult

__all__ = ["Kubectl", "KubectlResult"]
