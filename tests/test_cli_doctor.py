"""`k8scourse doctor`: each check finds its problem and says what to do; exit 0 only when nothing fails."""

from __future__ import annotations

import importlib.metadata as metadata
import json
import socket
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_notebook

from k8scourse.course import cli, doctor
from k8scourse.etcd.real import Availability, RealEtcdCluster


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "notebooks").mkdir()
    nbformat.write(new_notebook(), tmp_path / "notebooks" / "00-welcome.ipynb")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_python(monkeypatch: pytest.MonkeyPatch) -> None:
    assert doctor.check_python().status == "ok"
    monkeypatch.setattr(doctor, "_requires_python", lambda: ">=3.99")
    finding = doctor.check_python()
    assert finding.status == "fail" and finding.detail.endswith("the course needs >=3.99")
    assert "make setup" in finding.fix


def test_packages_against_constraints(course: Path) -> None:
    yaml = metadata.version("pyyaml")
    (course / "constraints.txt").write_text(f"# the lock\npyyaml=={yaml}\nnot-installed-anywhere==1.0\n\n")
    assert doctor.check_packages(course) == doctor.Finding("packages", "ok",
                                                           "13 installed packages match constraints.txt")
    (course / "constraints.txt").write_text("pyyaml==0.0.1\nnumpy==0.0.2\n")
    finding = doctor.check_packages(course)
    assert finding.status == "fail" and finding.fix == doctor.INSTALL
    assert finding.detail == (f"2 packages differ from constraints.txt: pyyaml {yaml} (wanted ==0.0.1); "
                              f"numpy {metadata.version('numpy')} (wanted ==0.0.2)")


def test_packages_without_constraints_check_the_requirements(course: Path) -> None:
    finding = doctor.check_packages(course)
    assert finding == doctor.Finding("packages", "ok", "13 installed packages match k8scourse's requirements "
                                     "(no constraints.txt here)")


def test_a_bad_constraints_line(course: Path) -> None:
    (course / "constraints.txt").write_text("pyyaml==6.0\npyyaml ==\n")
    finding = doctor.check_packages(course)
    assert finding.status == "fail" and finding.detail.startswith(f"{course / 'constraints.txt'}:2: not a requirement")


def test_widgets_front_end_matches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    finding = doctor.check_widgets()
    assert finding.status == "ok" and f"ipywidgets {metadata.version('ipywidgets')}" in finding.detail
    monkeypatch.setattr(doctor, "_labextension", lambda name: None)
    finding = doctor.check_widgets()
    assert finding.status == "fail"
    assert finding.detail == "JupyterLab finds no @jupyter-widgets/jupyterlab-manager extension"
    assert "pip install --force-reinstall ipywidgets jupyterlab_widgets" in finding.fix


def test_a_stale_widgets_front_end_shadows_the_installed_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"version": "3.0.0"}))
    monkeypatch.setattr(doctor, "_labextension", lambda name: tmp_path)
    finding = doctor.check_widgets()
    assert finding.status == "fail"
    assert finding.detail.startswith(f"JupyterLab loads @jupyter-widgets/jupyterlab-manager 3.0.0 from {tmp_path}, "
                                     "but jupyterlab_widgets")
    assert finding.fix.startswith(f"remove the stale copy at {tmp_path}")


def test_widgets_version_ipywidgets_does_not_accept(monkeypatch: pytest.MonkeyPatch) -> None:
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "1.0.0" if name == "jupyterlab_widgets" else real(name))
    finding = doctor.check_widgets()
    assert finding.status == "fail" and finding.detail.endswith("this Python has 1.0.0")
    assert "needs jupyterlab_widgets~=" in finding.detail


def test_folders(course: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert doctor.check_folders(course).status == "ok"
    monkeypatch.setattr(doctor, "writable", lambda folder: folder != course)
    finding = doctor.check_folders(course)
    assert finding.status == "fail" and finding.detail == f"cannot write in the course folder {course}"
    (course / "notebooks" / "00-welcome.ipynb").unlink()
    assert doctor.check_folders(course).detail == (f"{course} is not the course folder "
                                                   "(notebooks/00-welcome.ipynb is missing)")


def test_writable_looks_at_the_nearest_existing_parent(tmp_path: Path) -> None:
    assert doctor.writable(tmp_path / "not" / "yet")


def test_free_port_skips_a_busy_one() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        assert doctor.free_port(port, tries=0) is None
        assert doctor.free_port(port, tries=5) not in (None, port)


def test_port_in_use_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "free_port", lambda: None)
    finding = doctor.check_port()
    assert finding.status == "fail" and finding.detail == "ports 8888-8938 are all in use"
    monkeypatch.setattr(doctor, "free_port", lambda: 8890)
    assert doctor.check_port() == doctor.Finding("port", "ok", "8888 is in use; JupyterLab will take 8890")


def test_no_etcd_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RealEtcdCluster, "available", staticmethod(lambda: Availability(False, "no etcd binary")))
    finding = doctor.check_etcd()
    assert finding == doctor.Finding("etcd", "warn", "no etcd binary; chapter 07 runs its Raft model instead",
                                     "optional: install etcd 3.4 to run a real cluster in chapter 07")


def test_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "cjk_font", lambda: None)
    finding = doctor.check_fonts()
    assert finding.status == "warn" and "fonts-noto-cjk" in finding.fix
    monkeypatch.setattr(doctor, "cjk_font", lambda: "Noto Sans CJK SC")
    assert doctor.check_fonts().detail == "Noto Sans CJK SC draws the notes' Chinese quotes"


def test_the_last_resort_font_draws_no_chinese() -> None:
    from matplotlib import font_manager

    font = doctor.cjk_font()
    assert font is None or not font.startswith("Last Resort")
    assert font is None or font in {f.name for f in font_manager.fontManager.ttflist}


FINDINGS = [doctor.Finding("python", "ok", "Python 3"), doctor.Finding("etcd", "warn", "no etcd", "install it"),
            doctor.Finding("port", "fail", "all busy", "stop a server")]


def test_report_and_exit_status(course: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(doctor, "diagnose", lambda course: FINDINGS)
    assert cli.main(["doctor"]) == 1
    assert capsys.readouterr().out == ("✔ python: Python 3\n! etcd: no etcd\n    fix: install it\n"
                                       "✘ port: all busy\n    fix: stop a server\n1 problem to fix (1 optional thing missing)\n")
    monkeypatch.setattr(doctor, "diagnose", lambda course: FINDINGS[:2])
    assert cli.main(["doctor"]) == 0
    assert capsys.readouterr().out.endswith("all is well (1 optional thing missing)\n")
    monkeypatch.setattr(doctor, "diagnose", lambda course: FINDINGS[:1])
    assert cli.main(["doctor"]) == 0
    assert capsys.readouterr().out.endswith("all is well\n")


def test_every_check_runs(course: Path) -> None:
    assert [f.name for f in doctor.diagnose(course)] == ["python", "packages", "widgets", "folders", "port",
                                                         "etcd", "fonts"]
