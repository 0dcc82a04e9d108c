"""etcd.conf: parsing, generating, and etcd 3.4's own start-up checks.

The expected messages were read from Debian's etcd 3.4.23 started on
loopback with each setting; ``test_real_etcd_agrees`` repeats that where the
binary is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest
import yaml

from k8scourse.config.etcd import EtcdConfig, EtcdConfigError, etcd_startup_errors

GOOD = {
    "ETCD_NAME": "a",
    "ETCD_LISTEN_PEER_URLS": "http://127.0.0.201:2380",
    "ETCD_LISTEN_CLIENT_URLS": "http://127.0.0.201:2379",
    "ETCD_ADVERTISE_CLIENT_URLS": "http://127.0.0.201:2379",
    "ETCD_INITIAL_ADVERTISE_PEER_URLS": "http://127.0.0.201:2380",
    "ETCD_INITIAL_CLUSTER": "a=http://127.0.0.201:2380",
}

V = "error verifying flags, {}. See 'etcd --help'."
CASES = [
    ({"ETCD_NAME": "b"}, 'couldn\'t find local name "b" in the initial cluster configuration'),
    ({"ETCD_NAME": ""}, 'couldn\'t find local name "default" in the initial cluster configuration'),
    ({"ETCD_INITIAL_ADVERTISE_PEER_URLS": "http://127.0.0.202:2380"},
     '--initial-cluster has a=http://127.0.0.201:2380 but missing from --initial-advertise-peer-urls='
     'http://127.0.0.202:2380 (resolved urls: "http://127.0.0.202:2380" != "http://127.0.0.201:2380")'),
    ({"ETCD_INITIAL_CLUSTER": "a=http://127.0.0.201:2380,a=http://127.0.0.202:2380"},
     '--initial-cluster has a=http://127.0.0.202:2380 but missing from --initial-advertise-peer-urls='
     'http://127.0.0.201:2380 (len(["http://127.0.0.201:2380"]) != '
     'len(["http://127.0.0.201:2380" "http://127.0.0.202:2380"]))'),
    ({"ETCD_INITIAL_ADVERTISE_PEER_URLS": "http://127.0.0.201:2380,http://127.0.0.202:2380"},
     "--initial-advertise-peer-urls has http://127.0.0.202:2380 but missing from "
     "--initial-cluster=a=http://127.0.0.201:2380,a=http://127.0.0.202:2380"),
    ({"ETCD_INITIAL_CLUSTER": "a=http://127.0.0.201:2380,b=http://127.0.0.201:2380"},
     "initial cluster a=http://127.0.0.201:2380,b=http://127.0.0.201:2380 has duplicate url"),
    ({"ETCD_INITIAL_CLUSTER": "a"}, "error setting up initial cluster: URL scheme must be http, https, unix, or unixs: "),
    ({"ETCD_ELECTION_TIMEOUT": "400"},
     V.format("--election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]")),
    ({"ETCD_ELECTION_TIMEOUT": "60000", "ETCD_HEARTBEAT_INTERVAL": "1000"},
     V.format("--election-timeout[60000ms] is too long, and should be set less than 50000ms")),
    ({"ETCD_HEARTBEAT_INTERVAL": "0"}, V.format("--heartbeat-interval must be >0 (set to 0ms)")),
    ({"ETCD_ELECTION_TIMEOUT": "0"}, V.format("--election-timeout must be >0 (set to 0ms)")),
    ({"ETCD_LISTEN_CLIENT_URLS": "http://example.com:2379"},
     V.format("expected IP in URL for binding (http://example.com:2379)")),
    ({"ETCD_ADVERTISE_CLIENT_URLS": ""},
     V.format("--advertise-client-urls is required when --listen-client-urls is set explicitly")),
    ({"ETCD_ADVERTISE_CLIENT_URLS": "http://:2379"},
     V.format('--advertise-client-urls "http://:2379" must be "host:port" (unexpected empty host (http://:2379))')),
    ({"ETCD_DISCOVERY": "http://x"},
     V.format('multiple discovery or bootstrap flags are set. Choose one of "initial-cluster", "discovery" '
              'or "discovery-srv"')),
    ({"ETCD_LISTEN_CLIENT_URLS": "https://127.0.0.201:2379", "ETCD_ADVERTISE_CLIENT_URLS": "https://127.0.0.201:2379"},
     "TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.201:2379 with HTTPS scheme"),
    ({"ETCD_LISTEN_PEER_URLS": "https://127.0.0.201:2380"},
     "cannot listen on TLS for 127.0.0.201:2380: KeyFile and CertFile are not presented"),
    ({"ETCD_INITIAL_CLUSTER_STATE": "bogus"},
     V.format('invalid value "bogus" for ETCD_INITIAL_CLUSTER_STATE: invalid value')),
    ({"ETCD_PROXY": "maybe"}, V.format('invalid value "maybe" for ETCD_PROXY: invalid value')),
    ({"ETCD_DISCOVERY_FALLBACK": "x"}, V.format('invalid value "x" for ETCD_DISCOVERY_FALLBACK: invalid value')),
    ({"ETCD_AUTO_COMPACTION_MODE": "x"}, V.format('unknown auto-compaction-mode "x"')),
    ({"ETCD_DEBUG": "maybe"}, V.format('invalid value "maybe" for ETCD_DEBUG: parse error')),
    ({"ETCD_ENABLE_V2": "yes"}, V.format('invalid value "yes" for ETCD_ENABLE_V2: parse error')),
    ({"ETCD_MAX_SNAPSHOTS": "five"}, V.format('invalid value "five" for ETCD_MAX_SNAPSHOTS: parse error')),
    ({"ETCD_SNAPSHOT_COUNT": "-1"}, V.format('invalid value "-1" for ETCD_SNAPSHOT_COUNT: parse error')),
    ({"ETCD_DEBUG": "maybe", "ETCD_HEARTBEAT_INTERVAL": "abc"},
     V.format('invalid value "abc" for ETCD_HEARTBEAT_INTERVAL: parse error')),
    ({"ETCD_LISTEN_PEER_URLS": "127.0.0.201:2380"},
     V.format('invalid value "127.0.0.201:2380" for ETCD_LISTEN_PEER_URLS: parse "127.0.0.201:2380": '
              "first path segment in URL cannot contain colon")),
    ({"ETCD_LISTEN_CLIENT_URLS": "ftp://127.0.0.201:2379"},
     V.format('invalid value "ftp://127.0.0.201:2379" for ETCD_LISTEN_CLIENT_URLS: URL scheme must be http, '
              "https, unix, or unixs: ftp://127.0.0.201:2379")),
    ({"ETCD_LISTEN_CLIENT_URLS": "http://127.0.0.201"},
     V.format('invalid value "http://127.0.0.201" for ETCD_LISTEN_CLIENT_URLS: URL address does not have the '
              'form "host:port": http://127.0.0.201')),
    ({"ETCD_LISTEN_CLIENT_URLS": "http://127.0.0.201:2379/x"},
     V.format('invalid value "http://127.0.0.201:2379/x" for ETCD_LISTEN_CLIENT_URLS: URL must not contain a '
              "path: http://127.0.0.201:2379/x")),
]
ACCEPTED = [
    {}, {"ETCD_LISTEN_PEER_URLS": "http://localhost:2380"}, {"ETCD_QUOTA_BACKEND_BYTES": "-5"},
    {"ETCD_ENABLE_V2": "True"}, {"ETCD_BOGUS_KEY": "1"}, {"ETCD_AUTO_TLS": "true",
     "ETCD_LISTEN_CLIENT_URLS": "https://127.0.0.201:2379", "ETCD_ADVERTISE_CLIENT_URLS": "https://127.0.0.201:2379"},
    {"ETCD_NAME": "b", "ETCD_INITIAL_CLUSTER": ""},  # without --initial-cluster a member lists only itself
]


def conf(changes: dict[str, str]) -> str:
    settings = {**GOOD, **changes}
    return "".join(f'{key}="{value}"\n' for key, value in settings.items())


@pytest.mark.parametrize(("changes", "message"), CASES, ids=[" ".join(c) for c, _ in CASES])
def test_startup_errors_in_etcds_words(changes, message):
    errors = etcd_startup_errors(EtcdConfig.parse(conf(changes)))
    assert errors[0] == message
    with pytest.raises(EtcdConfigError, match="^" + __import__("re").escape(message) + "$"):
        EtcdConfig.parse(conf(changes)).check()


@pytest.mark.parametrize("changes", ACCEPTED)
def test_accepted_configs(changes):
    assert etcd_startup_errors(conf(changes)) == []


def test_later_problems_are_listed_after_the_first():
    errors = etcd_startup_errors(conf({"ETCD_ELECTION_TIMEOUT": "400", "ETCD_NAME": "b"}))
    assert errors == [V.format("--election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]"),
                      'couldn\'t find local name "b" in the initial cluster configuration']


def test_parse_keeps_comments_unknown_keys_and_text():
    text = '#[Member]\n# a comment\n\nETCD_NAME="etcd1"\nETCD_FOO=bar\nETCD_DATA_DIR=\'/var/lib/etcd\'\n'
    config = EtcdConfig.parse(text)
    assert config.render() == text
    assert config.values == {"ETCD_NAME": "etcd1", "ETCD_FOO": "bar", "ETCD_DATA_DIR": "/var/lib/etcd"}
    assert config.unknown_keys() == ["ETCD_FOO"]
    assert config.name == "etcd1" and config.heartbeat_ms == 100 and config.election_ms == 1000


def test_generate_uncomments_in_place():
    config = EtcdConfig.generate(ETCD_NAME="etcd1", ETCD_HEARTBEAT_INTERVAL="200")
    lines = config.render().splitlines()
    assert 'ETCD_NAME="etcd1"' in lines and 'ETCD_HEARTBEAT_INTERVAL="200"' in lines
    assert lines.index('ETCD_HEARTBEAT_INTERVAL="200"') == lines.index('ETCD_NAME="etcd1"') + 2


def test_to_yaml_is_etcds_config_file():
    doc = yaml.safe_load(EtcdConfig.parse(conf({"ETCD_CERT_FILE": "/c.pem", "ETCD_ELECTION_TIMEOUT": "1000"})).to_yaml())
    assert doc["name"] == "a" and doc["election-timeout"] == 1000
    assert doc["initial-cluster"] == "a=http://127.0.0.201:2380"
    assert doc["client-transport-security"] == {"cert-file": "/c.pem"}


ETCD = shutil.which("etcd")


@pytest.mark.skipif(ETCD is None, reason="no etcd binary here (apt-get install etcd-server)")
@pytest.mark.parametrize(("changes", "message"), CASES[:8], ids=[" ".join(c) for c, _ in CASES[:8]])
def test_real_etcd_agrees(changes, message):
    """Real etcd 3.4 refuses each config with the very message etcd_startup_errors gives."""
    with tempfile.TemporaryDirectory() as data:
        env = {key: value for key, value in {**GOOD, **changes}.items() if value}
        env["ETCD_DATA_DIR"] = data
        env["PATH"] = os.environ.get("PATH", "")
        result = subprocess.run([ETCD], env=env, capture_output=True, text=True, timeout=20)
    assert result.returncode != 0
    assert f"etcdmain: {message}" in result.stderr


@pytest.mark.skipif(ETCD is None, reason="no etcd binary here (apt-get install etcd-server)")
def test_real_etcd_boots_from_the_yaml_config_file(tmp_path):
    """The YAML equivalent of an etcd.conf is a file real etcd starts from (--config-file)."""
    settings = {**GOOD, "ETCD_DATA_DIR": str(tmp_path / "data"), "ETCD_HEARTBEAT_INTERVAL": "50",
                "ETCD_ELECTION_TIMEOUT": "500"}
    (tmp_path / "etcd.yaml").write_text(EtcdConfig.parse(conf(settings)).to_yaml())
    process = subprocess.Popen([ETCD, "--config-file", str(tmp_path / "etcd.yaml")], stderr=subprocess.PIPE,
                               text=True, env={"PATH": os.environ.get("PATH", "")})
    try:
        lines = []
        for line in process.stderr:  # etcd logs to stderr; a lone member elects itself within a second
            lines.append(line)
            if "became leader" in line or len(lines) > 200:
                break
        assert any("became leader" in line for line in lines), "".join(lines[-10:])
        assert any("heartbeat = 50ms" in line for line in lines)
    finally:
        process.kill()
        process.wait(timeout=10)
