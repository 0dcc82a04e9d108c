"""Cluster networking: Service IPs and requests, and flannel's pod network.

flannel, one module per part: ``flannel_config`` (the network config JSON and
flannel's rules), ``flanneld`` (the daemon: config from etcd's v2 keys, subnet
leases, subnet.env, mk-docker-opts), ``backends`` (what udp, vxlan and host-gw
program), ``routes`` (links, routes, ARP and FDB entries as iproute2 prints
them), ``host`` (a machine with docker's bridge and its pods), ``flannel``
(``FlannelNetwork``: etcd, hosts and pods on one clock), ``trace`` (a packet's
path) and ``kube_flannel`` (today's kube-flannel on a ``Cluster``, or the
network a cluster's files made, behind ``cluster.trace``).
"""
