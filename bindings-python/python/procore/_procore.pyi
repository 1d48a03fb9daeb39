# Stubs of the native module; checked against the runtime by `python -m mypy.stubtest procore`.
from __future__ import annotations

import types
from os import PathLike
from typing import (
    Any,
    AsyncIterator,
    Dict,
    Awaitable,
    Generator,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    final,
)

from typing_extensions import Self

from ._types import Delivery, TokenDict, TokenStore

__all__ = [
    "__version__",
    "catalog_search",
    "catalog_operation",
    "OOB_REDIRECT_URI",
    "ERROR_CODES",
    "NativeClient",
    "Response",
    "RateLimit",
    "Page",
    "PageIterator",
    "AsyncPageIterator",
    "Ready",
    "MemoryTokenStore",
    "FileTokenStore",
    "RedisTokenStore",
    "NativeOAuthClient",
    "AuthorizationRequest",
    "WebhookReceiver",
    "_refresh_log_level",
]

__version__: str
OOB_REDIRECT_URI: str
ERROR_CODES: List[str]

def catalog_search(words: str, limit: Optional[int] = None) -> List[Dict[str, Any]]: ...
def catalog_operation(id: str) -> Optional[Dict[str, Any]]: ...

_JSON = Any
_Scalar = Union[str, int, float, bool]
_Tokens = Union[TokenDict, Mapping[str, Any], str]

@final
class RateLimit:
    """One rate-limit window (``X-Rate-Limit-*``).

    Example::

        rl = client.get("me").rate_limit
        if rl is not None:
            print(f"{rl.remaining}/{rl.limit} left until {rl.reset}")
    """
    @property
    def limit(self) -> int:
        """Requests allowed in the window."""
    @property
    def remaining(self) -> int:
        """Requests left in the window."""
    @property
    def reset(self) -> int:
        """When the window resets, Unix seconds."""

@final
class Response:
    """A successful answer (errors raise ``ProcoreError`` subclasses).

    Example::

        r = client.get("projects", params={"company_id": 8089})
        print(r.status, r.request_id, [p["name"] for p in r.json()])
    """
    @property
    def status(self) -> int:
        """The HTTP status."""
    @property
    def headers(self) -> dict[str, str]:
        """Lower-case names; repeated headers joined with ", "."""
    def header(self, name: str) -> Optional[str]:
        """One header (any case), or None."""
    def json(self) -> _JSON:
        """The body decoded as JSON (empty body: None); ``DecodeError`` if it is not JSON."""
    @property
    def text(self) -> str:
        """The body as text."""
    @property
    def content(self) -> bytes:
        """The raw body."""
    @property
    def rate_limit(self) -> Optional[RateLimit]:
        """The rate-limit window this answer reported, if any."""
    @property
    def request_id(self) -> Optional[str]:
        """``X-Request-Id``, for Procore support."""
    @property
    def attempts(self) -> int:
        """Attempts made (1 when nothing was retried)."""
    @property
    def waited(self) -> float:
        """Seconds spent waiting for the rate budget and in backoff."""

@final
class Page:
    """One page of a collection (``PageIterator.next_page()``).

    Example::

        page = client.paginate("projects", params={"company_id": 8089}).next_page()
        if page is not None:
            print(page.number, len(page), page.total, page.has_next)
    """
    @property
    def items(self) -> list[_JSON]:
        """The page's items, in server order."""
    @property
    def number(self) -> int:
        """The 1-based page number."""
    @property
    def total(self) -> Optional[int]:
        """Items in the whole collection (``Total`` header), if known."""
    @property
    def per_page(self) -> Optional[int]:
        """Items per page (``Per-Page`` header), if known."""
    @property
    def has_next(self) -> bool:
        """True when another page follows."""
    @property
    def rate_limit(self) -> Optional[RateLimit]:
        """The rate-limit window this page's answer reported."""
    @property
    def request_id(self) -> Optional[str]:
        """``X-Request-Id`` of this page's answer."""
    def __len__(self) -> int: ...

@final
class PageIterator(Iterator[_JSON]):
    """The items of a collection, fetched page by page.

    Example::

        for project in client.paginate("projects", params={"company_id": 8089}):
            print(project["name"])
    """
    def __iter__(self) -> Self: ...
    def __next__(self) -> _JSON: ...
    def next_page(self) -> Optional[Page]:
        """The next whole page, or None at the end (do not mix with item iteration)."""

@final
class AsyncPageIterator(AsyncIterator[_JSON]):
    """The items of a collection, fetched page by page (``async for``).

    Example::

        async for project in client.paginate("projects", params={"company_id": 8089}):
            print(project["name"])
    """
    def __aiter__(self) -> Self: ...
    def __anext__(self) -> Awaitable[_JSON]: ...
    def next_page(self) -> Awaitable[Optional[Page]]:
        """Awaitable: the next whole page, or None at the end."""

@final
class Ready:
    """An awaitable whose value is already known."""
    def __await__(self) -> Generator[Any, None, Any]: ...
    def __iter__(self) -> Self: ...
    def __next__(self) -> None: ...

@final
class MemoryTokenStore:
    """Keeps the token set in this process only (the default).

    Example::

        client = procore.Client(client_id="...", client_secret="...", token_store=procore.MemoryTokenStore())
    """
    def __new__(cls) -> Self: ...
    def load(self) -> Optional[TokenDict]:
        """The stored token set, or None."""
    def save(self, tokens: _Tokens) -> None:
        """Replaces the stored token set."""
    def clear(self) -> None:
        """Empties the store."""

@final
class FileTokenStore:
    """Keeps the token set in a JSON file (0600, atomic writes, shared lock).

    Example::

        store = procore.FileTokenStore("procore-tokens.json")
        client = procore.Client(client_id="...", client_secret="...", refresh_token="...", token_store=store)
    """
    def __new__(cls, path: Union[str, PathLike[str]]) -> Self: ...
    @property
    def path(self) -> str:
        """The token file's path."""
    def load(self) -> Optional[TokenDict]:
        """The stored token set, or None."""
    def save(self, tokens: _Tokens) -> None:
        """Replaces the stored token set."""
    def clear(self) -> None:
        """Removes the stored token set."""

@final
class RedisTokenStore:
    """Keeps the token set in Redis, with a lease lock shared by processes and machines.

    Example::

        prefix = procore.RedisTokenStore.key_prefix("sandbox", CLIENT_ID, "user-42")
        store = procore.RedisTokenStore("redis://localhost:6379/0", prefix)
    """
    def __new__(cls, url: str, prefix: str) -> Self: ...
    @staticmethod
    def key_prefix(environment: str, client_id: str, user: str) -> str:
        """A key prefix for an environment, an app and a user."""
    def load(self) -> Optional[TokenDict]:
        """The stored token set, or None."""
    def save(self, tokens: _Tokens) -> None:
        """Replaces the stored token set (refused when a newer one is stored)."""
    def clear(self) -> None:
        """Removes the stored token set."""

@final
class AuthorizationRequest:
    """A pending authorization-code login (``OAuthClient.authorize_url``); the constructor
    rebuilds one saved elsewhere.

    Example::

        req = oauth.authorize_url("https://example.com/callback")
        saved = [req.url, req.state, req.redirect_uri, req.pkce_verifier]
        tokens = oauth.exchange_code(procore.AuthorizationRequest(*saved), code, state)
    """
    def __new__(
        cls, url: str, state: str, redirect_uri: str, pkce_verifier: Optional[str] = None
    ) -> Self: ...
    @property
    def url(self) -> str:
        """The URL to open in the user's browser."""
    @property
    def state(self) -> str:
        """The random ``state``; the redirect must bring it back unchanged."""
    @property
    def redirect_uri(self) -> str:
        """The redirect URI sent with the request."""
    @property
    def pkce_verifier(self) -> Optional[str]:
        """The PKCE verifier (secret until the exchange), if PKCE is used."""

@final
class NativeOAuthClient:
    """The native half of ``OAuthClient`` / ``AsyncOAuthClient``."""
    def __new__(cls, client_id: str, client_secret: str, **place: Any) -> Self: ...
    def authorize_url(
        self, redirect_uri: str = "urn:ietf:wg:oauth:2.0:oob", *, pkce: bool = True
    ) -> AuthorizationRequest: ...
    def exchange_code(self, request: AuthorizationRequest, code: str, state: str) -> TokenDict: ...
    def exchange_code_async(
        self, request: AuthorizationRequest, code: str, state: str
    ) -> Awaitable[TokenDict]: ...

@final
class NativeClient:
    """The native half of ``Client`` / ``AsyncClient`` (options: see ``_client.pyi``)."""
    def __new__(cls, access_token: Optional[str] = None, **options: Any) -> Self: ...
    @property
    def api_base(self) -> str: ...
    @property
    def company_id(self) -> Optional[int]: ...
    def request(self, method: str, path: str, json: _JSON = None, **options: Any) -> Response: ...
    def request_async(
        self, method: str, path: str, json: _JSON = None, **options: Any
    ) -> Awaitable[Response]: ...
    def call(self, operation: str, path: Any = None, json: _JSON = None, **options: Any) -> Response: ...
    def call_async(
        self, operation: str, path: Any = None, json: _JSON = None, **options: Any
    ) -> Awaitable[Response]: ...
    def paginate(self, path: str, **options: Any) -> PageIterator: ...
    def paginate_async(self, path: str, **options: Any) -> AsyncPageIterator: ...
    def current_tokens(self) -> Optional[TokenDict]: ...
    def token_info(self) -> dict[str, _JSON]: ...
    def token_info_async(self) -> Awaitable[dict[str, _JSON]]: ...
    def revoke(self) -> None: ...
    def revoke_async(self) -> Awaitable[None]: ...
    def sync(self, path: str, updates: Any, **options: Any) -> dict[str, _JSON]: ...
    def sync_async(self, path: str, updates: Any, **options: Any) -> Awaitable[dict[str, _JSON]]: ...
    def upload(self, source: Any, **options: Any) -> dict[str, _JSON]: ...
    def upload_async(self, source: Any, **options: Any) -> Awaitable[dict[str, _JSON]]: ...
    def webhooks(self, action: str, hook_id: Optional[int] = None, **options: Any) -> _JSON: ...
    def webhooks_async(
        self, action: str, hook_id: Optional[int] = None, **options: Any
    ) -> Awaitable[_JSON]: ...
    def close(self) -> None: ...
    @staticmethod
    def ready(value: Any) -> Ready: ...

@final
class WebhookReceiver:
    """Judges webhook deliveries: the destination headers (constant time), the payload, and
    repeats (in memory, or in Redis with ``redis_url``).

    Example::

        receiver = procore.WebhookReceiver({"Authorization": "Bearer s3cret"})
        d = receiver.receive(request.headers, request.get_data())
        if d["verdict"] == "accepted":
            handle(d["event"])
    """
    def __new__(
        cls,
        headers: Mapping[str, str],
        *,
        remember: Optional[int] = None,
        redis_url: Optional[str] = None,
        redis_prefix: Optional[str] = None,
        ttl: Optional[float] = None,
    ) -> Self: ...
    def receive(
        self, headers: Union[Mapping[Any, Any], Sequence[Tuple[Any, Any]]], body: bytes
    ) -> Delivery:
        """Judges one delivery (blocking)."""
    def receive_async(
        self, headers: Union[Mapping[Any, Any], Sequence[Tuple[Any, Any]]], body: bytes
    ) -> Awaitable[Delivery]:
        """Awaitable ``receive``."""

def _refresh_log_level() -> None: ...
