"""Cluster networking: Service IPs now; flannel subnets and packet paths in later chapters."""
