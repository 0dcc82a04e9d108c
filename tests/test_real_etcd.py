"""A real etcd 3.4 cluster on loopback, booted from the generated etcd.conf files.

These tests need Debian's ``etcd-server`` and ``etcd-client``. Without them
they skip, saying why; with ``K8SCOURSE_REQUIRE_ETCD=1`` (CI sets it) they
fail instead, so CI cannot pass without ever running them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from k8scourse.config import ClusterSpec, etcd_startup_errors
from k8scourse.etcd import lab, real
from k8scourse.etcd.raft import RaftCluster
from k8scourse.etcd.raft.errors import (
    DeadlineExceededError,
    EtcdTimeoutError,
    RequestTimedOutError,
    ServerDeadlineExceededError,
)
from k8scourse.etcd.real import (
    ETCD_CONF,
    EtcdctlError,
    EtcdStartError,
    NotLoopbackError,
    RealEtcdCluster,
    RealEtcdError,
    client_error,
    member_environments,
)

REQUIRED = os.environ.get("K8SCOURSE_REQUIRE_ETCD") == "1"
FOUND = RealEtcdCluster.available()
needs_etcd = pytest.mark.skipif(
    not FOUND and not REQUIRED, reason=f"real etcd not installed here: {FOUND.reason}"
)
# etcd's messages and log format are 3.4's (Debian 12's etcd-server); 3.5 words them otherwise.
needs_etcd_34 = pytest.mark.skipif(
    bool(FOUND) and not FOUND.version.startswith("3.4."), reason=f"etcd 3.4's messages: found {FOUND.reason}"
)
# Short enough to keep the suite quick, long enough for a healthy 3-member cluster.
TIMEOUT = 2.0


def alive(pid: int) -> bool:
    """Whether the process runs; a zombie (dead, not yet reaped by its new parent) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    if not Path("/proc/self/stat").exists():  # not Linux: a zombie counts as alive
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:  # it went while we looked
        return False


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def loopback_files() -> dict[str, dict[str, str]]:
    return ClusterSpec.loopback_lab(members=3).render_all()


def test_etcd_is_installed_when_ci_requires_it() -> None:
    if not REQUIRED:
        pytest.skip("K8SCOURSE_REQUIRE_ETCD is not 1")
    assert FOUND, FOUND.reason


@needs_etcd
def test_loopback_lab_elects_survives_one_loss_refuses_writes_without_quorum_and_recovers() -> None:
    with RealEtcdCluster.launch(ClusterSpec.loopback_lab(members=3), command_timeout=TIMEOUT) as etcd:
        pids = list(etcd.pids.values())
        assert len(pids) == 3
        assert 0 < etcd.now < 60
        assert sorted(etcd.members) == sorted(member_environments(loopback_files()))

        # 1. One leader, agreed on by the members themselves.
        first = etcd.leader()
        assert first in etcd.members
        assert sum(s.is_leader for s in etcd.status()) == 1
        etcd.put("/course/ch07", "quorum")
        assert etcd.get("/course/ch07") == "quorum"
        assert etcd.get("/course/missing") is None

        # 2. Kill -9 the leader: the other two elect a new one in a later term and keep serving.
        term = etcd.term
        etcd.crash(first)
        assert not etcd.running(first)
        second = etcd.wait_for_leader(timeout=10, other_than=first)
        assert second != first
        assert etcd.term > term
        etcd.put("/course/after-one-loss", "still works")
        assert etcd.get("/course/after-one-loss") == "still works"
        assert etcd.get("/course/ch07") == "quorum"

        # 3. Lose a second member: one of three is no majority, so a write times out. Which
        #    side says so first is a race: etcdctl's deadline ("context deadline exceeded") or
        #    the server's, cut to the client's deadline (etcdserver: "request timed out",
        #    with a reason if it knows one: etcdserver/errors.go, v3_server.go parseProposeCtxErr).
        etcd.crash(second)
        with pytest.raises(EtcdTimeoutError) as caught:
            etcd.put("/course/no-quorum", "lost")
        assert str(caught.value) in {
            "context deadline exceeded",
            "etcdserver: request timed out",
            "etcdserver: request timed out, possibly due to connection lost",
            "etcdserver: request timed out, possibly due to previous leader failure",
        }
        assert etcd.leader() is None
        #    The survivor still answers from its own copy when asked for a serializable read.
        [survivor] = [m for m in etcd.members if etcd.running(m)]
        assert etcd.get("/course/ch07", endpoint=survivor, serializable=True) == "quorum"

        # 4. Both come back on their data: a leader again, nothing committed lost.
        etcd.restart(first)
        etcd.restart(second)
        assert etcd.wait_until_settled(timeout=10) in etcd.members  # all three follow one leader
        assert all(s.reachable for s in etcd.status())
        assert etcd.get("/course/after-one-loss") == "still works"
        assert etcd.get("/course/no-quorum") is None
        etcd.put("/course/recovered", "yes")
        assert etcd.get("/course/recovered") == "yes"
        pids += list(etcd.pids.values())
        folder = etcd.data_folder
    assert gone_within(pids, 2), "an etcd process outlived the with block"
    assert not folder.exists()
    assert etcd.leader() is None
    for call in (lambda: etcd.restart(first), lambda: etcd.put("/k", "v"), lambda: etcd.get("/k")):
        with pytest.raises(RealEtcdError, match="^this etcd cluster was stopped: launch a new one$"):
            call()


@needs_etcd
def test_an_exception_in_the_with_block_kills_every_member() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with RealEtcdCluster.launch(loopback_files(), command_timeout=TIMEOUT) as etcd:
            pids = list(etcd.pids.values())
            raise RuntimeError("boom")
    assert gone_within(pids, 2)


CHILD = """
import json, sys, time
from k8scourse.etcd.real import RealEtcdCluster
etcd = RealEtcdCluster.launch(json.loads(sys.stdin.readline()))
print(json.dumps({"pids": list(etcd.pids.values()), "folder": str(etcd.data_folder)}), flush=True)
sys.stdin.readline()  # until the test says "exit" (or kills this process)
"""


@needs_etcd
@pytest.mark.parametrize("end", ["killed", "exits"])
def test_members_die_with_the_python_that_started_them(end: str) -> None:
    # A notebook kernel killed with SIGKILL runs no atexit handler and no finaliser; one that
    # exits without stop() runs the finaliser, which also deletes the data.
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    started = {"pids": [], "folder": ""}
    try:
        assert child.stdin and child.stdout
        child.stdin.write(json.dumps(loopback_files()) + "\n")
        child.stdin.flush()
        started = json.loads(child.stdout.readline())
        assert all(alive(p) for p in started["pids"])
        if end == "exits":
            child.stdin.write("exit\n")
            child.stdin.flush()
            assert child.wait(timeout=10) == 0
            assert not Path(started["folder"]).exists()
    finally:
        child.kill()
        child.wait()
        try:
            assert gone_within(started["pids"], 5), f"etcd members outlived a parent that {end}"
        finally:  # a failing test leaves nothing behind either
            for pid in filter(alive, started["pids"]):
                os.kill(pid, signal.SIGKILL)
            if started["folder"]:
                shutil.rmtree(started["folder"], ignore_errors=True)


MISTAKES = {
    "election under 5 heartbeats": "ETCD_HEARTBEAT_INTERVAL=100\nETCD_ELECTION_TIMEOUT=200\n",
    "name not in the initial cluster": 'ETCD_NAME="etcd9"\n',
    "listen URL without a port": 'ETCD_LISTEN_CLIENT_URLS="http://127.0.0.11"\n',
    "advertised peer URL not its entry": 'ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.11:2390"\n',
    "https without certificates": 'ETCD_LISTEN_PEER_URLS="https://127.0.0.11:2380"\n',
    "listen without advertise": 'ETCD_ADVERTISE_CLIENT_URLS=""\n',
}


@needs_etcd
@needs_etcd_34
@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_member_etcd_refuses_stops_the_launch_with_etcds_words_as_the_config_check_says(mistake: str) -> None:
    files = loopback_files()
    machine = next(m for m, f in files.items() if ETCD_CONF in f)
    files[machine][ETCD_CONF] += MISTAKES[mistake]
    [name] = member_environments({machine: files[machine]})
    [expected, *_] = etcd_startup_errors(files[machine][ETCD_CONF])
    with pytest.raises(EtcdStartError) as caught:
        RealEtcdCluster.launch(files)
    # The real etcd's words, with the files' ports in place of the free ones it ran on.
    assert str(caught.value) == f"etcd member {name} exited: {expected}"


@needs_etcd
def test_a_port_taken_before_etcd_binds_it_means_new_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, find = [], real.free_ports

    def taken_first(members: dict[str, dict[str, str]]) -> dict[tuple[str, int], int]:
        ports = find(members)
        if not calls:  # another program takes one of the first free ports
            host, port = next(iter(ports))
            thief.bind((host, 0))
            thief.listen()
            ports[host, port] = thief.getsockname()[1]
        calls.append(ports)
        return ports

    with socket.socket() as thief:
        monkeypatch.setattr(real, "free_ports", taken_first)
        with RealEtcdCluster.launch(loopback_files()) as etcd:
            assert etcd.leader() in etcd.members
    assert len(calls) == 2


def test_addresses_outside_loopback_are_refused_before_anything_starts() -> None:
    with pytest.raises(NotLoopbackError) as caught:
        RealEtcdCluster.launch(ClusterSpec.seed_lab())
    message = str(caught.value)
    assert "192.168.197." in message
    assert message.endswith("every URL's host must be an IP address in 127.0.0.0/8 (127.0.0.x)")
    assert not RealEtcdCluster.available(ClusterSpec.seed_lab())


def test_discovery_and_default_listen_urls_are_refused() -> None:
    files = loopback_files()
    machine = next(m for m, f in files.items() if ETCD_CONF in f)
    [name] = member_environments({machine: files[machine]})
    conf = files[machine][ETCD_CONF]
    files[machine][ETCD_CONF] = conf + 'ETCD_DISCOVERY="https://discovery.etcd.io/3e86b59982e49066c5d813af1c2e2579"\n'
    with pytest.raises(NotLoopbackError) as caught:
        RealEtcdCluster.launch(files)
    assert str(caught.value) == (
        f"member {name}: ETCD_DISCOVERY: the real cluster runs on loopback only: it boots from"
        " ETCD_INITIAL_CLUSTER, not by discovery, which would ask outside this machine"
    )
    files[machine][ETCD_CONF] = conf + 'ETCD_LISTEN_PEER_URLS=""\n'
    with pytest.raises(NotLoopbackError) as caught:
        RealEtcdCluster.launch(files)
    assert str(caught.value) == (
        f"member {name}: ETCD_LISTEN_PEER_URLS is not set, so etcd would listen on its default"
        " http://localhost:2380: the real cluster needs every member's listen URLs on 127.0.0.x"
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "localhost", "10.0.0.1", "[::1"])
def test_any_non_loopback_host_is_refused(host: str) -> None:
    files = loopback_files()
    machine = next(m for m, f in files.items() if ETCD_CONF in f)
    files[machine][ETCD_CONF] += f'ETCD_LISTEN_CLIENT_URLS="http://{host}:2379"\n'
    expected = f"ETCD_LISTEN_CLIENT_URLS: 'http://{host}:2379': the real cluster runs on loopback only"
    with pytest.raises(NotLoopbackError, match=re.escape(expected)):
        RealEtcdCluster.launch(files)


def test_files_without_an_etcd_member_are_refused() -> None:
    with pytest.raises(RealEtcdError, match=r"^no machine has /etc/etcd/etcd.conf: nothing to start$"):
        RealEtcdCluster.launch({"node1": {"/etc/kubernetes/kubelet": 'KUBELET_ARGS=""\n'}})
    with pytest.raises(TypeError, match="expected a ClusterSpec or"):
        RealEtcdCluster.launch(["etcd.conf"])  # type: ignore[arg-type]


def test_without_an_etcd_binary_available_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    found = RealEtcdCluster.available()
    assert not found
    assert found.reason == (
        "no etcd and etcdctl binary on PATH (on Debian or Ubuntu: apt-get install etcd-server etcd-client)"
    )
    with pytest.raises(RealEtcdError, match=r"^cannot start a real etcd cluster: no etcd and etcdctl binary"):
        RealEtcdCluster.launch(loopback_files())


def test_member_environments_read_etcd_conf_as_systemd_does() -> None:
    # Quotes come off, comments and empty values (etcd ignores them) drop out, a later line wins.
    text = "\n".join(
        ["#[Member]", 'ETCD_NAME="etcd1"', "; a comment", "", "ETCD_DATA_DIR='/var/lib/etcd'", 'ETCD_WAL_DIR=""']
        + ["ETCD_X=a", "ETCD_X=b", ""]
    )
    assert member_environments({"m": {ETCD_CONF: text}}) == {
        "etcd1": {"ETCD_NAME": "etcd1", "ETCD_DATA_DIR": "/var/lib/etcd", "ETCD_X": "b"}
    }
    with pytest.raises(RealEtcdError, match=r"^m:/etc/etcd/etcd.conf: line 1: 'ETCD NAME' is not KEY=value"):
        member_environments({"m": {ETCD_CONF: "ETCD NAME\n"}})
    both = {"a": {ETCD_CONF: 'ETCD_NAME="etcd1"\n'}, "b": {ETCD_CONF: 'ETCD_NAME="etcd1"\n'}}
    with pytest.raises(RealEtcdError, match=r"^b:/etc/etcd/etcd.conf: ETCD_NAME: member name 'etcd1' is used twice$"):
        member_environments(both)


def test_etcdctl_errors_become_the_raft_models_errors() -> None:
    # The texts etcdctl 3.4.23 prints after "Error: " (see k8scourse/etcd/raft/errors.py).
    assert type(client_error("context deadline exceeded")) is DeadlineExceededError
    assert type(client_error("etcdserver: request timed out")) is RequestTimedOutError
    assert type(client_error("rpc error: code = Unknown desc = context deadline exceeded")) is (
        ServerDeadlineExceededError
    )
    text = "etcdserver: request timed out, possibly due to connection lost"
    lost = client_error(text)
    assert isinstance(lost, EtcdTimeoutError) and str(lost) == text
    other = client_error("etcdserver: mvcc: database space exceeded")
    assert type(other) is EtcdctlError and str(other) == "etcdserver: mvcc: database space exceeded"


def test_lab_without_etcd_runs_the_raft_model_and_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    cluster = lab(ClusterSpec.loopback_lab(members=3), seed=1)
    assert isinstance(cluster, RaftCluster)
    assert capsys.readouterr().out == (
        "The Raft model (k8scourse.etcd.raft), not real etcd: no etcd and etcdctl binary on PATH"
        " (on Debian or Ubuntu: apt-get install etcd-server etcd-client).\n"
    )
    cluster.run(3)
    assert cluster.leader() in cluster.members
    with pytest.raises(RealEtcdError, match="^cannot start a real etcd cluster: no etcd and etcdctl binary"):
        lab(ClusterSpec.loopback_lab(members=3), real=True)


def test_lab_can_be_told_to_use_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert isinstance(lab(ClusterSpec.loopback_lab(members=3), real=False), RaftCluster)
    assert capsys.readouterr().out == "The Raft model (k8scourse.etcd.raft), not real etcd: asked for the model.\n"


def test_lab_runs_the_notes_machines_on_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    # The seed lab's 192.168.197.x addresses cannot run here, etcd installed or not.
    assert isinstance(lab(ClusterSpec.seed_lab()), RaftCluster)
    out = capsys.readouterr().out
    assert out.startswith("The Raft model (k8scourse.etcd.raft), not real etcd: ")
    assert out.endswith("every URL's host must be an IP address in 127.0.0.0/8 (127.0.0.x).\n") or not FOUND


@needs_etcd
def test_lab_with_etcd_installed_runs_real_etcd(capsys: pytest.CaptureFixture[str]) -> None:
    with lab(ClusterSpec.loopback_lab(members=3)) as etcd:
        assert isinstance(etcd, RealEtcdCluster)
        assert etcd.leader() in etcd.members
        pids = list(etcd.pids.values())
    assert capsys.readouterr().out.startswith("Real etcd: 3 members on loopback (etcd 3.")
    assert gone_within(pids, 2)
