"""deploy/: what can be checked without Docker or a Kubernetes cluster.

* The Dockerfile's build context (the repository root): every COPY source
  exists and is not dropped by .dockerignore, which keeps .venv and work/ out;
  it installs with constraints.txt on the Python the lock was made with.
* deploy/start-course, the image's entry point, copies the course into ~/work
  as `k8scourse start` does and never overwrites a learner's file.
* deploy/values.yaml uses only keys of Zero to JupyterHub's values schema,
  with the types the schema gives them.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"

# The part of Zero to JupyterHub's schema that deploy/values.yaml uses, copied in
# shape (keys, types, enums) from jupyterhub/zero-to-jupyterhub-k8s
# jupyterhub/values.schema.yaml (commit 02dd73df01bdbb6d602fed21b0be12565ab38080):
# `singleuser` and `cull` with additionalProperties: false, singleuser.image as the
# shared &image-spec (required: [name, tag]), cpu limit/guarantee numbers, memory
# limit/guarantee numbers or strings. The chart's own values.yaml supplies every
# other required key (helm merges it first), so only image and cull keep `required`.
NULLABLE_INT = {"type": ["integer", "null"]}
Z2JH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "singleuser": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "image": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "tag"],
                    "properties": {
                        "name": {"type": "string"},
                        "tag": {"type": "string"},
                        "pullPolicy": {"enum": [None, "", "IfNotPresent", "Always", "Never"]},
                        "pullSecrets": {"type": "array"},
                    },
                },
                "cpu": {"type": "object", "additionalProperties": False, "properties": {
                    "limit": {"type": ["number", "null"]}, "guarantee": {"type": ["number", "null"]}}},
                "memory": {"type": "object", "additionalProperties": False, "properties": {
                    "limit": {"type": ["number", "string", "null"]},
                    "guarantee": {"type": ["number", "string", "null"]}}},
                "defaultUrl": {"type": ["string", "null"]},
                "cmd": {"type": ["array", "string", "null"]},
                "startTimeout": NULLABLE_INT,
                "storage": {"type": "object", "additionalProperties": False, "properties": {
                    "capacity": {"type": ["string", "null"]},
                    "type": {"enum": ["dynamic", "static", "none"]},
                    "homeMountPath": {"type": "string"}}},
            },
        },
        "cull": {
            "type": "object",
            "additionalProperties": False,
            "required": ["enabled"],
            "properties": {
                "enabled": {"type": "boolean"},
                "users": {"type": ["boolean", "null"]},
                "adminUsers": {"type": ["boolean", "null"]},
                "removeNamedServers": {"type": ["boolean", "null"]},
                "timeout": NULLABLE_INT,
                "every": NULLABLE_INT,
                "concurrency": NULLABLE_INT,
                "maxAge": NULLABLE_INT,
            },
        },
    },
}


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    lines = [line for line in (DEPLOY / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined.splitlines() if line.strip()]


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str) -> bool:
    """Whether .dockerignore drops ``path`` (relative to the context) or a folder above it."""
    parts = Path(path).parts
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for pattern in dockerignore():
        bare = pattern.removeprefix("**/")
        if any(fnmatch.fnmatch(p, pattern) for p in prefixes):
            return True
        if pattern.startswith("**/") and any(fnmatch.fnmatch(part, bare) for part in parts):
            return True
    return False


def copy_sources() -> list[str]:
    sources = []
    for instruction, arguments in instructions():
        if instruction in ("COPY", "ADD"):
            words = [w for w in arguments.split() if not w.startswith("--")]
            assert "--from" not in arguments, "a multi-stage COPY: check its stage instead"
            sources += words[:-1]
    return sources


def test_every_copy_source_is_in_the_build_context() -> None:
    sources = copy_sources()
    assert {"pyproject.toml", "constraints.txt", "k8scourse/", "notebooks/"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert not ignored(source.rstrip("/")), f"COPY {source}: .dockerignore drops it"


def test_dockerignore_keeps_local_state_out() -> None:
    for path in (".venv", "work", "work/notebooks/00-welcome.ipynb", ".git", "test-output", "k8scourse.egg-info",
                 "k8scourse/__pycache__", "notebooks/.ipynb_checkpoints"):
        assert ignored(path), f"{path} would be sent to the Docker daemon"
    assert not ignored("k8scourse/cluster.py")


def test_the_image_installs_the_lock_on_the_locks_python() -> None:
    runs = " ".join(arguments for instruction, arguments in instructions() if instruction == "RUN")
    assert "pip install" in runs and "-c constraints.txt" in runs
    base = next(arguments for instruction, arguments in instructions() if instruction == "FROM")
    python = re.search(r"Python (\d+\.\d+)", (ROOT / "constraints.txt").read_text())[1]
    assert base.startswith(f"python:{python}-"), f"FROM {base}: constraints.txt was locked on Python {python}"


def test_start_course_copies_the_course_and_keeps_the_learners_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    mine = home / "work" / "notebooks" / "00-welcome.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_text("my edits")
    env = {**os.environ, "HOME": str(home), "K8SCOURSE_COURSE": str(ROOT)}
    result = subprocess.run([str(DEPLOY / "start-course"), "pwd"], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == str(home)  # then runs the command, from the home folder
    assert mine.read_text() == "my edits"
    for folder in ("notebooks", "exercises", "solutions"):
        assert {p.name for p in (ROOT / folder).glob("*.ipynb")} == {p.name for p in (home / "work" / folder).iterdir()}


def values() -> dict:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


def test_values_use_zero_to_jupyterhub_keys() -> None:
    jsonschema.validate(values(), Z2JH_SCHEMA)


def test_values_schema_subset_refuses_a_wrong_key() -> None:
    wrong = values()
    wrong["singleuser"]["memory"]["request"] = "1G"  # Kubernetes' word; the chart says guarantee
    with pytest.raises(jsonschema.ValidationError, match="'request' was unexpected"):
        jsonschema.validate(wrong, Z2JH_SCHEMA)


def bytes_of(quantity: str) -> int:
    """A chart memory quantity (KubeSpawner: K, M, G, T suffixes, powers of 1024) in bytes."""
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", str(quantity)).groups()
    return int(float(number) * 1024 ** " KMGT".index(unit or " "))


def test_values_size_one_learner() -> None:
    singleuser = values()["singleuser"]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert singleuser["image"]["tag"] == version
    memory, cpu = singleuser["memory"], singleuser["cpu"]
    assert 0 < bytes_of(memory["guarantee"]) <= bytes_of(memory["limit"])
    assert 0 < cpu["guarantee"] <= cpu["limit"]
    cull = values()["cull"]
    assert cull["enabled"] and 0 < cull["every"] < cull["timeout"]
    assert singleuser["defaultUrl"] == "/lab/tree/work/notebooks/00-welcome.ipynb"


def test_bytes_of() -> None:
    assert bytes_of("512M") == 512 * 1024**2
    assert bytes_of("1.5G") == 1536 * 1024**2
