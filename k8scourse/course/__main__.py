"""``python -m k8scourse.course`` is the ``k8scourse`` command."""

from .cli import main

raise SystemExit(main())
