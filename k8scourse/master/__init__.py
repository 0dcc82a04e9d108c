"""The control plane: kube-apiserver, kube-scheduler and kube-controller-manager."""
