"""Typing helpers: the token-set dict and the custom token store protocol."""

from __future__ import annotations

from typing import Awaitable, Optional, Protocol, TypedDict, Union, runtime_checkable


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


__all__ = ["TokenDict", "TokenStore"]
