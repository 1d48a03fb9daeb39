"""Typing helpers: the token-set dict, the custom token store protocol, and the shapes of
sync, upload and webhook results."""

from __future__ import annotations

from typing import Any, Awaitable, Dict, List, Optional, Protocol, TypedDict, Union, runtime_checkable


class _TokenDictBase(TypedDict):
    access_token: str


class TokenDict(_TokenDictBase, total=False):
    """A token set as stores and ``current_tokens()`` see it (times in Unix seconds)."""

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
    """

    def load(self) -> Union[Optional[TokenDict], Awaitable[Optional[TokenDict]]]: ...

    def save(self, tokens: TokenDict) -> Union[None, Awaitable[None]]: ...


class SyncItemError(TypedDict):
    """One refused item: its input position (when the error names it) and Procore's record."""

    index: Optional[int]
    error: Dict[str, Any]


class SyncResult(TypedDict):
    """All batches of a sync merged."""

    entities: List[Dict[str, Any]]
    errors: List[SyncItemError]
    batches: int


class UploadProgress(TypedDict):
    """What a progress callback is given: bytes and segments stored so far, of the total."""

    sent: int
    total: int
    segments_done: int
    segments: int


class UploadResult(TypedDict):
    """A finished upload: ``id`` is what a resource is attached with."""

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
    ``verdict`` is ``"accepted"``."""

    verdict: str
    status: int
    key: Optional[str]
    event: Optional[Dict[str, Any]]


__all__ = ["Delivery", "SyncItemError", "SyncResult", "TokenDict", "TokenStore", "UploadProgress", "UploadResult"]
