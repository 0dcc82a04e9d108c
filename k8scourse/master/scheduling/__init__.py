"""kube-scheduler's parts, one idea per module; ``k8scourse.master.scheduler`` runs them.

=============  ==================================================================
podinfo        what the scheduler reads from a pod: requests, placement rules
taints         taints and tolerations
nodeaffinity   nodeSelector and node affinity: validation and matching
cache          NodeInfo: what each node offers and what has been promised on it
snapshot       the nodes one cycle works on, as numpy columns
filters        the Filter plugins and their reasons
scores         the Score plugins' formulas
spread         default pod topology spreading
queue          activeQ, backoffQ and unschedulable pods
framework      one scheduling cycle: filter, score, pick, or explain why not
=============  ==================================================================
"""
