"""environment.yml (conda, Binder) and pyproject.toml (pip) must install the same course."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOT_PACKAGES = {"python", "pip"}  # conda needs these listed; pyproject states them elsewhere


def normalize(requirement: str) -> str:
    """Project name of a pip or conda requirement, normalised as PEP 503 does."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match, f"cannot read a package name from {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def conda_environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def conda_packages() -> list[str]:
    return [dep for dep in conda_environment()["dependencies"] if isinstance(dep, str)]


def test_same_runtime_dependencies() -> None:
    pip_names = {normalize(dep) for dep in pyproject()["project"]["dependencies"]}
    conda_names = {normalize(dep) for dep in conda_packages()} - NOT_PACKAGES
    assert conda_names == pip_names


def test_same_python_floor() -> None:
    requires = pyproject()["project"]["requires-python"]
    python = next(dep for dep in conda_packages() if normalize(dep) == "python")
    assert python.replace(" ", "") == "python" + requires.replace(" ", "")


def test_conda_installs_the_package_itself() -> None:
    pip_section = next(dep["pip"] for dep in conda_environment()["dependencies"] if isinstance(dep, dict))
    assert "-e ." in pip_section
    assert conda_environment()["channels"] == ["conda-forge"]


def test_normalize() -> None:
    assert normalize("PyYAML>=6") == "pyyaml"
    assert normalize("jupyter_client ==8.0") == "jupyter-client"
    assert normalize("tomli; python_version < '3.11'") == "tomli"
    assert normalize("python>=3.10") == "python"
