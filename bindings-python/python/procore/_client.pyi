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
    ) -> None:
        """Builds the client; the options are listed in the class docstring."""
    @property
    def api_base(self) -> str:
        """The API base URL."""
    @property
    def company_id(self) -> Optional[int]:
        """The default company id (``Procore-Company-Id`` when a call names none), or None."""
    def current_tokens(self) -> Optional[TokenDict]:
        """The current token set as a dict (None before the first call for stored tokens)."""
    def close(self) -> None:
        """Releases the connection pool; later calls raise ``ConfigError``. Idempotent."""

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
    ) -> Response:
        """Any method: a ``Response``, or a raised ``ProcoreError``."""
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
    ) -> Response:
        """``GET path``."""
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
    ) -> Response:
        """``POST path`` with a JSON body."""
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
    ) -> Response:
        """``PUT path`` with a JSON body."""
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
    ) -> Response:
        """``PATCH path`` with a JSON body."""
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
    ) -> Response:
        """``DELETE path``."""
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
    ) -> Response:
        """A catalog operation by id (see ``procore.catalog``), checked first: an
        ``InvalidCallError`` names what is missing, and nothing is sent.
        """
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
    ) -> PageIterator:
        """The items of a collection (v1 arrays or v2 ``{"data": [...]}``), one page in memory at
        a time: a ``PageIterator``. Also takes ``per_page`` and ``max_items``.
        """
    def token_info(self) -> dict[str, _JSON]:
        """Introspects the access token (``/oauth/token/info``), as a dict."""
    def revoke(self) -> None:
        """Revokes the tokens at the server and clears the token store (logout)."""
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
    ) -> SyncResult:
        """Any number of updates for a ``.../sync`` endpoint, sent in batches of at most 1000:
        ``{"entities": [...], "errors": [{"index": i, "error": {...}}], "batches": n}``. Also
        takes ``method`` (default ``PATCH``), ``batch_size`` and ``json`` (the fields sent
        beside ``updates``).
        """
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
    ) -> UploadResult:
        """A direct upload of ``source`` (bytes or a path): v2.1 unless ``flow`` is ``"v1.1"`` or
        ``"v1.1-segmented"``; ``progress`` is called with ``{"sent", "total", ...}``. Returns
        an ``UploadResult`` dict whose ``id`` a resource is attached with.
        """
    def create_hook(
        self,
        *,
        destination_url: str,
        destination_headers: Optional[Mapping[str, str]] = None,
        api_version: Optional[str] = None,
        namespace: Optional[str] = None,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> dict[str, _JSON]:
        """A webhook hook of a company or project (``destination_url``, ``destination_headers``,
        ``api_version``, ``namespace``, ``company_id`` or ``project_id``).
        """
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
    ) -> dict[str, _JSON]:
        """Changes the given fields of a hook."""
    def list_hooks(
        self, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> list[dict[str, _JSON]]:
        """The hooks of a company or project."""
    def delete_hook(
        self, hook_id: int, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> None:
        """Deletes a hook."""
    def create_trigger(
        self,
        hook_id: int,
        resource_name: str,
        event_type: str,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> dict[str, _JSON]:
        """Deliver ``event_type`` (create, update, delete) of ``resource_name`` to the hook."""
    def list_triggers(
        self, hook_id: int, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> list[dict[str, _JSON]]:
        """The triggers of a hook."""
    def delete_trigger(
        self,
        hook_id: int,
        trigger_id: int,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> None:
        """Deletes a trigger of a hook."""
    def list_deliveries(
        self,
        hook_id: int,
        status: Optional[str] = None,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> list[dict[str, _JSON]]:
        """A hook's deliveries, all or by ``status`` (successful, failing, discarded)."""
    def __enter__(self) -> Self:
        """``with procore.Client(...) as client:`` closes the client at the end."""
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
    ) -> Awaitable[Response]:
        """Any method, awaitable."""
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
    ) -> Awaitable[Response]:
        """``GET path``, awaitable."""
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
    ) -> Awaitable[Response]:
        """``POST path``, awaitable."""
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
    ) -> Awaitable[Response]:
        """``PUT path``, awaitable."""
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
    ) -> Awaitable[Response]:
        """``PATCH path``, awaitable."""
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
    ) -> Awaitable[Response]:
        """``DELETE path``, awaitable."""
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
    ) -> Awaitable[Response]:
        """A catalog operation by id, checked first, awaitable."""
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
    ) -> AsyncPageIterator:
        """The items of a collection, for ``async for``: an ``AsyncPageIterator``."""
    def token_info(self) -> Awaitable[dict[str, _JSON]]:
        """Awaitable ``/oauth/token/info``."""
    def revoke(self) -> Awaitable[None]:
        """Awaitable logout: revokes the tokens and clears the token store."""
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
    ) -> Awaitable[SyncResult]:
        """Any number of updates for a ``.../sync`` endpoint, sent in batches of at most 1000:
        ``{"entities": [...], "errors": [{"index": i, "error": {...}}], "batches": n}``,
        awaitable.
        """
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
    ) -> Awaitable[UploadResult]:
        """A direct upload of ``source`` (bytes or a path): v2.1 unless ``flow`` is ``"v1.1"`` or
        ``"v1.1-segmented"``; ``progress`` is called with ``{"sent", "total", ...}``,
        awaitable.
        """
    def create_hook(
        self,
        *,
        destination_url: str,
        destination_headers: Optional[Mapping[str, str]] = None,
        api_version: Optional[str] = None,
        namespace: Optional[str] = None,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> Awaitable[dict[str, _JSON]]:
        """A webhook hook of a company or project (``destination_url``, ``destination_headers``,
        ``api_version``, ``namespace``), awaitable.
        """
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
    ) -> Awaitable[dict[str, _JSON]]:
        """Changes the given fields of a hook, awaitable."""
    def list_hooks(
        self, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> Awaitable[list[dict[str, _JSON]]]:
        """The hooks of a company or project, awaitable."""
    def delete_hook(
        self, hook_id: int, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> Awaitable[None]:
        """Deletes a hook, awaitable."""
    def create_trigger(
        self,
        hook_id: int,
        resource_name: str,
        event_type: str,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> Awaitable[dict[str, _JSON]]:
        """Deliver ``event_type`` (create, update, delete) of ``resource_name`` to the hook,
        awaitable.
        """
    def list_triggers(
        self, hook_id: int, *, company_id: Optional[int] = None, project_id: Optional[int] = None
    ) -> Awaitable[list[dict[str, _JSON]]]:
        """The triggers of a hook, awaitable."""
    def delete_trigger(
        self,
        hook_id: int,
        trigger_id: int,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> Awaitable[None]:
        """Deletes a trigger of a hook, awaitable."""
    def list_deliveries(
        self,
        hook_id: int,
        status: Optional[str] = None,
        *,
        company_id: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> Awaitable[list[dict[str, _JSON]]]:
        """A hook's deliveries, all or by ``status`` (successful, failing, discarded), awaitable."""
    def __aenter__(self) -> Awaitable[Self]:
        """``async with procore.AsyncClient(...) as client:`` closes the client at the end."""
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
    ) -> None:
        """Builds the OAuth client; raises ``ConfigError`` for empty credentials."""
    def authorize_url(
        self, redirect_uri: str = "urn:ietf:wg:oauth:2.0:oob", *, pkce: bool = True
    ) -> AuthorizationRequest:
        """Starts a login: an ``AuthorizationRequest`` with the URL, a fresh random ``state``
        and, when ``pkce`` is true, an S256 PKCE challenge. The default redirect is the out-
        of-band one (``procore.OOB_REDIRECT_URI``: Procore shows the code).
        """
    def exchange_code(self, request: AuthorizationRequest, code: str, state: str) -> TokenDict:
        """Finishes a login: checks ``state`` (``StateMismatchError``), exchanges the single-use
        ``code``, and returns the token set as a dict.
        """

class AsyncOAuthClient(OAuthClient):
    """``OAuthClient`` for asyncio."""
    def exchange_code(  # type: ignore[override]
        self, request: AuthorizationRequest, code: str, state: str
    ) -> Awaitable[TokenDict]:
        """Awaitable ``exchange_code``: checks ``state``, then exchanges the code."""
