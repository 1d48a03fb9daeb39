"""Exceptions: ``ProcoreError`` and one subclass per stable core error code.

Every exception carries ``code`` (the core's stable string), ``status`` (HTTP status, if
there was an answer), ``request_id`` (``X-Request-Id``, for Procore support) and ``body``
(the parsed JSON error body). Messages never contain tokens or secrets.

Example::

    try:
        client.get("projects/1")
    except procore.NotFoundError:
        print("no such project")
    except procore.ProcoreError as e:
        print(e.code, e.status, e.request_id)
        raise
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Type


class ProcoreError(Exception):
    """Base class of every error the SDK raises.

    ``code`` is one of ``procore.ERROR_CODES``; ``status``, ``request_id`` and ``body`` come
    from the answer behind the error, when there was one.

    Example::

        try:
            client.post("projects/5/rfis", {"rfi": {}})
        except procore.ProcoreError as e:
            log.warning("procore %s (HTTP %s, request %s): %s", e.code, e.status, e.request_id, e)
    """

    code: str = "error"
    status: Optional[int]
    request_id: Optional[str]
    body: Any

    def __init__(
        self,
        message: str = "",
        *,
        code: Optional[str] = None,
        status: Optional[int] = None,
        request_id: Optional[str] = None,
        body: Any = None,
    ) -> None:
        """The SDK raises these itself; build one in tests to stand in for a failed call.

        Example::

            err = procore.NotFoundError("not found", status=404, request_id="req-1")
            assert err.code == "not_found"
        """
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.status = status
        self.request_id = request_id
        self.body = body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}, status={self.status!r})"


class UnauthorizedError(ProcoreError):
    """401 that a refresh could not cure (or a credential that cannot refresh).

    Example::

        try:
            client.get("me")
        except procore.UnauthorizedError:
            print("the access token was refused")
    """

    code = "unauthorized"


class ReauthorizationRequiredError(ProcoreError):
    """The refresh token is gone: the user must authorize the app again.

    Example::

        try:
            client.get("me")
        except procore.ReauthorizationRequiredError:
            redirect(oauth.authorize_url(CALLBACK).url)  # log in again
    """

    code = "reauthorization_required"


class ForbiddenError(ProcoreError):
    """403: no permission, tool disabled, out of scope.

    Example::

        try:
            client.get("projects/5/budget_views")
        except procore.ForbiddenError as e:
            print("no permission:", e)
    """

    code = "forbidden"


class AppNotConnectedError(ProcoreError):
    """403 "App is not connected to this company": reconnect it in App Management.

    Example::

        try:
            client.get("projects", params={"company_id": 666}, company_id=666)
        except procore.AppNotConnectedError:
            print("install the app in company 666 first")
    """

    code = "app_not_connected"


class NotFoundError(ProcoreError):
    """404: not found, or not visible to this user.

    Example::

        try:
            project = client.get("projects/1").json()
        except procore.NotFoundError:
            project = None
    """

    code = "not_found"


class _FieldErrors(ProcoreError):
    """An error that names fields: ``errors`` maps each to its messages."""

    errors: Dict[str, List[str]]

    def __init__(
        self, message: str = "", *, errors: Optional[Dict[str, List[str]]] = None, **kwargs: Any
    ) -> None:
        """``errors`` maps each field (or place) to its messages.

        Example::

            err = procore.ValidationError("invalid", status=422, errors={"subject": ["can't be blank"]})
        """
        super().__init__(message, **kwargs)
        self.errors = dict(errors or {})


class ValidationError(_FieldErrors):
    """422: the body did not validate; ``errors`` maps fields to messages.

    Example::

        try:
            client.post("projects/5/rfis", {"rfi": {"subject": ""}})
        except procore.ValidationError as e:
            for field, messages in e.errors.items():
                print(field, ", ".join(messages))
    """

    code = "validation"


class BadRequestError(ProcoreError):
    """400: the request was malformed (e.g. a missing company id).

    Example::

        try:
            client.get("projects", without_company=True)
        except procore.BadRequestError as e:
            print(e.body)
    """

    code = "bad_request"


class RateLimitedError(ProcoreError):
    """429 (or a wait for the budget longer than allowed); ``retry_at`` is when to come back.

    Example::

        try:
            client.get("projects", params={"company_id": 8089})
        except procore.RateLimitedError as e:
            time.sleep(e.retry_after or 60)
    """

    code = "rate_limited"
    retry_at: Optional[datetime]

    def __init__(self, message: str = "", *, retry_at: Optional[float] = None, **kwargs: Any) -> None:
        """``retry_at`` is in Unix seconds (kept as an aware ``datetime``).

        Example::

            err = procore.RateLimitedError("slow down", status=429, retry_at=time.time() + 30)
        """
        super().__init__(message, **kwargs)
        self.retry_at = (
            datetime.fromtimestamp(retry_at, tz=timezone.utc) if retry_at is not None else None
        )

    @property
    def retry_after(self) -> Optional[float]:
        """Seconds from now until ``retry_at`` (0 if past), or None.

        Example::

            except procore.RateLimitedError as e:
                time.sleep(e.retry_after or 60)
        """
        if self.retry_at is None:
            return None
        return max(0.0, (self.retry_at - datetime.now(timezone.utc)).total_seconds())


class ServerError(ProcoreError):
    """5xx that outlasted the retries; ``retry_at`` is set when the server said when to come
    back (a 503 whose ``Retry-After`` is longer than the client waits).

    Example::

        try:
            client.get("me")
        except procore.ServerError as e:
            print(e.status, e.retry_at, e.request_id)
    """

    code = "server"
    retry_at: Optional[datetime]

    def __init__(self, message: str = "", *, retry_at: Optional[float] = None, **kwargs: Any) -> None:
        """``retry_at`` is in Unix seconds (kept as an aware ``datetime``), when the server said.

        Example::

            err = procore.ServerError("unavailable", status=503, retry_at=time.time() + 120)
        """
        super().__init__(message, **kwargs)
        self.retry_at = (
            datetime.fromtimestamp(retry_at, tz=timezone.utc) if retry_at is not None else None
        )


class HTTPStatusError(ProcoreError):
    """Any other HTTP error status (405, 409, ...).

    Example::

        try:
            client.post("projects/5/rfis", rfi)
        except procore.HTTPStatusError as e:
            print(e.status, e.body)  # 405, 409, ...
    """

    code = "http"


class RequestTimeoutError(ProcoreError):
    """The request, or the call's overall deadline, timed out.

    Example::

        try:
            client.get("projects", timeout=5, deadline=20)
        except procore.RequestTimeoutError:
            print("Procore did not answer in time")
    """

    code = "timeout"


class NetworkError(ProcoreError):
    """The connection failed: refused, reset, DNS, TLS.

    Example::

        try:
            client.get("me")
        except procore.NetworkError as e:
            print("offline?", e)
    """

    code = "network"


class ConfigError(ProcoreError):
    """The SDK was configured or called wrongly.

    Example::

        try:
            procore.Client("my-access-token", environment="staging")
        except procore.ConfigError as e:
            print(e)  # unknown environment ...
    """

    code = "config"


class DecodeError(ProcoreError):
    """An answer that could not be decoded (invalid JSON, an HTML page).

    Example::

        try:
            data = client.get("me").json()
        except procore.DecodeError:
            data = None
    """

    code = "decode"


class OAuthError(ProcoreError):
    """The OAuth server refused a grant; ``oauth_error`` is its OAuth code (``invalid_client``,
    ...), ``status`` the HTTP status of the token endpoint's answer.

    Example::

        try:
            tokens = oauth.exchange_code(req, code, state)
        except procore.OAuthError as e:
            print(e.oauth_error)  # invalid_grant, invalid_client, ...
    """

    code = "oauth"
    oauth_error: Optional[str]

    def __init__(self, message: str = "", *, oauth_error: Optional[str] = None, **kwargs: Any) -> None:
        """``oauth_error`` is the OAuth ``error`` value of the refusal.

        Example::

            err = procore.OAuthError("refused", status=400, oauth_error="invalid_grant")
        """
        super().__init__(message, **kwargs)
        self.oauth_error = oauth_error


class TokenStoreError(ProcoreError):
    """The token store could not be read or written.

    Example::

        try:
            client.get("me")
        except procore.TokenStoreError as e:
            print("the token store failed:", e)
    """

    code = "store"


class StateMismatchError(ProcoreError):
    """The OAuth ``state`` that came back did not match the one sent.

    Example::

        try:
            tokens = oauth.exchange_code(req, code, returned_state)
        except procore.StateMismatchError:
            abort(400)  # a forged or stale redirect
    """

    code = "state_mismatch"


class InvalidCallError(_FieldErrors):
    """A catalog operation called without what it needs (nothing was sent); ``errors`` maps
    each place (``path.project_id``, ``body.rfi.subject``) to what is wrong there.

    Example::

        try:
            client.call("RestV10ProjectsProjectIdRfisPost", json={"rfi": {}})
        except procore.InvalidCallError as e:
            print(e.errors)  # {"path.project_id": [...], "body.rfi.subject": [...]}
    """

    code = "invalid_call"


class UploadError(ProcoreError):
    """A file upload failed: ``segment`` (1-based, of ``segments``) is the part the object store
    still refused after ``attempts`` tries; ``upload_id`` the upload. ``status`` is the store's
    last HTTP status, when it answered.

    Example::

        try:
            client.upload("site.mp4", project_id=5)
        except procore.UploadError as e:
            print(e.upload_id, e.segment, e.segments, e.attempts, e.status)
    """

    code = "upload"
    upload_id: Optional[str]
    segment: Optional[int]
    segments: Optional[int]
    attempts: Optional[int]

    def __init__(
        self,
        message: str = "",
        *,
        upload_id: Optional[str] = None,
        segment: Optional[int] = None,
        segments: Optional[int] = None,
        attempts: Optional[int] = None,
        **kwargs: Any,
    ) -> None:
        """Where the upload failed: its id, the refused segment (1-based, of ``segments``) and the
        tries made.

        Example::

            err = procore.UploadError("segment refused", upload_id="u1", segment=3, segments=8, attempts=4)
        """
        super().__init__(message, **kwargs)
        self.upload_id = upload_id
        self.segment = segment
        self.segments = segments
        self.attempts = attempts


_BY_CODE: Dict[str, Type[ProcoreError]] = {
    cls.code: cls
    for cls in (
        UnauthorizedError,
        ReauthorizationRequiredError,
        ForbiddenError,
        AppNotConnectedError,
        NotFoundError,
        ValidationError,
        BadRequestError,
        RateLimitedError,
        ServerError,
        HTTPStatusError,
        RequestTimeoutError,
        NetworkError,
        ConfigError,
        DecodeError,
        OAuthError,
        TokenStoreError,
        StateMismatchError,
        InvalidCallError,
        UploadError,
    )
}
