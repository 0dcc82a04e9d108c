"""The ``k8scourse`` command: start the course, build exercises, execute notebooks.

Run it from the course folder (the repository root); paths default to the
``notebooks/``, ``solutions/`` and ``exercises/`` folders there.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

WELCOME = Path("notebooks/00-welcome.ipynb")


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
        description="Open notebooks/00-welcome.ipynb in JupyterLab, serving the course folder. "
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
    return parser


def _start(args: argparse.Namespace, extra: list[str]) -> int:
    """Replace this process with JupyterLab, so Ctrl-C reaches it directly."""
    if not WELCOME.is_file():
        print(f"k8scourse: error: {WELCOME} not found; run this from the course folder", file=sys.stderr)
        return 1
    # Serve the whole course folder, not just notebooks/, so exercises/ and solutions/ show too.
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={Path.cwd()}", str(WELCOME), *extra]
    if os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (containers, Binder-like VMs)
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
