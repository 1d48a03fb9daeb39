"""procore: the Procore REST API for Python, on one Rust core.

    import procore

    with procore.Client(access_token="...", environment="sandbox", company_id=8089) as client:
        me = client.get("/rest/v1.0/me").json()
        for project in client.paginate("/rest/v1.0/projects", params={"company_id": 8089}):
            print(project["id"], project["name"])

Token refresh (single flight, rotation-safe), rate-limit pacing, retries, the
``Procore-Company-Id`` header and pagination all happen in the Rust core; this package
converts arguments in and results out. ``AsyncClient`` is the asyncio twin of ``Client``.
Core log events go to the ``procore`` logger.

What the package exports (``help(procore.X)`` shows each one's docs and example):

- clients: ``Client``, ``AsyncClient``; the login: ``OAuthClient``, ``AsyncOAuthClient``,
  ``AuthorizationRequest``, ``OOB_REDIRECT_URI`` (the out-of-band redirect URI);
- answers: ``Response``, ``RateLimit``; pagination: ``PageIterator``, ``AsyncPageIterator``,
  ``Page``;
- token stores: ``MemoryTokenStore``, ``FileTokenStore``, ``RedisTokenStore``, the
  ``TokenStore`` protocol for your own, the ``TokenDict`` shape;
- workflows: ``SyncResult``, ``UploadProgress``, ``UploadResult``, ``WebhookReceiver`` and its
  ``Delivery``; the operation catalog: ``procore.catalog``;
- errors: ``ProcoreError`` and one subclass per code of ``ERROR_CODES`` (the stable codes,
  shared by every binding);
- ``__version__``: the SDK's version.

Example::

    import asyncio
    import procore

    print(procore.__version__, procore.ERROR_CODES[:3])

    async def main() -> None:
        async with procore.AsyncClient("my-access-token", environment="sandbox") as client:
            try:
                print((await client.get("me")).json())
            except procore.UnauthorizedError as e:
                print(e.code, e.request_id)

    asyncio.run(main())
"""

from __future__ import annotations

from ._errors import (
    AppNotConnectedError,
    BadRequestError,
    ConfigError,
    DecodeError,
    ForbiddenError,
    HTTPStatusError,
    NetworkError,
    NotFoundError,
    OAuthError,
    ProcoreError,
    RateLimitedError,
    ReauthorizationRequiredError,
    RequestTimeoutError,
    ServerError,
    StateMismatchError,
    InvalidCallError,
    TokenStoreError,
    UnauthorizedError,
    UploadError,
    ValidationError,
)
from . import catalog
from ._client import AsyncClient, AsyncOAuthClient, Client, OAuthClient
from ._procore import (
    ERROR_CODES,
    OOB_REDIRECT_URI,
    AsyncPageIterator,
    AuthorizationRequest,
    FileTokenStore,
    MemoryTokenStore,
    Page,
    PageIterator,
    RateLimit,
    RedisTokenStore,
    Response,
    WebhookReceiver,
    __version__,
)
from ._types import Delivery, SyncResult, TokenDict, TokenStore, UploadProgress, UploadResult

__all__ = [
    "catalog",
    "ERROR_CODES",
    "OOB_REDIRECT_URI",
    "AppNotConnectedError",
    "AsyncClient",
    "AsyncOAuthClient",
    "AsyncPageIterator",
    "AuthorizationRequest",
    "BadRequestError",
    "Client",
    "ConfigError",
    "DecodeError",
    "FileTokenStore",
    "ForbiddenError",
    "HTTPStatusError",
    "MemoryTokenStore",
    "NetworkError",
    "NotFoundError",
    "OAuthClient",
    "OAuthError",
    "Page",
    "PageIterator",
    "ProcoreError",
    "RateLimit",
    "RateLimitedError",
    "RedisTokenStore",
    "ReauthorizationRequiredError",
    "RequestTimeoutError",
    "Response",
    "ServerError",
    "StateMismatchError",
    "InvalidCallError",
    "TokenDict",
    "TokenStore",
    "TokenStoreError",
    "UnauthorizedError",
    "UploadError",
    "ValidationError",
    "WebhookReceiver",
    "Delivery",
    "SyncResult",
    "UploadProgress",
    "UploadResult",
    "__version__",
]
