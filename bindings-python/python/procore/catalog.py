"""The operation catalog: every operation of Procore's REST API description.

``procore.catalog.search("create rfi")`` lists the matching operations (dicts with ``id``,
``method``, ``path``, ``version``, ``tag``, ``summary``, ``params`` and ``body``), best first;
``procore.catalog.operation(id)`` returns one, or ``None``. Call one with
``Client.call(id, path={...}, params={...}, json={...})``: it is checked against the catalog
first, and an ``InvalidCallError`` names what is missing before anything is sent.
"""

from typing import Any, Dict, List, Optional

from ._procore import catalog_operation as _operation
from ._procore import catalog_search as _search

__all__ = ["search", "operation"]


def search(words: str, limit: Optional[int] = None) -> List[Dict[str, Any]]:
    """The operations whose id, path, summary or tag contain every word, best first."""
    return _search(words, limit)


def operation(operation_id: str) -> Optional[Dict[str, Any]]:
    """The operation with this id (or, failing that, with this id ignoring case)."""
    return _operation(operation_id)
