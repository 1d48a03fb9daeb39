"""``Client``, ``AsyncClient``, ``OAuthClient`` and ``AsyncOAuthClient``.

Each is a few lines over one native object (``_procore.NativeClient``,
``_procore.NativeOAuthClient``): the keyword arguments are passed through as they are and
converted once, natively, into the core's options (every name is listed in
``src/options.rs``; the stubs in ``_client.pyi`` give their types). The blocking classes call
the native operation, the asyncio classes its ``_async`` twin.

Example::

    import procore

    with procore.Client(access_token="...", environment="sandbox", company_id=8089) as client:
        print(client.get("me").json()["login"])
"""

from __future__ import annotations

from typing import Any

from . import _procore

_Native = _procore.NativeClient
_NativeOAuth = _procore.NativeOAuthClient


class _Base:
    """What ``Client`` and ``AsyncClient`` share: the constructor, ``api_base``,
    ``company_id``, ``current_tokens()`` and ``close()``."""

    __slots__ = ("_native",)

    def __init__(self, access_token: Any = None, **options: Any) -> None:
        """Builds the client; the options are listed in the class docstring.

        Raises ``ConfigError`` for a missing credential, an unknown option or a wrong type.

        Example::

            client = procore.Client("my-access-token", environment="sandbox", company_id=8089)
        """
        self._native = _Native(access_token, **options)

    @property
    def api_base(self) -> str:
        """The API base URL.

        Example::

            print(client.api_base)  # the API origin of the environment, or base_url
        """
        return self._native.api_base

    @property
    def company_id(self) -> Any:
        """The default company id (``Procore-Company-Id`` when a call names none), or None.

        Example::

            assert procore.Client("my-access-token", company_id=8089).company_id == 8089
        """
        return self._native.company_id

    def current_tokens(self) -> Any:
        """The current token set as a dict (None before the first call for stored tokens).

        Handle it with care: it holds secrets.

        Example::

            tokens = client.current_tokens()
            if tokens is not None:
                print(tokens["expires_at"], tokens["version"])
        """
        return self._native.current_tokens()

    def close(self) -> None:
        """Releases the connection pool; later calls raise ``ConfigError``. Idempotent.

        Example::

            client = procore.Client("my-access-token")
            try:
                client.get("me")
            finally:
                client.close()
        """
        self._native.close()

    def __repr__(self) -> str:
        return f"<procore.{type(self).__name__} {self._native.api_base}>"


class Client(_Base):
    """The blocking client. Thread-safe: share one per token set.

    ``Client(access_token=None, **options)`` takes the same options, by name, as every other
    binding (durations in seconds):

    - credentials: ``access_token`` (fixed, never refreshed); or ``client_id`` +
      ``client_secret`` alone (a service account), with ``refresh_token`` (a user's), with
      ``tokens`` (a full set, e.g. from ``OAuthClient.exchange_code``), or with a
      ``token_store`` that already holds the set;
    - ``token_store``: ``MemoryTokenStore`` (default), ``FileTokenStore``,
      ``RedisTokenStore``, or any object with ``load()`` and ``save(tokens)``;
    - where: ``environment`` (``production``, ``sandbox``, ``monthly_sandbox``, ``federal``, or
      a URL), ``base_url``, or ``api_base`` + ``login_base``;
    - behaviour: ``company_id``, ``api_version``, ``user_agent``, ``connect_timeout``,
      ``request_timeout``, ``refresh_skew``, ``max_attempts``, ``retry_base_delay``,
      ``retry_max_delay``, ``max_retry_after``, ``deadline``, ``no_deadline``, ``rate_limit``,
      ``rate_limit_max_wait``, ``rate_budget`` (a Redis URL), ``max_body_bytes``.

    Every call method also takes the call options ``params``, ``company_id``,
    ``without_company``, ``version``, ``timeout``, ``max_attempts``, ``deadline`` and ``raw``,
    and raises a ``ProcoreError`` subclass on failure.

    Example::

        import procore

        with procore.Client(
            client_id="...",
            client_secret="...",
            refresh_token="...",
            token_store=procore.FileTokenStore("tokens.json"),
            environment="sandbox",
            company_id=8089,
        ) as client:
            me = client.get("me").json()
            for project in client.paginate("projects", params={"company_id": 8089}):
                print(project["id"], project["name"])
    """

    __slots__ = ()

    def request(self, method: str, path: str, json: Any = None, **options: Any) -> Any:
        """Any method: a ``Response``, or a raised ``ProcoreError``.

        ``path`` is absolute (``/rest/v1.0/projects``) or relative to the API version
        (``projects``); ``json`` is the body.

        Example::

            r = client.request("GET", "projects", params={"company_id": 8089})
            print(r.status, r.request_id, len(r.json()))
        """
        return self._native.request(method, path, json, **options)

    def get(self, path: str, **options: Any) -> Any:
        """``GET path``.

        Example::

            projects = client.get("projects", params={"company_id": 8089}).json()
        """
        return self._native.request("GET", path, None, **options)

    def post(self, path: str, json: Any = None, **options: Any) -> Any:
        """``POST path`` with a JSON body.

        Example::

            rfi = client.post("projects/5/rfis", {"rfi": {"subject": "Door height"}}).json()
        """
        return self._native.request("POST", path, json, **options)

    def put(self, path: str, json: Any = None, **options: Any) -> Any:
        """``PUT path`` with a JSON body.

        Example::

            client.put("projects/5/rfis/7", {"rfi": {"subject": "Door height (rev. B)"}})
        """
        return self._native.request("PUT", path, json, **options)

    def patch(self, path: str, json: Any = None, **options: Any) -> Any:
        """``PATCH path`` with a JSON body.

        Example::

            client.patch("projects/5", {"project": {"active": False}}, company_id=8089)
        """
        return self._native.request("PATCH", path, json, **options)

    def delete(self, path: str, **options: Any) -> Any:
        """``DELETE path``.

        Example::

            client.delete("projects/5/rfis/7")
        """
        return self._native.request("DELETE", path, None, **options)

    def call(self, operation: str, path: Any = None, json: Any = None, **options: Any) -> Any:
        """A catalog operation by id (see ``procore.catalog``), checked first: an
        ``InvalidCallError`` names what is missing, and nothing is sent.

        Example::

            r = client.call(
                "RestV10ProjectsProjectIdRfisPost",
                path={"project_id": 5},
                json={"rfi": {"subject": "Door height"}},
            )
        """
        return self._native.call(operation, path, json, **options)

    def paginate(self, path: str, **options: Any) -> Any:
        """The items of a collection (v1 arrays or v2 ``{"data": [...]}``), one page in
        memory at a time: a ``PageIterator``. Also takes ``per_page`` and ``max_items``.

        Example::

            for project in client.paginate("projects", params={"company_id": 8089}, per_page=100):
                print(project["name"])
        """
        return self._native.paginate(path, **options)

    def token_info(self) -> Any:
        """Introspects the access token (``/oauth/token/info``), as a dict.

        Example::

            info = client.token_info()
            print(info["resource_owner_id"])
        """
        return self._native.token_info()

    def revoke(self) -> None:
        """Revokes the tokens at the server and clears the token store (logout).

        Example::

            client.revoke()  # later calls raise ReauthorizationRequiredError
        """
        return self._native.revoke()

    def sync(self, path: str, updates: Any, **options: Any) -> Any:
        """Any number of updates for a ``.../sync`` endpoint, sent in batches of at most 1000:
        ``{"entities": [...], "errors": [{"index": i, "error": {...}}], "batches": n}``.
        Also takes ``method`` (default ``PATCH``), ``batch_size`` and ``json`` (the fields
        sent beside ``updates``).

        Example::

            out = client.sync("vendors/sync", [{"id": 1, "name": "Acme"}], json={"company_id": 8089})
            for e in out["errors"]:
                print(e["index"], e["error"])
        """
        return self._native.sync(path, updates, **options)

    def upload(self, source: Any, **options: Any) -> Any:
        """A direct upload of ``source`` (bytes or a path): v2.1 unless ``flow`` is ``"v1.1"``
        or ``"v1.1-segmented"``; ``progress`` is called with ``{"sent", "total", ...}``.
        Returns an ``UploadResult`` dict whose ``id`` a resource is attached with.

        Example::

            up = client.upload("plans.pdf", project_id=5, progress=lambda p: print(p["sent"], p["total"]))
            print(up["id"], up["sha256"])
        """
        return self._native.upload(source, **options)

    def create_hook(self, **options: Any) -> Any:
        """A webhook hook of a company or project (``destination_url``, ``destination_headers``,
        ``api_version``, ``namespace``, ``company_id`` or ``project_id``).

        Example::

            hook = client.create_hook(
                project_id=5,
                destination_url="https://example.com/procore",
                destination_headers={"Authorization": "Bearer s3cret"},
            )
        """
        return self._native.webhooks("create_hook", None, **options)

    def update_hook(self, hook_id: int, **options: Any) -> Any:
        """Changes the given fields of a hook.

        Example::

            client.update_hook(hook["id"], project_id=5, destination_url="https://example.com/v2")
        """
        return self._native.webhooks("update_hook", hook_id, **options)

    def list_hooks(self, **options: Any) -> Any:
        """The hooks of a company or project.

        Example::

            for hook in client.list_hooks(project_id=5):
                print(hook["id"], hook["destination_url"])
        """
        return self._native.webhooks("list_hooks", None, **options)

    def delete_hook(self, hook_id: int, **options: Any) -> Any:
        """Deletes a hook.

        Example::

            client.delete_hook(hook["id"], project_id=5)
        """
        return self._native.webhooks("delete_hook", hook_id, **options)

    def create_trigger(self, hook_id: int, resource_name: str, event_type: str, **options: Any) -> Any:
        """Deliver ``event_type`` (create, update, delete) of ``resource_name`` to the hook.

        Example::

            client.create_trigger(hook["id"], "RFIs", "create", project_id=5)
        """
        return self._native.webhooks(
            "create_trigger", hook_id, resource_name=resource_name, event_type=event_type, **options
        )

    def list_triggers(self, hook_id: int, **options: Any) -> Any:
        """The triggers of a hook.

        Example::

            names = [t["resource_name"] for t in client.list_triggers(hook["id"], project_id=5)]
        """
        return self._native.webhooks("list_triggers", hook_id, **options)

    def delete_trigger(self, hook_id: int, trigger_id: int, **options: Any) -> Any:
        """Deletes a trigger of a hook.

        Example::

            client.delete_trigger(hook["id"], trigger["id"], project_id=5)
        """
        return self._native.webhooks("delete_trigger", hook_id, trigger_id=trigger_id, **options)

    def list_deliveries(self, hook_id: int, status: Any = None, **options: Any) -> Any:
        """A hook's deliveries, all or by ``status`` (successful, failing, discarded).

        Example::

            failing = client.list_deliveries(hook["id"], "failing", project_id=5)
        """
        return self._native.webhooks("list_deliveries", hook_id, status=status, **options)

    def __enter__(self) -> "Client":
        """``with procore.Client(...) as client:`` closes the client at the end."""
        return self

    def __exit__(self, *_exc: Any) -> bool:
        self._native.close()
        return False


class AsyncClient(_Base):
    """The asyncio client: the same constructor, options and calls as ``Client``, each
    returning an awaitable. Share one per token set; ``async with`` closes it.

    Example::

        import asyncio
        import procore

        async def main() -> None:
            async with procore.AsyncClient("my-access-token", environment="sandbox") as client:
                me, companies = await asyncio.gather(client.get("me"), client.get("companies"))
                async for project in client.paginate("projects", params={"company_id": 8089}):
                    print(project["name"])

        asyncio.run(main())
    """

    __slots__ = ()

    def request(self, method: str, path: str, json: Any = None, **options: Any) -> Any:
        """Any method, awaitable.

        Example::

            r = await client.request("GET", "projects", params={"company_id": 8089})
        """
        return self._native.request_async(method, path, json, **options)

    def get(self, path: str, **options: Any) -> Any:
        """``GET path``, awaitable.

        Example::

            me = (await client.get("me")).json()
        """
        return self._native.request_async("GET", path, None, **options)

    def post(self, path: str, json: Any = None, **options: Any) -> Any:
        """``POST path``, awaitable.

        Example::

            r = await client.post("projects/5/rfis", {"rfi": {"subject": "Door height"}})
        """
        return self._native.request_async("POST", path, json, **options)

    def put(self, path: str, json: Any = None, **options: Any) -> Any:
        """``PUT path``, awaitable.

        Example::

            await client.put("projects/5/rfis/7", {"rfi": {"subject": "Door height (rev. B)"}})
        """
        return self._native.request_async("PUT", path, json, **options)

    def patch(self, path: str, json: Any = None, **options: Any) -> Any:
        """``PATCH path``, awaitable.

        Example::

            await client.patch("projects/5", {"project": {"active": False}})
        """
        return self._native.request_async("PATCH", path, json, **options)

    def delete(self, path: str, **options: Any) -> Any:
        """``DELETE path``, awaitable.

        Example::

            await client.delete("projects/5/rfis/7")
        """
        return self._native.request_async("DELETE", path, None, **options)

    def call(self, operation: str, path: Any = None, json: Any = None, **options: Any) -> Any:
        """A catalog operation by id, checked first, awaitable.

        Example::

            r = await client.call("RestV10ProjectsProjectIdRfisGet", path={"project_id": 5})
        """
        return self._native.call_async(operation, path, json, **options)

    def paginate(self, path: str, **options: Any) -> Any:
        """The items of a collection, for ``async for``: an ``AsyncPageIterator``.

        Example::

            async for project in client.paginate("projects", params={"company_id": 8089}):
                print(project["name"])
        """
        return self._native.paginate_async(path, **options)

    def token_info(self) -> Any:
        """Awaitable ``/oauth/token/info``.

        Example::

            info = await client.token_info()
        """
        return self._native.token_info_async()

    def revoke(self) -> Any:
        """Awaitable logout: revokes the tokens and clears the token store.

        Example::

            await client.revoke()
        """
        return self._native.revoke_async()

    def sync(self, path: str, updates: Any, **options: Any) -> Any:
        """Any number of updates for a ``.../sync`` endpoint, sent in batches of at most 1000:
        ``{"entities": [...], "errors": [{"index": i, "error": {...}}], "batches": n}``, awaitable.

        Example::

            out = await client.sync("vendors/sync", [{"id": 1, "name": "Acme"}], json={"company_id": 8089})
        """
        return self._native.sync_async(path, updates, **options)

    def upload(self, source: Any, **options: Any) -> Any:
        """A direct upload of ``source`` (bytes or a path): v2.1 unless ``flow`` is ``"v1.1"``
        or ``"v1.1-segmented"``; ``progress`` is called with ``{"sent", "total", ...}``, awaitable.

        Example::

            up = await client.upload(b"%PDF-1.7 ...", file_name="plans.pdf", project_id=5)
        """
        return self._native.upload_async(source, **options)

    def create_hook(self, **options: Any) -> Any:
        """A webhook hook of a company or project (``destination_url``, ``destination_headers``,
        ``api_version``, ``namespace``), awaitable.

        Example::

            hook = await client.create_hook(project_id=5, destination_url="https://example.com/procore")
        """
        return self._native.webhooks_async("create_hook", None, **options)

    def update_hook(self, hook_id: int, **options: Any) -> Any:
        """Changes the given fields of a hook, awaitable.

        Example::

            await client.update_hook(hook["id"], project_id=5, namespace="my-app")
        """
        return self._native.webhooks_async("update_hook", hook_id, **options)

    def list_hooks(self, **options: Any) -> Any:
        """The hooks of a company or project, awaitable.

        Example::

            hooks = await client.list_hooks(project_id=5)
        """
        return self._native.webhooks_async("list_hooks", None, **options)

    def delete_hook(self, hook_id: int, **options: Any) -> Any:
        """Deletes a hook, awaitable.

        Example::

            await client.delete_hook(hook["id"], project_id=5)
        """
        return self._native.webhooks_async("delete_hook", hook_id, **options)

    def create_trigger(self, hook_id: int, resource_name: str, event_type: str, **options: Any) -> Any:
        """Deliver ``event_type`` (create, update, delete) of ``resource_name`` to the hook, awaitable.

        Example::

            await client.create_trigger(hook["id"], "RFIs", "update", project_id=5)
        """
        return self._native.webhooks_async(
            "create_trigger", hook_id, resource_name=resource_name, event_type=event_type, **options
        )

    def list_triggers(self, hook_id: int, **options: Any) -> Any:
        """The triggers of a hook, awaitable.

        Example::

            triggers = await client.list_triggers(hook["id"], project_id=5)
        """
        return self._native.webhooks_async("list_triggers", hook_id, **options)

    def delete_trigger(self, hook_id: int, trigger_id: int, **options: Any) -> Any:
        """Deletes a trigger of a hook, awaitable.

        Example::

            await client.delete_trigger(hook["id"], trigger["id"], project_id=5)
        """
        return self._native.webhooks_async("delete_trigger", hook_id, trigger_id=trigger_id, **options)

    def list_deliveries(self, hook_id: int, status: Any = None, **options: Any) -> Any:
        """A hook's deliveries, all or by ``status`` (successful, failing, discarded), awaitable.

        Example::

            deliveries = await client.list_deliveries(hook["id"], project_id=5)
        """
        return self._native.webhooks_async("list_deliveries", hook_id, status=status, **options)

    def __aenter__(self) -> Any:
        """``async with procore.AsyncClient(...) as client:`` closes the client at the end."""
        return _Native.ready(self)

    def __aexit__(self, *_exc: Any) -> Any:
        self._native.close()
        return _Native.ready(False)


class OAuthClient:
    """The OAuth endpoints of one environment for one app (the authorization-code login).

    ``OAuthClient(client_id, client_secret, **where)``: ``where`` is ``environment``,
    ``base_url``, or ``api_base`` + ``login_base``, as for ``Client``.

    Example::

        oauth = procore.OAuthClient("my-client-id", "my-client-secret", environment="sandbox")
        req = oauth.authorize_url("https://example.com/callback")
        # send the user to req.url; keep req (the PKCE verifier is a secret) until the redirect
        tokens = oauth.exchange_code(req, code, state)  # code and state from the redirect
        client = procore.Client(
            client_id="my-client-id", client_secret="my-client-secret", tokens=tokens, environment="sandbox"
        )
    """

    __slots__ = ("_native",)

    def __init__(self, client_id: str, client_secret: str, **where: Any) -> None:
        """Builds the OAuth client; raises ``ConfigError`` for empty credentials.

        Example::

            oauth = procore.OAuthClient("my-client-id", "my-client-secret", environment="sandbox")
        """
        self._native = _NativeOAuth(client_id, client_secret, **where)

    def authorize_url(self, redirect_uri: str = _procore.OOB_REDIRECT_URI, *, pkce: bool = True) -> Any:
        """Starts a login: an ``AuthorizationRequest`` with the URL, a fresh random ``state``
        and, when ``pkce`` is true, an S256 PKCE challenge. The default redirect is the
        out-of-band one (``procore.OOB_REDIRECT_URI``: Procore shows the code).

        Example::

            req = oauth.authorize_url("https://example.com/callback")
            session["login"] = (req.url, req.state, req.redirect_uri, req.pkce_verifier)
            redirect(req.url)
        """
        return self._native.authorize_url(redirect_uri, pkce=pkce)

    def exchange_code(self, request: Any, code: str, state: str) -> Any:
        """Finishes a login: checks ``state`` (``StateMismatchError``), exchanges the
        single-use ``code``, and returns the token set as a dict.

        Example::

            req = procore.AuthorizationRequest(*session["login"])
            tokens = oauth.exchange_code(req, request.args["code"], request.args["state"])
        """
        return self._native.exchange_code(request, code, state)

    def __repr__(self) -> str:
        return repr(self._native).replace("procore.OAuthClient", f"procore.{type(self).__name__}")


class AsyncOAuthClient(OAuthClient):
    """``OAuthClient`` for asyncio: ``exchange_code`` is awaitable.

    Example::

        oauth = procore.AsyncOAuthClient("my-client-id", "my-client-secret", environment="sandbox")
        req = oauth.authorize_url("https://example.com/callback")
        tokens = await oauth.exchange_code(req, code, state)
    """

    __slots__ = ()

    def exchange_code(self, request: Any, code: str, state: str) -> Any:
        """Awaitable ``exchange_code``: checks ``state``, then exchanges the code.

        Example::

            tokens = await oauth.exchange_code(req, code, state)
        """
        return self._native.exchange_code_async(request, code, state)


__all__ = ["AsyncClient", "AsyncOAuthClient", "Client", "OAuthClient"]
