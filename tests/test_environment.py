"""One tested set of versions: pyproject.toml (bounds), constraints.txt (the lock) and environment.yml (conda, Binder)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from lock import PIN, pin_environment  # noqa: E402  (tools/ is not a package)

NOT_PACKAGES = {"python", "pip"}  # conda needs these listed; pyproject states them elsewhere


def normalize(requirement: str) -> str:
    """Project name of a pip or conda requirement, normalised as PEP 503 does."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match, f"cannot read a package name from {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirements() -> list[Requirement]:
    """pyproject's runtime and test requirements."""
    project = pyproject()["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def conda_environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def conda_packages() -> list[str]:
    return [dep for dep in conda_environment()["dependencies"] if isinstance(dep, str)]


def conda_pins() -> dict[str, str]:
    """``{name: version}`` of environment.yml's ``name==version`` lines."""
    pins = {}
    for dep in conda_packages():
        if normalize(dep) not in NOT_PACKAGES:
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", dep.replace(" ", ""))
            assert match, f"environment.yml: {dep!r} is not pinned as name==version (run `make lock`)"
            pins[normalize(match[1])] = match[2]
    return pins


def lock() -> dict[str, str]:
    """constraints.txt as ``{name: version}``."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            match = PIN.match(line)
            assert match, f"constraints.txt: {line!r} is not a name==version pin"
            pins[normalize(match[1])] = match[2]
    return pins


def test_same_runtime_dependencies() -> None:
    pip_names = {normalize(dep) for dep in pyproject()["project"]["dependencies"]}
    conda_names = {normalize(dep) for dep in conda_packages()} - NOT_PACKAGES
    assert conda_names == pip_names


def test_pyproject_has_lower_bounds_only() -> None:
    for requirement in requirements():
        if requirement.marker is None:  # tomli is only for old Pythons
            operators = {spec.operator for spec in requirement.specifier}
            assert operators == {">="}, f"pyproject.toml: {requirement} should say only >= (pins are in constraints.txt)"


def test_the_lock_pins_every_requirement_within_its_bounds() -> None:
    pins = lock()
    for requirement in requirements():
        if requirement.marker is None or requirement.marker.evaluate():
            name = normalize(requirement.name)
            assert name in pins, f"constraints.txt has no pin for {name}: run `make lock`"
            assert SpecifierSet(str(requirement.specifier)).contains(pins[name]), \
                f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {requirement.specifier}"
    assert "k8scourse" not in pins


def test_conda_pins_agree_with_the_lock() -> None:
    pins = lock()
    for name, version in conda_pins().items():
        assert pins.get(name) == version, f"environment.yml pins {name}=={version}, constraints.txt {pins.get(name)}"


def test_conda_python_is_the_locks_and_within_requires_python() -> None:
    python = next(dep for dep in conda_packages() if normalize(dep) == "python")
    match = re.fullmatch(r"python=(\d+\.\d+)", python.replace(" ", ""))
    # repo2docker reads the X.Y of `python=X.Y` to choose Binder's base Python.
    assert match, f"environment.yml: {python!r} should be python=X.Y"
    assert f"Python {match[1]}." in (ROOT / "constraints.txt").read_text()
    assert SpecifierSet(pyproject()["project"]["requires-python"]).contains(match[1] + ".0")


def test_conda_installs_the_package_itself() -> None:
    pip_section = next(dep["pip"] for dep in conda_environment()["dependencies"] if isinstance(dep, dict))
    assert "-e ." in pip_section
    assert conda_environment()["channels"] == ["conda-forge"]


def test_make_and_ci_install_with_the_lock() -> None:
    assert "-c constraints.txt" in (ROOT / "Makefile").read_text()
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^lock:", (ROOT / "Makefile").read_text(), re.MULTILINE)


def test_pin_environment_rewrites_only_versions() -> None:
    text = "dependencies:\n  - python>=3.10\n  - numpy\n  - pyyaml==5.0\n  - pip\n  - pip:\n      - -e .\n"
    assert pin_environment(text, {"numpy": "2.0.1", "pyyaml": "6.0.4"}, "3.11") == (
        "dependencies:\n  - python=3.11\n  - numpy==2.0.1\n  - pyyaml==6.0.4\n  - pip\n  - pip:\n      - -e .\n")


@pytest.mark.parametrize("requirement, name", [
    ("PyYAML>=6", "pyyaml"), ("jupyter_client ==8.0", "jupyter-client"),
    ("tomli; python_version < '3.11'", "tomli"), ("python>=3.10", "python")])
def test_normalize(requirement: str, name: str) -> None:
    assert normalize(requirement) == name
