"""kube-controller-manager's control loops: each watches objects and writes them back."""
