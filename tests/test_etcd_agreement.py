"""Every etcd misconfiguration the linter knows is refused at start by the Raft model and by real etcd.

The cases are test_config_etcd's: one bad setting in an otherwise good member,
and the message etcd 3.4.23 printed for it. The linter reports that message
as an ``etcd-startup`` error, ``RaftCluster.from_configs`` raises it, and real
etcd exits with it. The real-etcd half skips without the ``etcd`` binary and
fails instead under ``K8SCOURSE_REQUIRE_ETCD=1`` (CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from k8scourse.config import lint
from k8scourse.config.spec import ETCD_CONF
from k8scourse.etcd.raft import MemberConfigError, RaftCluster
from test_config_etcd import CASES, GOOD, conf

IDS = [" ".join(changes) for changes, _ in CASES]
ETCD = shutil.which("etcd")
REQUIRED = os.environ.get("K8SCOURSE_REQUIRE_ETCD") == "1"


@pytest.mark.parametrize(("changes", "message"), CASES, ids=IDS)
def test_the_linter_and_the_model_refuse_with_etcds_words(changes, message):
    text = conf(changes)
    findings = [f for f in lint({"m": {ETCD_CONF: text}}) if f.code == "etcd-startup"]
    assert findings and all(f.severity == "error" for f in findings)
    assert f"etcd refuses to start: {message}" in [f.message for f in findings]
    with pytest.raises(MemberConfigError) as refused:
        RaftCluster.from_configs({"m": text})
    assert str(refused.value).startswith(f"m: {message}")


def test_the_good_member_passes_all_three():
    assert not [f for f in lint({"m": {ETCD_CONF: conf({})}}) if f.severity == "error"]
    assert RaftCluster.from_configs({"m": conf({})}).wait_for_leader() == "a"


@pytest.mark.skipif(ETCD is None and not REQUIRED, reason="no etcd binary here (apt-get install etcd-server)")
@pytest.mark.parametrize(("changes", "message"), CASES, ids=IDS)
def test_real_etcd_refuses_with_the_same_words(changes, message):
    assert ETCD is not None, "K8SCOURSE_REQUIRE_ETCD=1 but no etcd binary on PATH"
    with tempfile.TemporaryDirectory() as data:
        env = {key: value for key, value in {**GOOD, **changes}.items() if value}  # systemd skips empty values too
        env.update(ETCD_DATA_DIR=data, PATH=os.environ.get("PATH", ""))
        result = subprocess.run([ETCD], env=env, capture_output=True, text=True, timeout=20)
    assert result.returncode != 0, f"etcd started with {changes}"
    assert f"etcdmain: {message}" in result.stderr
