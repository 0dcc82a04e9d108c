"""Course tooling: answer checks for learners, exercise generation and the CLI for authors.

Only :func:`check` is imported here, so ``from k8scourse.course import check``
in a notebook stays light; the notebook machinery loads when the CLI needs it.
"""

from .checks import check

__all__ = ["check"]
