"""Each exception subclass, raised by a real simulator answer (or a real failure)."""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import procore
from conftest import CLIENT_ID, CLIENT_SECRET, DEV_TOKEN, Sim, client_kwargs

BIG = 31337


def test_every_code_has_a_class() -> None:
    from procore._errors import _BY_CODE

    assert sorted(_BY_CODE) == sorted(procore.ERROR_CODES)
    for code, cls in _BY_CODE.items():
        assert issubclass(cls, procore.ProcoreError) and cls.code == code


def test_app_not_connected(dev_client: procore.Client) -> None:
    with pytest.raises(procore.AppNotConnectedError) as e:
        dev_client.get("/rest/v1.0/projects", params={"company_id": 666}, company_id=666)
    err = e.value
    assert err.code == "app_not_connected" and err.status == 403
    assert err.request_id and err.request_id.startswith("sim-")
    assert err.body["message"] == "App is not connected to this company"


def test_not_found(dev_client: procore.Client) -> None:
    with pytest.raises(procore.NotFoundError) as e:
        dev_client.get("/rest/v1.0/projects/1", company_id=8089)
    assert e.value.status == 404 and e.value.code == "not_found"


def test_validation(dev_client: procore.Client) -> None:
    with pytest.raises(procore.ValidationError) as e:
        dev_client.post("/rest/v1.0/projects/100001/rfis", {"rfi": {"subject": ""}}, company_id=BIG)
    assert e.value.status == 422
    assert e.value.errors == {"subject": ["can't be blank"]}
    assert e.value.body == {"errors": {"subject": ["can't be blank"]}}


def test_bad_request(dev_client: procore.Client) -> None:
    with pytest.raises(procore.BadRequestError) as e:
        dev_client.get("/rest/v1.0/projects/100001")  # no company header
    assert e.value.status == 400 and "Procore-Company-Id" in str(e.value)


def test_unauthorized(sim: Sim) -> None:
    c = procore.Client("not-a-token", **client_kwargs(sim))
    with pytest.raises(procore.UnauthorizedError) as e:
        c.get("/rest/v1.0/me")
    assert e.value.status == 401
    assert "not-a-token" not in str(e.value) and "not-a-token" not in repr(e.value)


def test_forbidden(sim: Sim, dev_client: procore.Client) -> None:
    sim.fault(kind="status", status=403, body='{"message":"You do not have access"}')
    with pytest.raises(procore.ForbiddenError) as e:
        dev_client.get("/rest/v1.0/me")
    assert e.value.status == 403 and e.value.body == {"message": "You do not have access"}


def test_rate_limited(sim: Sim) -> None:
    sim.fault(kind="rate_limit_storm", seconds=3)
    c = procore.Client(DEV_TOKEN, max_attempts=1, **client_kwargs(sim))
    with pytest.raises(procore.RateLimitedError) as e:
        c.get("/rest/v1.0/me")
    err = e.value
    assert err.status == 429 and err.code == "rate_limited"
    assert isinstance(err.retry_at, datetime) and err.retry_at > datetime.now(timezone.utc)
    assert err.retry_after is not None and 0 < err.retry_after <= 5
    sim.call("DELETE", "/__simulator/faults")


def test_server(sim: Sim, dev_client: procore.Client) -> None:
    sim.fault(kind="status", status=500, count=10)
    with pytest.raises(procore.ServerError) as e:
        dev_client.get("/rest/v1.0/me", max_attempts=2)
    assert e.value.status == 500
    assert sim.counters()["responses_by_status"]["500"] == 2


def test_http(sim: Sim, dev_client: procore.Client) -> None:
    sim.fault(kind="status", status=409)
    with pytest.raises(procore.HTTPStatusError) as e:
        dev_client.get("/rest/v1.0/me")
    assert e.value.status == 409


def test_decode(sim: Sim, dev_client: procore.Client) -> None:
    sim.fault(kind="malformed", content_type="text/html", body="<html>proxy</html>")
    with pytest.raises(procore.DecodeError) as e:
        dev_client.get("/rest/v1.0/me").json()
    assert e.value.status == 200 and "HTML" in str(e.value)


def test_timeout(sim: Sim, dev_client: procore.Client) -> None:
    sim.fault(kind="latency", ms=1500)
    with pytest.raises(procore.RequestTimeoutError) as e:
        dev_client.get("/rest/v1.0/me", timeout=0.2, max_attempts=1)
    assert e.value.code == "timeout"


def test_network() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    c = procore.Client(DEV_TOKEN, environment=f"http://127.0.0.1:{port}", max_attempts=1)
    with pytest.raises(procore.NetworkError) as e:
        c.get("/rest/v1.0/me")
    assert e.value.status is None


def test_config() -> None:
    with pytest.raises(procore.ConfigError):
        procore.Client(DEV_TOKEN, environment="ftp://example.com")
    with pytest.raises(procore.ConfigError):
        procore.Client(DEV_TOKEN).get("/rest/v1.0/me", version="1.0")


def test_oauth(sim: Sim) -> None:
    c = procore.Client(client_id=CLIENT_ID, client_secret="wrong-secret", **client_kwargs(sim))
    with pytest.raises(procore.OAuthError) as e:
        c.get("/rest/v1.0/me", company_id=8089)
    assert e.value.code == "oauth" and e.value.status == 401
    assert e.value.oauth_error == "invalid_client"
    assert "wrong-secret" not in str(e.value)


def test_reauthorization_required(sim: Sim) -> None:
    tokens = sim.expired_tokens()
    first = procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tokens=tokens, **client_kwargs(sim))
    first.get("/rest/v1.0/me")  # rotates: the refresh token in `tokens` is now burnt
    stale = procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tokens=tokens, **client_kwargs(sim))
    with pytest.raises(procore.ReauthorizationRequiredError) as e:
        stale.get("/rest/v1.0/me")
    assert e.value.code == "reauthorization_required"
    assert tokens["refresh_token"] not in str(e.value)


def test_store(sim: Sim, tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    c = procore.Client(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_store=procore.FileTokenStore(path),
        **client_kwargs(sim),
    )
    with pytest.raises(procore.TokenStoreError) as e:
        c.get("/rest/v1.0/me")
    assert e.value.code == "store"


def test_state_mismatch(sim: Sim) -> None:
    oauth = procore.OAuthClient(CLIENT_ID, CLIENT_SECRET, environment=sim.base)
    req = oauth.authorize_url()
    with pytest.raises(procore.StateMismatchError):
        oauth.exchange_code(req, "some-code", "forged-state")


def test_async_errors_are_the_same_classes(sim: Sim) -> None:
    async def main() -> Any:
        async with procore.AsyncClient(DEV_TOKEN, **client_kwargs(sim)) as c:
            with pytest.raises(procore.AppNotConnectedError) as e:
                await c.get("/rest/v1.0/projects", params={"company_id": 666}, company_id=666)
            assert e.value.status == 403
            with pytest.raises(procore.ValidationError) as v:
                await c.post("/rest/v1.0/projects/100001/rfis", {"rfi": {"status": "nope", "subject": "s"}}, company_id=BIG)
            assert v.value.errors["status"] == ["is not included in the list"]

    asyncio.run(main())
