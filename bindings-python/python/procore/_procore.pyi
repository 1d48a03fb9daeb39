# Stubs of the native module; checked against the runtime by `python -m mypy.stubtest procore`.
from __future__ import annotations

import types
from os import PathLike
from typing import (
    Any,
    AsyncIterator,
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

from ._types import TokenDict, TokenStore

__all__ = [
    "__version__",
    "OOB_REDIRECT_URI",
    "ERROR_CODES",
    "Client",
    "AsyncClient",
    "Response",
    "RateLimit",
    "Page",
    "PageIterator",
    "AsyncPageIterator",
    "Ready",
    "MemoryTokenStore",
    "FileTokenStore",
    "OAuthClient",
    "AuthorizationRequest",
    "_refresh_log_level",
]

__version__: str
OOB_REDIRECT_URI: str
ERROR_CODES: List[str]

_JSON = Any
_Scalar = Union[str, int, float, bool]
_Params = Union[
    Mapping[str, Union[_Scalar, Sequence[_Scalar], None]],
    Sequence[Tuple[str, Union[_Scalar, None]]],
]
_Store = Union[MemoryTokenStore, FileTokenStore, TokenStore]
_Tokens = Union[TokenDict, Mapping[str, Any], str]

@final
class RateLimit:
    """One rate-limit window (``X-Rate-Limit-*``)."""
    @property
    def limit(self) -> int: ...
    @property
    def remaining(self) -> int: ...
    @property
    def reset(self) -> int:
        """When the window resets, Unix seconds."""

@final
class Response:
    """A successful answer (errors raise ``ProcoreError`` subclasses)."""
    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> dict[str, str]:
        """Lower-case names; repeated headers joined with ", "."""
    def header(self, name: str) -> Optional[str]: ...
    def json(self) -> _JSON: ...
    @property
    def text(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def rate_limit(self) -> Optional[RateLimit]: ...
    @property
    def request_id(self) -> Optional[str]: ...
    @property
    def attempts(self) -> int: ...
    @property
    def waited(self) -> float: ...

@final
class Page:
    """One page of a collection."""
    @property
    def items(self) -> list[_JSON]: ...
    @property
    def number(self) -> int: ...
    @property
    def total(self) -> Optional[int]: ...
    @property
    def per_page(self) -> Optional[int]: ...
    @property
    def has_next(self) -> bool: ...
    @property
    def rate_limit(self) -> Optional[RateLimit]: ...
    @property
    def request_id(self) -> Optional[str]: ...
    def __len__(self) -> int: ...

@final
class PageIterator(Iterator[_JSON]):
    """The items of a collection, fetched page by page."""
    def __iter__(self) -> Self: ...
    def __next__(self) -> _JSON: ...
    def next_page(self) -> Optional[Page]: ...

@final
class AsyncPageIterator(AsyncIterator[_JSON]):
    """The items of a collection, fetched page by page (``async for``)."""
    def __aiter__(self) -> Self: ...
    def __anext__(self) -> Awaitable[_JSON]: ...
    def next_page(self) -> Awaitable[Optional[Page]]: ...

@final
class Ready:
    """An awaitable whose value is already known."""
    def __await__(self) -> Generator[Any, None, Any]: ...
    def __iter__(self) -> Self: ...
    def __next__(self) -> None: ...

@final
class MemoryTokenStore:
    """Keeps the token set in this process only (the default)."""
    def __new__(cls) -> Self: ...
    def load(self) -> Optional[TokenDict]: ...
    def save(self, tokens: _Tokens) -> None: ...
    def clear(self) -> None: ...

@final
class FileTokenStore:
    """Keeps the token set in a JSON file (0600, atomic writes, shared lock)."""
    def __new__(cls, path: Union[str, PathLike[str]]) -> Self: ...
    @property
    def path(self) -> str: ...
    def load(self) -> Optional[TokenDict]: ...
    def save(self, tokens: _Tokens) -> None: ...
    def clear(self) -> None: ...

@final
class AuthorizationRequest:
    """A pending authorization-code login."""
    def __new__(
        cls, url: str, state: str, redirect_uri: str, pkce_verifier: Optional[str] = None
    ) -> Self: ...
    @property
    def url(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def redirect_uri(self) -> str: ...
    @property
    def pkce_verifier(self) -> Optional[str]: ...

@final
class OAuthClient:
    """The OAuth endpoints of one environment for one app."""
    def __new__(
        cls,
        client_id: str,
        client_secret: str,
        *,
        environment: str = "production",
        api_base: Optional[str] = None,
        login_base: Optional[str] = None,
    ) -> Self: ...
    def authorize_url(
        self, redirect_uri: str = "urn:ietf:wg:oauth:2.0:oob", *, pkce: bool = True
    ) -> AuthorizationRequest: ...
    def exchange_code(self, request: AuthorizationRequest, code: str, state: str) -> TokenDict: ...
    def exchange_code_async(
        self, request: AuthorizationRequest, code: str, state: str
    ) -> Awaitable[TokenDict]: ...

@final
class Client:
    """The blocking client (thread-safe; one per token set)."""
    def __new__(
        cls,
        access_token: Optional[str] = None,
        *,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        refresh_token: Optional[str] = None,
        tokens: Optional[_Tokens] = None,
        token_store: Optional[_Store] = None,
        environment: str = "production",
        api_base: Optional[str] = None,
        login_base: Optional[str] = None,
        company_id: Optional[int] = None,
        api_version: Optional[str] = None,
        user_agent: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        refresh_skew: Optional[float] = None,
        max_attempts: Optional[int] = None,
        retry_base_delay: Optional[float] = None,
        retry_max_delay: Optional[float] = None,
        deadline: Optional[float] = None,
        rate_limit: bool = True,
        rate_limit_max_wait: Optional[float] = None,
    ) -> Self: ...
    @property
    def api_base(self) -> str: ...
    @property
    def company_id(self) -> Optional[int]: ...
    def request(
        self,
        method: str,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Response: ...
    def get(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Response: ...
    def post(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Response: ...
    def put(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Response: ...
    def patch(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Response: ...
    def delete(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Response: ...
    def paginate(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        per_page: Optional[int] = None,
        max_items: Optional[int] = None,
        company_id: Optional[int] = None,
        version: Optional[str] = None,
    ) -> PageIterator: ...
    def current_tokens(self) -> Optional[TokenDict]: ...
    def token_info(self) -> dict[str, _JSON]: ...
    def revoke(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *_args: object) -> bool: ...

@final
class AsyncClient:
    """The asyncio client (methods return awaitables; one per token set)."""
    def __new__(
        cls,
        access_token: Optional[str] = None,
        *,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        refresh_token: Optional[str] = None,
        tokens: Optional[_Tokens] = None,
        token_store: Optional[_Store] = None,
        environment: str = "production",
        api_base: Optional[str] = None,
        login_base: Optional[str] = None,
        company_id: Optional[int] = None,
        api_version: Optional[str] = None,
        user_agent: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        refresh_skew: Optional[float] = None,
        max_attempts: Optional[int] = None,
        retry_base_delay: Optional[float] = None,
        retry_max_delay: Optional[float] = None,
        deadline: Optional[float] = None,
        rate_limit: bool = True,
        rate_limit_max_wait: Optional[float] = None,
    ) -> Self: ...
    @property
    def api_base(self) -> str: ...
    @property
    def company_id(self) -> Optional[int]: ...
    def request(
        self,
        method: str,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Awaitable[Response]: ...
    def get(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Awaitable[Response]: ...
    def post(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Awaitable[Response]: ...
    def put(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Awaitable[Response]: ...
    def patch(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Awaitable[Response]: ...
    def delete(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: bool = False,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> Awaitable[Response]: ...
    def paginate(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        per_page: Optional[int] = None,
        max_items: Optional[int] = None,
        company_id: Optional[int] = None,
        version: Optional[str] = None,
    ) -> AsyncPageIterator: ...
    def current_tokens(self) -> Optional[TokenDict]: ...
    def token_info(self) -> Awaitable[dict[str, _JSON]]: ...
    def revoke(self) -> Awaitable[None]: ...
    def close(self) -> None: ...
    def __aenter__(self) -> Awaitable[Self]: ...
    def __aexit__(self, *_args: object) -> Awaitable[bool]: ...

def _refresh_log_level() -> None: ...
