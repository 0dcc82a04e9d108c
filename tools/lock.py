"""Refresh the pins: ``constraints.txt`` and the versions in ``environment.yml`` (run by ``make lock``).

1. Make a throwaway virtual environment with this Python and install the
   course into it as ``make setup`` does, but unconstrained: pip picks the
   newest version of everything that ``pyproject.toml``'s lower bounds allow.
2. Write what it installed (``pip freeze``, the course itself left out) to
   ``constraints.txt``: the tested lock the Makefile, ``.ci/run`` and
   ``deploy/Dockerfile`` install with (``pip install -c constraints.txt``).
3. Pin ``environment.yml`` (conda, Binder) to the same versions of the direct
   dependencies and to this Python's minor version.

Then run ``make test``: a lock is tested before it is committed.
Run: python3 tools/lock.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = """\
# The tested lock of the whole dependency set: every package that
# `pip install -e '.[test]'` installs, the course itself aside, made on Python {python}.
# The Makefile, .ci/run and deploy/Dockerfile install with it (pip install -c constraints.txt).
# Refresh it, and environment.yml's pins, with `make lock`; then `make test`.
"""
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def freeze(python: Path) -> list[str]:
    """``name==version`` of everything installed in ``python``'s environment but the editable course."""
    lines = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"], check=True,
                           capture_output=True, text=True).stdout.splitlines()
    pins = [line for line in lines if line and not line.startswith("#")]
    odd = [line for line in pins if not PIN.match(line)]
    if odd:
        raise SystemExit(f"lock: not a plain name==version pin (installed from elsewhere?): {odd}")
    return sorted((line for line in pins if pep503(line.split("==")[0]) != "k8scourse"),
                  key=lambda line: pep503(line.split("==")[0]))


def pin_environment(text: str, versions: dict[str, str], python: str) -> str:
    """``environment.yml`` with each conda dependency listed in ``versions`` pinned to it (``name==x.y.z``)."""
    def pin(match: re.Match) -> str:
        indent, name = match.group(1), match.group(2)
        if name == "python":
            return f"{indent}python={python}"
        if pep503(name) in versions:
            return f"{indent}{name}=={versions[pep503(name)]}"
        return match.group(0)

    return re.sub(r"^(\s*- )([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[=<>!].*)?$", pin, text, flags=re.MULTILINE)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="k8scourse-lock-") as folder:
        venv = Path(folder) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[test]"],
                       cwd=ROOT, check=True)
        pins = freeze(python)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (ROOT / "constraints.txt").write_text(HEADER.format(python=version) + "\n".join(pins) + "\n")
    versions = {pep503(line.split("==")[0]): line.split("==")[1] for line in pins}
    environment = ROOT / "environment.yml"
    environment.write_text(pin_environment(environment.read_text(), versions, version))
    print(f"lock: {len(pins)} pins in constraints.txt, environment.yml pinned; now run `make test`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
