"""``k8scourse lab``: copy the course into ``work/`` and open JupyterLab on the welcome notebook.

Learners work on copies in ``work/`` (ignored by git), so ``git pull`` of
course updates never meets their changes; see the README.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

WELCOME = Path("notebooks/00-welcome.ipynb")
WORK = Path("work")
"""Where learners work: copies of the course's notebooks, ignored by git (see README)."""
COPIED = ("notebooks", "exercises", "solutions")
LAB_SETTINGS = Path(__file__).parent / "lab_settings"
"""JupyterLab's application settings folder for the course: its ``overrides.json`` sets the
notification plugin's ``fetchNews`` to "false" (left at "none", JupyterLab asks every learner
on first start), and no update checks. It takes the place of ``<prefix>/share/jupyter/lab/settings``."""
# jupyter_server's ContentsManager.hide_globs default, plus setuptools' metadata folder.
HIDE_GLOBS = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.egg-info"]


def prepare_work(course: Path, work: Path) -> list[Path]:
    """Copy the course's notebook folders into ``work``, file by file, skipping files already there.

    A learner's edits live only in ``work``; a chapter added by an update is
    copied on the next start. Returns the files copied.
    """
    copied = []
    for folder in COPIED:
        source = course / folder
        for path in sorted(source.rglob("*")) if source.is_dir() else ():
            if ".ipynb_checkpoints" in path.parts or not path.is_file():
                continue
            target = work / path.relative_to(course)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
                copied.append(target)
    return copied


def lab_command(work: Path, extra: Sequence[str]) -> list[str]:
    """The ``jupyter lab`` command line serving ``work`` and opening the welcome notebook.

    ``LabApp.default_url`` makes both the browser JupyterLab opens and the
    URL it prints (with the token, for ``--no-browser``) land on the welcome
    notebook; ``hide_globs`` keeps build leftovers out of the file browser;
    the course's settings overrides (``LAB_SETTINGS``) spare a room of learners
    JupyterLab's first-start question about fetching its news feed.
    """
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={work.resolve()}",
               f"--LabApp.default_url=/lab/tree/{WELCOME.as_posix()}", f"--LabApp.app_settings_dir={LAB_SETTINGS}",
               *(f"--ContentsManager.hide_globs={glob}" for glob in HIDE_GLOBS), *extra]
    if os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (containers, Binder-like VMs)
    return command


def lab(extra: Sequence[str]) -> int:
    """Prepare work/, then replace this process with JupyterLab, so Ctrl-C reaches it directly."""
    if not WELCOME.is_file():
        print(f"k8scourse: error: {WELCOME} not found; run this from the course folder", file=sys.stderr)
        return 1
    copied = prepare_work(Path.cwd(), WORK)
    if copied:
        print(f"k8scourse: copied {len(copied)} course files into {WORK}/; your work there is yours, "
              "`git pull` never touches it")
    command = lab_command(WORK, extra)
    os.execv(sys.executable, command)
    return 0  # only reached when execv is replaced (tests)
