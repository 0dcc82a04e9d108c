"""Today's equivalents (etcd's YAML, KubeletConfiguration, kubeconfigs) and flannel's network config."""

from __future__ import annotations

import pytest
import yaml

from k8scourse.config import ClusterSpec
from k8scourse.config.etcd import EtcdConfig
from k8scourse.config.flannel import FlannelConfigError, NetworkConfig
from k8scourse.config.modern import kubeconfig, kubeconfig_server


def test_kubeconfig_names_the_server():
    text = kubeconfig("https://127.0.0.11:6443", "kubelet", "/ca.crt", "/k.crt", "/k.key")
    assert kubeconfig_server(text) == "https://127.0.0.11:6443"
    doc = yaml.safe_load(text)
    assert doc["users"][0]["user"] == {"client-certificate": "/k.crt", "client-key": "/k.key"}


def test_loopback_kubelet_configuration_is_v1beta1_and_closed_to_anonymous():
    tree = ClusterSpec.loopback_lab(3).render_all()
    config = yaml.safe_load(tree["node1"]["/var/lib/kubelet/config.yaml"])
    assert (config["apiVersion"], config["kind"]) == ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration")
    assert config["address"] == "127.0.0.12" and config["authentication"]["anonymous"] == {"enabled": False}
    assert config["authorization"] == {"mode": "Webhook"} and config["clusterDNS"] == ["10.254.0.10"]
    assert kubeconfig_server(tree["node1"]["/etc/kubernetes/kubelet.kubeconfig"]) == "https://127.0.0.11:6443"


def test_v1_31_apiserver_flags_replace_the_legacy_ones():
    text = ClusterSpec.loopback_lab(3).render_all()["master"]["/etc/kubernetes/apiserver"]
    assert 'KUBE_API_ADDRESS="--bind-address=127.0.0.11"' in text
    assert 'KUBE_API_PORT="--secure-port=6443"' in text
    assert '# KUBELET_PORT="--kubelet-port=10250"' in text
    assert "--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,ResourceQuota" in text
    assert "--insecure" not in text and "--admission-control" not in text


def test_etcd_yaml_config_file_for_every_member():
    for files in ClusterSpec.loopback_lab(3).render_all().values():
        doc = yaml.safe_load(EtcdConfig.parse(files["/etc/etcd/etcd.conf"]).to_yaml())
        assert doc["initial-cluster"].count("=http://127.0.0.") == 3
        assert doc["name"].startswith("etcd") and doc["listen-peer-urls"].endswith(":2380")


@pytest.mark.parametrize(("text", "message"), [
    ("{}", "please define a correct Network parameter in the flannel config"),
    ('{"Network": "10.3.0.0/16", "SubnetLen": 31}', "SubnetLen must be less than /31"),
    ('{"Network": "10.3.0.0/16", "SubnetLen": 17}', "network must be able to accommodate at least four subnets"),
    ('{"Network": "10.3.0.0/29"}', "network is too small. Minimum useful network prefix is /28"),
    ('{"Network": "10.3.0.0/16", "Backend": {"Type": "magic"}}', "unknown backend type: magic"),
])
def test_flannel_refuses_what_flanneld_refuses(text, message):
    """Today's flanneld; the error names the etcd key, then flannel's words."""
    expected = "/atomic.io/network/config: " + message
    with pytest.raises(FlannelConfigError, match="^" + __import__("re").escape(expected) + "$"):
        NetworkConfig.parse(text, version="0.26")


def test_flannel_subnet_length_defaults_as_flanneld():
    assert NetworkConfig.parse('{"Network": "10.3.0.0/16"}').subnet_len == 24
    assert NetworkConfig.parse('{"Network": "10.3.0.0/26"}', version="0.26").subnet_len == 28
    assert NetworkConfig.parse('{"Network": "10.3.0.0/26"}', version="0.7").subnet_len == 27
    net = NetworkConfig("10.244.0.0/16", backend="vxlan")
    assert NetworkConfig.parse(net.render()) == net
