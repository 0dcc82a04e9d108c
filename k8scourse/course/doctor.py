"""``k8scourse doctor``: check what a learner's laptop or a workshop room needs, and say how to fix it.

Each check gives a :class:`Finding`: ``ok``, ``fail`` (the course will not
work as it should: exit status 1) or ``warn`` (something optional is
missing; the course has a fallback). Every finding that is not ``ok`` says
what to do.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from .lab import WELCOME

CONSTRAINTS = "constraints.txt"
INSTALL = "make setup (or: .venv/bin/pip install -c constraints.txt -e .)"
WIDGETS_EXTENSION = "@jupyter-widgets/jupyterlab-manager"
LAB_PORT = 8888
"""jupyter_server's ServerApp.port default; it tries ServerApp.port_retries (50) more after it."""
PORT_RETRIES = 50
CJK_SAMPLE = "标签"
"""Two characters of the notes' section *Label标签*, quoted in chapter 03."""
LAST_RESORT = "Last Resort"
"""Unicode's Last Resort font maps every character to a "missing glyph" picture: it covers all, draws none."""


@dataclass(frozen=True)
class Finding:
    """One check's outcome: ``status`` is ``ok``, ``warn`` or ``fail``; ``fix`` says what to do."""

    name: str
    status: str
    detail: str
    fix: str = ""


def check_python() -> Finding:
    """The interpreter satisfies the course's Requires-Python."""
    wanted = _requires_python()
    version = ".".join(map(str, sys.version_info[:3]))
    if SpecifierSet(wanted).contains(version):
        return Finding("python", "ok", f"Python {version} ({sys.executable})")
    return Finding("python", "fail", f"Python {version}; the course needs {wanted}",
                   "install a newer Python 3, then recreate .venv: rm -rf .venv && make setup")


def _requires_python() -> str:
    try:
        return metadata.metadata("k8scourse")["Requires-Python"] or ">=3.10"
    except metadata.PackageNotFoundError:
        return ">=3.10"


def read_constraints(path: Path) -> list[Requirement]:
    """The ``name==version`` lines of a pip constraints file (comments, blanks and options skipped)."""
    pins = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            pins.append(Requirement(line))
        except InvalidRequirement as exc:
            raise ValueError(f"{path}:{number}: not a requirement: {exc}") from None
    return pins


def check_packages(course: Path) -> Finding:
    """Installed versions equal the pins in constraints.txt, or else satisfy k8scourse's own requirements.

    The lock also pins the test tools, which a learner need not have: a pin
    is checked when its package is installed, and k8scourse's own
    dependencies must be installed.
    """
    try:
        own = [Requirement(r) for r in metadata.requires("k8scourse") or ()]
    except metadata.PackageNotFoundError:
        return Finding("packages", "fail", "k8scourse is not installed in this Python", INSTALL)
    own = [r for r in own if r.marker is None or r.marker.evaluate({"extra": ""})]
    constraints = course / CONSTRAINTS
    try:
        pins = read_constraints(constraints) if constraints.is_file() else []
    except ValueError as exc:
        return Finding("packages", "fail", str(exc), f"fix {CONSTRAINTS} or restore it with git checkout")
    pinned = {canonicalize_name(r.name) for r in pins}
    wanted = [r for r in pins if r.marker is None or r.marker.evaluate({"extra": ""})]
    wanted += [r for r in own if canonicalize_name(r.name) not in pinned]
    problems, checked = [], 0
    for requirement in wanted:
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            if canonicalize_name(requirement.name) in {canonicalize_name(r.name) for r in own}:
                problems.append(f"{requirement.name} is missing")
            continue
        checked += 1
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(f"{requirement.name} {installed} (wanted {requirement.specifier})")
    source = CONSTRAINTS if pins else "k8scourse's requirements (no constraints.txt here)"
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        return Finding("packages", "fail", f"{len(problems)} packages differ from {source}: {shown}", INSTALL)
    return Finding("packages", "ok", f"{checked} installed packages match {source}")


def check_widgets() -> Finding:
    """JupyterLab's widget manager is installed, belongs to jupyterlab_widgets, and fits the kernel's ipywidgets.

    A widget shows "Error displaying widget" or nothing when the front end
    (the labextension JupyterLab loads) and the kernel side (ipywidgets)
    disagree: the labextension found first on Jupyter's data path must be the
    one the installed jupyterlab_widgets ships, in the version ipywidgets requires.
    """
    fix = ".venv/bin/pip install --force-reinstall ipywidgets jupyterlab_widgets, then restart JupyterLab"
    try:
        ipywidgets = metadata.version("ipywidgets")
        frontend = metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError as exc:
        return Finding("widgets", "fail", f"{exc.name} is not installed", fix)
    needed = next((Requirement(r).specifier for r in metadata.requires("ipywidgets") or ()
                   if canonicalize_name(Requirement(r).name) == "jupyterlab-widgets"), SpecifierSet())
    if not needed.contains(frontend, prereleases=True):
        return Finding("widgets", "fail", f"ipywidgets {ipywidgets} needs jupyterlab_widgets{needed}, "
                       f"this Python has {frontend}", fix)
    loaded = _labextension(WIDGETS_EXTENSION)
    if loaded is None:
        return Finding("widgets", "fail", f"JupyterLab finds no {WIDGETS_EXTENSION} extension", fix)
    shipped = _shipped_version(WIDGETS_EXTENSION)
    version = json.loads((loaded / "package.json").read_text()).get("version", "?")
    if shipped is not None and version != shipped:
        return Finding("widgets", "fail", f"JupyterLab loads {WIDGETS_EXTENSION} {version} from {loaded}, "
                       f"but jupyterlab_widgets {frontend} ships {shipped}",
                       f"remove the stale copy at {loaded}, or: {fix}")
    return Finding("widgets", "ok", f"ipywidgets {ipywidgets}, front end jupyterlab_widgets {frontend} "
                   f"({WIDGETS_EXTENSION} {version})")


def _labextension(name: str) -> Path | None:
    """The folder JupyterLab loads extension ``name`` from: the first on Jupyter's data path."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("labextensions"):
        if (Path(folder) / name / "package.json").is_file():
            return Path(folder) / name
    return None


def _shipped_version(name: str) -> str | None:
    """The extension version inside the installed jupyterlab_widgets distribution, if it lists its files."""
    dist = metadata.distribution("jupyterlab_widgets")
    for file in dist.files or ():
        if file.as_posix().endswith(f"labextensions/{name}/package.json"):
            path = Path(str(dist.locate_file(file)))
            return json.loads(path.read_text()).get("version") if path.is_file() else None
    return None


def writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (or, if it does not exist yet, its nearest parent)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def check_folders(course: Path) -> Finding:
    """Home (Jupyter's runtime files) and the course folder (``work/``) are writable; this is the course folder."""
    from jupyter_core.paths import jupyter_runtime_dir

    if not (course / WELCOME).is_file():
        return Finding("folders", "fail", f"{course} is not the course folder ({WELCOME} is missing)",
                       "cd into the course folder (the repository root) and run k8scourse again")
    for label, folder in (("home", Path.home()), ("Jupyter's runtime folder", Path(jupyter_runtime_dir())),
                          ("course folder", course)):
        if not writable(folder):
            return Finding("folders", "fail", f"cannot write in the {label} {folder}",
                           f"fix its owner or permissions (chown -R $USER {folder}), or set HOME/"
                           "JUPYTER_RUNTIME_DIR to a writable folder")
    return Finding("folders", "ok", f"home {Path.home()} and the course folder {course} are writable")


def free_port(start: int = LAB_PORT, tries: int = PORT_RETRIES) -> int | None:
    """The first port from ``start`` that loopback can listen on, trying as many as JupyterLab does."""
    for port in range(start, start + tries + 1):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return None


def check_port() -> Finding:
    """JupyterLab will find a port: 8888, or one of the next 50 it tries."""
    port = free_port()
    if port is None:
        return Finding("port", "fail", f"ports {LAB_PORT}-{LAB_PORT + PORT_RETRIES} are all in use",
                       "stop other Jupyter servers (jupyter server list; jupyter server stop PORT) "
                       "or pass --port=N to k8scourse lab")
    if port != LAB_PORT:
        return Finding("port", "ok", f"{LAB_PORT} is in use; JupyterLab will take {port}")
    return Finding("port", "ok", f"{LAB_PORT} is free for JupyterLab")


def check_etcd() -> Finding:
    """A real etcd for chapter 07's last section; without it the chapter runs the Raft model (a warning)."""
    from ..etcd.real import RealEtcdCluster

    available = RealEtcdCluster.available()
    if available:
        return Finding("etcd", "ok", available.reason)
    return Finding("etcd", "warn", f"{available.reason}; chapter 07 runs its Raft model instead",
                   "optional: install etcd 3.4 to run a real cluster in chapter 07")


def cjk_font() -> str | None:
    """The name of a font matplotlib knows that draws the notes' Chinese characters, if any."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    for entry in font_manager.fontManager.ttflist:
        if entry.name.startswith(LAST_RESORT):
            continue
        try:
            charmap = FT2Font(entry.fname).get_charmap()
        except (OSError, RuntimeError):
            continue
        if all(ord(c) in charmap for c in CJK_SAMPLE):
            return entry.name
    return None


def check_fonts() -> Finding:
    """A CJK font for the notes' Chinese quotes in figures; the browser has its own fonts for Markdown (a warning)."""
    font = cjk_font()
    if font:
        return Finding("fonts", "ok", f"{font} draws the notes' Chinese quotes")
    return Finding("fonts", "warn", "no font draws Chinese characters; quotes of the notes show as boxes "
                   "in figures", "optional: apt-get install fonts-noto-cjk (macOS and Windows have one), "
                   "then rm -rf ~/.cache/matplotlib")


def diagnose(course: Path) -> list[Finding]:
    """Every check, in the order a learner meets them."""
    checks: list[Callable[[], Finding]] = [
        check_python, lambda: check_packages(course), check_widgets, lambda: check_folders(course),
        check_port, check_etcd, check_fonts]
    return [check() for check in checks]


MARKS = {"ok": "✔", "warn": "!", "fail": "✘"}


def report(findings: list[Finding]) -> str:
    """One line per finding, each problem followed by what to do, then a verdict."""
    lines = []
    for finding in findings:
        lines.append(f"{MARKS[finding.status]} {finding.name}: {finding.detail}")
        if finding.fix:
            lines.append(f"    fix: {finding.fix}")
    failed = sum(f.status == "fail" for f in findings)
    warned = sum(f.status == "warn" for f in findings)
    optional = f" ({warned} optional thing{'s' * (warned != 1)} missing)" if warned else ""
    lines.append(f"{failed} problem{'s' * (failed != 1)} to fix{optional}" if failed else f"all is well{optional}")
    return "\n".join(lines)


def main(course: Path) -> int:
    """The ``doctor`` subcommand: 0 when nothing fails (warnings allowed), 1 otherwise."""
    findings = diagnose(course)
    print(report(findings))
    return 1 if any(f.status == "fail" for f in findings) else 0

