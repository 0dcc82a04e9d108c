"""Run every notebook's kernel under one fixed string-hash seed, so a failure replays exactly.

nbval, papermill and the browser test start kernels as child processes,
which inherit this environment; the pytest process itself keeps its own
seed. tests/test_determinism.py reruns the chapters under a second seed,
so an output that depends on hash order (a set printed unsorted) fails
there rather than once in a while. Set PYTHONHASHSEED yourself to try
another seed.
"""

import os

os.environ.setdefault("PYTHONHASHSEED", "1")
