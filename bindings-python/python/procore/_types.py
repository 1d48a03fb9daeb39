"""Typing helpers: the token-set dict, the custom token store protocol, and the shapes of
sync, upload and webhook results.

Example::

    import procore

    def report(p: procore.UploadProgress) -> None:
        print(f"{p['sent']}/{p['total']} bytes")

    result: procore.UploadResult = client.upload("plans.pdf", project_id=5, progress=report)
"""

from __future__ import annotations

from typing import Any, Awaitable, Dict, List, Optional, Protocol, TypedDict, Union, runtime_checkable


class _TokenDictBase(TypedDict):
    access_token: str


class TokenDict(_TokenDictBase, total=False):
    """A token set as stores and ``current_tokens()`` see it (times in Unix seconds).

    Example::

        tokens: procore.TokenDict = {
            "access_token": "...",
            "refresh_token": "...",
            "expires_at": 1767225600,
            "version": 0,
        }
        client = procore.Client(client_id="...", client_secret="...", tokens=tokens)
    """

    refresh_token: Optional[str]
    expires_at: Optional[int]
    created_at: Optional[int]
    version: int


@runtime_checkable
class TokenStore(Protocol):
    """What a custom token store offers: ``load()`` and ``save(tokens)``, plain or async.

    ``load`` returns the stored dict (or its JSON text) or None; ``save`` must replace the
    stored set durably. An optional ``clear()`` is called on logout (``revoke()``). A store
    shared by several processes may offer ``lock()``, returning an object whose ``release()``
    ends the lock (both plain or async): the SDK then takes it around every refresh.

    Example::

        import json

        class DbTokenStore:
            def __init__(self, db, user_id):
                self.db, self.user_id = db, user_id

            def load(self):
                row = self.db.get("tokens", self.user_id)
                return json.loads(row) if row else None

            def save(self, tokens):
                self.db.put("tokens", self.user_id, json.dumps(tokens))

            def clear(self):
                self.db.delete("tokens", self.user_id)

        client = procore.Client(client_id="...", client_secret="...", token_store=DbTokenStore(db, 42))
    """

    def load(self) -> Union[Optional[TokenDict], Awaitable[Optional[TokenDict]]]:
        """The stored token set (a dict or its JSON text), or None when the store is empty.

        Example::

            def load(self):
                return self.tokens  # None until the first save
        """
        ...

    def save(self, tokens: TokenDict) -> Union[None, Awaitable[None]]:
        """Replaces the stored token set, durably, before the SDK uses it.

        Example::

            def save(self, tokens):
                self.tokens = dict(tokens)
        """
        ...


class SyncItemError(TypedDict):
    """One refused item: its input position (when the error names it) and Procore's record.

    Example::

        for e in client.sync("vendors/sync", updates, json={"company_id": 8089})["errors"]:
            print(updates[e["index"]] if e["index"] is not None else "?", e["error"])
    """

    index: Optional[int]
    error: Dict[str, Any]


class SyncResult(TypedDict):
    """All batches of a sync merged (what ``Client.sync`` returns).

    Example::

        out: procore.SyncResult = client.sync("vendors/sync", updates, json={"company_id": 8089})
        print(len(out["entities"]), "written in", out["batches"], "batches")
    """

    entities: List[Dict[str, Any]]
    errors: List[SyncItemError]
    batches: int


class UploadProgress(TypedDict):
    """What a progress callback is given: bytes and segments stored so far, of the total.

    Example::

        def show(p: procore.UploadProgress) -> None:
            print(f"{p['segments_done']}/{p['segments']} segments, {p['sent']}/{p['total']} bytes")

        client.upload("site.mp4", project_id=5, progress=show)
    """

    sent: int
    total: int
    segments_done: int
    segments: int


class UploadResult(TypedDict):
    """A finished upload: ``id`` is what a resource is attached with.

    Example::

        up: procore.UploadResult = client.upload("plans.pdf", project_id=5)
        client.post("files", {"file": {"name": up["file_name"], "upload_uuid": up["id"]}}, params={"project_id": 5})
    """

    id: str
    status: str
    flow: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    segments: int


class Delivery(TypedDict):
    """A judged webhook delivery: answer Procore with ``status``; process ``event`` only when
    ``verdict`` is ``"accepted"``.

    Example::

        d: procore.Delivery = receiver.receive(request.headers, request.body)
        if d["verdict"] == "accepted":
            queue.put(d["event"])
        return Response(status=d["status"])
    """

    verdict: str
    status: int
    key: Optional[str]
    event: Optional[Dict[str, Any]]


__all__ = ["Delivery", "SyncItemError", "SyncResult", "TokenDict", "TokenStore", "UploadProgress", "UploadResult"]
