"""The ``k8scourse`` command: start the course, build exercises, execute notebooks, write and check configs.

Run it from the course folder (the repository root); paths default to the
``notebooks/``, ``solutions/`` and ``exercises/`` folders there. ``start``
serves learners' copies of them in ``work/``, so the committed notebooks stay
as the course ships them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

WELCOME = Path("notebooks/00-welcome.ipynb")
WORK = Path("work")
"""Where learners work: copies of the course's notebooks, ignored by git (see README)."""
COPIED = ("notebooks", "exercises", "solutions")
# jupyter_server's ContentsManager.hide_globs default, plus setuptools' metadata folder.
HIDE_GLOBS = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.egg-info"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "start":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    # Imported here so `k8scourse --help` and `start` stay quick.
    from .notebooks import NotebookError

    try:
        return args.run(args, extra)
    except NotebookError as exc:
        print(f"k8scourse: error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="k8scourse", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    start = commands.add_parser(
        "start",
        help="open the course in JupyterLab",
        description="Copy the course's notebooks into work/ (only those not there yet: your own "
        "changes are never overwritten) and open work/notebooks/00-welcome.ipynb in JupyterLab. "
        "Other options are passed to `jupyter lab`.",
    )
    start.set_defaults(run=_start)

    make = commands.add_parser(
        "make-exercises",
        help="generate exercises/ from solutions/",
        description="Generate exercises/NN-name.ipynb from solutions/NN-name.ipynb and execute them.",
    )
    make.add_argument("names", nargs="*", metavar="NAME", help="only these notebooks (default: all)")
    make.add_argument("--check", action="store_true", help="write nothing; fail if exercises/ is out of sync")
    make.add_argument("--no-execute", dest="execute", action="store_false", help="do not run the exercises")
    make.add_argument("--solutions", type=Path, default=Path("solutions"), metavar="DIR")
    make.add_argument("--exercises", type=Path, default=Path("exercises"), metavar="DIR")
    make.set_defaults(run=_make_exercises)

    execute = commands.add_parser(
        "execute",
        help="run notebooks top to bottom and save their outputs",
        description="Execute notebooks in place, reproducibly, so their outputs can be committed.",
    )
    execute.add_argument("paths", nargs="+", type=Path, metavar="NOTEBOOK")
    execute.set_defaults(run=_execute)

    gen = commands.add_parser(
        "gen",
        help="write a cluster's configuration files",
        description="Write every file of a preset cluster as DIR/<machine>/etc/...: seed-lab is the notes' "
        "three machines with the notes' values, mistakes included; loopback-lab the same design, corrected, "
        "on 127.0.0.x.",
    )
    gen.add_argument("preset", choices=["seed-lab", "loopback-lab"], help="which cluster")
    gen.add_argument("folder", type=Path, metavar="DIR")
    gen.add_argument("--members", type=int, default=3, metavar="N", help="loopback-lab: machines, all etcd members")
    gen.add_argument("--secure", action="store_true",
                     help="TLS everywhere: https etcd, the apiserver's secure port, and the certificates")
    gen.set_defaults(run=_gen)

    lint = commands.add_parser(
        "lint",
        help="check a cluster's configuration files",
        description="Check DIR/<machine>/etc/... (or one machine's DIR/etc/...) as etcd, Kubernetes and flannel "
        "would read it. Prints `machine:path: KEY: severity: message`; exits 1 if there is an error.",
    )
    lint.add_argument("folder", type=Path, metavar="DIR")
    lint.add_argument("--kubernetes-version", default=None, metavar="VERSION",
                      help="judge flags against this version (default: v1.31.0)")
    lint.set_defaults(run=_lint)

    doctor = commands.add_parser(
        "doctor",
        help="boot a cluster's files and say what is wrong",
        description="Boot DIR/<machine>/etc/... as Cluster.from_spec does (every etcd member started, flannel's "
        "config written, each machine's systemctl starts), let it run, and print cluster.doctor(): the linter's "
        "findings and what the daemons report. Exits 1 if there is an error.",
    )
    doctor.add_argument("folder", type=Path, metavar="DIR")
    doctor.add_argument("--seconds", type=float, default=60.0, help="virtual seconds to run first (default: 60)")
    doctor.add_argument("--seed", type=int, default=0)
    doctor.set_defaults(run=_doctor)
    return parser


def prepare_work(course: Path, work: Path) -> list[Path]:
    """Copy the course's notebook folders into ``work``, file by file, skipping files already there.

    A learner's edits live only in ``work`` (ignored by git), so ``git pull``
    of course updates never meets them; a chapter added by an update is
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
    notebook; ``hide_globs`` keeps build leftovers out of the file browser.
    """
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={work.resolve()}",
               f"--LabApp.default_url=/lab/tree/{WELCOME.as_posix()}",
               *(f"--ContentsManager.hide_globs={glob}" for glob in HIDE_GLOBS), *extra]
    if os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (containers, Binder-like VMs)
    return command


def _start(args: argparse.Namespace, extra: list[str]) -> int:
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


def _make_exercises(args: argparse.Namespace, extra: list[str]) -> int:
    from .exercises import check_in_sync, make_exercises

    if args.check:
        stale = check_in_sync(args.solutions, args.exercises)
        for name in stale:
            print(f"out of sync: {args.exercises / name}")
        if stale:
            print("run `make exercises` (or `k8scourse make-exercises`) and commit the result", file=sys.stderr)
            return 1
        print(f"{args.exercises} is in sync with {args.solutions}")
        return 0
    for path in make_exercises(args.solutions, args.exercises, execute=args.execute, names=args.names):
        print(f"wrote {path}")
    return 0


def _execute(args: argparse.Namespace, extra: list[str]) -> int:
    from .notebooks import execute_notebook, read_notebook, write_notebook

    for path in args.paths:
        nb = execute_notebook(read_notebook(path), path.parent, str(path))
        write_notebook(nb, path)
        print(f"executed {path}")
    return 0


def _gen(args: argparse.Namespace, extra: list[str]) -> int:
    from ..config import ClusterSpec, SpecError
    from ..config.tls import cluster_pki

    try:
        spec = ClusterSpec.seed_lab() if args.preset == "seed-lab" else ClusterSpec.loopback_lab(args.members)
    except SpecError as exc:
        print(f"k8scourse: error: {exc}", file=sys.stderr)
        return 2
    if args.secure:
        spec = spec.secured()
    written = spec.write(args.folder)
    if args.secure:
        for machine, files in cluster_pki(spec).items():
            for path, text in files.items():
                target = args.folder / machine / path.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
                written.append(target)
    print(f"wrote {len(written)} files for {len(spec.machines)} machines in {args.folder}")
    return 0


def _lint(args: argparse.Namespace, extra: list[str]) -> int:
    from ..config import lint
    from ..config.spec import CURRENT_VERSION, SpecError, read_tree, version_tuple

    if not args.folder.is_dir():
        print(f"k8scourse: error: {args.folder}: not a folder", file=sys.stderr)
        return 2
    version = args.kubernetes_version or CURRENT_VERSION
    try:
        version_tuple(version)
    except SpecError as exc:
        print(f"k8scourse: error: --kubernetes-version: {exc}", file=sys.stderr)
        return 2
    # One machine's tree has etc/ at its top; a cluster's has a folder per machine.
    tree = read_tree(args.folder.parent)[args.folder.name] if (args.folder / "etc").is_dir() else read_tree(args.folder)
    findings = lint(tree, kubernetes_version=version)
    for finding in findings:
        print(finding)
    counts = {severity: sum(f.severity == severity for f in findings) for severity in ("error", "warning", "info")}
    print(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes", file=sys.stderr)
    return 1 if counts["error"] else 0


def _doctor(args: argparse.Namespace, extra: list[str]) -> int:
    from ..cluster import Cluster
    from ..config.spec import ClusterSpec, read_tree

    if not args.folder.is_dir():
        print(f"k8scourse: error: {args.folder}: not a folder", file=sys.stderr)
        return 2
    tree = read_tree(args.folder)
    try:
        cluster = Cluster.from_spec(ClusterSpec.from_files(tree), seed=args.seed, files=tree)
    except ValueError as exc:  # a tree that is no cluster: the message names the machine and the file
        print(f"k8scourse: error: {exc}", file=sys.stderr)
        return 2
    cluster.run(args.seconds)
    diagnosis = cluster.doctor()
    print(diagnosis)
    return 1 if diagnosis.errors() else 0
