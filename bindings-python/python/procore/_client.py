"""``Client``, ``AsyncClient``, ``OAuthClient`` and ``AsyncOAuthClient``.

Each is a few lines over one native object (``_procore.NativeClient``,
``_procore.NativeOAuthClient``): the keyword arguments are passed through as they are and
converted once, natively, into the core's options (every name is listed in
``src/options.rs``; the stubs in ``_client.pyi`` give their types). The blocking classes call
the native operation, the asyncio classes its ``_async`` twin.
"""

from __future__ import annotations

from typing import Any

from . import _procore

_Native = _procore.NativeClient
_NativeOAuth = _procore.NativeOAuthClient


class _Base:
    __slots__ = ("_native",)

    def __init__(self, access_token: Any = None, **options: Any) -> None:
        self._native = _Native(access_token, **options)

    @property
    def api_base(self) -> str:
        """The API base URL."""
        return self._native.api_base

    @property
    def company_id(self) -> Any:
        """The default company id (``Procore-Company-Id`` when a call names none)."""
        return self._native.company_id

    def current_tokens(self) -> Any:
        """The current token set as a dict (None before the first call for stored tokens)."""
        return self._native.current_tokens()

    def close(self) -> None:
        """Releases the connection pool; later calls raise ``ConfigError``."""
        self._native.close()

    def __repr__(self) -> str:
        return f"<procore.{type(self).__name__} {self._native.api_base}>"


class Client(_Base):
    """The blocking client. Thread-safe: share one per token set."""

    __slots__ = ()

    def request(self, method: str, path: str, json: Any = None, **options: Any) -> Any:
        """Any method: ``client.request("GET", "projects", params={...})``."""
        return self._native.request(method, path, json, **options)

    def get(self, path: str, **options: Any) -> Any:
        """``GET path``."""
        return self._native.request("GET", path, None, **options)

    def post(self, path: str, json: Any = None, **options: Any) -> Any:
        """``POST path`` with a JSON body."""
        return self._native.request("POST", path, json, **options)

    def put(self, path: str, json: Any = None, **options: Any) -> Any:
        """``PUT path`` with a JSON body."""
        return self._native.request("PUT", path, json, **options)

    def patch(self, path: str, json: Any = None, **options: Any) -> Any:
        """``PATCH path`` with a JSON body."""
        return self._native.request("PATCH", path, json, **options)

    def delete(self, path: str, **options: Any) -> Any:
        """``DELETE path``."""
        return self._native.request("DELETE", path, None, **options)

    def call(self, operation: str, path: Any = None, json: Any = None, **options: Any) -> Any:
        """A catalog operation by id, checked first (``InvalidCallError``, nothing sent):
        ``client.call("RestV10ProjectsProjectIdRfisPost", path={"project_id": 5}, json={...})``."""
        return self._native.call(operation, path, json, **options)

    def paginate(self, path: str, **options: Any) -> Any:
        """The items of a collection (v1 arrays or v2 ``{"data": [...]}``), one page in
        memory at a time."""
        return self._native.paginate(path, **options)

    def token_info(self) -> Any:
        """Introspects the access token (``/oauth/token/info``)."""
        return self._native.token_info()

    def revoke(self) -> None:
        """Revokes the tokens at the server and clears the token store (logout)."""
        return self._native.revoke()

    def sync(self, path: str, updates: Any, **options: Any) -> Any:
        """Any number of updates for a ``.../sync`` endpoint, sent in batches of at most 1000:
        ``{"entities": [...], "errors": [{"index": i, "error": {...}}], "batches": n}``."""
        return self._native.sync(path, updates, **options)

    def upload(self, source: Any, **options: Any) -> Any:
        """A direct upload of ``source`` (bytes or a path): v2.1 unless ``flow`` is ``"v1.1"``
        or ``"v1.1-segmented"``; ``progress`` is called with ``{"sent", "total", ...}``."""
        return self._native.upload(source, **options)

    def create_hook(self, **options: Any) -> Any:
        """A webhook hook of a company or project (``destination_url``, ``destination_headers``,
        ``api_version``, ``namespace``)."""
        return self._native.webhooks("create_hook", None, **options)

    def update_hook(self, hook_id: int, **options: Any) -> Any:
        """Changes the given fields of a hook."""
        return self._native.webhooks("update_hook", hook_id, **options)

    def list_hooks(self, **options: Any) -> Any:
        """The hooks of a company or project."""
        return self._native.webhooks("list_hooks", None, **options)

    def delete_hook(self, hook_id: int, **options: Any) -> Any:
        """Deletes a hook."""
        return self._native.webhooks("delete_hook", hook_id, **options)

    def create_trigger(self, hook_id: int, resource_name: str, event_type: str, **options: Any) -> Any:
        """Deliver ``event_type`` (create, update, delete) of ``resource_name`` to the hook."""
        return self._native.webhooks(
            "create_trigger", hook_id, resource_name=resource_name, event_type=event_type, **options
        )

    def list_triggers(self, hook_id: int, **options: Any) -> Any:
        """The triggers of a hook."""
        return self._native.webhooks("list_triggers", hook_id, **options)

    def delete_trigger(self, hook_id: int, trigger_id: int, **options: Any) -> Any:
        """Deletes a trigger of a hook."""
        return self._native.webhooks("delete_trigger", hook_id, trigger_id=trigger_id, **options)

    def list_deliveries(self, hook_id: int, status: Any = None, **options: Any) -> Any:
        """A hook's deliveries, all or by ``status`` (successful, failing, discarded)."""
        return self._native.webhooks("list_deliveries", hook_id, status=status, **options)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_exc: Any) -> bool:
        self._native.close()
        return False


class AsyncClient(_Base):
    """The asyncio client: the same calls as ``Client``, awaitable. Share one per token set."""

    __slots__ = ()

    def request(self, method: str, path: str, json: Any = None, **options: Any) -> Any:
        """Any method, awaitable."""
        return self._native.request_async(method, path, json, **options)

    def get(self, path: str, **options: Any) -> Any:
        """``GET path``, awaitable."""
        return self._native.request_async("GET", path, None, **options)

    def post(self, path: str, json: Any = None, **options: Any) -> Any:
        """``POST path``, awaitable."""
        return self._native.request_async("POST", path, json, **options)

    def put(self, path: str, json: Any = None, **options: Any) -> Any:
        """``PUT path``, awaitable."""
        return self._native.request_async("PUT", path, json, **options)

    def patch(self, path: str, json: Any = None, **options: Any) -> Any:
        """``PATCH path``, awaitable."""
        return self._native.request_async("PATCH", path, json, **options)

    def delete(self, path: str, **options: Any) -> Any:
        """``DELETE path``, awaitable."""
        return self._native.request_async("DELETE", path, None, **options)

    def call(self, operation: str, path: Any = None, json: Any = None, **options: Any) -> Any:
        """A catalog operation by id, checked first, awaitable."""
        return self._native.call_async(operation, path, json, **options)

    def paginate(self, path: str, **options: Any) -> Any:
        """The items of a collection, for ``async for``."""
        return self._native.paginate_async(path, **options)

    def token_info(self) -> Any:
        """Awaitable ``/oauth/token/info``."""
        return self._native.token_info_async()

    def revoke(self) -> Any:
        """Awaitable logout."""
        return self._native.revoke_async()

    def sync(self, path: str, updates: Any, **options: Any) -> Any:
        """Any number of updates for a ``.../sync`` endpoint, sent in batches of at most 1000:
        ``{"entities": [...], "errors": [{"index": i, "error": {...}}], "batches": n}``, awaitable."""
        return self._native.sync_async(path, updates, **options)

    def upload(self, source: Any, **options: Any) -> Any:
        """A direct upload of ``source`` (bytes or a path): v2.1 unless ``flow`` is ``"v1.1"``
        or ``"v1.1-segmented"``; ``progress`` is called with ``{"sent", "total", ...}``, awaitable."""
        return self._native.upload_async(source, **options)

    def create_hook(self, **options: Any) -> Any:
        """A webhook hook of a company or project (``destination_url``, ``destination_headers``,
        ``api_version``, ``namespace``), awaitable."""
        return self._native.webhooks_async("create_hook", None, **options)

    def update_hook(self, hook_id: int, **options: Any) -> Any:
        """Changes the given fields of a hook, awaitable."""
        return self._native.webhooks_async("update_hook", hook_id, **options)

    def list_hooks(self, **options: Any) -> Any:
        """The hooks of a company or project, awaitable."""
        return self._native.webhooks_async("list_hooks", None, **options)

    def delete_hook(self, hook_id: int, **options: Any) -> Any:
        """Deletes a hook, awaitable."""
        return self._native.webhooks_async("delete_hook", hook_id, **options)

    def create_trigger(self, hook_id: int, resource_name: str, event_type: str, **options: Any) -> Any:
        """Deliver ``event_type`` (create, update, delete) of ``resource_name`` to the hook, awaitable."""
        return self._native.webhooks_async(
            "create_trigger", hook_id, resource_name=resource_name, event_type=event_type, **options
        )

    def list_triggers(self, hook_id: int, **options: Any) -> Any:
        """The triggers of a hook, awaitable."""
        return self._native.webhooks_async("list_triggers", hook_id, **options)

    def delete_trigger(self, hook_id: int, trigger_id: int, **options: Any) -> Any:
        """Deletes a trigger of a hook, awaitable."""
        return self._native.webhooks_async("delete_trigger", hook_id, trigger_id=trigger_id, **options)

    def list_deliveries(self, hook_id: int, status: Any = None, **options: Any) -> Any:
        """A hook's deliveries, all or by ``status`` (successful, failing, discarded), awaitable."""
        return self._native.webhooks_async("list_deliveries", hook_id, status=status, **options)

    def __aenter__(self) -> Any:
        return _Native.ready(self)

    def __aexit__(self, *_exc: Any) -> Any:
        self._native.close()
        return _Native.ready(False)


class OAuthClient:
    """The OAuth endpoints of one environment for one app (the authorization-code login)."""

    __slots__ = ("_native",)

    def __init__(self, client_id: str, client_secret: str, **where: Any) -> None:
        self._native = _NativeOAuth(client_id, client_secret, **where)

    def authorize_url(self, redirect_uri: str = _procore.OOB_REDIRECT_URI, *, pkce: bool = True) -> Any:
        """Starts a login: a URL with a fresh random ``state`` and, when ``pkce`` is true,
        an S256 PKCE challenge."""
        return self._native.authorize_url(redirect_uri, pkce=pkce)

    def exchange_code(self, request: Any, code: str, state: str) -> Any:
        """Finishes a login: checks ``state``, exchanges the single-use ``code``, and
        returns the token set as a dict."""
        return self._native.exchange_code(request, code, state)

    def __repr__(self) -> str:
        return repr(self._native).replace("procore.OAuthClient", f"procore.{type(self).__name__}")


class AsyncOAuthClient(OAuthClient):
    """``OAuthClient`` for asyncio: ``exchange_code`` is awaitable."""

    __slots__ = ()

    def exchange_code(self, request: Any, code: str, state: str) -> Any:
        """Awaitable ``exchange_code``."""
        return self._native.exchange_code_async(request, code, state)


__all__ = ["AsyncClient", "AsyncOAuthClient", "Client", "OAuthClient"]
