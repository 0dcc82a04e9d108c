"""JSON merge patch (RFC 7386), the ``--type merge`` of ``kubectl patch``.

Maps merge key by key, ``null`` deletes a key, anything else replaces the
value, lists included. (Strategic merge patch, kubectl's default for built-in
kinds, differs for lists; see ``k8scourse.kubectl.write.three_way_patch``.)
"""

from __future__ import annotations

import copy
from typing import Any, Mapping


def merge_patch(target: Any, patch: Any) -> Any:
    """``target`` with ``patch`` applied; neither is changed."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
