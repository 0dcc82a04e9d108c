"""ValidatePodSpec and what it calls, split by area as a reader looks for it.

Each module ports one part of ``pkg/apis/core/validation/validation.go``
(Kubernetes v1.31) with upstream's field paths, messages and order:

* ``common``     names, ports, paths and IPs that several areas share
* ``volumes``    ``spec.volumes`` and each container's ``volumeMounts``
* ``env``        ``env`` and ``envFrom``
* ``probes``     liveness/readiness/startup probes and lifecycle hooks
* ``security``   pod and container ``securityContext``
* ``affinity``   node affinity, pod affinity and anti-affinity
* ``scheduling`` topology spread, scheduling and readiness gates, DNS, host aliases, OS

The values reaching these functions are already decoded into their Go types
(``api/decoding.py``), so a field is the type the schema says or absent.
``api/pod.py`` strings them together in upstream's order.
"""
