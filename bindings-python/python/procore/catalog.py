"""The operation catalog: every operation of Procore's REST API description.

``procore.catalog.search("create rfi")`` lists the matching operations (dicts with ``id``,
``method``, ``path``, ``version``, ``tag``, ``summary``, ``params`` and ``body``), best first;
``procore.catalog.operation(id)`` returns one, or ``None``. Call one with
``Client.call(id, path={...}, params={...}, json={...})``: it is checked against the catalog
first, and an ``InvalidCallError`` names what is missing before anything is sent.

Example::

    import procore

    for op in procore.catalog.search("create rfi", limit=3):
        print(op["id"], op["method"], op["path"])
    op = procore.catalog.operation("RestV10ProjectsProjectIdRfisPost")
    client.call(op["id"], path={"project_id": 5}, json={"rfi": {"subject": "Door height"}})
"""

from typing import Any, Dict, List, Optional

from ._procore import catalog_operation as _operation
from ._procore import catalog_search as _search

__all__ = ["search", "operation"]


def search(words: str, limit: Optional[int] = None) -> List[Dict[str, Any]]:
    """The operations whose id, path, summary or tag contain every word, best first
    (at most ``limit`` of them).

    Example::

        for op in procore.catalog.search("rfi replies", limit=5):
            print(op["id"], op["summary"])
    """
    return _search(words, limit)


def operation(operation_id: str) -> Optional[Dict[str, Any]]:
    """The operation with this id (or, failing that, with this id ignoring case), or None.

    Example::

        op = procore.catalog.operation("RestV10ProjectsProjectIdRfisPost")
        required = [p["name"] for p in op["params"] if p["required"]]
    """
    return _operation(operation_id)
