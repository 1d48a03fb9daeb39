# Stubs of _client.py: every option with its type (the runtime passes them through as
# **options to the native layer, which lists them once in src/options.rs). Checked against the
# runtime by `python -m mypy.stubtest procore`.
from __future__ import annotations

from os import PathLike
from typing import Any, Awaitable, Callable, Mapping, Optional, Sequence, Tuple, Union

from typing_extensions import Self

from ._procore import (
    AsyncPageIterator,
    AuthorizationRequest,
    FileTokenStore,
    MemoryTokenStore,
    NativeClient,
    RedisTokenStore,
    NativeOAuthClient,
    PageIterator,
    Response,
)
from ._types import SyncResult, TokenDict, TokenStore, UploadProgress, UploadResult

__all__ = ["AsyncClient", "AsyncOAuthClient", "Client", "OAuthClient"]

_JSON = Any
_Scalar = Union[str, int, float, bool]
_Value = Union[_Scalar, Sequence[_Scalar], Mapping[str, Any], None]
_Params = Union[Mapping[str, _Value], Sequence[Tuple[str, _Value]]]
_Store = Union[MemoryTokenStore, FileTokenStore, RedisTokenStore, TokenStore]
_Tokens = Union[TokenDict, Mapping[str, Any], str]

class _Base:
    _native: NativeClient
    def __init__(
        self,
        access_token: Optional[str] = None,
        *,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        refresh_token: Optional[str] = None,
        tokens: Optional[_Tokens] = None,
        token_store: Optional[_Store] = None,
        environment: Optional[str] = None,
        base_url: Optional[str] = None,
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
        max_retry_after: Optional[float] = None,
        deadline: Optional[float] = None,
        no_deadline: Optional[bool] = None,
        rate_limit: Optional[bool] = None,
        rate_limit_max_wait: Optional[float] = None,
        rate_budget: Optional[str] = None,
        max_body_bytes: Optional[int] = None,
    ) -> None: ...
    @property
    def api_base(self) -> str: ...
    @property
    def company_id(self) -> Optional[int]: ...
    def current_tokens(self) -> Optional[TokenDict]: ...
    def close(self) -> None: ...

class Client(_Base):
    """The blocking client (thread-safe; one per token set)."""
    def request(
        self,
        method: str,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Response: ...
    def get(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Response: ...
    def post(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Response: ...
    def put(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Response: ...
    def patch(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Response: ...
    def delete(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Response: ...
    def call(
        self,
        operation: str,
        path: Optional[Mapping[str, Union[str, int]]] = None,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Response: ...
    def paginate(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        per_page: Optional[int] = None,
        max_items: Optional[int] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> PageIterator: ...
    def token_info(self) -> dict[str, _JSON]: ...
    def revoke(self) -> None: ...
    def sync(
        self,
        path: str,
        updates: Sequence[Mapping[str, Any]],
        *,
        method: Optional[str] = None,
        batch_size: Optional[int] = None,
        json: Optional[Mapping[str, Any]] = None,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> SyncResult: ...
    def upload(
        self,
        source: Union[bytes, bytearray, memoryview, str, PathLike[str]],
        *,
        file_name: Optional[str] = None,
        content_type: Optional[str] = None,
        flow: Optional[str] = None,
        segment_size: Optional[int] = None,
        parallelism: Optional[int] = None,
        retries: Optional[int] = None,
        wait: Optional[float] = None,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
        progress: Optional[Callable[[UploadProgress], Any]] = None,
    ) -> UploadResult: ...
    def create_hook(
        self,
        *,
        destination_url: str,
        destination_headers: Optional[Mapping[str, str]] = None,
        api_version: Optional[str] = None,
        namespace: Optional[str] = None,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> dict[str, _JSON]: ...
    def update_hook(
        self,
        hook_id: int,
        *,
        destination_url: Optional[str] = None,
        destination_headers: Optional[Mapping[str, str]] = None,
        api_version: Optional[str] = None,
        namespace: Optional[str] = None,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> dict[str, _JSON]: ...
    def list_hooks(
        self, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> list[dict[str, _JSON]]: ...
    def delete_hook(
        self, hook_id: int, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> None: ...
    def create_trigger(
        self,
        hook_id: int,
        resource_name: str,
        event_type: str,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> dict[str, _JSON]: ...
    def list_triggers(
        self, hook_id: int, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> list[dict[str, _JSON]]: ...
    def delete_trigger(
        self,
        hook_id: int,
        trigger_id: int,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> None: ...
    def list_deliveries(
        self,
        hook_id: int,
        status: Optional[str] = None,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> list[dict[str, _JSON]]: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *_exc: Any) -> bool: ...

class AsyncClient(_Base):
    """The asyncio client (methods return awaitables; one per token set)."""
    def request(
        self,
        method: str,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Awaitable[Response]: ...
    def get(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Awaitable[Response]: ...
    def post(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Awaitable[Response]: ...
    def put(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Awaitable[Response]: ...
    def patch(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Awaitable[Response]: ...
    def delete(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Awaitable[Response]: ...
    def call(
        self,
        operation: str,
        path: Optional[Mapping[str, Union[str, int]]] = None,
        json: _JSON = None,
        *,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Awaitable[Response]: ...
    def paginate(
        self,
        path: str,
        *,
        params: Optional[_Params] = None,
        per_page: Optional[int] = None,
        max_items: Optional[int] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> AsyncPageIterator: ...
    def token_info(self) -> Awaitable[dict[str, _JSON]]: ...
    def revoke(self) -> Awaitable[None]: ...
    def sync(
        self,
        path: str,
        updates: Sequence[Mapping[str, Any]],
        *,
        method: Optional[str] = None,
        batch_size: Optional[int] = None,
        json: Optional[Mapping[str, Any]] = None,
        params: Optional[_Params] = None,
        company_id: Optional[int] = None,
        without_company: Optional[bool] = None,
        version: Optional[str] = None,
        timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        deadline: Optional[float] = None,
        raw: Optional[bool] = None,
    ) -> Awaitable[SyncResult]: ...
    def upload(
        self,
        source: Union[bytes, bytearray, memoryview, str, PathLike[str]],
        *,
        file_name: Optional[str] = None,
        content_type: Optional[str] = None,
        flow: Optional[str] = None,
        segment_size: Optional[int] = None,
        parallelism: Optional[int] = None,
        retries: Optional[int] = None,
        wait: Optional[float] = None,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
        progress: Optional[Callable[[UploadProgress], Any]] = None,
    ) -> Awaitable[UploadResult]: ...
    def create_hook(
        self,
        *,
        destination_url: str,
        destination_headers: Optional[Mapping[str, str]] = None,
        api_version: Optional[str] = None,
        namespace: Optional[str] = None,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> Awaitable[dict[str, _JSON]]: ...
    def update_hook(
        self,
        hook_id: int,
        *,
        destination_url: Optional[str] = None,
        destination_headers: Optional[Mapping[str, str]] = None,
        api_version: Optional[str] = None,
        namespace: Optional[str] = None,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> Awaitable[dict[str, _JSON]]: ...
    def list_hooks(
        self, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> Awaitable[list[dict[str, _JSON]]]: ...
    def delete_hook(
        self, hook_id: int, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> Awaitable[None]: ...
    def create_trigger(
        self,
        hook_id: int,
        resource_name: str,
        event_type: str,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> Awaitable[dict[str, _JSON]]: ...
    def list_triggers(
        self, hook_id: int, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> Awaitable[list[dict[str, _JSON]]]: ...
    def delete_trigger(
        self,
        hook_id: int,
        trigger_id: int,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> Awaitable[None]: ...
    def list_deliveries(
        self,
        hook_id: int,
        status: Optional[str] = None,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> Awaitable[list[dict[str, _JSON]]]: ...
    def __aenter__(self) -> Awaitable[Self]: ...
    def __aexit__(self, *_exc: Any) -> Awaitable[bool]: ...

class OAuthClient:
    """The OAuth endpoints of one environment for one app."""
    _native: NativeOAuthClient
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        environment: Optional[str] = None,
        base_url: Optional[str] = None,
        api_base: Optional[str] = None,
        login_base: Optional[str] = None,
    ) -> None: ...
    def authorize_url(
        self, redirect_uri: str = "urn:ietf:wg:oauth:2.0:oob", *, pkce: bool = True
    ) -> AuthorizationRequest: ...
    def exchange_code(self, request: AuthorizationRequest, code: str, state: str) -> TokenDict: ...

class AsyncOAuthClient(OAuthClient):
    """``OAuthClient`` for asyncio."""
    def exchange_code(  # type: ignore[override]
        self, request: AuthorizationRequest, code: str, state: str
    ) -> Awaitable[TokenDict]: ...
