"""Exceptions: ``ProcoreError`` and one subclass per stable core error code.

Every exception carries ``code`` (the core's stable string), ``status`` (HTTP status, if
there was an answer), ``request_id`` (``X-Request-Id``, for Procore support) and ``body``
(the parsed JSON error body). Messages never contain tokens or secrets.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Type


class ProcoreError(Exception):
    """Base class of every error the SDK raises."""

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
    """401 that a refresh could not cure (or a credential that cannot refresh)."""

    code = "unauthorized"


class ReauthorizationRequiredError(ProcoreError):
    """The refresh token is gone: the user must authorize the app again."""

    code = "reauthorization_required"


class ForbiddenError(ProcoreError):
    """403: no permission, tool disabled, out of scope."""

    code = "forbidden"


class AppNotConnectedError(ProcoreError):
    """403 "App is not connected to this company": reconnect it in App Management."""

    code = "app_not_connected"


class NotFoundError(ProcoreError):
    """404: not found, or not visible to this user."""

    code = "not_found"


class _FieldErrors(ProcoreError):
    """An error that names fields: ``errors`` maps each to its messages."""

    errors: Dict[str, List[str]]

    def __init__(
        self, message: str = "", *, errors: Optional[Dict[str, List[str]]] = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.errors = dict(errors or {})


class ValidationError(_FieldErrors):
    """422: the body did not validate; ``errors`` maps fields to messages."""

    code = "validation"


class BadRequestError(ProcoreError):
    """400: the request was malformed (e.g. a missing company id)."""

    code = "bad_request"


class RateLimitedError(ProcoreError):
    """429 (or a wait for the budget longer than allowed); ``retry_at`` is when to come back."""

    code = "rate_limited"
    retry_at: Optional[datetime]

    def __init__(self, message: str = "", *, retry_at: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_at = (
            datetime.fromtimestamp(retry_at, tz=timezone.utc) if retry_at is not None else None
        )

    @property
    def retry_after(self) -> Optional[float]:
        """Seconds from now until ``retry_at`` (0 if past), or None."""
        if self.retry_at is None:
            return None
        return max(0.0, (self.retry_at - datetime.now(timezone.utc)).total_seconds())


class ServerError(ProcoreError):
    """5xx that outlasted the retries; ``retry_at`` is set when the server said when to come
    back (a 503 whose ``Retry-After`` is longer than the client waits)."""

    code = "server"
    retry_at: Optional[datetime]

    def __init__(self, message: str = "", *, retry_at: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_at = (
            datetime.fromtimestamp(retry_at, tz=timezone.utc) if retry_at is not None else None
        )


class HTTPStatusError(ProcoreError):
    """Any other HTTP error status (405, 409, ...)."""

    code = "http"


class RequestTimeoutError(ProcoreError):
    """The request, or the call's overall deadline, timed out."""

    code = "timeout"


class NetworkError(ProcoreError):
    """The connection failed: refused, reset, DNS, TLS."""

    code = "network"


class ConfigError(ProcoreError):
    """The SDK was configured or called wrongly."""

    code = "config"


class DecodeError(ProcoreError):
    """An answer that could not be decoded (invalid JSON, an HTML page)."""

    code = "decode"


class OAuthError(ProcoreError):
    """The OAuth server refused a grant; ``oauth_error`` is its OAuth code (``invalid_client``,
    ...), ``status`` the HTTP status of the token endpoint's answer."""

    code = "oauth"
    oauth_error: Optional[str]

    def __init__(self, message: str = "", *, oauth_error: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.oauth_error = oauth_error


class TokenStoreError(ProcoreError):
    """The token store could not be read or written."""

    code = "store"


class StateMismatchError(ProcoreError):
    """The OAuth ``state`` that came back did not match the one sent."""

    code = "state_mismatch"


class InvalidCallError(_FieldErrors):
    """A catalog operation called without what it needs (nothing was sent); ``errors`` maps
    each place (``path.project_id``, ``body.rfi.subject``) to what is wrong there."""

    code = "invalid_call"


class UploadError(ProcoreError):
    """A file upload failed: ``segment`` (1-based, of ``segments``) is the part the object store
    still refused after ``attempts`` tries; ``upload_id`` the upload. ``status`` is the store's
    last HTTP status, when it answered."""

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
