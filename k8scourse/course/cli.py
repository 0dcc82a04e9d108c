"""The ``k8scourse`` command: open the course, check a machine, run chapters, build workshop bundles, author.

Run it from the course folder (the repository root); paths default to the
``notebooks/``, ``solutions/`` and ``exercises/`` folders there. The
learners' and instructors' subcommands live in their own modules (``lab``,
``doctor``, ``run``, ``workshop``); the authors' (``make-exercises``,
``execute``) and the labs' (``gen``, ``lint``) are short enough to stay here.
Exit status: 0 ok, 1 failure, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .run import UsageError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in ("lab", "start"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.run(args, extra)
    except UsageError as exc:
        print(f"k8scourse: error: {exc}", file=sys.stderr)
        return 2
    except _failures() as exc:
        print(f"k8scourse: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("k8scourse: interrupted", file=sys.stderr)
        return 130


def _failures() -> tuple[type[Exception], ...]:
    """The errors that mean "this failed" (exit 1).

    Python evaluates an ``except`` clause only when an exception reaches it,
    so the notebook machinery is imported only then, and `lab` starts quickly.
    """
    from .notebooks import NotebookError
    from .workshop import WorkshopError

    return NotebookError, WorkshopError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="k8scourse", description="The Kubernetes course: open it, check this machine for it, run its "
        "chapters, build workshop bundles, and the authors' and lab tools. Run it in the course folder.",
        epilog="Exit status: 0 ok, 1 failure, 2 usage error. `k8scourse COMMAND --help` tells more.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = commands.add_parser(
        "lab", aliases=["start"],
        help="open the course in JupyterLab",
        description="Copy the course's notebooks into work/ (only those not there yet: your own "
        "changes are never overwritten) and open work/notebooks/00-welcome.ipynb in JupyterLab. "
        "Other options are passed to `jupyter lab` (e.g. --no-browser, --port=N).",
    )
    lab.set_defaults(run=_lab)

    doctor = commands.add_parser(
        "doctor",
        help="check this machine for the course, or a cluster's files, and say how to fix it",
        description="Without DIR: check Python, the installed packages against constraints.txt, the widgets' "
        "front end against ipywidgets, writable folders, a free port for JupyterLab, a real etcd and a font for "
        "Chinese (a missing etcd or font is only a warning: the course has fallbacks). With DIR: boot "
        "DIR/<machine>/etc/... as Cluster.from_spec does (every etcd member started, flannel's config written, "
        "each machine's systemctl starts), let it run, and print cluster.doctor(): the linter's findings and what "
        "the daemons report. Exit 0 when nothing fails, 1 otherwise.",
    )
    doctor.add_argument("folder", type=Path, metavar="DIR", nargs="?", help="a cluster's files, as `gen` writes them")
    doctor.add_argument("--seconds", type=float, default=60.0, help="DIR: virtual seconds to run first (default: 60)")
    doctor.add_argument("--seed", type=int, default=0, help="DIR: the cluster's seed")
    doctor.set_defaults(run=_doctor)

    run = commands.add_parser(
        "run",
        help="execute chapters headless with papermill and time them",
        description="Execute chapters in fresh kernels, in parallel (one per core), and print the seconds each "
        "took. CHAPTER is a number or a name (03, 03-labels-selectors); none means every chapter. "
        "Exit 1 naming the notebook and the cell when one fails; 2 for an unknown chapter.",
    )
    run.add_argument("chapters", nargs="*", metavar="CHAPTER", help="chapters to run (default: all)")
    run.add_argument("--all", action="store_true", dest="every_folder",
                     help="also run each chapter's solution and exercise notebooks")
    run.add_argument("--output-dir", type=Path, metavar="DIR",
                     help="keep the executed notebooks (DIR/<folder>/NN-name.ipynb) and timings.json here")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="set a parameter of the chapters' `parameters` cells, as papermill -p does")
    run.add_argument("-j", "--jobs", type=_positive, metavar="N", help="notebooks at once (default: one per core)")
    run.set_defaults(run=_run)

    workshop = commands.add_parser(
        "workshop", help="build bundles for a workshop room",
        description="Build what a workshop room needs.")
    steps = workshop.add_subparsers(dest="step", required=True, metavar="STEP")
    build = steps.add_parser(
        "build",
        help="write the student and instructor bundles",
        description="Write DIR/student (chapters and exercises; no solutions, checked) and DIR/instructor "
        "(solutions, the instructor guide, time per chapter), each also as a zip. --wheelhouse also downloads "
        "every pinned dependency into DIR/wheelhouse for `pip install --no-index --find-links`.",
    )
    build.add_argument("folder", type=Path, metavar="DIR")
    build.add_argument("--wheelhouse", action="store_true",
                       help="also write DIR/wheelhouse (pip download -r constraints.txt; needs internet here)")
    build.set_defaults(run=_workshop_build)

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
    from k8scourse.server.cli import add_serve_command  # `k8scourse serve` (issue 12)
    add_serve_command(commands)

    return parser


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _lab(args: argparse.Namespace, extra: list[str]) -> int:
    from .lab import lab

    return lab(extra)


def _doctor(args: argparse.Namespace, extra: list[str]) -> int:
    if args.folder is not None:
        return _cluster_doctor(args)
    from .doctor import main as doctor

    return doctor(Path.cwd())


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    from .run import main as run

    return run(Path.cwd(), args.chapters, args.every_folder, args.output_dir, args.parameter, args.jobs)


def _workshop_build(args: argparse.Namespace, extra: list[str]) -> int:
    from .workshop import main as workshop

    return workshop(Path.cwd(), args.folder, args.wheelhouse)


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


def _cluster_doctor(args: argparse.Namespace) -> int:
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
