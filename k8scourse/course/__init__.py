"""Course tooling: answer checks for learners, exercise generation and the CLI for authors.

Only the checks are imported here, so ``from k8scourse.course import check``
in a notebook stays light; the notebook machinery loads when the CLI needs it.
"""

from .answers import as_choice, as_choices, as_component, as_components, as_int, as_names, as_text
from .checks import check, digest

__all__ = ["check", "digest", "as_choice", "as_choices", "as_component", "as_components", "as_int", "as_names",
           "as_text"]
